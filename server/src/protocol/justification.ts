// ORDERING justifications: for each checked site of a clean counter, why its ordering is what it
// is, in the words of a `// ORDERING:` comment. Every claim is the engine's: each half of the
// ordering (its Release side, its Acquire side) is taken away on its own and the site's scenarios
// are explored again. A half whose removal makes a scenario race is needed; the race is the
// counterexample quoted, and the access of the other thread that the half synchronises with is
// read off that witness execution (the paired site). A half whose removal leaves every scenario
// race-free is said to order nothing the protocol needs. Nothing is said about a site whose
// scenarios race or were cut short by the budget: no justification beats a wrong one.

import { isAcquire, isRelease, type Mode, type Program, type Instr } from '../memory/ir';
import type { Budget, Race, Trace } from '../memory/result';
import type { Ordering, Site } from '../rust/site';
import type { Range } from './finding';
import { ScenarioError, type Scenario, type Slot } from './scenarios';
import type { ScenarioCache } from './fixes';
import { MODE_OF, rustName, type Family } from './orderings';
import { expressible } from './memoryModel';
import type { CounterSite } from './roles';

/** One side of an ordering: what it publishes (release) or what it takes in (acquire). */
export type Half = 'release' | 'acquire';

/** The site on the other thread that a needed half synchronises with. */
export interface PairedSite {
  file: string;
  /** 0-based line of the operation (its method name, for a call spread over several lines). */
  line: number;
  fnName?: string;
  op: string;
  /** How the pairing ordering is written there (`Acquire`, `Full`), or null when the API implies it without naming one. */
  ordering: string | null;
  fence: boolean;
  /** The same call, run by the other thread (an AcqRel decrement pairs with itself). */
  self: boolean;
}

/** The witness execution of the race the weakening lets in. */
export interface Counterexample {
  scenario: string;
  title: string;
  /** The two racing accesses, the earlier thread's first (instruction labels of the scenario). */
  accesses: [string, string];
}

export interface HalfClaim {
  half: Half;
  /** What the ordering becomes without this half (`null`: the fence is removed). */
  weakened: string | null;
  /** Executions explored with the weakening, over every scenario through the site. */
  executions: number;
  /** Set when the weakening races: the half is needed. */
  needed?: { paired: PairedSite[]; counterexample: Counterexample };
}

export interface Justification {
  file: string;
  siteId: string;
  /** The call's range. */
  range: Range;
  /** The ordering as the call writes it (success ordering of a compare-exchange). */
  ordering: string;
  /** The first line of the statement the call is in, and its indentation: where the comment goes. */
  anchor: Anchor;
  claims: HalfClaim[];
  /** For a site without Release or Acquire: why that suffices (engine-backed where scenarios exist). */
  relaxed?: string;
  scenarios: number;
}

/** A site of the file and why it gets no justification (it has a finding, or its scenarios race). */
export interface Unjustified { siteId: string; range: Range; why: string }

const same = (a: Site, b: Site): boolean => a.file === b.file && a.id === b.id;

/** The editable or implied main slot of a site in a scenario: success/single, never a failure ordering. */
function mainSlot(sc: Scenario, site: Site): Slot | undefined {
  return sc.slots.find(sl => same(sl.site, site) && sl.which !== 'failure' && sl.which !== 'fetch');
}

function halvesOf(slot: Slot): Half[] {
  const m = MODE_OF[slot.current];
  const out: Half[] = [];
  if (slot.access !== 'load' && isRelease(m)) out.push('release');
  if (slot.access !== 'store' && isAcquire(m)) out.push('acquire');
  return out;
}

/** The strongest ordering without `half`: AcqRel/SeqCst keep the other half; otherwise Relaxed (a fence is removed: null). */
function without(slot: Slot, half: Half): Ordering | null {
  const other = halvesOf(slot).filter(h => h !== half);
  if (other.length) return other[0] === 'release' ? 'Release' : 'Acquire';
  return slot.access === 'fence' ? null : 'Relaxed';
}

