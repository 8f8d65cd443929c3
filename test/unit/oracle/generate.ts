// Seeded generator of small concurrent programs for the differential test: 2-4 threads, 1-4
// memory events each, 1-3 locations (some non-atomic), loads, stores, fetch_add/sub, exchange,
// strong and weak CAS, fetch_update, fences, registers flowing into stored values, and every valid
// mode; about a third get the control flow Rust scenarios have (if/else on registers, assume,
// bounded spin loops, CAS retry loops), and every program a random litmus condition. Half of the
// programs are classic litmus shapes filled in at random. Sizes are bounded so the brute-force oracle stays fast: the number of candidate
// executions it enumerates (CAS outcomes x rf choices x mo permutations) is capped.

import { bin, c, r, type Cond, type Expr, type Instr, type LocationDecl, type Mode, type Program } from '../../../server/src/memory/ir';
import { RC11_SEMANTICS } from './axiomatic';
import { threadPaths, valueDomains } from './paths';

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

/**
 * Every memory instruction a thread may execute, loop bodies repeated as often as their bound
 * lets them run: what the size limits count.
 */
export function flatInstrs(body: readonly Instr[]): Instr[] {
  return body.flatMap(i => {
    switch (i.k) {
      case 'if': return [...flatInstrs(i.then), ...flatInstrs(i.else)];
      case 'while': return Array.from({ length: i.bound }, () => flatInstrs(i.body)).flat();
      case 'let': case 'assume': return [];
      default: return [i];
    }
  });
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
  const all = p.threads.flatMap(t => flatInstrs(t.body));
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

// ---- control flow, as Rust scenarios use it ----------------------------------------------------

/** A condition on a register: equal to / different from a small value. */
function regCond(g: Gen, reg: string): Expr {
  return bin(g.chance(0.6) ? '==' : '!=', r(reg), c(g.int(0, 2)));
}

/**
 * Rewrites a thread body with the control flow Rust scenarios have: an `if`/`else` on a register
 * read earlier (guarding later accesses), an `assume` on a value read, a bounded spin loop
 * re-reading a location until it changes, or a CAS retry loop. The accesses stay those the body
 * had, so a skeleton's shape survives inside the branches.
 */
function addControlFlow(g: Gen, body: Instr[], ts: ThreadState, locations: LocationDecl[]): Instr[] {
  const regAt = (i: number): string | undefined => {
    const defined = body.slice(0, i).flatMap(x => ('reg' in x && x.reg ? [x.reg] : x.k === 'update' ? [x.oldReg] : []));
    return defined.length > 0 ? g.pick(defined) : undefined;
  };
  const roll = g.rnd();
  if (roll < 0.4) {
    // if (r == k) { rest... } else { one of rest, or nothing }
    const at = g.int(1, Math.max(1, body.length - 1));
    const reg = regAt(at);
    if (!reg || at >= body.length) return body;
    const rest = body.slice(at);
    const split = g.int(1, rest.length);
    const els = g.chance(0.5) ? rest.slice(split, split + 1) : [];
    return [...body.slice(0, at), { k: 'if', cond: regCond(g, reg), then: rest.slice(0, split), else: els }, ...rest.slice(split + els.length)];
  }
  if (roll < 0.6) {
    // assume(r == k) right after the access that defines r
    const at = g.int(1, body.length);
    const reg = regAt(at);
    if (!reg) return body;
    return [...body.slice(0, at), { k: 'assume', cond: regCond(g, reg) }, ...body.slice(at)];
  }
  const atomics = locations.filter(l => l.atomic);
  if (atomics.length === 0) return body;
  const loc = g.pick(atomics);
  if (roll < 0.8) {
    // r = x.load(); while (r == 0) { r = x.load(); }  (a bounded spin until x changes)
    const reg = freshReg(ts);
    const mo = g.mode(LOAD_MODES);
    const load: Instr = { k: 'load', loc: loc.name, reg, mo };
    const spin: Instr = { k: 'while', cond: bin('==', r(reg), c(loc.init)), body: [load], bound: 1 };
    const at = g.int(0, body.length);
    return [...body.slice(0, at), load, spin, ...body.slice(at)];
  }
  // ok = 0; while (ok == 0) { old = x.load(rlx); ok = x.cas_weak(old, old + 1) }  (a CAS retry loop)
  const old = freshReg(ts);
  const ok = freshReg(ts);
  const loop: Instr = {
    k: 'while', cond: bin('==', r(ok), c(0)), bound: 2,
    body: [
      { k: 'load', loc: loc.name, reg: old, mo: 'rlx' },
      { k: 'cas', loc: loc.name, okReg: ok, expected: r(old), desired: bin('+', r(old), c(1)), succ: g.mode(RMW_MODES), fail: g.mode(FAIL_MODES), weak: g.chance(0.5) },
    ],
  };
  const at = g.int(0, body.length);
  return [...body.slice(0, at), loop, ...body.slice(at)];
}

/** A litmus condition over the final state: one or two atoms on registers or locations. */
function randomCondition(g: Gen, p: Program): Program['condition'] {
  const regs = p.threads.flatMap((t, ti) => [...new Set(flatInstrs(t.body).flatMap(i => ('reg' in i && i.reg ? [i.reg] : i.k === 'update' ? [i.oldReg] : [])))].map(reg => ({ ti, reg })));
  const atom = (): Cond => {
    if (regs.length > 0 && g.chance(0.7)) {
      const { ti, reg } = g.pick(regs);
      return { k: 'eqReg', thread: ti, reg, v: g.int(0, 2) };
    }
    return { k: 'eqLoc', loc: g.pick(p.locations).name, v: g.int(0, 3) };
  };
  let cond = atom();
  if (g.chance(0.6)) cond = { k: g.chance(0.7) ? 'and' : 'or', a: cond, b: atom() };
  if (g.chance(0.1)) cond = { k: 'not', a: cond };
  return { quantifier: g.pick(['exists', 'not exists', 'forall'] as const), cond };
}

/** An upper bound on the combinations of thread paths the oracle's value guessing can produce. */
function pathCount(p: Program): number {
  let domains;
  try {
    domains = valueDomains(p, RC11_SEMANTICS, { maxValues: MAX_DOMAIN });
  } catch {
    return Infinity;
  }
  return p.threads.reduce((n, t) => n * threadPaths(t.body, domains, RC11_SEMANTICS).length, 1);
}

/** Largest value domain of a location the generator lets through; larger ones make paths explode. */
const MAX_DOMAIN = 8;
/** Largest product of per-thread path counts. */
const MAX_PATHS = 4000;

function attempt(g: Gen, name: string, limits: GenLimits): Program | null {
  g.bias = g.pick(['uniform', 'sc', 'relacq'] as const);
  const p = g.chance(0.5) ? fromSkeleton(g, name) : randomProgram(g, name);
  // About a third of the programs get control flow in one or two threads.
  if (g.chance(0.35)) {
    const ts: ThreadState = { regs: [], next: 50 };
    for (const th of p.threads) if (g.chance(0.6)) th.body = addControlFlow(g, th.body, ts, p.locations);
  }
  p.condition = randomCondition(g, p);
  const { locations, threads } = p;
  const all = threads.flatMap(t => flatInstrs(t.body)).filter(i => i.k !== 'let');
  if (all.length > limits.maxEvents) return null;
  for (const l of locations) if (all.filter(i => mayWrite(i) && locOf(i) === l.name).length > limits.maxWritesPerLoc) return null;
  if (candidateCount(p) > limits.maxCandidates) return null;
  if (pathCount(p) > MAX_PATHS) return null;
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
