// The review pipeline shared by the language server and the CLI (docs/architecture.md):
//   Rust text --tree-sitter--> Site[] --classify--> Counter[] --scenarios--> Scenario[]
//             --explore--> verdicts --fixes--> Finding[]
// One direction only; nothing here knows about LSP or the terminal.

import type { Budget } from './memory/result';
import type { ModelName } from './memory/ir';
import { fileModel, kernelEvidence, modelTitle, type ModelChoice } from './protocol/memoryModel';
import type { Finding, Fix, RuleId, ScenarioView, Severity, Range, TextEdit } from './protocol/finding';
import { confirmAlternatives } from './protocol/alternatives';
import { confirmationKeys } from './protocol/confirmationKeys';
import { lendTree } from './protocol/fixCheck';
import { classify, describeRole, type Counter } from './protocol/roles';
import { buildScenarios, cloneScenarios, ScenarioError, slotsOf, type Scenario } from './protocol/scenarios';
import { apiFamily, invalidWhy, validOrderings, type Access } from './protocol/orderings';
import { judgeCounter, ScenarioCache, weakenings } from './protocol/fixes';
import { counterFindings, orderingsOf, slotEdits, type ModelContrast } from './protocol/report';
import { mergeSiteFindings } from './protocol/mergeFindings';
import { ambiguousHeadline, invalidHeadline, weakerHeadline } from './protocol/messages';
import { callText as siteCallText, textAt } from './protocol/siteText';
import { analyzeRustFile, type FileAnalysis } from './rust/extract';
import { initRustParser, ParseTimeout } from './rust/parser';
import type { RustIndex } from './rust/index';
import { TreeCache } from './rust/trees';
import { fileScopeOf, type FileScope } from './rust/scope';
import type { OrderingSlot, Problem, Site } from './rust/site';
import { writtenAsConstant } from './rust/site';
import { justifyCounter, orderingCommentBlock, staleOrderingComment, type Anchor, type Justification, type JustifyInput } from './protocol/justification';
import { statementStart } from './rust/syntax';
import { withRustTree, type Tree } from './rust/parser';

export interface ReviewOptions {
  budget?: Budget;
  /** The memory model: `auto` (the default) checks kernel code under LKMM and other code under C11/RC11. */
  model?: ModelChoice;
  /** The file lies in a kernel source tree (a tree with rust/kernel/): `auto` treats it as kernel code. */
  inKernelTree?: boolean;
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
  /** Set on the re-review that confirms an alternative fix, so it does not confirm alternatives of its own. */
  confirming?: boolean;
  /** Derive ORDERING justifications for the clean sites (protocol/justification.ts); costs explorations. */
  justify?: boolean;
  /** Report `// ORDERING:` comments that name an ordering the call below no longer has. */
  orderingCommentLint?: boolean;
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
  /** Executions explored over the scenarios of this file's counters. */
  executions?: number;
  /** The model this file's counters were checked under (a counter LKMM cannot express falls back to RC11, with a note). */
  model?: ModelName;
  /** Why `auto` chose that model, in words. */
  modelWhy?: string;
  /** Counters whose exploration hit the budget: their verdicts are unknown, not clean. */
  bounded?: string[];
  /** Why each clean checked site of this file has its ordering (with `justify`). */
  justifications?: Justification[];
}

/**
 * Alternative fixes confirmed per file review (each costs a review of the edited file). Past it,
 * further alternatives are not offered: an unconfirmed fix is never offered.
 */
const MAX_CONFIRMED_ALTERNATIVES = 8;

export const MAX_FILE_BYTES = 2 * 1024 * 1024;
const DEFAULT_BUDGET: Budget = { maxExplored: 200_000, maxMillis: 5_000 };
const sharedCache = new ScenarioCache();

