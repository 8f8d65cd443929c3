// The review pipeline shared by the language server and the CLI (DESIGN.md section 1):
//   Rust text --tree-sitter--> Site[] --classify--> Counter[] --scenarios--> Scenario[]
//             --explore--> verdicts --fixes--> Finding[]
// One direction only; nothing here knows about LSP or the terminal.

import type { Budget } from './memory/result';
import type { Finding, RuleId, ScenarioView, Severity, Range } from './protocol/finding';
import { classify, describeRole, type Counter } from './protocol/roles';
import { buildScenarios, slotsOf, VALID, type Scenario } from './protocol/scenarios';
import { judgeCounter, ScenarioCache, weakenings } from './protocol/fixes';
import { counterFindings, orderingsOf, slotEdits } from './protocol/report';
import { analyzeRustFile, type FileAnalysis } from './rust/extract';
import { initRustParser } from './rust/parser';
import type { RustIndex } from './rust/index';
import type { TreeCache } from './rust/trees';
import type { Site } from './rust/site';

export interface ReviewOptions {
  budget?: Budget;
  model?: 'c11';
  /** Per-rule severity overrides ('off' drops the rule). */
  severity?: Partial<Record<RuleId, Severity | 'off'>>;
  /** Include 'stronger-than-needed' hints (off by default). */
  hints?: boolean;
  /** Workspace index: helpers, types and the sites of other files (for pairing across files). */
  index?: RustIndex;
  /** Sites of other files of the workspace, to pair with this file's sites of the same counter. */
  otherSites?: Site[];
  /** Reads another file's text (for import edits in helper files). */
  readFile?: (file: string) => string | undefined;
  cache?: ScenarioCache;
  /** Keeps each file's last tree so an edited text is re-parsed incrementally (the language server's worker). */
  trees?: TreeCache;
  /** This text's sites as `analyzeRustFile` read them against `index` (check has them already). */
  analysis?: FileAnalysis;
}

export interface FileReview {
  file: string;
  findings: Finding[];
  /** Scenarios explored for this file, for the simulator (referenced by Finding.scenario). */
  scenarios: ScenarioView[];
  /** Per-file problems that are not findings (parse errors, skipped file reasons). */
  problems: { message: string; range?: Range }[];
  /** Set when the file was not reviewed at all (binary, too large, not UTF-8), with the reason. */
  skipped?: string;
  /** Sites found in this file (for hovers and the workspace index). */
  sites?: Site[];
  counters?: { key: string; isRefcount: boolean; why: string; sites: { id: string; role: string }[] }[];
}

export const MAX_FILE_BYTES = 2 * 1024 * 1024;
const DEFAULT_BUDGET: Budget = { maxExplored: 200_000, maxMillis: 5_000 };
const sharedCache = new ScenarioCache();

/** Why a text should not be reviewed at all, if it should not. */
export function skipReason(text: string): string | undefined {
  if (text.length > MAX_FILE_BYTES) return `file is larger than ${MAX_FILE_BYTES / (1024 * 1024)} MB; not reviewed`;
  if (text.includes('\u0000')) return 'file looks binary (contains NUL bytes); not reviewed';
  if (text.includes('\uFFFD')) return 'file is not valid UTF-8; not reviewed';
  return undefined;
}

const INVALID_WHY: Record<string, string> = {
  load: 'a load cannot be Release or AcqRel (Rust panics at run time)',
  store: 'a store cannot be Acquire or AcqRel (Rust panics at run time)',
  fence: 'a fence cannot be Relaxed (Rust panics at run time)',
  failure: 'a compare-exchange failure ordering cannot be Release or AcqRel (Rust panics at run time)',
};