/** The program without the fences tagged with site index `tag` (the only way to say "no fence"). */
function dropFences(p: Program, tag: number): Program {
  const strip = (body: Instr[]): Instr[] => body.flatMap((i): Instr[] => {
    if (i.k === 'fence' && i.site === tag) return [];
    if (i.k === 'if') return [{ ...i, then: strip(i.then), else: strip(i.else) }];
    if (i.k === 'while') return [{ ...i, body: strip(i.body) }];
    return [i];
  });
  return { ...p, threads: p.threads.map(t => ({ ...t, body: strip(t.body) })) };
}

function siteOfStep(sc: Scenario, tag: number | undefined): Site | undefined {
  return tag === undefined ? undefined : sc.sites[tag];
}

/** The ordering the source gives the instruction at this step (the trace shows the weakened one for the site itself). */
function sourceMode(sc: Scenario, step: Trace['steps'][number], weakenedTag: number): Mode {
  if (step.site !== weakenedTag) return step.mode;
  const site = sc.sites[weakenedTag];
  const slot = step.cas === 'failure' ? sc.slots.find(sl => same(sl.site, site) && sl.which === 'failure') : mainSlot(sc, site);
  return slot ? MODE_OF[slot.current] : step.mode;
}

/**
 * Who the weakened half synchronised with, read off the race the weakening lets in. A Release
 * half orders the accesses before it on its thread, so the racing access of the other thread is
 * the one it protected; the paired site is the nearest acquiring step before that access on that
 * thread. An Acquire half is the mirror image: the nearest releasing step after the other
 * thread's access.
 */
function pairedSite(sc: Scenario, trace: Trace, race: Race, tag: number, half: Half, family: Family): PairedSite | null {
  const step = (n: number) => trace.steps.find(s => s.step === n)!;
  const [x, y] = [step(race.a), step(race.b)];
  const byThread = (t: number) => trace.steps.filter(s => s.thread === t).sort((a, b) => a.index - b.index);
  const candidatesFor = (access: typeof x) => {
    const steps = byThread(access.thread);
    return half === 'release' ? steps.filter(s => s.index < access.index).reverse() : steps.filter(s => s.index > access.index);
  };
  const capable = (s: typeof x): boolean => {
    const m = sourceMode(sc, s, tag);
    // An LKMM barrier is recorded as 'sc' whatever it is; a write barrier orders no reads.
    if (s.kind === 'F' && /smp_wmb|\bwmb\b/.test(s.label)) return half !== 'release';
    return half === 'release' ? isAcquire(m) : isRelease(m);
  };
  // The access on the weakened site's side of the race is the one the site is on the right side
  // of; a removed fence leaves no step of its own, so then the other access is the one that has
  // a synchronising step on the right side.
  const side = (s: typeof x) => byThread(s.thread).some(o => o.site === tag && (half === 'release' ? o.index > s.index : o.index < s.index));
  const mine = side(x) !== side(y) ? (side(x) ? x : y) : candidatesFor(x).some(capable) ? y : x;
  const other = mine === x ? y : x;
  const steps = byThread(other.thread);
  const found = candidatesFor(other).find(capable);
  if (!found) return null;
  // An ordering the API adds on a path (dec_and_test's acquire on the last reference) has no
  // site of its own: it belongs to the operation just before it.
  const tagged = found.site !== undefined ? found : steps.filter(s => s.index < found.index && s.site !== undefined).pop();
  const site = siteOfStep(sc, tagged?.site);
  if (!site) return null;
  const slot = mainSlot(sc, site);
  const named = found === tagged && slot ? rustName(slot.current, slot.arg?.family ?? family) : null;
  return {
    file: site.file, line: (site.methodRange ?? site.range).start.line, fnName: site.fnName ?? undefined, op: site.op,
    ordering: named, fence: site.op === 'fence', self: tagged!.site === tag,
  };
}

/** Where a site's comment goes; `existing`: the lines of an `// ORDERING:` comment already directly above. */
export interface Anchor { line: number; indent: string; existing?: { start: number; end: number } }