/** Why a text should not be reviewed at all, if it should not. */
export function skipReason(text: string): string | undefined {
  if (text.length > MAX_FILE_BYTES) return `file is larger than ${MAX_FILE_BYTES / (1024 * 1024)} MB; not reviewed`;
  if (text.includes('\u0000')) return 'file looks binary (contains NUL bytes); not reviewed';
  return undefined;
}

function hintFix(to: string, edits: TextEdit[], verified: Fix['verified']): Fix | null {
  return edits.length ? { title: `Relax to \`${to}\``, edits, verified } : null;
}

/** What an ordering slot applies to, for the validity tables: a CAS failure ordering is its own kind. */
function accessOf(slot: { which: string; access: Access }): Access {
  return slot.which === 'failure' || slot.which === 'fetch' ? 'cas-failure' : slot.access;
}

/** The simulator's name for a site's ordering slot: fetch_update's `set`/`fetch` act as a CAS's success/failure. */
function viewSlot(which: OrderingSlot): 'success' | 'failure' | 'single' {
  return which === 'success' || which === 'set' ? 'success' : which === 'failure' || which === 'fetch' ? 'failure' : 'single';
}

/** A site as the simulator sees it (ScenarioView `sites`), read against its file's lines when known. */
export function viewSite(s: Site, role: string, lines: string[] | undefined): ScenarioView['sites'][number] {
  return {
    file: s.file, range: s.range, text: callText(s, lines), role,
    // As the edit planner spells a change: in the written argument's family, else the API's.
    family: s.orderings.find(o => o.range && !o.implied)?.family ?? apiFamily(s.api),
    // A helper's ordering lives in the helper's file: Apply on this site cannot write it there.
    orderingRanges: s.orderings.filter(o => o.range && !o.implied && (!o.file || o.file === s.file)).map(o => ({
      range: o.range!, which: viewSlot(o.which),
      ...(lines ? { text: textAt(lines, o.range!) } : {}),
      // A parameter or an expression: rewriting it would change every caller's ordering, or the code.
      ...(writtenAsConstant(o) ? {} : { notConstant: { ...(o.parameter ? { parameter: o.parameter } : {}), how: o.how } }),
    })),
    ...(s.orderings.some(o => o.implied) ? { implied: s.orderings.filter(o => o.implied).map(o => ({ which: viewSlot(o.which), how: o.how })) } : {}),
  };
}

export async function reviewText(file: string, text: string, opts: ReviewOptions = {}): Promise<FileReview> {
  const skipped = skipReason(text);
  if (skipped) return { file, findings: [], scenarios: [], problems: [], sites: [], counters: [], skipped };
  await initRustParser();
  try {
    return await reviewUnskipped(file, text, opts);
  } catch (e) {
    if (e instanceof ParseTimeout) return { file, findings: [], scenarios: [], problems: [], sites: [], counters: [], skipped: e.message };
    throw e;
  }
}

async function reviewUnskipped(file: string, text: string, opts: ReviewOptions): Promise<FileReview> {
  // The language server keeps the buffer's tree: fix checks and re-reviews start from it.
  const tree = opts.trees?.parse(file, text);
  const scope = tree && fileScopeOf(tree, text);
  const giveBack = tree && scope ? lendTree(text, tree, scope) : null;
  try {
    return await reviewParsed(file, text, opts, tree && scope ? { tree, scope } : null);
  } finally {
    giveBack?.();
  }
}

