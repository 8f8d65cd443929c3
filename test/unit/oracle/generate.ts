// Seeded generator of small straight-line concurrent programs for the differential test: 2-4
// threads, 1-4 memory events each, 1-3 locations (some non-atomic), loads, stores, fetch_add/sub,
// exchange, strong and weak CAS, fetch_update, fences, registers flowing into stored values, and
// every valid mode. Sizes are bounded so the brute-force oracle stays fast: the number of candidate
// executions it enumerates (CAS outcomes x rf choices x mo permutations) is capped.

import { bin, c, r, type Expr, type Instr, type LocationDecl, type Mode, type Program } from '../../../server/src/memory/ir';

/** mulberry32: a tiny, well-mixed 32-bit PRNG; the same seed always gives the same program. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface GenLimits {
  /** Memory events over all threads. */
  maxEvents: number;
  /** Instructions that may write one location (stores, RMWs, CAS, updates). */
  maxWritesPerLoc: number;
  /** Upper bound on the oracle's candidate executions (see candidateCount). */
  maxCandidates: number;
}

export const DEFAULT_LIMITS: GenLimits = { maxEvents: 8, maxWritesPerLoc: 4, maxCandidates: 100000 };

const LOAD_MODES: Mode[] = ['rlx', 'acq', 'sc'];
const STORE_MODES: Mode[] = ['rlx', 'rel', 'sc'];
const RMW_MODES: Mode[] = ['rlx', 'acq', 'rel', 'acq_rel', 'sc'];
/** A CAS failure is a load: never rel or acq_rel (C11 and Rust reject those). */
const FAIL_MODES: Mode[] = ['rlx', 'acq', 'sc'];
const FENCE_MODES: Mode[] = ['acq', 'rel', 'acq_rel', 'sc'];

class Gen {
  constructor(readonly rnd: () => number) {}
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.rnd() * (hi - lo + 1));
  }
  pick<T>(xs: readonly T[]): T {
    return xs[Math.floor(this.rnd() * xs.length)];
  }
  chance(p: number): boolean {
    return this.rnd() < p;
  }
}

/** Per thread: register names in the order they were defined, to use in later values. */
interface ThreadState {
  regs: string[];
  next: number;
}

function freshReg(ts: ThreadState): string {
  const name = `r${ts.next++}`;
  ts.regs.push(name);
  return name;
}

/** A value to store: mostly a small constant, sometimes a register (a data dependency). */
function valueExpr(g: Gen, ts: ThreadState): Expr {
  if (ts.regs.length > 0 && g.chance(0.3)) {
    const reg = r(g.pick(ts.regs));
    return g.chance(0.5) ? reg : bin('+', reg, c(1));
  }
  return c(g.int(1, 3));
}

function instrFor(g: Gen, loc: LocationDecl, ts: ThreadState): Instr {
  // Non-atomic locations are protected state: only plain loads and stores.
  if (!loc.atomic) {
    return g.chance(0.5) ? { k: 'load', loc: loc.name, reg: freshReg(ts), mo: 'na' } : { k: 'store', loc: loc.name, val: valueExpr(g, ts), mo: 'na' };
  }
  // Plain accesses to an atomic location happen (get_mut, initialisation); keep them rare.
  const plain = g.chance(0.06);
  const roll = g.rnd();
  if (roll < 0.3) return { k: 'load', loc: loc.name, reg: freshReg(ts), mo: plain ? 'na' : g.pick(LOAD_MODES) };
  if (roll < 0.55) return { k: 'store', loc: loc.name, val: valueExpr(g, ts), mo: plain ? 'na' : g.pick(STORE_MODES) };
  if (roll < 0.75) {
    return { k: 'rmw', loc: loc.name, reg: freshReg(ts), op: g.pick(['add', 'sub', 'xchg'] as const), val: c(g.int(1, 2)), mo: g.pick(RMW_MODES) };
  }
  if (roll < 0.93) {
    const reg = freshReg(ts);
    return {
      k: 'cas', loc: loc.name, reg, okReg: freshReg(ts), expected: c(g.int(0, 2)), desired: c(g.int(0, 3)),
      succ: g.pick(RMW_MODES), fail: g.pick(FAIL_MODES), weak: g.chance(0.4),
    };
  }
  // fetch_update(|old| (old < 2).then(|| old + 1)) or an unconditional decrement.
  const old = freshReg(ts);
  const guard = g.chance(0.7) ? bin('<', r(old), c(2)) : undefined;
  return { k: 'update', oldReg: old, loc: loc.name, guard, next: bin(g.chance(0.5) ? '+' : '-', r(old), c(1)), succ: g.pick(RMW_MODES), fail: g.pick(FAIL_MODES) };
}

