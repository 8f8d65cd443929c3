// Runs the one-ordering mutants of the hand-listed refcount sites through the review, in memory,
// and judges each against the hand-written classification: a real-bug mutant should be caught (a
// new warning or error at a site of its protocol), a benign one should stay clean, a
// strengthening should stay clean and draw a `stronger-than-needed` hint.

import { readFileSync } from 'node:fs';
import path from 'node:path';
import { readRustFiles } from '../server/src/check';
import { inKernelTree } from '../server/src/kernelTree';
import type { Finding, TextEdit } from '../server/src/protocol/finding';
import { reviewText, type FileReview } from '../server/src/review';
import { analyzeRustFile } from '../server/src/rust/extract';
import { RustIndex } from '../server/src/rust/index';
import { initRustParser } from '../server/src/rust/parser';
import type { Site } from '../server/src/rust/site';
import { UNBOUNDED_MILLIS } from '../test/corpus/corpus';
import { locateCall, mutantsOf, SiteError, type LocatedCall, type Mutant, type MutantKind, type SiteSpec } from './mutate';

export type MutantClass = 'real-bug' | 'benign' | 'out-of-scope';

interface MatchRule {
  match: { kind?: MutantKind | MutantKind[]; slot?: string | string[]; from?: string | string[]; to?: string | string[] };
  class: MutantClass;
  why: string;
}

export interface RoleSpec {
  description: string;
  /** False for atomics that are not reference counts (the review does not model them): no strengthening expectations. */
  inScope: boolean;
  mutants: MatchRule[];
}

export interface RefcountSite extends SiteSpec {
  /** A crate of test/corpus/crates.json, or `repo` for files of this repository (examples/, test/fixtures/rust/). */
  source: string;
  /** Relative to the crate root (or the repository root). */
  file: string;
  role: string;
  /** Sites of one protocol (one counter or one Arc/Weak pair): a finding at any of them catches a mutant of another. */
  group: string;
  /** The site is a known bug as written: strengthening it is a fix, not a hint. */
  bug?: boolean;
  note?: string;
  mutants?: MatchRule[];
}

export interface SitesFile { comment?: string; roles: Record<string, RoleSpec>; sites: RefcountSite[] }

export type Outcome =
  | 'caught' | 'missed'                    // real bugs and out-of-scope mutants
  | 'clean' | 'flagged'                    // benign weakenings: flagged is a false alarm
  | 'clean+hint' | 'clean, no hint' | 'warned' | 'fixes the bug' // strengthenings
  | 'unclassified';

export interface MutantResult {
  site: string;
  source: string;
  file: string;
  line: number;
  role: string;
  kind: MutantKind;
  label: string;
  class: MutantClass | 'strengthen' | 'unclassified';
  why: string;
  outcome: Outcome;
  /** Rules of the new warnings/errors at the protocol's sites. */
  rules: string[];
  /**
   * For caught mutants: `restores` when applying the fix gives back the original text,
   * `alternative` when it gives other code that reviews clean at the protocol's sites, `wrong`
   * when alarms remain, `none` when the finding offers no fix.
   */
  fix: 'restores' | 'alternative' | 'wrong' | 'none' | null;
  fixText?: string;
  /** For missed mutants: the counter and role the tool gives the site as written. */
  toolView?: string;
}

export interface RunReport { results: MutantResult[]; stale: { site: string; reason: string }[]; millis: number }

const asList = (v: string | string[] | undefined): string[] | undefined => (v === undefined ? undefined : Array.isArray(v) ? v : [v]);

export function classify(sites: SitesFile, site: RefcountSite, m: Mutant): { class: MutantClass; why: string } | null {
  const rules = [...(site.mutants ?? []), ...(sites.roles[site.role]?.mutants ?? [])];
  for (const r of rules) {
    const ok = (want: string[] | undefined, have: string | null): boolean => !want || (have !== null && want.includes(have));
    if (ok(asList(r.match.kind), m.kind) && ok(asList(r.match.slot), m.slot) && ok(asList(r.match.from), m.from) && ok(asList(r.match.to), m.to)) return { class: r.class, why: r.why };
  }
  return null;
}

export interface Workspace {
  /** Display name and how sites name it. */
  source: string;
  root: string;
  /** Files reviewed together (helpers and sites pair across them). */
  files: string[];
}

const lineStarts = (text: string): number[] => {
  const out = [0];
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) out.push(i + 1);
  return out;
};
const lineOf = (starts: number[], offset: number): number => {
  let lo = 0, hi = starts.length - 1;
  while (lo < hi) { const mid = (lo + hi + 1) >> 1; if (starts[mid] <= offset) lo = mid; else hi = mid - 1; }
  return lo;
};