/** The `//` comment block directly above `anchorLine`, if it holds an `ORDERING:` line (0-based lines, end exclusive). */
export function orderingCommentBlock(lines: readonly string[], anchorLine: number): { start: number; end: number; orderingLine: number } | null {
  let top = anchorLine;
  while (top > 0 && /^\s*\/\//.test(lines[top - 1] ?? '')) top--;
  for (let i = top; i < anchorLine; i++) {
    if (/^\s*\/\/[\s/!]*ORDERING:/.test(lines[i])) return { start: top, end: anchorLine, orderingLine: i };
  }
  return null;
}

export interface JustifyInput {
  file: string;
  counterSites: CounterSite[];
  /** The counter's scenarios (judged), with whether each is clean under the source's orderings. */
  scenarios: { scenario: Scenario; clean: boolean }[];
  /** Clone scenarios: explored here (they carry no obligation, so the review does not). */
  clones: Scenario[];
  cache: ScenarioCache;
  budget: Budget;
  /** Sites of this file that have a finding: they get a fix, not a justification. */
  flagged: (site: Site) => boolean;
  anchor: (site: Site) => Anchor;
}

/** Justifications for the sites of one counter that lie in `file`. */
export function justifyCounter(inp: JustifyInput): { justified: Justification[]; unjustified: Unjustified[] } {
  const { file, cache, budget } = inp;
  const model = budget.model ?? 'rc11';
  // A clone program is only about the clone's own ordering, so it is explored for that site alone;
  // under LKMM its three threads cost seconds, too much for an editor's hover, and the clone is
  // justified by its role there.
  const clones = model === 'lkmm' ? [] : inp.clones.map(scenario => {
    const res = cache.run(scenario.build(), budget);
    return { scenario, clean: res.races.length === 0 && !res.bounded };
  });
  const all = [...inp.scenarios, ...clones];
  // The counter's own sites and the barriers its scenarios use (fences on a last-reference path).
  const sites: Site[] = [];
  const add = (s: Site) => { if (s.file === file && !sites.some(o => same(o, s))) sites.push(s); };
  for (const cs of inp.counterSites) add(cs.site);
  for (const { scenario } of all) for (const s of scenario.sites) add(s);

  const justified: Justification[] = [];
  const unjustified: Unjustified[] = [];
  for (const site of sites) {
    if (budget.signal?.aborted) break;
    if (inp.flagged(site)) { unjustified.push({ siteId: site.id, range: site.range, why: 'the site has a finding: the fix is offered instead' }); continue; }
    const through = all.filter(x => x.scenario.kind === 'clone' ? same(x.scenario.holder.site, site) : x.scenario.sites.some(s => same(s, site)));
    if (through.some(x => !x.clean)) { unjustified.push({ siteId: site.id, range: site.range, why: 'a scenario through this site races or was not explored completely' }); continue; }
    // A site no scenario exercises is justified by its role alone: only once the counter is clean.
    if (through.length === 0 && inp.scenarios.some(x => !x.clean)) { unjustified.push({ siteId: site.id, range: site.range, why: 'the counter races elsewhere' }); continue; }
    const role = inp.counterSites.find(cs => same(cs.site, site))?.role;
    const slot = through.map(x => mainSlot(x.scenario, site)).find(Boolean);
    const family: Family = slot?.arg?.family ?? (site.api === 'std' ? 'std' : 'kernel');
    const main = site.orderings.find(o => o.which !== 'failure' && o.which !== 'fetch');
    const ordering = rustName(slot?.current ?? main?.ordering ?? 'Relaxed', family);
    const j: Justification = { file, siteId: site.id, range: site.range, ordering, anchor: inp.anchor(site), claims: [], scenarios: through.length };
    // Without a scenario there is nothing to take a half away from: only Relaxed is explained (by role).
    if (!slot && (main?.ordering ?? 'Relaxed') !== 'Relaxed') { unjustified.push({ siteId: site.id, range: site.range, why: 'no scenario exercises its ordering' }); continue; }
    const halves = slot ? halvesOf(slot) : [];
    let incomplete = false;
    for (const half of halves) {
      const to = without(slot!, half);
      if (to && !expressible(model, slot!.access, to)) { incomplete = true; continue; }
      const claim: HalfClaim = { half, weakened: to ? rustName(to, family) : null, executions: 0 };
      for (const { scenario } of through) {
        const tag = scenario.sites.findIndex(s => same(s, site));
        let program: Program;
        try {
          program = to ? scenario.build(new Map([[slot!.key, to]])) : dropFences(scenario.build(), tag);
        } catch (e) {
          if (e instanceof ScenarioError) { incomplete = true; break; }
          throw e;
        }
        const res = cache.run(program, budget);
        if (res.bounded) { incomplete = true; break; }
        claim.executions += res.executions;
        const witness = res.races[0];
        if (!witness) continue;
        // Every scenario that races names its partner; the first race is the one quoted.
        claim.needed ??= { paired: [], counterexample: { scenario: scenario.id, title: scenario.title, accesses: witness.race.labels } };
        const p = pairedSite(scenario, witness.trace, witness.race, tag, half, family);
        if (p && !claim.needed.paired.some(q => q.file === p.file && q.line === p.line && q.self === p.self)) claim.needed.paired.push(p);
      }
      if (incomplete) break;
      j.claims.push(claim);
    }
    if (incomplete) { unjustified.push({ siteId: site.id, range: site.range, why: 'taking a half of the ordering away could not be explored completely' }); continue; }
    if (halves.length === 0) j.relaxed = whyRelaxed(site, role, through.length, inp.counterSites);
    justified.push(j);
  }
  return { justified, unjustified };
}

function whyRelaxed(site: Site, role: CounterSite['role'] | undefined, scenarios: number, counterSites: CounterSite[]): string {
  const explored = scenarios ? ` (${scenarios} scenario${scenarios === 1 ? '' : 's'} through it explored with it Relaxed: no race)` : '';
  const path = site.context.successPath ?? site.context.lastPath ?? site.context.comparedWith?.equalPath;
  const known = path && path.how !== 'unknown' ? path : undefined;
  const barrier = known?.fence ?? known?.acquireLoad;
  const rf = site.context.releaseFence;
  // Fences (or an Acquire load) around it do the ordering; say which, before and after.
  const parts: string[] = [];
  if (rf && !rf.afterPossibleTouch) parts.push(`the ${rf.ordering ?? 'releasing'} fence at line ${rf.range.start.line + 1} releases this thread's accesses before it`);
  if (barrier && !barrier.afterPossibleTouch) parts.push(`the ${barrier.ordering ?? 'acquiring'} ${known!.fence ? 'fence' : 'load'} at line ${barrier.range.start.line + 1} orders the object's accesses on the path that follows`);
  if (parts.length) return `${parts.join(' and ')}; this operation only has to be atomic${explored}`;
  switch (role?.kind) {
    case 'inc-existing':
      return `no other access is ordered by this operation: the count is only incremented while a reference is held${explored}`;
    case 'observe':
      return `the value read grants nothing: no access to the object depends on it${explored}`;
    case 'store':
      return counterSites.some(cs => cs.role.kind === 'inc-conjure')
        ? `no other access is ordered by this operation${explored}`
        : `no other access is ordered by this operation: nothing in this counter's protocol takes a reference from the value it stores${explored}`;
    default:
      return scenarios ? `with it Relaxed, every scenario through it is race-free${explored}` : 'no scenario of the protocol relies on its ordering';
  }
}

const HALF_NAME: Record<Half, string> = { release: 'Release', acquire: 'Acquire' };

function pairedText(ps: PairedSite[], where: (file: string, line: number) => string): string {
  const one = ps.map(p => pairedOne(p, where));
  return one.length <= 1 ? one[0] ?? 'no single site the race witness shows' : `${one.slice(0, -1).join(', ')} and ${one[one.length - 1]}`;
}

function pairedOne(p: PairedSite, where: (file: string, line: number) => string): string {
  const what = p.self
    ? `the same \`${p.op}\` run by the other thread`
    : p.fence ? `the ${p.ordering ? `\`${p.ordering}\` ` : ''}fence`
      : p.ordering ? `the \`${p.ordering}\` \`${p.op}\`` : `the ordering \`${p.op}\` implies`;
  return `${what}${p.fnName ? ` in \`${p.fnName}\`` : ''} (${where(p.file, p.line)})`;
}

function claimText(c: HalfClaim, where: (file: string, line: number) => string): string {
  const as = c.weakened ? `as \`${c.weakened}\`` : 'without the fence';
  if (!c.needed) return `its ${HALF_NAME[c.half]} half orders nothing this protocol needs (${as}: ${c.executions} executions explored, no race)`;
  const [a, b] = c.needed.counterexample.accesses;
  return `pairs with ${pairedText(c.needed.paired, where)}; ${as}, "${a}" races with "${b}" (${c.needed.counterexample.title})`;
}