async function reviewParsed(file: string, text: string, opts: ReviewOptions, parsed: { tree: Tree; scope: FileScope } | null): Promise<FileReview> {
  const review: FileReview = { file, findings: [], scenarios: [], problems: [], sites: [], counters: [] };
  const analysis = opts.analysis ?? analyzeRustFile(file, text, parsed?.tree, { index: opts.index });
  review.sites = analysis.sites;
  const budget = { ...DEFAULT_BUDGET, ...opts.budget };
  const cache = opts.cache ?? sharedCache;
  const fileText = (f: string): string | undefined => (f === file ? text : opts.readFile?.(f));
  const findings: Finding[] = [];
  const toJustify: Omit<JustifyInput, 'flagged' | 'anchor' | 'file'>[] = [];
  const linesOf = new Map<string, string[] | undefined>();
  const fileLines = (f: string): string[] | undefined => {
    if (!linesOf.has(f)) linesOf.set(f, fileText(f)?.split('\n'));
    return linesOf.get(f);
  };

  const unresolved = analysis.problems.filter(p => p.kind === 'unresolved-ordering');
  for (const p of analysis.problems) if (p.kind !== 'unresolved-ordering') review.problems.push({ message: p.message, range: p.range });

  // Orderings Rust rejects at run time are errors whatever the protocol.
  for (const s of analysis.sites) {
    for (const slot of slotsOf(s)) {
      const o = slot.arg?.ordering;
      if (!slot.arg || slot.arg.implied || !o) continue;
      const access = accessOf(slot);
      const family = apiFamily(s.api);
      if (!validOrderings(access, family).includes(o)) {
        const why = invalidWhy(access, family);
        findings.push({ file, rule: 'invalid-ordering', severity: 'error', message: invalidHeadline(s.op === 'fence' ? 'fence' : s.op, o, family === 'kernel', slot.which === 'failure' || slot.which === 'fetch'), explanation: { why: `${why.charAt(0).toUpperCase()}${why.slice(1)}.`, notes: [] }, range: slot.arg.range ?? s.range, role: slot.access, ordering: o, fix: null, related: [], trace: null });
      }
    }
  }

  const all = [...analysis.sites, ...(opts.otherSites ?? []).filter(s => s.file !== file)];
  const sitesById = new Map(all.map(s => [`${s.file}#${s.id}`, s]));
  const counters: Counter[] = classify(all, file);
  findings.push(...unresolvedFindings(file, unresolved, analysis.sites, all, counters));
  const kernel = kernelEvidence(text, analysis.sites, opts.inKernelTree);
  const model = fileModel(opts.model ?? 'auto', kernel);
  review.model = model;
  review.modelWhy = opts.model && opts.model !== 'auto' ? `chosen by the model setting (${opts.model})` : kernel ? `kernel code: ${kernel}` : 'ordinary Rust (std/core atomics)';
  for (const counter of counters) {
    review.counters!.push({ key: counter.key, isRefcount: counter.isRefcount, why: counter.why, sites: counter.sites.filter(cs => cs.site.file === file).map(cs => ({ id: cs.site.id, role: describeRole(cs.role) })) });
    if (!counter.isRefcount) continue;
    // Stopped (superseded, or past the file's time cap): the counters left are not judged at all,
    // and say so, rather than each starting an exploration that stops at once.
    if (budget.signal?.aborted) { (review.bounded ??= []).push(`${counter.key}: not checked (the review was stopped)`); continue; }
    for (const cs of counter.sites) {
      if (cs.role.kind === 'other' && cs.site.file === file) {
        findings.push({ file, rule: 'ambiguous-role', severity: 'info', message: ambiguousHeadline(cs.site.op, counter.key), explanation: { why: `Its part in the reference-count protocol of ${counter.key} is unclear: ${cs.role.why}.`, notes: ['Operations whose role is unclear are not checked.'] }, range: cs.site.range, role: 'unknown', ordering: orderingsOf(cs.site), fix: null, related: [], trace: null });
      }
    }
    // Sites with invalid or unresolved orderings cannot be modelled; their scenarios are skipped.
    const modelable = (sc: Scenario): boolean => sc.slots.every(sl => !sl.arg || (sl.arg.ordering !== null && validOrderings(accessOf(sl), apiFamily(sl.site.api)).includes(sl.arg.ordering)));
    let scenarios: Scenario[];
    let counterModel = model;
    try {
      scenarios = buildScenarios(counter, sitesById, model).filter(modelable);
    } catch (e) {
      if (!(model === 'lkmm' && e instanceof ScenarioError)) {
        review.problems.push({ message: `${counter.key}: ${(e as Error).message}` });
        continue;
      }
      // An ordering LKMM has no counterpart for (AcqRel, an Acquire fence): C11 can still judge it, and says so.
      try {
        scenarios = buildScenarios(counter, sitesById, 'rc11').filter(modelable);
        counterModel = 'rc11';
        review.problems.push({ message: `${counter.key}: checked under the ${modelTitle('rc11')} instead of LKMM: ${(e as Error).message}` });
      } catch (e2) {
        review.problems.push({ message: `${counter.key}: ${(e2 as Error).message}` });
        continue;
      }
    }
    if (scenarios.length === 0) continue;
    const counterBudget: Budget = { ...budget, model: counterModel };
    const verdict = judgeCounter(scenarios, cache, counterBudget);
    const contrast = counterModel === 'lkmm' ? contrastWithC11(counter, sitesById, verdict.racy.map(v => v.scenario.id), cache, budget) : undefined;
    review.executions = (review.executions ?? 0) + verdict.verdicts.reduce((n, v) => n + v.result.executions, 0);
    if (verdict.bounded) review.problems.push({ message: `${counter.key}: exploration ${verdict.bounded}; the verdict may be incomplete` });
    if (verdict.bounded) (review.bounded ??= []).push(`${counter.key}: ${verdict.bounded}`);
    for (const v of verdict.verdicts) {
      if (!v.scenario.sites.some(s => s.file === file)) continue;
      review.scenarios.push({
        id: v.scenario.id, title: v.scenario.title, file, program: v.program, model: counterModel,
        races: v.result.races.length, ...(v.result.bounded ? { bounded: true } : {}),
        sites: v.scenario.sites.map(s => viewSite(s, describeRole(counter.sites.find(cs => cs.site === s)?.role ?? { kind: 'other', why: s.op }), fileLines(s.file))),
      });
    }
    findings.push(...counterFindings(file, counter, verdict, fileText, contrast));
    if (opts.justify) {
      let clones: Scenario[] = [];
      try { clones = cloneScenarios(counter, sitesById, counterModel).filter(modelable); } catch { /* no clone program: the clone is justified by its role alone */ }
      toJustify.push({
        counterSites: counter.sites, clones, cache, budget: counterBudget,
        scenarios: verdict.verdicts.map(v => ({ scenario: v.scenario, clean: v.result.races.length === 0 && !v.result.bounded })),
      });
    }
    if (opts.hints && verdict.racy.length === 0 && !verdict.bounded) {
      // Clone increments carry no obligation, so only the clone programs show what they need.
      let clones: Scenario[] = [];
      try { clones = cloneScenarios(counter, sitesById, counterModel).filter(modelable); } catch { /* a clone LKMM cannot express gets no hint */ }
      for (const w of weakenings([...scenarios, ...clones], cache, counterBudget)) {
        const site = w.slot.site;
        if (site.file !== file || !w.slot.arg?.range) continue;
        findings.push({
          file, rule: 'stronger-than-needed', severity: 'hint',
          message: weakerHeadline(w.slot.access === 'fence' ? 'fence' : site.op, w.slot.current, w.to),
          explanation: {
            why: `With only this ordering weakened to ${w.to}, every scenario stays race-free (${w.executions} executions explored; other hints were checked on their own, not together).`,
            notes: ['Only the refcount protocol is modelled; keep the stronger ordering if other code relies on it.'],
            model: `Checked under the ${modelTitle(counterModel)}.`,
          },
          range: w.slot.arg.range, role: describeRole(counter.sites.find(cs => cs.site === site)?.role ?? { kind: 'other', why: site.op }),
          ordering: orderingsOf(site),
          fix: hintFix(w.to, slotEdits(w.slot, w.to, fileText), { scenarios: scenarios.length, executions: w.executions }),
          related: [], trace: null,
        });
      }
    }
  }

  const lines = fileLines(file) ?? [];
  if (opts.justify || opts.orderingCommentLint) {
    const anchorOf = withTree(file, text, opts, tree => new Map(analysis.sites.map(s => [s.id, statementStart(tree.rootNode, s.range, lines)])));
    const anchor = (s: Site): Anchor => {
      const at = anchorOf.get(s.id) ?? { line: s.range.start.line, indent: '' };
      const block = orderingCommentBlock(lines, at.line);
      return block ? { ...at, existing: { start: block.start, end: block.end } } : at;
    };
    if (opts.orderingCommentLint) findings.push(...staleComments(file, lines, analysis.sites, anchor));
    if (opts.justify) {
      // A site with a finding gets its fix; only what the review found clean is justified.
      const flagged = (s: Site) => findings.some(f => f.file === file && f.rule !== 'stale-ordering-comment' && (intersects(f.range, s.range) || s.orderings.some(o => o.range && !o.file && intersects(f.range, o.range))));
      review.justifications = toJustify.flatMap(j => justifyCounter({ ...j, file, flagged, anchor }).justified)
        .sort((a, b) => a.range.start.line - b.range.start.line || a.range.start.character - b.range.start.character);
    }
  }

  // Merged first, so an alternative fix is confirmed once per site, not once per scenario.
  const merged = mergeSiteFindings(findings);
  if (!opts.confirming) {
    // Each confirmation re-reviews an edited copy of the file; the copies differ from the text by
    // one small edit, so they are parsed incrementally from its tree, and their number is bounded.
    const copies = new TreeCache(1);
    if (parsed) copies.adopt(file, text, parsed.tree);
    // With the buffer's tree at hand (the language server), an answer from an earlier text of the
    // file is reused when nothing the re-review reads has changed since.
    const memo = parsed ? {
      key: confirmationKeys({ file, text, scope: parsed.scope, counters, setting: JSON.stringify([model, opts.model, opts.inKernelTree, budget.maxExplored, budget.maxMillis]) }),
      totals: { scenarios: review.scenarios.length, executions: review.executions ?? 0 },
    } : undefined;
    const offered = merged.some(f => f.alternatives?.length);
    await confirmAlternatives(merged, text, async edited => {
      const again = await reviewText(file, edited, { ...opts, trees: copies, analysis: undefined, hints: false, severity: undefined, justify: false, confirming: true });
      return { findings: again.findings, scenarios: again.scenarios.length, executions: again.executions ?? 0, bounded: !!again.bounded?.length || !!opts.budget?.signal?.aborted };
    }, budget.signal?.aborted ? 0 : MAX_CONFIRMED_ALTERNATIVES, memo);
    copies.clear();
    // A stopped review drops the alternatives it could not confirm: say the review is incomplete.
    if (offered && budget.signal?.aborted) (review.bounded ??= []).push('alternative fixes: not all confirmed (the review was stopped)');
  }
  review.findings = applySeverity(merged, opts);
  return review;
}

