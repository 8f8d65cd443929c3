// Verdicts and fix search for one counter. A counter is clean when every scenario it implies is
// race-free under the memory model it is checked under (RC11, or LKMM for kernel code; the
// budget names it). Otherwise we look for the weakest strengthening of the orderings involved,
// among those the model can express, that makes all of them clean (trying cheap changes first: one slot before two, Acquire before
// AcqRel before SeqCst, an existing fence before the operation it follows). Whatever is offered
// has itself been explored clean on every scenario — that is what "verified" means here.

import { explore } from '../memory/explore';
import type { ModelName, Program } from '../memory/ir';
import type { Budget, ExploreResult } from '../memory/result';
import type { Ordering } from '../rust/site';
import { apiFamily, atLeast, STRENGTH, validOrderings } from './orderings';
import { cheapestChanges } from './fixCandidates';
import type { Assignment, Scenario, Slot } from './scenarios';
import { expressible } from './memoryModel';

/** Scenario results keyed by the program's shape, so a file full of similar sites costs one exploration each. */
export class ScenarioCache {
  private readonly map = new Map<string, ExploreResult>();
  constructor(private readonly limit = 10_000) {}
  hits = 0;
  misses = 0;
  /** Fix searches already done, by the shape of the counter's scenarios (see judgeCounter). */
  readonly judged = new Map<string, Judged>();

  run(p: Program, budget: Budget, shape = JSON.stringify(p)): ExploreResult {
    // One program has one answer per model.
    const key = `${budget.model ?? 'rc11'}:${shape}`;
    const hit = this.map.get(key);
    if (hit) {
      // Least recently used goes first: re-insert on every hit.
      this.map.delete(key);
      this.map.set(key, hit);
      this.hits++;
      return hit;
    }
    this.misses++;
    const res = explore(p, budget);
    if (!res.bounded) {
      if (this.map.size >= this.limit) this.map.delete(this.map.keys().next().value!);
      this.map.set(key, res);
    }
    return res;
  }
}

export interface ScenarioVerdict {
  scenario: Scenario;
  program: Program;
  result: ExploreResult;
}

export interface CounterFix {
  assign: Map<string, Ordering>;
  changed: { slot: Slot; to: Ordering }[];
  /** Executions explored to verify the fix (all scenarios it was checked on). */
  executions: number;
  /** The racy scenarios this fix makes clean. */
  fixes: ScenarioVerdict[];
}

export interface CounterVerdict {
  verdicts: ScenarioVerdict[];
  racy: ScenarioVerdict[];
  /**
   * Verified changes: one that makes every scenario clean when there is one; otherwise one per
   * group of racy scenarios, each keeping every clean scenario clean.
   */
  fixes: CounterFix[];
  /** Racy scenarios no change of the orderings involved (within reach) makes clean. */
  unfixed: ScenarioVerdict[];
  /** Racy scenarios whose fix search stopped at its budget: neither a fix nor its absence is known. */
  unsearched: ScenarioVerdict[];
  /** Set when some exploration hit its budget: the verdict is then incomplete. */
  bounded?: string;
}

/** Candidate changes tried per search (one search for the whole counter, then one per racy scenario). */
const MAX_CANDIDATES = 400;
/**
 * Candidate programs (a scenario built with a candidate change, then explored) per counter: a
 * counter with hundreds of sites has hundreds of scenarios, each search may try each of them.
 */
export const MAX_FIX_PROGRAMS = 10_000;
/** Time for one counter's fix search when the budget sets none. */
const FIX_SEARCH_MILLIS = 10_000;

type Change = { slot: Slot; to: Ordering };

/** Orderings the operation accepts that can also be written in the argument's vocabulary (the kernel has no AcqRel). */
function writable(sl: Slot, model: ModelName): Ordering[] {
  return validOrderings(sl.access, apiFamily(sl.site.api)).filter(o => (sl.arg?.family !== 'kernel' || o !== 'AcqRel') && expressible(model, sl.access, o));
}

/** Candidate changes over these slots, cheapest first (fewer and weaker changes; fences before operations), generated as tried. */
function candidatesOver(slots: Slot[], model: ModelName): Generator<Change[]> {
  return cheapestChanges(slots.map(sl => ({
    slot: sl,
    current: sl.current,
    fence: sl.access === 'fence',
    to: writable(sl, model).filter(o => o !== sl.current && atLeast(o, sl.current)),
  })));
}