/**
 * The justification as text lines (without the comment markers), the first naming the call's
 * ordering. `where` renders a file and 0-based line (a workspace-relative path in the editor).
 */
export function justificationLines(j: Justification, where: (file: string, line: number) => string): string[] {
  const o = `\`${j.ordering}\``;
  if (j.relaxed !== undefined) return [`${o} suffices: ${j.relaxed}.`];
  if (j.claims.length === 1) return [`${o} ${claimText(j.claims[0], where)}.`];
  return [`${o}:`, ...j.claims.map(c => `${HALF_NAME[c.half]} half: ${claimText(c, where).replace(/^its \w+ half /, '')}.`)];
}

/** Width rustfmt and most style guides keep comments within. */
const COMMENT_WIDTH = 100;

/**
 * The `// ORDERING:` comment for the site, indented like the statement: one claim a paragraph,
 * wrapped at spaces to COMMENT_WIDTH columns (a word longer than the line stays whole).
 */
export function orderingComment(j: Justification, where: (file: string, line: number) => string): string {
  const out: string[] = [];
  justificationLines(j, where).forEach((claim, i) => {
    const lead = `${j.anchor.indent}// ${i === 0 ? 'ORDERING: ' : '  '}`;
    const cont = `${j.anchor.indent}//   `;
    let line = lead;
    for (const word of claim.split(' ')) {
      const prefix = line === lead || line === cont ? '' : ' ';
      if (line !== lead && line !== cont && line.length + 1 + word.length > COMMENT_WIDTH) { out.push(line); line = cont + word; continue; }
      line += prefix + word;
    }
    out.push(line);
  });
  return out.map(l => `${l}\n`).join('');
}

