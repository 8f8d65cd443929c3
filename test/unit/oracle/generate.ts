// Seeded generator of small straight-line concurrent programs for the differential test: 2-4
// threads, 1-4 memory events each, 1-3 locations (some non-atomic), loads, stores, fetch_add/sub,
// exchange, strong and weak CAS, fetch_update, fences, registers flowing into stored values, and
// every valid mode. Half of the programs are classic litmus shapes filled in at random. Sizes are bounded so the brute-force oracle stays fast: the number of candidate
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

/** The seeds the differential test runs; the corpus test checks these same programs cover enough. */
export const DIFFERENTIAL_SEEDS = { first: 1, last: 2000 } as const;

export const DEFAULT_LIMITS: GenLimits = { maxEvents: 8, maxWritesPerLoc: 4, maxCandidates: 100000 };

const LOAD_MODES: Mode[] = ['rlx', 'acq', 'sc'];
const STORE_MODES: Mode[] = ['rlx', 'rel', 'sc'];
const RMW_MODES: Mode[] = ['rlx', 'acq', 'rel', 'acq_rel', 'sc'];
/** A CAS failure is a load: never rel or acq_rel (C11 and Rust reject those). */
const FAIL_MODES: Mode[] = ['rlx', 'acq', 'sc'];
const FENCE_MODES: Mode[] = ['acq', 'rel', 'acq_rel', 'sc'];

/**
 * Which modes a program leans towards. Uniform picks rarely make every access of an SB or IRIW
 * shape sc (or all of an MP shape rel/acq), so without a bias the SC and synchronization axioms
 * would seldom decide anything.
 */
type Bias = 'uniform' | 'sc' | 'relacq';