/** Slots a fix may change: editable success-side orderings. */
function editableSlots(scenarios: Scenario[]): Slot[] {
  const slots = new Map<string, Slot>();
  for (const s of scenarios) for (const sl of s.slots) {
    if (!sl.editable || sl.which === 'failure' || sl.which === 'fetch') continue;
    slots.set(sl.key, sl);
  }
  return [...slots.values()];
}

/** A finished fix search, in terms of positions (scenario index, slot index) rather than sites. */
interface Judged {
  fixes: { changed: [number, Ordering][]; executions: number; fixes: number[] }[];
  unfixed: number[];
}

const JUDGED_LIMIT = 2000;

export function judgeCounter(scenarios: Scenario[], cache: ScenarioCache, budget: Budget): CounterVerdict {
  const keys: string[] = [];
  const verdicts = scenarios.map(s => {
    const program = s.build();
    const key = JSON.stringify(program);
    keys.push(key);
    return { scenario: s, program, result: cache.run(program, budget, key) };
  });
  let bounded = verdicts.find(v => v.result.bounded)?.result.bounded?.message;
  const racy = verdicts.filter(v => v.result.races.length > 0);
  if (racy.length === 0) return { verdicts, racy, fixes: [], unfixed: [], unsearched: [], bounded };

  // The same protocol shape (programs and slots, not positions) gets the same answer: typing in a
  // file re-reviews it on every edit, and the search tries many candidate programs.
  const slotList = [...new Map(scenarios.flatMap(sc => sc.slots).map(sl => [sl.key, sl])).values()];
  // Several scenarios carry their own Slot object for one site: the key, not the object, names it.
  const slotIndex = new Map(slotList.map((sl, i) => [sl.key, i]));
  const shape = JSON.stringify([budget.model ?? 'rc11', keys, slotList.map(sl => [scenarios.findIndex(sc => sc.slots.includes(sl)), sl.access, sl.which, sl.current, sl.editable, sl.arg?.family ?? null])]);
  const known = cache.judged.get(shape);
  if (known) {
    return {
      verdicts, racy, bounded,
      fixes: known.fixes.map(f => ({
        changed: f.changed.map(([i, to]) => ({ slot: slotList[i], to })),
        assign: new Map(f.changed.map(([i, to]) => [slotList[i].key, to])),
        executions: f.executions, fixes: f.fixes.map(i => verdicts[i]),
      })),
      unfixed: known.unfixed.map(i => verdicts[i]),
      unsearched: [],
    };
  }
  const out = searchFixes(scenarios, verdicts, racy, cache, budget);
  if (!out.bounded) {
    if (cache.judged.size >= JUDGED_LIMIT) cache.judged.delete(cache.judged.keys().next().value!);
    cache.judged.set(shape, {
      fixes: out.fixes.map(f => ({ changed: f.changed.map(ch => [slotIndex.get(ch.slot.key)!, ch.to] as [number, Ordering]), executions: f.executions, fixes: f.fixes.map(v => verdicts.indexOf(v)) })),
      unfixed: out.unfixed.map(v => verdicts.indexOf(v)),
    });
  }
  return { ...out, bounded: out.bounded ?? bounded };
}

type Found = { changed: Change[]; executions: number };

/**
 * A counter's fix search (or hint search) within the review's budget: its time, its cancellation,
 * and a number of candidate programs. Once stopped, it stays stopped.
 */
class SearchBudget {
  private readonly started = Date.now();
  private readonly millis: number;
  private programs = 0;
  /** Why the search stopped, once it has. */
  stopped: string | undefined;

  constructor(private readonly budget: Budget, private readonly cache: ScenarioCache) {
    this.millis = budget.maxMillis ?? FIX_SEARCH_MILLIS;
  }

  private stop(): boolean {
    if (this.stopped) return true;
    const ms = Date.now() - this.started;
    if (this.budget.signal?.aborted) this.stopped = 'bounded: fix search cancelled';
    else if (this.programs >= MAX_FIX_PROGRAMS) this.stopped = `bounded: fix search stopped after ${this.programs} candidate programs`;
    else if (ms > this.millis) this.stopped = `bounded: fix search stopped after ${ms} ms`;
    return !!this.stopped;
  }

  /** The scenario built with `assign`, explored; null when the search has to stop first. */
  run(s: Scenario, assign: Assignment): ExploreResult | null {
    if (this.stop()) return null;
    this.programs++;
    return this.cache.run(s.build(assign), this.budget);
  }
}

