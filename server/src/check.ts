// `refcount-review check`: reviews Rust files and directories. Three passes over one parse per
// file: every file's summary goes into the workspace index (helpers, types), then every file's
// sites are read against it, then each file is reviewed with the sites of the files it shares
// counters with, so a takeover in one file pairs with the decrement in another.

import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import type { Finding, RuleId, TextEdit } from './protocol/finding';
import { reviewText, skipReason, MAX_FILE_BYTES } from './review';
import type { ScenarioCache } from './protocol/fixes';
import { analyzeRustFile, summarizeRustFile, type FileAnalysis } from './rust/extract';
import { RustIndex } from './rust/index';
import { initRustParser } from './rust/parser';
import type { Site } from './rust/site';
import { TreeCache } from './rust/trees';
import type { ModelChoice } from './protocol/memoryModel';
import { inKernelTree } from './kernelTree';
import { RULES } from './protocol/rules';

export interface CheckIo { out(s: string): void; err(s: string): void }

export class CheckUsageError extends Error {}

const SKIP_DIRS = new Set(['target', '.git', 'node_modules']);

/** Rust files under the given paths, in a stable order; missing paths are usage/I/O errors. */
export function collectRustFiles(paths: string[]): string[] {
  const out: string[] = [];
  const walk = (p: string, explicit: boolean): void => {
    let st;
    try { st = statSync(p); } catch { throw new CheckUsageError(`cannot read '${p}': no such file or directory`); }
    if (st.isDirectory()) {
      let names: string[];
      try { names = readdirSync(p).sort(); } catch (e) { throw new CheckUsageError(`cannot read directory '${p}': ${(e as Error).message}`); }
      for (const n of names) {
        const child = path.join(p, n);
        if (SKIP_DIRS.has(n)) continue;
        let cst;
        try { cst = statSync(child); } catch { continue; }
        if (cst.isDirectory()) walk(child, false);
        else if (n.endsWith('.rs')) out.push(child);
      }
    } else if (explicit || p.endsWith('.rs')) out.push(p);
  };
  for (const p of paths) walk(p, true);
  return [...new Set(out)];
}

interface FileText { file: string; text?: string; skipped?: string }

function readRust(file: string): FileText {
  let buf: Buffer;
  try { buf = readFileSync(file); } catch (e) { throw new CheckUsageError(`cannot read '${file}': ${(e as Error).message}`); }
  if (buf.length > MAX_FILE_BYTES) return { file, skipped: `file is larger than ${MAX_FILE_BYTES / (1024 * 1024)} MB; not reviewed` };
  if (buf.includes(0)) return { file, skipped: 'file looks binary (contains NUL bytes); not reviewed' };
  let text: string;
  try { text = new TextDecoder('utf-8', { fatal: true }).decode(buf); } catch { return { file, skipped: 'file is not valid UTF-8; not reviewed' }; }
  const why = skipReason(text);
  return why ? { file, skipped: why } : { file, text };
}

export interface CheckResult { files: number; findings: Finding[]; skipped: { file: string; reason: string }[]; problems: { file: string; message: string }[] }

export interface CheckOptions {
  hints?: boolean;
  model?: ModelChoice;
  /** Scenario cache (default: the process-wide one); benchmarks pass a fresh one per run. */
  cache?: ScenarioCache;
  /** Text (UTF-16 units) whose trees are kept between the passes; default TREE_BUDGET_CHARS. */
  treeBudgetChars?: number;
}

/**
 * Trees kept between the index pass and the site pass. Past this much text, the oldest trees are
 * freed and those files parsed again: wasm memory stays bounded on any workspace.
 */
const TREE_BUDGET_CHARS = 64 * 1024 * 1024;

export async function runCheck(paths: string[], budget: { maxExplored?: number; maxMillis?: number } = {}, opts: CheckOptions = {}): Promise<CheckResult> {
  const files = collectRustFiles(paths).map(readRust);
  const result = await checkTexts(files.filter((f): f is FileText & { text: string } => f.text !== undefined), budget, opts);
  result.files = files.length;
  result.skipped = files.filter(f => f.text === undefined).map(f => ({ file: f.file, reason: f.skipped ?? 'unreadable' }));
  return result;
}