class Gen {
  bias: Bias = 'uniform';
  constructor(readonly rnd: () => number) {}
  mode(xs: readonly Mode[]): Mode {
    if (this.bias === 'sc' && xs.includes('sc') && this.chance(0.7)) return 'sc';
    if (this.bias === 'relacq' && this.chance(0.7)) {
      const strong = xs.filter(m => m === 'rel' || m === 'acq' || m === 'acq_rel');
      if (strong.length > 0) return this.pick(strong);
    }
    return this.pick(xs);
  }
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

/** An instruction on `loc`; `want` asks for a reading ('R'), writing ('W') or RMW ('U') one, as a skeleton does. */
function instrFor(g: Gen, loc: LocationDecl, ts: ThreadState, want?: 'R' | 'W' | 'U'): Instr {
  // Non-atomic locations are protected state: only plain loads and stores.
  if (!loc.atomic) {
    return (want ? want === 'R' : g.chance(0.5)) ? { k: 'load', loc: loc.name, reg: freshReg(ts), mo: 'na' } : { k: 'store', loc: loc.name, val: valueExpr(g, ts), mo: 'na' };
  }
  // Atomic locations get atomic accesses only (the IR makes a location atomic or not, as Rust does).
  // Reads are loads, sometimes RMWs or CASes; writes are stores, sometimes RMWs, CASes or updates.
  const roll = want === 'R' ? (g.chance(0.7) ? 0 : 0.55 + g.rnd() * 0.38)
    : want === 'W' ? 0.3 + g.rnd() * 0.7
    : want === 'U' ? 0.55 + g.rnd() * 0.45
    : g.rnd();
  if (roll < 0.3) return { k: 'load', loc: loc.name, reg: freshReg(ts), mo: g.mode(LOAD_MODES) };
  if (roll < 0.55) return { k: 'store', loc: loc.name, val: valueExpr(g, ts), mo: g.mode(STORE_MODES) };
  if (roll < 0.75) {
    return { k: 'rmw', loc: loc.name, reg: freshReg(ts), op: g.pick(['add', 'sub', 'xchg'] as const), val: c(g.int(1, 2)), mo: g.mode(RMW_MODES) };
  }
  if (roll < 0.93) {
    const reg = freshReg(ts);
    return {
      k: 'cas', loc: loc.name, reg, okReg: freshReg(ts), expected: c(g.int(0, 2)), desired: c(g.int(0, 3)),
      succ: g.mode(RMW_MODES), fail: g.mode(FAIL_MODES), weak: g.chance(0.4),
    };
  }
  // fetch_update(|old| (old < 2).then(|| old + 1)) or an unconditional decrement.
  const old = freshReg(ts);
  const guard = g.chance(0.7) ? bin('<', r(old), c(2)) : undefined;
  return { k: 'update', oldReg: old, loc: loc.name, guard, next: bin(g.chance(0.5) ? '+' : '-', r(old), c(1)), succ: g.mode(RMW_MODES), fail: g.mode(FAIL_MODES) };
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

/**
 * Classic litmus shapes as access skeletons: per thread, R/W and a location index. Filled in with
 * random operations, modes and fences, they reach the outcomes that the SC, coherence and
 * release/acquire axioms decide far more often than uniformly random programs do.
 */
const SKELETONS: readonly (readonly string[])[][] = [
  [['W0', 'W1'], ['R1', 'R0']], // MP
  [['W0', 'R1'], ['W1', 'R0']], // SB
  [['R0', 'W1'], ['R1', 'W0']], // LB
  [['W0'], ['W1'], ['R0', 'R1'], ['R1', 'R0']], // IRIW
  [['W0'], ['R0', 'W1'], ['R1', 'R0']], // WRC
  [['W0', 'W1'], ['W1', 'W0']], // 2+2W
  [['W0', 'W1'], ['W1', 'R0']], // R
  [['W0', 'W1'], ['R1', 'W0']], // S
  [['W0'], ['R0', 'R1'], ['W1', 'R0']], // RWC
  [['W0', 'W1'], ['R1', 'W2'], ['R2', 'R0']], // ISA2
  [['W0', 'W0'], ['R0', 'R0']], // CoRR with two writes
  [['W0', 'R0'], ['W0', 'R0']], // SB on one location
  [['W0', 'W1', 'W1'], ['R1', 'R0']], // MP where the reader may see a later write of the writer (rs: sb|loc)
  [['W0', 'W1'], ['U1'], ['U1'], ['R1', 'R0']], // MP through a chain of RMWs (rs: (rf; rmw)*)
];

function fromSkeleton(g: Gen, name: string): Program {
  const shape = g.pick(SKELETONS);
  // Location 0 is the payload in the MP-like shapes, so it is the one that may be non-atomic.
  const nLocs = 1 + Math.max(...shape.flat().map(tok => Number(tok[1])));
  const locations: LocationDecl[] = ['x', 'y', 'z'].slice(0, nLocs).map((n, i) => ({ name: n, init: 0, atomic: !(i === 0 && g.chance(0.3)) }));
  const threads = shape.map((accesses, t) => {
    const ts: ThreadState = { regs: [], next: 0 };
    const body: Instr[] = [];
    accesses.forEach((tok, i) => {
      if (i > 0 && g.chance(0.25)) body.push({ k: 'fence', mo: g.mode(FENCE_MODES) });
      body.push(instrFor(g, locations[Number(tok[1])], ts, tok[0] as 'R' | 'W' | 'U'));
    });
    return { name: `T${t}`, body };
  });
  return { name, locations, threads };
}

function randomProgram(g: Gen, name: string): Program {
  const names = ['x', 'y', 'z'].slice(0, g.int(1, 3));
  // At least one atomic location, so the program synchronizes or races through something atomic.
  const locations: LocationDecl[] = names.map((n, i) => ({ name: n, init: g.chance(0.2) ? 1 : 0, atomic: i === 0 || g.chance(0.65) }));
  const threads = Array.from({ length: g.int(2, 4) }, (_, t) => {
    const ts: ThreadState = { regs: [], next: 0 };
    const body: Instr[] = [];
    const events = g.int(1, 4);
    for (let e = 0; e < events; e++) {
      if (g.chance(0.1)) body.push({ k: 'fence', mo: g.mode(FENCE_MODES) });
      else body.push(instrFor(g, g.pick(locations), ts));
      // A register computation now and then, so `let` and derived values are exercised too.
      if (ts.regs.length > 0 && g.chance(0.08)) {
        const src = g.pick(ts.regs);
        body.push({ k: 'let', reg: freshReg(ts), val: bin('*', r(src), c(2)) });
      }
    }
    return { name: `T${t}`, body };
  });
  return { name, locations, threads };
}

function attempt(g: Gen, name: string, limits: GenLimits): Program | null {
  g.bias = g.pick(['uniform', 'sc', 'relacq'] as const);
  const p = g.chance(0.5) ? fromSkeleton(g, name) : randomProgram(g, name);
  const { locations, threads } = p;
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