function searchFixes(scenarios: Scenario[], verdicts: ScenarioVerdict[], racy: ScenarioVerdict[], cache: ScenarioCache, budget: Budget): CounterVerdict {
  const spend = new SearchBudget(budget, cache);
  /**
   * The cheapest change over `slots` that makes every scenario in `mustClean` race-free;
   * 'none' when every candidate was tried, 'capped' when MAX_CANDIDATES were, 'stopped' at the budget.
   */
  const search = (slots: Slot[], mustClean: Scenario[]): Found | 'none' | 'capped' | 'stopped' => {
    let tried = 0;
    for (const changed of candidatesOver(slots, budget.model ?? 'rc11')) {
      if (tried++ === MAX_CANDIDATES) return 'capped';
      const assign: Assignment = new Map(changed.map(ch => [ch.slot.key, ch.to]));
      let executions = 0;
      let clean = true;
      for (const s of mustClean) {
        const res = spend.run(s, assign);
        if (!res) return 'stopped';
        executions += res.executions;
        if (res.races.length > 0 || res.bounded) { clean = false; break; }
      }
      if (clean) return { changed, executions };
    }
    return 'none';
  };
  const toFix = (found: Found, fixes: ScenarioVerdict[]): CounterFix =>
    ({ assign: new Map(found.changed.map(ch => [ch.slot.key, ch.to])), changed: found.changed, executions: found.executions, fixes });

  const all = search(editableSlots(scenarios), scenarios);
  if (typeof all === 'object') return { verdicts, racy, fixes: [toFix(all, racy)], unfixed: [], unsearched: [], bounded: spend.stopped };

  // No single change fixes everything (some race is out of reach of the orderings, e.g. fixed by
  // an API's contract): fix what can be fixed, one racy scenario at a time, without breaking the
  // scenarios that are clean now, and report the rest as it is.
  const clean = verdicts.filter(v => v.result.races.length === 0).map(v => v.scenario);
  const fixes: CounterFix[] = [];
  const unfixed: ScenarioVerdict[] = [];
  const unsearched: ScenarioVerdict[] = [];
  let capped = false;
  for (const v of racy) {
    if (fixes.some(f => f.fixes.includes(v))) continue;
    const found = search(editableSlots([v.scenario]), [v.scenario, ...clean]);
    if (found === 'none') { unfixed.push(v); continue; }
    // Not every candidate was tried: whether this race can be fixed is not known.
    if (found === 'capped' || found === 'stopped') { capped ||= found === 'capped'; unsearched.push(v); continue; }
    // The same change may also fix other racy scenarios; credit it with them (as far as the budget goes).
    const assign: Assignment = new Map(found.changed.map(ch => [ch.slot.key, ch.to]));
    const also = racy.filter(o => o !== v && !fixes.some(f => f.fixes.includes(o)) && spend.run(o.scenario, assign)?.races.length === 0);
    fixes.push(toFix(found, [v, ...also]));
  }
  const bounded = spend.stopped ?? (capped ? `bounded: fix search stopped after ${MAX_CANDIDATES} candidate changes for one race` : undefined);
  return { verdicts, racy, fixes, unfixed, unsearched, bounded };
}

/**
 * For a clean counter: orderings that could be weaker with every scenario still race-free (each
 * slot on its own). Only the refcount obligations are modelled, so these are hints, off by default.
 */
export function weakenings(scenarios: Scenario[], cache: ScenarioCache, budget: Budget): { slot: Slot; to: Ordering; executions: number }[] {
  const slots = new Map<string, Slot>();
  for (const s of scenarios) for (const sl of s.slots) if (sl.editable && sl.which !== 'failure' && sl.which !== 'fetch') slots.set(sl.key, sl);
  const out: { slot: Slot; to: Ordering; executions: number }[] = [];
  const spend = new SearchBudget(budget, cache);
  for (const sl of slots.values()) {
    const weaker = writable(sl, budget.model ?? 'rc11').filter(o => o !== sl.current && atLeast(sl.current, o))
      .sort((a, b) => STRENGTH[a] - STRENGTH[b]);
    for (const to of weaker) {
      let executions = 0;
      let clean = true;
      for (const s of scenarios) {
        // Hints are optional: past the budget, those found so far are given.
        const res = spend.run(s, new Map([[sl.key, to]]));
        if (!res) return out;
        executions += res.executions;
        if (res.races.length > 0 || res.bounded) { clean = false; break; }
      }
      if (clean) { out.push({ slot: sl, to, executions }); break; }
    }
  }
  return out;
}