/**
 * Reviews texts as one workspace. Each file is parsed once: the tree serves the index pass, then
 * the site pass (whose reading the review reuses), and is freed before the review explores.
 */
export async function checkTexts(files: { file: string; text: string }[], budget: { maxExplored?: number; maxMillis?: number } = {}, opts: CheckOptions = {}): Promise<CheckResult> {
  await initRustParser();
  const index = new RustIndex();
  const trees = new TreeCache(Infinity, opts.treeBudgetChars ?? TREE_BUDGET_CHARS);
  const texts = new Map<string, string>();
  const result: CheckResult = { files: files.length, findings: [], skipped: [], problems: [] };
  const failed = new Set<string>();
  for (const f of files) {
    texts.set(f.file, f.text);
    try {
      index.update(summarizeRustFile(f.file, f.text, trees.parse(f.file, f.text)));
    } catch (e) {
      failed.add(f.file);
      result.problems.push({ file: f.file, message: `could not read Rust: ${(e as Error).message}` });
    }
  }
  const analyses = new Map<string, FileAnalysis>();
  const sites = new WorkspaceSites();
  for (const f of files) {
    if (failed.has(f.file)) { trees.forget(f.file); continue; }
    try {
      const a = analyzeRustFile(f.file, f.text, trees.parse(f.file, f.text), { index });
      analyses.set(f.file, a);
      sites.add(f.file, a.sites);
    } catch { /* reported above */ }
    trees.forget(f.file);
  }
  trees.clear();
  for (const f of files) {
    // Without an analysis (the file could not be read), the review reads it again and says why it failed.
    const analysis = analyses.get(f.file);
    try {
      const rv = await reviewText(f.file, f.text, { index, analysis, otherSites: sites.pairableWith(f.file, analysis?.sites ?? []), readFile: p => texts.get(p), budget, hints: opts.hints, model: opts.model, inKernelTree: inKernelTree(f.file), cache: opts.cache });
      result.findings.push(...rv.findings);
      for (const p of rv.problems) result.problems.push({ file: f.file, message: p.range ? `${p.range.start.line + 1}:${p.range.start.character + 1}: ${p.message}` : p.message });
    } catch (e) {
      result.problems.push({ file: f.file, message: `review failed: ${(e as Error).message}` });
    }
  }
  return result;
}

/**
 * The sites of every file, indexed so that each file's review gets only the other files it can
 * pair with, not the whole workspace (which made checking quadratic in the number of files).
 * Another file's site joins one of this file's counters only when it names the same counter
 * (protocol/roles.ts, classify), and this file's helpers are judged by the calls other files make
 * of them; scenarios then look up fences in those files. So every file that shares a counter
 * with this one, or calls one of its helpers, is passed whole, in workspace order.
 */
class WorkspaceSites {
  private readonly byFile = new Map<string, Site[]>();
  private readonly order = new Map<string, number>();
  private readonly filesByCounter = new Map<string, string[]>();
  /** helper's file -> files with calls of it */
  private readonly callers = new Map<string, string[]>();

  add(file: string, sites: Site[]): void {
    this.byFile.set(file, sites);
    this.order.set(file, this.order.size);
    const push = (m: Map<string, string[]>, k: string): void => {
      const list = m.get(k);
      if (!list) m.set(k, [file]);
      else if (list[list.length - 1] !== file) list.push(file);
    };
    for (const s of sites) {
      if (s.counter) push(this.filesByCounter, s.counter);
      if (s.via) push(this.callers, s.via.helperFile);
    }
  }

  pairableWith(file: string, own: Site[]): Site[] {
    const files = new Set<string>(this.callers.get(file) ?? []);
    for (const c of new Set(own.map(s => s.counter))) {
      if (c) for (const f of this.filesByCounter.get(c) ?? []) files.add(f);
    }
    files.delete(file);
    return [...files].sort((a, b) => this.order.get(a)! - this.order.get(b)!).flatMap(f => this.byFile.get(f)!);
  }
}

