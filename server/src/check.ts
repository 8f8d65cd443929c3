// `refcount-review check`: reviews Rust files and directories. Three passes over at most one parse
// per file: every file's summary goes into the workspace index (helpers, types), then every file's
// sites are read against it, then each file is reviewed with the sites of the files it shares
// counters with, so a takeover in one file pairs with the decrement in another. A file that cannot
// hold a site is parsed only if a lookup of the index needs its declarations.

import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Finding, Fix, RuleId, TextEdit } from './protocol/finding';
import { reviewText, skipReason } from './review';
import type { ScenarioCache } from './protocol/fixes';
import { analyzeRustFile, mayHoldSites, mentionsCounters, namesRefcount, summarizeRustFile, type FileAnalysis } from './rust/extract';
import { RustIndex, type FileSummary } from './rust/index';
import { isCounterReference } from './rust/receiver';
import { mayTestCallOf } from './rust/context';
import { initRustParser, ParseTimeout } from './rust/parser';
import type { Site } from './rust/site';
import { TreeCache } from './rust/trees';
import { RULES } from './protocol/rules';
import { explanationNotes, explanationText } from './protocol/messages';
import type { ModelChoice } from './protocol/memoryModel';
import { inKernelTree } from './kernelTree';
import { justificationLines, type Justification } from './protocol/justification';
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
  /** With `justify`: why each clean checked site has its ordering (protocol/justification.ts). */
  justifications?: Justification[];
}

export interface CheckOptions {
  hints?: boolean;
  justify?: boolean;
  model?: ModelChoice;
  /** Scenario cache (default: the process-wide one); benchmarks pass a fresh one per run. */
  cache?: ScenarioCache;
  /** Text (UTF-16 units) whose trees are kept between the passes; default TREE_BUDGET_CHARS. */
  treeBudgetChars?: number;
  /**
   * Parse every file for the index up front, not only when a lookup may need it (RustIndex.defer).
   * The results are the same; tests compare the two.
   */
  readAll?: boolean;
}

/**
 * Trees kept between the index pass and the site pass. Past this much text, the oldest trees are
 * freed and those files parsed again: wasm memory stays bounded on any workspace.
 */
const TREE_BUDGET_CHARS = 64 * 1024 * 1024;

export async function runCheck(paths: string[], budget: { maxExplored?: number; maxMillis?: number } = {}, opts: CheckOptions = {}): Promise<CheckResult> {
  const files = await readRustFiles(paths);
  const result = await checkTexts(files.filter((f): f is FileText & { text: string } => f.text !== undefined), budget, opts);
  result.files = files.length;
  result.skipped = files.filter(f => f.text === undefined).map(f => ({ file: f.file, reason: f.skipped ?? 'unreadable' }));
  return result;
}

/**
 * Reviews texts as one workspace. Each file is parsed at most once: the tree serves the index pass,
 * then the site pass (whose reading the review reuses), and is freed before the review explores;
 * a file that cannot hold a site is parsed only if the index needs it (RustIndex.defer).
 */