const mayWrite = (i: Instr): boolean => i.k === 'store' || i.k === 'rmw' || i.k === 'cas' || i.k === 'update';
const mayRead = (i: Instr): boolean => i.k === 'load' || i.k === 'rmw' || i.k === 'cas' || i.k === 'update';
const locOf = (i: Instr): string | undefined => ('loc' in i ? i.loc : undefined);

const factorial = (n: number): number => (n <= 1 ? 1 : n * factorial(n - 1));

/**
 * An upper bound on the candidates the oracle enumerates: 2 per CAS/update outcome, (writers+1)
 * rf sources per read, writers! modification orders per location.
 */
export function candidateCount(p: Program): number {
  const all = p.threads.flatMap(t => t.body);
  let n = 1;
  for (const l of p.locations) {
    const writers = all.filter(i => mayWrite(i) && locOf(i) === l.name).length;
    n *= factorial(writers);
    for (const i of all) if (mayRead(i) && locOf(i) === l.name) n *= writers + 1;
  }
  for (const i of all) if (i.k === 'cas' || i.k === 'update') n *= 2;
  return n;
}

function attempt(g: Gen, name: string, limits: GenLimits): Program | null {
  const names = ['x', 'y', 'z'].slice(0, g.int(1, 3));
  // At least one atomic location, so the program synchronizes or races through something atomic.
  const locations: LocationDecl[] = names.map((n, i) => ({ name: n, init: g.chance(0.2) ? 1 : 0, atomic: i === 0 || g.chance(0.65) }));
  const threads = Array.from({ length: g.int(2, 4) }, (_, t) => {
    const ts: ThreadState = { regs: [], next: 0 };
    const body: Instr[] = [];
    const events = g.int(1, 4);
    for (let e = 0; e < events; e++) {
      if (g.chance(0.1)) body.push({ k: 'fence', mo: g.pick(FENCE_MODES) });
      else body.push(instrFor(g, g.pick(locations), ts));
      // A register computation now and then, so `let` and derived values are exercised too.
      if (ts.regs.length > 0 && g.chance(0.08)) {
        const src = g.pick(ts.regs);
        body.push({ k: 'let', reg: freshReg(ts), val: bin('*', r(src), c(2)) });
      }
    }
    return { name: `T${t}`, body };
  });
  const p: Program = { name, locations, threads };
  const all = threads.flatMap(t => t.body).filter(i => i.k !== 'let');
  if (all.length > limits.maxEvents) return null;
  for (const l of locations) if (all.filter(i => mayWrite(i) && locOf(i) === l.name).length > limits.maxWritesPerLoc) return null;
  if (candidateCount(p) > limits.maxCandidates) return null;
  return p;
}

/** The program for `seed`; deterministic. Retries (with the same stream) until it fits the limits. */
export function generateProgram(seed: number, limits: GenLimits = DEFAULT_LIMITS): Program {
  const g = new Gen(mulberry32(seed));
  for (let tries = 0; tries < 1000; tries++) {
    const p = attempt(g, `gen-${seed}`, limits);
    if (p) return p;
  }
  throw new Error(`generateProgram(${seed}): no program within the limits after 1000 tries`);
}
