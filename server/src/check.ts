// `refcount-review check`: reviews Rust files and directories. Two passes:
// first every file's summary goes into the workspace index (helpers, types, sites), then each
// file is reviewed against it, so a takeover in one file pairs with the decrement in another.

import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Finding, Fix, RuleId, TextEdit } from './protocol/finding';
import { reviewText } from './review';
import { analyzeRustFile } from './rust/extract';
import { RustIndex } from './rust/index';
import { initRustParser } from './rust/parser';
import type { Site } from './rust/site';
import { RULES } from './protocol/rules';
import type { ModelChoice } from './protocol/memoryModel';
import { inKernelTree } from './kernelTree';
import { readSourceSync, walkSources } from './sourceFiles';

export interface CheckIo { out(s: string): void; err(s: string): void }

const SKIP_DIRS = new Set(['target', '.git', 'node_modules']);

interface FileText { file: string; text?: string; skipped?: string }

/**
 * The Rust files under the given paths, read, in a stable order. Explicit files are read whatever
 * their name; entries that cannot be read (missing, FIFOs, devices, too large, not UTF-8) come
 * back with the reason instead of text, never as an exception.
 */
export async function readRustFiles(paths: string[]): Promise<FileText[]> {
  const walk = await walkSources(paths, { skipDir: n => SKIP_DIRS.has(n), wanted: n => n.endsWith('.rs') });
  const read: FileText[] = walk.files.map(f => {
    const r = readSourceSync(f);
    return 'text' in r ? { file: f, text: r.text } : { file: f, skipped: r.skipped };
  });
  return [...read, ...walk.skipped.map(s => ({ file: s.file, skipped: s.reason }))];
}

export interface CheckResult {
  files: number;
  findings: Finding[];
  skipped: { file: string; reason: string }[];
  problems: { file: string; message: string }[];
  /** Files whose exploration stopped at the budget: for them, no finding does not mean no race. */
  bounded: { file: string; message: string }[];
}

export async function runCheck(paths: string[], budget: { maxExplored?: number; maxMillis?: number } = {}, opts: { hints?: boolean; model?: ModelChoice } = {}): Promise<CheckResult> {
  const files = await readRustFiles(paths);
  await initRustParser();
  const index = new RustIndex();
  const sites: Site[] = [];
  const texts = new Map<string, string>();
  const result: CheckResult = { files: files.length, findings: [], skipped: [], problems: [], bounded: [] };
  for (const f of files) {
    if (f.skipped || f.text === undefined) { result.skipped.push({ file: f.file, reason: f.skipped ?? 'unreadable' }); continue; }
    texts.set(f.file, f.text);
    try {
      const a = analyzeRustFile(f.file, f.text);
      index.update(a.summary);
    } catch (e) {
      result.problems.push({ file: f.file, message: `could not read Rust: ${(e as Error).message}` });
    }
  }
  for (const f of files) {
    if (f.text === undefined) continue;
    try { sites.push(...analyzeRustFile(f.file, f.text, undefined, { index }).sites); } catch { /* reported above */ }
  }
  for (const f of files) {
    if (f.text === undefined) continue;
    try {
      const rv = await reviewText(f.file, f.text, { index, otherSites: sites, readFile: p => texts.get(p), budget, hints: opts.hints, model: opts.model, inKernelTree: inKernelTree(f.file) });
      result.findings.push(...rv.findings);
      for (const b of rv.bounded ?? []) result.bounded.push({ file: f.file, message: b });
      for (const p of rv.problems) result.problems.push({ file: f.file, message: p.range ? `${p.range.start.line + 1}:${p.range.start.character + 1}: ${p.message}` : p.message });
    } catch (e) {
      result.problems.push({ file: f.file, message: `review failed: ${(e as Error).message}` });
    }
  }
  return result;
}

// ---- output formats -----------------------------------------------------------------------------

/** Said wherever a file's exploration stopped at the budget: its missing findings prove nothing. */
const BOUNDED_WARNING = 'exploration bounded, verdict unknown (not clean); raise --max-executions/--timeout-ms';

export function formatJson(r: CheckResult): string {
  const findings = r.findings.map(f => ({
    file: f.file, rule: f.rule, severity: f.severity, message: f.message, range: f.range, role: f.role, ordering: f.ordering,
    fix: f.fix ? { title: f.fix.title, edits: f.fix.edits } : null,
    ...(f.alternatives ? { alternatives: f.alternatives.map(a => ({ title: a.title, edits: a.edits })) } : {}),
    related: f.related, trace: f.trace,
  }));
  return JSON.stringify({ version: 1, files: r.files, findings, skipped: r.skipped, problems: r.problems, bounded: r.bounded }, null, 2);
}