export async function checkTexts(files: { file: string; text: string }[], budget: { maxExplored?: number; maxMillis?: number } = {}, opts: CheckOptions = {}): Promise<CheckResult> {
  await initRustParser();
  const index = new RustIndex();
  index.testCallNames = new Set();
  const trees = new TreeCache(Infinity, opts.treeBudgetChars ?? TREE_BUDGET_CHARS);
  const texts = new Map<string, string>();
  const result: CheckResult = { files: files.length, findings: [], skipped: [], problems: [], bounded: [] };
  const failed = new Map<string, string>();
  const summaries = new Map<string, FileSummary>();
  const analyses = new Map<string, FileAnalysis>();
  // A parse given up at its time cap would be given up again: such a file is not read twice.
  const gaveUp = new Set<string>();
  const unreadable = (file: string, e: unknown): void => {
    failed.set(file, `could not read Rust: ${(e as Error).message}`);
    if (e instanceof ParseTimeout) gaveUp.add(file);
  };
  const summarize = (f: { file: string; text: string }): void => {
    try {
      summaries.set(f.file, summarizeRustFile(f.file, f.text, trees.parse(f.file, f.text)));
    } catch (e) {
      unreadable(f.file, e);
    }
  };
  // Files that may hold counters are indexed first, keeping their trees for the site pass; they
  // name every helper and every struct of counter references.
  const counterFiles = new Set<string>();
  for (const f of files) {
    texts.set(f.file, f.text);
    if (!mentionsCounters(f.text)) continue;
    counterFiles.add(f.file);
    summarize(f);
  }
  const helperNames = [...new Set([...summaries.values()].flatMap(s => s.helpers.map(h => h.fnName)))];
  const referenceStructs = [...summaries.values()].flatMap(s => Object.entries(s.structs).filter(([, fields]) => Object.values(fields).some(isCounterReference)).map(([name]) => name));
  // A file that calls none of those and mentions no counter has no sites: all it can give is
  // structs, signatures and consts for the index, and it is parsed only when a lookup may need one
  // of them (RustIndex.defer). Most such files are never parsed; their syntax errors are not
  // reported, as no atomic operation can be missed in them.
  const deferred = new Set<string>();
  for (const f of files) {
    if (counterFiles.has(f.file)) continue;
    if (mayHoldSites(f.text, helperNames, referenceStructs, false)) summarize(f);
    else deferred.add(f.file);
  }
  // A deferred file that cannot be read gives nothing, and like its syntax errors that is not
  // reported: whether it is read at all depends on the lookups.
  const readDeferred = (f: { file: string; text: string }) => (): FileSummary | null => {
    try {
      return summarizeRustFile(f.file, f.text);
    } catch {
      return null;
    }
  };
  // In workspace order, as the index answers lookups in the order of its files.
  for (const f of files) {
    if (deferred.has(f.file)) { index.defer(f.file, f.text, readDeferred(f)); continue; }
    const s = summaries.get(f.file);
    if (s) index.update(s);
    const why = failed.get(f.file);
    if (why !== undefined) result.problems.push({ file: f.file, message: why });
  }
  if (opts.readAll) index.readDeferred();
  // Deferred files mention no counter type, so only the others can name Refcount.
  const refcountTypes = files.some(f => !deferred.has(f.file) && namesRefcount(f.text));
  const sites = new WorkspaceSites();
  for (const f of files) {
    if (failed.has(f.file)) { trees.forget(f.file); continue; }
    if (deferred.has(f.file)) continue;
    try {
      const a = analyzeRustFile(f.file, f.text, trees.parse(f.file, f.text), { index, refcountTypes });
      analyses.set(f.file, a);
      sites.add(f.file, a.sites);
      // A file whose function returns a last-reference test may be read again below: keep its tree.
      if (a.sites.some(st => st.context.returnedTest)) continue;
    } catch { /* reported above */ }
    trees.forget(f.file);
  }
  // A branch on a returned last-reference test (`if x.ref_dec() { dealloc }`) in one file tells the
  // file that returns it where the object is taken. The site pass asks the index about those
  // functions by name (all summaries hold no such branches yet); the files that may branch on them
  // are read whole, deferred ones too, and the files that return a test are read again with their
  // branches in the index. A name asked only in that second reading starts one more round.
  const readForTests = new Set<string>();
  let newNames = [...index.testCallNames!];
  while (newNames.length > 0) {
    for (const n of newNames) readForTests.add(n);
    for (const f of files) {
      if (!deferred.has(f.file) || analyses.has(f.file) || !mayTestCallOf(f.text, newNames)) continue;
      try {
        analyses.set(f.file, analyzeRustFile(f.file, f.text, undefined, { index, refcountTypes }));
      } catch { /* as readDeferred */ }
    }
    const callees = new Set([...analyses.values()].flatMap(a => (a.summary.testCalls ?? []).map(t => t.callee)));
    if (callees.size === 0) break;
    for (const a of analyses.values()) index.update(a.summary);
    for (const f of files) {
      const a = analyses.get(f.file);
      if (!a || !a.sites.some(st => st.context.returnedTest) || !a.summary.fns.some(fn => callees.has(fn.name))) continue;
      try {
        const again = analyzeRustFile(f.file, f.text, trees.parse(f.file, f.text), { index, refcountTypes });
        analyses.set(f.file, again);
        sites.add(f.file, again.sites);
      } catch { /* keep the first reading */ }
    }
    newNames = [...index.testCallNames!].filter(n => !readForTests.has(n));
  }
  trees.clear();
  for (const f of files) {
    // Without an analysis (the file could not be read), the review reads it again and says why it failed.
    const analysis = analyses.get(f.file);
    if (gaveUp.has(f.file) || deferred.has(f.file)) continue;
    const problem = (p: { message: string; range?: { start: { line: number; character: number } } | null }): void => {
      result.problems.push({ file: f.file, message: p.range ? `${p.range.start.line + 1}:${p.range.start.character + 1}: ${p.message}` : p.message });
    };
    // A review judges the counters of the file's own sites (protocol/roles.ts classify): a file
    // without sites has none, and its review would only repeat what the reading found.
    if (analysis && analysis.sites.length === 0 && !analysis.problems.some(p => p.kind === 'unresolved-ordering')) {
      if (!skipReason(f.text)) for (const p of analysis.problems) problem(p);
      continue;
    }
    try {
      const rv = await reviewText(f.file, f.text, { index, analysis, otherSites: sites.pairableWith(f.file, analysis?.sites ?? []), readFile: p => texts.get(p), budget, hints: opts.hints, justify: opts.justify, model: opts.model, inKernelTree: inKernelTree(f.file), cache: opts.cache });
      result.findings.push(...rv.findings);
      if (opts.justify) (result.justifications ??= []).push(...(rv.justifications ?? []));
      for (const b of rv.bounded ?? []) result.bounded.push({ file: f.file, message: b });
      for (const p of rv.problems) problem(p);
    } catch (e) {
      result.problems.push({ file: f.file, message: `review failed: ${(e as Error).message}` });
    }
  }
  return result;
}

