// The order in which the fix search tries ordering changes: cheapest first. A candidate changes
// 1 to MAX_CHANGED slots; its cost is the sum over its changes of (strength added, plus a quarter
// for an operation rather than a fence, plus one per change), so fewer and weaker changes come
// first and an existing fence is preferred to the operation it follows. Ties go to fewer changes,
// then to the earlier slots (and earlier options of a slot) in the order given.
//
// A file can hold hundreds of editable slots on one counter, and the candidates over them grow
// with the cube of that; they are therefore generated one at a time, never listed. Costs are
// multiples of 1/4 below 16, so they add exactly in floating point and take few distinct values:
// the generator walks those values upwards, and for each value and number of changes lists the
// candidates in slot order, guided by a table of which costs the remaining slots can still make
// up (so it never walks into a branch that yields nothing).

import type { Ordering } from '../rust/site';
import { STRENGTH } from './orderings';

export const MAX_CHANGED = 3;

/** One slot's possible changes: what it is now, whether it is a fence, and the orderings it may become (in the order tried). */
export interface SlotOptions<S> {
  slot: S;
  current: Ordering;
  fence: boolean;
  to: readonly Ordering[];
}

export interface CandidateChange<S> { slot: S; to: Ordering }

/** The cost of one change, as the search ranks it (see the file comment). */
export function changeCost(current: Ordering, to: Ordering, fence: boolean): number {
  return STRENGTH[to] - STRENGTH[current] + (fence ? 0 : 0.25) + 1;
}

/**
 * Candidates over `options`, cheapest first, lazily. Slots without options are skipped. Work per
 * candidate yielded is bounded by (slots × options × maxChanged), whatever the number of candidates.
 */
export function* cheapestChanges<S>(options: readonly SlotOptions<S>[], maxChanged = MAX_CHANGED): Generator<CandidateChange<S>[]> {
  const opts = options.filter(o => o.to.length > 0);
  const n = opts.length;
  const costs = opts.map(o => o.to.map(to => changeCost(o.current, to, o.fence)));
  // reach[s][t]: the total costs that exactly t changes among slots s.. can make.
  const reach: Set<number>[][] = Array.from({ length: n + 1 }, () => Array.from({ length: maxChanged + 1 }, () => new Set<number>()));
  reach[n][0].add(0);
  for (let s = n - 1; s >= 0; s--) {
    reach[s][0].add(0);
    for (let t = 1; t <= maxChanged; t++) {
      for (const x of reach[s + 1][t]) reach[s][t].add(x);
      for (const c of costs[s]) for (const x of reach[s + 1][t - 1]) reach[s][t].add(c + x);
    }
  }
  const levels = new Set<number>();
  for (let t = 1; t <= maxChanged; t++) for (const x of reach[0][t]) levels.add(x);

  // Iterative, with an explicit stack of picks (the depth is at most maxChanged; a recursive
  // generator would re-yield every candidate through each level).
  for (const total of [...levels].sort((a, b) => a - b)) {
    for (let t = 1; t <= maxChanged; t++) {
      if (!reach[0][t].has(total)) continue;
      const picks: { j: number; k: number; left: number }[] = [];
      // The next pick to consider: option k of slot j, with `left` of the total still to make up.
      let j = 0, k = 0, left = total;
      for (;;) {
        const after = t - picks.length - 1;
        let found = false;
        while (j < n) {
          if (k >= costs[j].length) { j++; k = 0; continue; }
          if (reach[j + 1][after].has(left - costs[j][k])) { found = true; break; }
          k++;
        }
        if (found && after === 0) {
          yield [...picks, { j, k }].map(p => ({ slot: opts[p.j].slot, to: opts[p.j].to[p.k] }));
          k++;
        } else if (found) {
          picks.push({ j, k, left });
          left -= costs[j][k];
          j++;
          k = 0;
        } else {
          const back = picks.pop();
          if (!back) break;
          ({ j, left } = back);
          k = back.k + 1;
        }
      }
    }
  }
}