function applyEdits(text: string, edits: TextEdit[]): string {
  const starts = lineStarts(text);
  const off = (p: { line: number; character: number }): number => (starts[p.line] ?? text.length) + p.character;
  let out = text;
  for (const e of [...edits].sort((a, b) => off(b.range.start) - off(a.range.start))) out = out.slice(0, off(e.range.start)) + e.newText + out.slice(off(e.range.end));
  return out;
}

const isAlarm = (f: Finding): boolean => f.severity === 'warning' || f.severity === 'error';
const findingKey = (f: Finding): string => `${f.rule}|${f.severity}|${f.range.start.line}`;

/** Findings of `after` that `before` does not have (as a multiset by rule, severity and line). */
function newFindings(before: Finding[], after: Finding[]): Finding[] {
  const left = new Map<string, number>();
  for (const f of before) left.set(findingKey(f), (left.get(findingKey(f)) ?? 0) + 1);
  return after.filter(f => {
    const n = left.get(findingKey(f)) ?? 0;
    if (n > 0) { left.set(findingKey(f), n - 1); return false; }
    return true;
  });
}

/** Reviews every mutant of the sites in one workspace. */
export async function runWorkspace(ws: Workspace, sitesFile: SitesFile, sites: RefcountSite[], opts: { strengthen?: boolean; log?: (s: string) => void } = {}): Promise<RunReport> {
  const t0 = Date.now();
  await initRustParser();
  const texts = new Map<string, string>();
  for (const f of ws.files) texts.set(f, readFileSync(f, 'utf8'));
  // The workspace as `check` builds it: every file's summary in the index, every file's sites.
  const index = new RustIndex();
  for (const [f, t] of texts) { try { index.update(analyzeRustFile(f, t).summary); } catch { /* unreadable file: its sites are missing, like in check */ } }
  const allSites: Site[] = [];
  for (const [f, t] of texts) { try { allSites.push(...analyzeRustFile(f, t, undefined, { index }).sites); } catch { /* as above */ } }
  const review = (file: string, text: string, hints: boolean) =>
    reviewText(file, text, { index, otherSites: allSites, readFile: p => (p === file ? text : texts.get(p)), hints, budget: { maxMillis: UNBOUNDED_MILLIS }, inKernelTree: inKernelTree(file) });

  const report: RunReport = { results: [], stale: [], millis: 0 };
  // Where every site of the workspace is, so a finding at any site of a protocol's group counts.
  const located = new Map<RefcountSite, { file: string; call: LocatedCall; lines: number[] }>();
  for (const s of sites) {
    const file = path.join(ws.root, s.file);
    const text = texts.get(file);
    if (text === undefined) { report.stale.push({ site: s.id, reason: `file not in the workspace: ${s.file}` }); continue; }
    try {
      const call = locateCall(text, s);
      const starts = lineStarts(text);
      const lines: number[] = [];
      for (let l = call.line; l <= lineOf(starts, call.end); l++) lines.push(l);
      located.set(s, { file, call, lines });
    } catch (e) {
      if (!(e instanceof SiteError)) throw e;
      report.stale.push({ site: s.id, reason: e.message });
    }
  }
  const groupRefs = (group: string): Set<string> => {
    const out = new Set<string>();
    for (const [s, loc] of located) if (s.group === group) for (const l of loc.lines) out.add(`${loc.file}:${l}`);
    return out;
  };

  const baselines = new Map<string, { plain: Finding[]; hints: Finding[]; review: FileReview }>();
  // How the tool reads the site, for diagnosing misses only (never for classifying them).
  const toolView = (rv: FileReview, lines: number[]): string => {
    const site = rv.sites?.find(x => x.file === rv.file && lines.includes(x.range.start.line));
    if (!site) return 'no atomic site found';
    for (const c of rv.counters ?? []) {
      const cs = c.sites.find(x => x.id === site.id);
      if (cs) return `${c.key}, ${c.isRefcount ? 'a refcount' : 'not a refcount'}: ${cs.role}`;
    }
    return 'site found but in no counter';
  };
  for (const [s, loc] of located) {
    const text = texts.get(loc.file)!;
    if (!baselines.has(loc.file)) {
      const plain = await review(loc.file, text, false);
      baselines.set(loc.file, { plain: plain.findings, hints: (await review(loc.file, text, true)).findings, review: plain });
    }
    const base = baselines.get(loc.file)!;
    const refs = groupRefs(s.group);
    const atGroup = (f: Finding): boolean => refs.has(`${f.file}:${f.range.start.line}`) || f.related.some(r => refs.has(`${r.file}:${r.range.start.line}`));
    const role = sitesFile.roles[s.role];
    for (const m of mutantsOf(text, loc.call, s.op)) {
      if (m.kind === 'strengthen' && (opts.strengthen === false || !role?.inScope)) continue;
      const cls = m.kind === 'strengthen' ? { class: 'strengthen' as const, why: s.bug ? 'strengthens a known bug: a fix' : 'stronger than the protocol needs' } : classify(sitesFile, s, m) ?? { class: 'unclassified' as const, why: '' };
      const hints = m.kind === 'strengthen';
      const after = (await review(loc.file, m.text, hints)).findings;
      const fresh = newFindings(hints ? base.hints : base.plain, after);
      const alarms = fresh.filter(isAlarm);
      const hit = alarms.filter(atGroup);
      const r: MutantResult = {
        site: s.id, source: s.source, file: s.file, line: loc.call.line + 1, role: s.role, kind: m.kind, label: m.label,
        class: cls.class, why: cls.why, outcome: 'unclassified', rules: [...new Set(hit.map(f => f.rule))], fix: null,
      };
      if (cls.class === 'strengthen') {
        const hinted = after.some(f => f.rule === 'stronger-than-needed' && loc.lines.includes(f.range.start.line) && f.file === loc.file);
        // A strengthened known bug should lose its warning instead of drawing a hint.
        const fixedBug = s.bug && base.hints.some(f => isAlarm(f) && loc.lines.includes(f.range.start.line)) && !after.some(f => isAlarm(f) && loc.lines.includes(f.range.start.line));
        r.outcome = alarms.length ? 'warned' : fixedBug ? 'fixes the bug' : hinted ? 'clean+hint' : 'clean, no hint';
        r.rules = [...new Set(alarms.map(f => f.rule))];
      } else if (cls.class === 'benign') {
        r.outcome = alarms.length ? 'flagged' : 'clean';
        r.rules = [...new Set(alarms.map(f => f.rule))];
      } else if (cls.class !== 'unclassified') {
        r.outcome = hit.length ? 'caught' : 'missed';
        if (!hit.length) r.toolView = toolView(base.review, loc.lines);
        const withFix = hit.find(f => f.fix);
        if (hit.length) r.fix = 'none';
        if (withFix) {
          const edits = withFix.fix!.edits.filter(e => !e.file || e.file === loc.file);
          const fixed = applyEdits(m.text, edits);
          if (fixed === text) r.fix = 'restores';
          else {
            // Another repair than undoing the mutant (e.g. AcqRel on the decrement for a deleted
            // fence): right if the fixed file has no alarm left at the protocol's sites.
            const again = newFindings(base.plain, (await review(loc.file, fixed, false)).findings).filter(f => isAlarm(f) && atGroup(f));
            r.fix = again.length ? 'wrong' : 'alternative';
            r.fixText = withFix.fix!.title;
          }
        }
      }
      report.results.push(r);
      opts.log?.(`${s.id} ${m.label}: ${r.class} ${r.outcome}${r.rules.length ? ` [${r.rules.join(', ')}]` : ''}`);
    }
  }
  report.millis = Date.now() - t0;
  return report;
}