export async function reviewText(file: string, text: string, opts: ReviewOptions = {}): Promise<FileReview> {
  const review: FileReview = { file, findings: [], scenarios: [], problems: [], sites: [], counters: [] };
  const skipped = skipReason(text);
  if (skipped) { review.skipped = skipped; return review; }
  await initRustParser();
  const analysis = opts.analysis ?? analyzeRustFile(file, text, opts.trees?.parse(file, text), { index: opts.index });
  review.sites = analysis.sites;
  const budget = { ...DEFAULT_BUDGET, ...opts.budget };
  const cache = opts.cache ?? sharedCache;
  const fileText = (f: string): string | undefined => (f === file ? text : opts.readFile?.(f));
  const findings: Finding[] = [];
  const linesOf = new Map<string, string[] | undefined>();
  const fileLines = (f: string): string[] | undefined => {
    if (!linesOf.has(f)) linesOf.set(f, fileText(f)?.split('\n'));
    return linesOf.get(f);
  };

  for (const p of analysis.problems) {
    if (p.kind === 'unresolved-ordering') {
      findings.push({ file, rule: 'unresolved-ordering', severity: 'info', message: p.message, range: p.range, role: 'unknown', ordering: 'unresolved', fix: null, related: [], trace: null });
    } else review.problems.push({ message: p.message, range: p.range });
  }

  // Orderings Rust rejects at run time are errors whatever the protocol.
  for (const s of analysis.sites) {
    for (const slot of slotsOf(s)) {
      const o = slot.arg?.ordering;
      if (!slot.arg || slot.arg.implied || !o) continue;
      const valid = slot.which === 'failure' || slot.which === 'fetch' ? VALID.load : VALID[slot.access];
      if (!valid.includes(o)) {
        const why = INVALID_WHY[slot.which === 'failure' || slot.which === 'fetch' ? 'failure' : slot.access];
        findings.push({ file, rule: 'invalid-ordering', severity: 'error', message: `Invalid ordering ${o}: ${why}.`, range: slot.arg.range ?? s.range, role: slot.access, ordering: o, fix: null, related: [], trace: null });
      }
    }
  }

  const all = [...analysis.sites, ...(opts.otherSites ?? []).filter(s => s.file !== file)];
  const sitesById = new Map(all.map(s => [`${s.file}#${s.id}`, s]));
  const structs = analysis.summary.structs;
  // Asked once per site: answered once per field name, or a file with many structs is quadratic.
  const owners = new Map<string, string[]>();
  const ownersOf = (field: string): string[] => {
    let out = owners.get(field);
    if (!out) {
      out = Object.entries(structs).filter(([, fields]) => fields[field] !== undefined && /Atomic|Refcount|refcount_t/.test(fields[field])).map(([name]) => name);
      owners.set(field, out);
    }
    return out;
  };
  const counters: Counter[] = classify(all, file, ownersOf);
  for (const counter of counters) {
    review.counters!.push({ key: counter.key, isRefcount: counter.isRefcount, why: counter.why, sites: counter.sites.filter(cs => cs.site.file === file).map(cs => ({ id: cs.site.id, role: describeRole(cs.role) })) });
    if (!counter.isRefcount) continue;
    for (const cs of counter.sites) {
      if (cs.role.kind === 'other' && cs.site.file === file) {
        findings.push({ file, rule: 'ambiguous-role', severity: 'info', message: `Refcount Review cannot tell what this ${cs.site.op} does in the reference-count protocol of ${counter.key} (${cs.role.why}); it was not checked.`, range: cs.site.range, role: 'unknown', ordering: orderingsOf(cs.site), fix: null, related: [], trace: null });
      }
    }
    // Sites with invalid or unresolved orderings cannot be modelled; their scenarios are skipped.
    const modelable = (sc: Scenario): boolean => sc.slots.every(sl => !sl.arg || (sl.arg.ordering !== null && (sl.which === 'failure' || sl.which === 'fetch' ? VALID.load : VALID[sl.access]).includes(sl.arg.ordering)));
    let scenarios: Scenario[];
    try {
      scenarios = buildScenarios(counter, sitesById).filter(modelable);
    } catch (e) {
      review.problems.push({ message: `${counter.key}: ${(e as Error).message}` });
      continue;
    }
    if (scenarios.length === 0) continue;
    const verdict = judgeCounter(scenarios, cache, budget);
    if (verdict.bounded) review.problems.push({ message: `${counter.key}: exploration ${verdict.bounded}; the verdict may be incomplete` });
    for (const v of verdict.verdicts) {
      if (!v.scenario.sites.some(s => s.file === file)) continue;
      review.scenarios.push({
        id: v.scenario.id, title: v.scenario.title, file, program: v.program,
        sites: v.scenario.sites.map(s => ({
          file: s.file, range: s.range, text: callText(s, fileLines(s.file)),
          role: describeRole(counter.sites.find(cs => cs.site === s)?.role ?? { kind: 'other', why: s.op }),
          orderingRanges: s.orderings.filter(o => o.range && !o.implied).map(o => ({ range: o.range!, which: o.which === 'success' || o.which === 'set' ? 'success' as const : o.which === 'failure' || o.which === 'fetch' ? 'failure' as const : 'single' as const })),
        })),
      });
    }
    findings.push(...counterFindings(file, counter, verdict, fileText));
    if (opts.hints && verdict.racy.length === 0 && !verdict.bounded) {
      for (const w of weakenings(scenarios, cache, budget)) {
        const site = w.slot.site;
        if (site.file !== file || !w.slot.arg?.range) continue;
        findings.push({
          file, rule: 'stronger-than-needed', severity: 'hint',
          message: `${w.slot.current} is stronger than this reference count needs here: with only this ordering weakened to ${w.to}, every scenario stays race-free (${w.executions} executions explored; other hints were checked on their own, not together). Only the refcount protocol is modelled; keep the stronger ordering if other code relies on it.`,
          range: w.slot.arg.range, role: describeRole(counter.sites.find(cs => cs.site === site)?.role ?? { kind: 'other', why: site.op }),
          ordering: orderingsOf(site),
          fix: { title: `Relax to ${w.to}`, edits: slotEdits(w.slot, w.to, fileText), verified: { scenarios: scenarios.length, executions: w.executions } },
          related: [], trace: null,
        });
      }
    }
  }

  review.findings = applySeverity(findings, opts);
  return review;
}

function applySeverity(findings: Finding[], opts: ReviewOptions): Finding[] {
  const out: Finding[] = [];
  for (const f of findings) {
    if (f.rule === 'stronger-than-needed' && !opts.hints) continue;
    const sev = opts.severity?.[f.rule];
    if (sev === 'off') continue;
    out.push(sev ? { ...f, severity: sev } : f);
  }
  return out.sort((a, b) => a.range.start.line - b.range.start.line || a.range.start.character - b.range.start.character);
}

/** The site's call as one line (multi-line receiver chains joined), for the simulator's rows. */
function callText(s: Site, lines: string[] | undefined): string {
  if (!lines) return s.receiverText;
  const { start, end } = s.range;
  const parts: string[] = [];
  for (let l = start.line; l <= end.line && l < lines.length; l++) {
    const line = lines[l];
    parts.push(l === start.line && l === end.line ? line.slice(start.character, end.character) : l === start.line ? line.slice(start.character) : l === end.line ? line.slice(0, end.character) : line);
  }
  const text = parts.map(p => p.trim()).join('').replace(/\s+/g, ' ');
  return text.length > 160 ? text.slice(0, 157) + '...' : text;
}