// ---- output formats -----------------------------------------------------------------------------

export function formatJson(r: CheckResult): string {
  const findings = r.findings.map(f => ({
    file: f.file, rule: f.rule, severity: f.severity, message: f.message, range: f.range, role: f.role, ordering: f.ordering,
    fix: f.fix ? { title: f.fix.title, edits: f.fix.edits } : null, related: f.related, trace: f.trace,
  }));
  return JSON.stringify({ version: 1, files: r.files, findings, skipped: r.skipped, problems: r.problems }, null, 2);
}

export function formatText(r: CheckResult): string {
  const lines: string[] = [];
  for (const f of r.findings) {
    lines.push(`${f.file}:${f.range.start.line + 1}:${f.range.start.character + 1}: ${f.severity} [${f.rule}] ${f.message}`);
    if (f.fix) {
      const e = f.fix.edits[0];
      lines.push(`  fix: ${f.fix.title}${e ? ` — replace with \`${e.newText.trim()}\`` : ''}`);
    }
    for (const rel of f.related) lines.push(`  related: ${rel.file}:${rel.range.start.line + 1}:${rel.range.start.character + 1}: ${rel.message}`);
  }
  for (const s of r.skipped) lines.push(`${s.file}: skipped: ${s.reason}`);
  for (const p of r.problems) lines.push(`${p.file}: note: ${p.message}`);
  const n = r.findings.length;
  lines.push(`${r.files} file${r.files === 1 ? '' : 's'} checked, ${n} finding${n === 1 ? '' : 's'}${r.skipped.length ? `, ${r.skipped.length} skipped` : ''}.`);
  return lines.join('\n');
}

const SARIF_LEVEL = { error: 'error', warning: 'warning', info: 'note', hint: 'note' } as const;

export function formatSarif(r: CheckResult, version: string): string {
  const ruleIds = Object.keys(RULES) as RuleId[];
  const uri = (f: string): string => f.split(path.sep).join('/');
  const region = (rg: Finding['range']) => ({ startLine: rg.start.line + 1, startColumn: rg.start.character + 1, endLine: rg.end.line + 1, endColumn: rg.end.character + 1 });
  const sarif = {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [{
      tool: { driver: {
        name: 'refcount-review', version, informationUri: 'https://example.invalid/refcount-review',
        rules: ruleIds.map(id => ({ id, name: id, shortDescription: { text: RULES[id].title }, fullDescription: { text: RULES[id].summary }, helpUri: `docs/rules.md#${id}`, defaultConfiguration: { level: SARIF_LEVEL[RULES[id].severity] } })),
      } },
      results: r.findings.map(f => ({
        ruleId: f.rule, ruleIndex: ruleIds.indexOf(f.rule), level: SARIF_LEVEL[f.severity], message: { text: f.message },
        locations: [{ physicalLocation: { artifactLocation: { uri: uri(f.file) }, region: region(f.range) } }],
        relatedLocations: f.related.map((rel, i) => ({ id: i, message: { text: rel.message }, physicalLocation: { artifactLocation: { uri: uri(rel.file) }, region: region(rel.range) } })),
        ...(f.fix ? { fixes: [{ description: { text: f.fix.title }, artifactChanges: groupEdits(f).map(([file, edits]) => ({ artifactLocation: { uri: uri(file) }, replacements: edits.map(e => ({ deletedRegion: region(e.range), insertedContent: { text: e.newText } })) })) }] } : {}),
      })),
    }],
  };
  return JSON.stringify(sarif, null, 2);
}

function groupEdits(f: Finding): [string, TextEdit[]][] {
  const m = new Map<string, TextEdit[]>();
  for (const e of f.fix!.edits) {
    const file = e.file ?? f.file;
    m.set(file, [...(m.get(file) ?? []), e]);
  }
  return [...m];
}