/** The workspaces of a site list: each corpus crate as a whole, each repository file on its own. */
export async function workspacesOf(sites: RefcountSite[], resolveCrate: (name: string) => { root: string; paths: string[] } | null, repoRoot: string): Promise<{ ws: Workspace; sites: RefcountSite[] }[] | { missing: string[] }> {
  const out = new Map<string, { ws: Workspace; sites: RefcountSite[] }>();
  const missing: string[] = [];
  for (const s of sites) {
    const key = s.source === 'repo' ? `repo:${s.file}` : s.source;
    if (!out.has(key)) {
      if (s.source === 'repo') out.set(key, { ws: { source: s.file, root: repoRoot, files: [path.join(repoRoot, s.file)] }, sites: [] });
      else {
        const c = resolveCrate(s.source);
        if (!c) { if (!missing.includes(s.source)) missing.push(s.source); continue; }
        // The files `check` would review: readable, UTF-8, within the size limit.
        const files = (await readRustFiles(c.paths.map(p => path.join(c.root, p)))).filter(f => f.text !== undefined).map(f => f.file);
        out.set(key, { ws: { source: s.source, root: c.root, files }, sites: [] });
      }
    }
    out.get(key)!.sites.push(s);
  }
  return missing.length ? { missing } : [...out.values()];
}