/**
 * The sites of every file, indexed so that each file's review gets only the other files it can
 * pair with, not the whole workspace (which made checking quadratic in the number of files).
 * Another file's site joins one of this file's counters when it reaches the same field
 * (`Site.counter`, see protocol/roles.ts classify), and a call in another file of one of this
 * file's helpers is a site of this file's protocol (`via`); the scenarios then look up fences in
 * that site's file, so such files are passed whole, in workspace order. A site whose field the
 * reader could not name links files by its receiver text. A site with a named field links by that
 * alone: the same receiver text on another counter (`self.count` of every type in a workspace of
 * many small files) would pass every such file to every other, and reviewing was quadratic.
 */
class WorkspaceSites {
  private readonly byFile = new Map<string, Site[]>();
  private readonly order = new Map<string, number>();
  private readonly filesByKey = new Map<string, string[]>();

  private link(key: string, file: string): void {
    const list = this.filesByKey.get(key);
    if (!list) this.filesByKey.set(key, [file]);
    else if (list[list.length - 1] !== file) list.push(file);
  }

  add(file: string, sites: Site[]): void {
    this.byFile.set(file, sites);
    if (!this.order.has(file)) this.order.set(file, this.order.size);
    for (const s of sites) {
      if (s.receiver && !s.counter) this.link(`r:${s.receiver}`, file);
      if (s.counter) this.link(`c:${s.counter}`, file);
      if (s.via) this.link(`h:${s.via.helperFile}`, file);
    }
  }

  pairableWith(file: string, own: Site[]): Site[] {
    const keys = new Set<string>([`h:${file}`]);
    for (const s of own) {
      if (s.receiver && !s.counter) keys.add(`r:${s.receiver}`);
      if (s.counter) keys.add(`c:${s.counter}`);
      if (s.via) keys.add(`h:${s.via.helperFile}`);
    }
    const files = new Set<string>();
    for (const k of keys) for (const f of this.filesByKey.get(k) ?? []) if (f !== file) files.add(f);
    return [...files].sort((a, b) => this.order.get(a)! - this.order.get(b)!).flatMap(f => this.byFile.get(f)!);
  }
}

// ---- output formats -----------------------------------------------------------------------------