/**
 * `unresolved-ordering` infos that matter to a refcount review (docs/rules.md): a site of a
 * counter that is a reference count; a fence in a function with such a site; a helper that takes
 * its ordering from callers only when no caller was found (each caller's argument is its own site
 * otherwise). One info per argument, however many sites share it.
 */
function unresolvedFindings(file: string, problems: Problem[], sites: Site[], all: Site[], counters: Counter[]): Finding[] {
  const refcount = new Set<string>();
  const refcountFns = new Set<string>();
  for (const c of counters) {
    if (!c.isRefcount) continue;
    for (const cs of c.sites) {
      if (cs.site.file !== file) continue;
      refcount.add(cs.site.id);
      refcountFns.add(`${cs.site.implType}::${cs.site.fnName}`);
    }
  }
  const called = new Set(all.filter(s => s.via?.helperFile === file).map(s => s.via!.helperSite.id));
  const byId = new Map(sites.map(s => [s.id, s]));
  const seen = new Set<string>();
  const out: Finding[] = [];
  for (const p of problems) {
    const s = p.siteId ? byId.get(p.siteId) : undefined;
    if (!s) continue;
    const helperOwn = s.notes.some(n => n.startsWith('operates on parameter'));
    const matters = s.op === 'fence' ? refcountFns.has(`${s.implType}::${s.fnName}`)
      : helperOwn ? !called.has(s.id)
        : !called.has(s.id) && refcount.has(s.id);
    const key = `${p.range.start.line}:${p.range.start.character}:${p.message}`;
    if (!matters || seen.has(key)) continue;
    seen.add(key);
    out.push({ file, rule: 'unresolved-ordering', severity: 'info', message: p.message, ...(p.detail ? { explanation: { why: `${p.detail.charAt(0).toUpperCase()}${p.detail.slice(1)}; the site was not checked.`, notes: [] } } : {}), range: p.range, role: 'unknown', ordering: 'unresolved', fix: null, related: [], trace: null });
  }
  return out;
}