/** An `// ORDERING:` comment whose subject (its first ordering name) the call below it no longer has. */
export interface StaleComment { range: Range; named: string; has: string[] }

const ORDERING_WORD = /\b(Relaxed|Acquire|Release|AcqRel|SeqCst|Full)\b/;

/**
 * Checks the comment block directly above `anchorLine`, the statement of `sites` (usually one
 * call). The comment's subject is the first ordering it names after `ORDERING:`, as in the
 * comments this module writes ("`Release` pairs with the `Acquire` ..."): later names are the
 * paired site's. It is stale when no call of the statement has that ordering.
 */
export function staleOrderingComment(lines: readonly string[], anchorLine: number, sites: readonly Site[]): StaleComment | null {
  const mains = sites.flatMap(s => s.orderings.filter(o => o.which !== 'failure' && o.which !== 'fetch'));
  // An ordering the reader could not resolve may be the one named: say nothing.
  if (mains.length === 0 || mains.some(o => !o.ordering)) return null;
  const has = [...new Set(mains.map(o => o.ordering!))];
  const block = orderingCommentBlock(lines, anchorLine);
  if (!block) return null;
  const i = block.orderingLine;
  const at = lines[i].indexOf('ORDERING:');
  // The subject may wrap onto the next comment lines.
  for (let k = i; k < anchorLine; k++) {
    const from = k === i ? at + 'ORDERING:'.length : 0;
    const m = ORDERING_WORD.exec(lines[k].slice(from));
    if (!m) continue;
    const named = m[1] === 'Full' ? 'SeqCst' : m[1];
    if (has.includes(named as Ordering)) return null;
    const start = from + m.index;
    const family: Family = sites.every(s => s.api === 'std') ? 'std' : 'kernel';
    return { range: { start: { line: k, character: start }, end: { line: k, character: start + m[1].length } }, named: m[1], has: has.map(o => rustName(o, family)) };
  }
  return null;
}
