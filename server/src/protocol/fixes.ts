// Verdicts and fix search for one counter. A counter is clean when every scenario it implies is
// race-free under RC11. Otherwise we look for the weakest strengthening of the orderings involved
// that makes all of them clean (trying cheap changes first: one slot before two, Acquire before
// AcqRel before SeqCst, an existing fence before the operation it follows). Whatever is offered
// has itself been explored clean on every scenario — that is what "verified" means here.

import { explore } from '../memory/explore';
import type { Program } from '../memory/ir';
import type { Budget, ExploreResult } from '../memory/result';
import type { Ordering } from '../rust/site';
import { type Assignment, type Scenario, type Slot, VALID } from './scenarios';

const STRENGTH: Record<Ordering, number> = { Relaxed: 0, Acquire: 1, Release: 1, AcqRel: 2, SeqCst: 3 };

/** o is at least as strong as base in the ordering lattice (Relaxed < Acquire, Release < AcqRel < SeqCst). */
export function atLeast(o: Ordering, base: Ordering): boolean {
  if (o === base || base === 'Relaxed') return true;
  if (base === 'Acquire' || base === 'Release') return o === 'AcqRel' || o === 'SeqCst';
  if (base === 'AcqRel') return o === 'SeqCst';
  return false;
}

/** Scenario results keyed by the program's shape, so a file full of similar sites costs one exploration each. */
export class ScenarioCache {
  private readonly map = new Map<string, ExploreResult>();
  constructor(private readonly limit = 10_000) {}
  hits = 0;
  misses = 0;
  run(p: Program, budget: Budget): ExploreResult {
    const key = JSON.stringify(p);
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

export interface CounterVerdict {
  verdicts: ScenarioVerdict[];
  racy: ScenarioVerdict[];
  /** The weakest verified change, when the counter races and one was found. */
  fix: { assign: Map<string, Ordering>; changed: { slot: Slot; to: Ordering }[]; executions: number } | null;
  /** Set when some exploration hit its budget: the verdict is then incomplete. */
  bounded?: string;
}

const MAX_CHANGED = 3;
const MAX_CANDIDATES = 400;
const FIX_SEARCH_MILLIS = 10_000;

export function judgeCounter(scenarios: Scenario[], cache: ScenarioCache, budget: Budget): CounterVerdict {
  const verdicts = scenarios.map(s => {
    const program = s.build();
    return { scenario: s, program, result: cache.run(program, budget) };
  });
  const bounded = verdicts.find(v => v.result.bounded)?.result.bounded?.message;
  const racy = verdicts.filter(v => v.result.races.length > 0);
  if (racy.length === 0) return { verdicts, racy, fix: null, bounded };

  // Slots a fix may change: editable success-side orderings of the sites in these scenarios.
  const slots = new Map<string, Slot>();
  for (const s of scenarios) for (const sl of s.slots) {
    if (!sl.editable || sl.which === 'failure' || sl.which === 'fetch') continue;
    slots.set(sl.key, sl);
  }
  const options = [...slots.values()].map(sl => ({
    slot: sl,
    to: VALID[sl.access].filter(o => o !== sl.current && atLeast(o, sl.current) && (sl.arg?.family !== 'kernel' || o !== 'AcqRel')),
  })).filter(o => o.to.length > 0);

  const candidates: { changed: { slot: Slot; to: Ordering }[]; cost: number }[] = [];
  const walk = (i: number, acc: { slot: Slot; to: Ordering }[]): void => {
    if (acc.length > 0) {
      const cost = acc.reduce((n, ch) => n + STRENGTH[ch.to] - STRENGTH[ch.slot.current] + (ch.slot.access === 'fence' ? 0 : 0.25), 0) + acc.length;
      candidates.push({ changed: acc.slice(), cost });
    }
    if (acc.length === MAX_CHANGED) return;
    for (let j = i; j < options.length; j++) for (const to of options[j].to) {
      acc.push({ slot: options[j].slot, to });
      walk(j + 1, acc);
      acc.pop();
    }
  };
  walk(0, []);
  candidates.sort((a, b) => a.cost - b.cost || a.changed.length - b.changed.length);

  const started = Date.now();
  for (const cand of candidates.slice(0, MAX_CANDIDATES)) {
    // The search as a whole is bounded too: a cancelled review or a slow counter stops it.
    if (budget.signal?.aborted || Date.now() - started > FIX_SEARCH_MILLIS) {
      return { verdicts, racy, fix: null, bounded: bounded ?? `bounded: fix search stopped after ${Date.now() - started} ms` };
    }
    const assign: Assignment = new Map(cand.changed.map(ch => [ch.slot.key, ch.to]));
    let clean = true;
    let executions = 0;
    for (const s of scenarios) {
      const res = cache.run(s.build(assign), budget);
      if (res.races.length > 0 || res.bounded) { clean = false; break; }
      executions += res.executions;
    }
    if (clean) return { verdicts, racy, fix: { assign: new Map(assign), changed: cand.changed, executions }, bounded };
  }
  return { verdicts, racy, fix: null, bounded };
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
    const weaker = VALID[sl.access].filter(o => o !== sl.current && atLeast(sl.current, o) && (sl.arg?.family !== 'kernel' || o !== 'AcqRel'))
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