/** A paired site as the terminal shows it: relative to the working directory when below it. */
function displayWhere(file: string, line: number): string {
  const rel = path.relative(process.cwd(), file);
  return `${rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : file}:${line + 1}`;
}

/** Said wherever a file's exploration stopped at the budget: its missing findings prove nothing. */
const BOUNDED_WARNING = 'exploration bounded, verdict unknown (not clean); raise --max-executions/--timeout-ms';

export function formatJson(r: CheckResult): string {
  const findings = r.findings.map(f => ({
    file: f.file, rule: f.rule, severity: f.severity, message: f.message,
    ...(f.explanation ? { explanation: f.explanation } : {}),
    range: f.range, role: f.role, ordering: f.ordering,
    fix: f.fix ? { title: f.fix.title, edits: f.fix.edits } : null,
    ...(f.alternatives ? { alternatives: f.alternatives.map(a => ({ title: a.title, edits: a.edits })) } : {}),
    ...(f.protocolFix ? { protocolFix: { title: f.protocolFix.title, edits: f.protocolFix.edits } } : {}),
    related: f.related, trace: f.trace,
  }));
  const justifications = r.justifications?.map(j => ({ ...j, text: justificationLines(j, displayWhere).join(' ') }));
  return JSON.stringify({ version: 1, files: r.files, findings, skipped: r.skipped, problems: r.problems, bounded: r.bounded, ...(justifications ? { justifications } : {}) }, null, 2);
}

export function formatText(r: CheckResult): string {
  const lines: string[] = [];
  for (const f of r.findings) {
    lines.push(`${f.file}:${f.range.start.line + 1}:${f.range.start.character + 1}: ${f.severity} [${f.rule}] ${f.message}`);
    // The reasoning under the headline, as rustc prints its notes.
    if (f.explanation) for (const n of explanationNotes(f.explanation)) lines.push(`  = note: ${n}`);
    if (f.fix) {
      const e = f.fix.edits[0];
      // The written text only when the title does not already show it (`Ordering::Acquire` for "Use `Acquire`").
      const written = e?.newText.trim();
      lines.push(`  fix: ${f.fix.title}${written && !f.fix.title.includes(`\`${written}\``) ? ` — replace with \`${written}\`` : ''}`);
    }
    for (const a of f.alternatives ?? []) lines.push(`  or: ${a.title}`);
    if (f.protocolFix) lines.push(`  or: ${f.protocolFix.title}`);
    for (const rel of f.related) lines.push(`  related: ${rel.file}:${rel.range.start.line + 1}:${rel.range.start.character + 1}: ${rel.message}`);
  }
  for (const j of r.justifications ?? []) {
    const [first, ...rest] = justificationLines(j, displayWhere);
    lines.push(`${j.file}:${j.range.start.line + 1}:${j.range.start.character + 1}: ORDERING: ${first}`, ...rest.map(l => `  ${l}`));
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
        // message.text is the one-line headline; the reasoning goes in the result's property bag
        // (SARIF 2.1.0 has no long description on a result, and message.markdown must say the same as text).
        ruleId: f.rule, ruleIndex: ruleIds.indexOf(f.rule), level: SARIF_LEVEL[f.severity], message: { text: f.message },
        ...(f.explanation ? { properties: { explanation: explanationText(f.explanation), notes: explanationNotes(f.explanation) } } : {}),
        locations: [{ physicalLocation: { artifactLocation: { uri: uri(f.file) }, region: region(f.range) } }],
        relatedLocations: f.related.map((rel, i) => ({ id: i, message: { text: rel.message }, physicalLocation: { artifactLocation: { uri: uri(rel.file) }, region: region(rel.range) } })),
        ...(f.fix ? { fixes: [f.fix, ...(f.alternatives ?? []), ...(f.protocolFix ? [f.protocolFix] : [])].map(fix => ({ description: { text: fix.title }, artifactChanges: groupEdits(f, fix).map(([file, edits]) => ({ artifactLocation: { uri: uri(file) }, replacements: edits.map(e => ({ deletedRegion: region(e.range), insertedContent: { text: e.newText } })) })) })) } : {}),
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