/**
 * What C11 says about the racy LKMM scenarios of a counter, for the explanation: the same protocol
 * built as a C11 program (plain accesses for the owner, C11 fences) and explored under RC11. Which
 * accesses race in each model is what tells a kernel reviewer why the two disagree or agree.
 */
function contrastWithC11(counter: Counter, sitesById: Map<string, Site>, racyIds: string[], cache: ScenarioCache, budget: Budget): Map<string, ModelContrast> {
  const out = new Map<string, ModelContrast>();
  if (racyIds.length === 0) return out;
  let c11: Scenario[];
  try { c11 = buildScenarios(counter, sitesById, 'rc11'); } catch { return out; }
  for (const id of racyIds) {
    const sc = c11.find(s => s.id === id);
    if (!sc) continue;
    const res = cache.run(sc.build(), { ...budget, model: 'rc11' });
    if (res.bounded) continue;
    out.set(id, { c11Races: res.races.map(r => r.race.labels) });
  }
  return out;
}

const before = (p: Range['start'], q: Range['start']): boolean => p.line < q.line || (p.line === q.line && p.character <= q.character);
/** Two ranges share a position (touching counts). */
function intersects(a: Range, b: Range): boolean {
  return before(a.start, b.end) && before(b.start, a.end);
}

function withTree<T>(file: string, text: string, opts: ReviewOptions, fn: (tree: Tree) => T): T {
  return opts.trees ? fn(opts.trees.parse(file, text)) : withRustTree(text, fn);
}

/** `stale-ordering-comment` infos: an `// ORDERING:` comment above a call whose ordering it no longer names. */
function staleComments(file: string, lines: string[], sites: Site[], anchor: (s: Site) => { line: number }): Finding[] {
  const byLine = new Map<number, Site[]>();
  for (const s of sites) byLine.set(anchor(s).line, [...(byLine.get(anchor(s).line) ?? []), s]);
  const out: Finding[] = [];
  for (const [line, here] of byLine) {
    const stale = staleOrderingComment(lines, line, here);
    if (!stale) continue;
    const call = here.map(s => s.op).join('`, `');
    out.push({
      file, rule: 'stale-ordering-comment', severity: 'info',
      message: `ORDERING comment names ${stale.named}, but \`${call}\` below it uses ${stale.has.join('/')}: the justification no longer matches the code.`,
      range: stale.range, role: 'comment', ordering: here.map(orderingsOf).join(', '), fix: null,
      related: here.map(s => ({ file, range: s.range, message: `the call: ${s.op} (${orderingsOf(s)})` })), trace: null,
    });
  }
  return out;
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
  return lines ? siteCallText(lines, s.range) : s.receiverText;
}