export function formatText(r: CheckResult): string {
  const lines: string[] = [];
  for (const f of r.findings) {
    lines.push(`${f.file}:${f.range.start.line + 1}:${f.range.start.character + 1}: ${f.severity} [${f.rule}] ${f.message}`);
    if (f.fix) {
      const e = f.fix.edits[0];
      lines.push(`  fix: ${f.fix.title}${e ? ` — replace with \`${e.newText.trim()}\`` : ''}`);
    }
    for (const a of f.alternatives ?? []) lines.push(`  or: ${a.title}`);
    for (const rel of f.related) lines.push(`  related: ${rel.file}:${rel.range.start.line + 1}:${rel.range.start.character + 1}: ${rel.message}`);
  }
  for (const s of r.skipped) lines.push(`${s.file}: skipped: ${s.reason}`);
  for (const p of r.problems) lines.push(`${p.file}: note: ${p.message}`);
  for (const b of r.bounded) lines.push(`${b.file}: warning: ${BOUNDED_WARNING}: ${b.message}`);
  const n = r.findings.length;
  const nb = new Set(r.bounded.map(b => b.file)).size;
  lines.push(`${r.files} file${r.files === 1 ? '' : 's'} checked, ${n} finding${n === 1 ? '' : 's'}${r.skipped.length ? `, ${r.skipped.length} skipped` : ''}${nb ? `, ${nb} bounded (verdict unknown)` : ''}.`);
  return lines.join('\n');
}

const SARIF_LEVEL = { error: 'error', warning: 'warning', info: 'note', hint: 'note' } as const;

export function formatSarif(r: CheckResult, version: string): string {
  const ruleIds = Object.keys(RULES) as RuleId[];
  const uri = artifactUri;
  const region = (rg: Finding['range']) => ({ startLine: rg.start.line + 1, startColumn: rg.start.character + 1, endLine: rg.end.line + 1, endColumn: rg.end.character + 1 });
  const sarif = {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [{
      tool: { driver: {
        name: 'refcount-review', version, informationUri: 'https://example.invalid/refcount-review',
        rules: ruleIds.map(id => ({ id, name: id, shortDescription: { text: RULES[id].title }, fullDescription: { text: RULES[id].summary }, helpUri: `docs/rules.md#${id}`, defaultConfiguration: { level: SARIF_LEVEL[RULES[id].severity] } })),
      } },
      invocations: [{
        executionSuccessful: true,
        // A bounded exploration or an unread file is not a result, but a reader of the log must see it.
        toolExecutionNotifications: [
          ...r.bounded.map(b => ({ level: 'warning', message: { text: `${BOUNDED_WARNING}: ${b.message}` }, locations: [{ physicalLocation: { artifactLocation: { uri: uri(b.file) } } }] })),
          ...r.skipped.map(sk => ({ level: 'note', message: { text: `skipped: ${sk.reason}` }, locations: [{ physicalLocation: { artifactLocation: { uri: uri(sk.file) } } }] })),
        ],
      }],
      results: r.findings.map(f => ({
        ruleId: f.rule, ruleIndex: ruleIds.indexOf(f.rule), level: SARIF_LEVEL[f.severity], message: { text: f.message },
        locations: [{ physicalLocation: { artifactLocation: { uri: uri(f.file) }, region: region(f.range) } }],
        relatedLocations: f.related.map((rel, i) => ({ id: i, message: { text: rel.message }, physicalLocation: { artifactLocation: { uri: uri(rel.file) }, region: region(rel.range) } })),
        ...(f.fix ? { fixes: [f.fix, ...(f.alternatives ?? [])].map(fix => ({ description: { text: fix.title }, artifactChanges: groupEdits(f, fix).map(([file, edits]) => ({ artifactLocation: { uri: uri(file) }, replacements: edits.map(e => ({ deletedRegion: region(e.range), insertedContent: { text: e.newText } })) })) })) } : {}),
      })),
    }],
  };
  return JSON.stringify(sarif, null, 2);
}

/** A SARIF artifact URI: absolute paths as file: URLs, relative ones as percent-encoded relative references. */
export function artifactUri(file: string): string {
  if (path.isAbsolute(file)) return pathToFileURL(file).href;
  return file.split(path.sep).map(encodeURIComponent).join('/');
}

function groupEdits(f: Finding, fix: Fix): [string, TextEdit[]][] {
  const m = new Map<string, TextEdit[]>();
  for (const e of fix.edits) {
    const file = e.file ?? f.file;
    m.set(file, [...(m.get(file) ?? []), e]);
  }
  return [...m];
}
