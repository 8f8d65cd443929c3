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
  /** Set when some exploration hit its budget: the verdict is then incomplete. */
  bounded?: string;
}

const MAX_CHANGED = 3;
const MAX_CANDIDATES = 400;
const FIX_SEARCH_MILLIS = 10_000;

type Change = { slot: Slot; to: Ordering };

/** Orderings the operation accepts that can also be written in the argument's vocabulary (the kernel has no AcqRel). */
function writable(sl: Slot, model: ModelName): Ordering[] {
  return validOrderings(sl.access, apiFamily(sl.site.api)).filter(o => (sl.arg?.family !== 'kernel' || o !== 'AcqRel') && expressible(model, sl.access, o));
}

/** Candidate changes over these slots, cheapest first (fewer and weaker changes; fences before operations). */
function candidatesOver(slots: Slot[], model: ModelName): Change[][] {
  const options = slots.map(sl => ({
    slot: sl,
    to: writable(sl, model).filter(o => o !== sl.current && atLeast(o, sl.current)),
  })).filter(o => o.to.length > 0);
  const out: { changed: Change[]; cost: number }[] = [];
  const walk = (i: number, acc: Change[]): void => {
    if (acc.length > 0) {
      const cost = acc.reduce((n, ch) => n + STRENGTH[ch.to] - STRENGTH[ch.slot.current] + (ch.slot.access === 'fence' ? 0 : 0.25), 0) + acc.length;
      out.push({ changed: acc.slice(), cost });
    }
    if (acc.length === MAX_CHANGED) return;
    for (let j = i; j < options.length; j++) for (const to of options[j].to) {
      acc.push({ slot: options[j].slot, to });
      walk(j + 1, acc);
      acc.pop();
    }
  };
  walk(0, []);
  out.sort((a, b) => a.cost - b.cost || a.changed.length - b.changed.length);
  return out.slice(0, MAX_CANDIDATES).map(c => c.changed);
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
  if (racy.length === 0) return { verdicts, racy, fixes: [], unfixed: [], bounded };

  // The same protocol shape (programs and slots, not positions) gets the same answer: typing in a
  // file re-reviews it on every edit, and the search tries many candidate programs.
  const slotList = [...new Map(scenarios.flatMap(sc => sc.slots).map(sl => [sl.key, sl])).values()];
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
    };
  }
  const out = searchFixes(scenarios, verdicts, racy, cache, budget);
  if (!out.bounded) {
    if (cache.judged.size >= JUDGED_LIMIT) cache.judged.delete(cache.judged.keys().next().value!);
    cache.judged.set(shape, {
      fixes: out.fixes.map(f => ({ changed: f.changed.map(ch => [slotList.indexOf(ch.slot), ch.to] as [number, Ordering]), executions: f.executions, fixes: f.fixes.map(v => verdicts.indexOf(v)) })),
      unfixed: out.unfixed.map(v => verdicts.indexOf(v)),
    });
  }
  return { ...out, bounded: out.bounded ?? bounded };
}

function searchFixes(scenarios: Scenario[], verdicts: ScenarioVerdict[], racy: ScenarioVerdict[], cache: ScenarioCache, budget: Budget): CounterVerdict {
  let bounded: string | undefined;
  const started = Date.now();
  const outOfTime = (): boolean => !!budget.signal?.aborted || Date.now() - started > FIX_SEARCH_MILLIS;

  /** The cheapest change over `slots` that makes every scenario in `mustClean` race-free. */
  const search = (slots: Slot[], mustClean: Scenario[]): { changed: Change[]; executions: number } | null => {
    for (const changed of candidatesOver(slots, budget.model ?? 'rc11')) {
      // The search as a whole is bounded too: a cancelled review or a slow counter stops it.
      if (outOfTime()) { bounded ??= `bounded: fix search stopped after ${Date.now() - started} ms`; return null; }
      const assign: Assignment = new Map(changed.map(ch => [ch.slot.key, ch.to]));
      let executions = 0;
      const clean = mustClean.every(s => {
        const res = cache.run(s.build(assign), budget);
        executions += res.executions;
        return res.races.length === 0 && !res.bounded;
      });
      if (clean) return { changed, executions };
    }
    return null;
  };
  const toFix = (found: { changed: Change[]; executions: number }, fixes: ScenarioVerdict[]): CounterFix =>
    ({ assign: new Map(found.changed.map(ch => [ch.slot.key, ch.to])), changed: found.changed, executions: found.executions, fixes });

  const all = search(editableSlots(scenarios), scenarios);
  if (all) return { verdicts, racy, fixes: [toFix(all, racy)], unfixed: [], bounded };

  // No single change fixes everything (some race is out of reach of the orderings, e.g. fixed by
  // an API's contract): fix what can be fixed, one racy scenario at a time, without breaking the
  // scenarios that are clean now, and report the rest as it is.
  const clean = verdicts.filter(v => v.result.races.length === 0).map(v => v.scenario);
  const fixes: CounterFix[] = [];
  const unfixed: ScenarioVerdict[] = [];
  for (const v of racy) {
    if (fixes.some(f => f.fixes.includes(v))) continue;
    const found = search(editableSlots([v.scenario]), [v.scenario, ...clean]);
    if (!found) { unfixed.push(v); continue; }
    // The same change may also fix other racy scenarios; credit it with them.
    const assign: Assignment = new Map(found.changed.map(ch => [ch.slot.key, ch.to]));
    const also = racy.filter(o => o !== v && !fixes.some(f => f.fixes.includes(o)) && cache.run(o.scenario.build(assign), budget).races.length === 0);
    fixes.push(toFix(found, [v, ...also]));
  }
  return { verdicts, racy, fixes, unfixed, bounded };
}

/**
 * For a clean counter: orderings that could be weaker with every scenario still race-free (each
 * slot on its own). Only the refcount obligations are modelled, so these are hints, off by default.
 */
export function weakenings(scenarios: Scenario[], cache: ScenarioCache, budget: Budget): { slot: Slot; to: Ordering; executions: number }[] {
  const slots = new Map<string, Slot>();
  for (const s of scenarios) for (const sl of s.slots) if (sl.editable && sl.which !== 'failure' && sl.which !== 'fetch') slots.set(sl.key, sl);
  const out: { slot: Slot; to: Ordering; executions: number }[] = [];
  for (const sl of slots.values()) {
    const weaker = writable(sl, budget.model ?? 'rc11').filter(o => o !== sl.current && atLeast(sl.current, o))
      .sort((a, b) => STRENGTH[a] - STRENGTH[b]);
    for (const to of weaker) {
      if (budget.signal?.aborted) return out;
      let executions = 0;
      const clean = scenarios.every(s => {
        const res = cache.run(s.build(new Map([[sl.key, to]])), budget);
        executions += res.executions;
        return res.races.length === 0 && !res.bounded;
      });
      if (clean) { out.push({ slot: sl, to, executions }); break; }
    }
  }
  return out;
}
