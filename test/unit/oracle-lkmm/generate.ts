// Seeded generator of small kernel programs for the LKMM differential test: 2-4 threads, 1-3
// shared locations, plain and marked accesses (READ_ONCE/WRITE_ONCE, acquire/release), barriers of
// every kind, RMWs in all their orderings (fully ordered, relaxed, acquire, release, void
// atomic_inc-style), cmpxchg that may fail, data and control dependencies through registers,
// spinlock critical sections and RCU read-side sections against synchronize_rcu, and a random
// litmus condition. Half the programs are classic litmus shapes filled in at random. Sizes are
// kept where the brute-force oracle stays fast.

import { addressOf, bin, c, r, type Cond, type Expr, type Instr, type KernelFence, type LocationDecl, type Mode, type Program } from '../../../server/src/memory/ir';
import { flatInstrs, mulberry32 } from '../oracle/generate';
import { pathCost } from './lkmm';

class Gen {
  /** Put a barrier (mostly smp_mb) between every two accesses: the shapes pb and rcu decide need strong fences. */
  fenced = false;
  constructor(readonly rnd: () => number) {}
  int(lo: number, hi: number): number { return lo + Math.floor(this.rnd() * (hi - lo + 1)); }
  pick<T>(xs: readonly T[]): T { return xs[Math.floor(this.rnd() * xs.length)]; }
  chance(p: number): boolean { return this.rnd() < p; }
}

interface ThreadState { regs: string[]; next: number }

const fresh = (ts: ThreadState): string => {
  const name = `r${ts.next++}`;
  ts.regs.push(name);
  return name;
};

/** A value to store: a small constant, or (a data dependency) a register read earlier. */
function value(g: Gen, ts: ThreadState): Expr {
  if (ts.regs.length > 0 && g.chance(0.3)) return g.chance(0.5) ? r(g.pick(ts.regs)) : bin('+', r(g.pick(ts.regs)), c(1));
  return c(g.int(1, 2));
}

const FENCES: readonly KernelFence[] = ['mb', 'rmb', 'wmb', 'before_atomic', 'after_atomic'];

function access(g: Gen, loc: string, ts: ThreadState, want: 'R' | 'W' | 'U' | undefined): Instr[] {
  const roll = want === 'R' ? g.rnd() * 0.3 : want === 'W' ? 0.3 + g.rnd() * 0.3 : want === 'U' ? 0.6 + g.rnd() * 0.4 : g.rnd();
  if (roll < 0.3) return [{ k: 'load', loc, reg: fresh(ts), mo: g.pick<Mode>(['na', 'rlx', 'rlx', 'acq']) }];
  if (roll < 0.6) return [{ k: 'store', loc, val: value(g, ts), mo: g.pick<Mode>(['na', 'rlx', 'rlx', 'rel']) }];
  if (roll < 0.75) {
    const mo = g.pick<Mode>(['rlx', 'acq', 'rel', 'sc']);
    if (mo === 'rlx' && g.chance(0.4)) {
      // void atomic_inc, often with the barrier that makes it ordered
      const inc: Instr = { k: 'rmw', loc, op: 'add', val: c(1), mo: 'rlx', noreturn: true };
      if (!g.chance(0.5)) return [inc];
      return g.chance(0.5) ? [{ k: 'fence', mo: 'sc', kernel: 'before_atomic' }, inc] : [inc, { k: 'fence', mo: 'sc', kernel: 'after_atomic' }];
    }
    return [{ k: 'rmw', loc, op: g.pick(['add', 'xchg'] as const), val: c(g.int(1, 2)), mo, reg: fresh(ts) }];
  }
  if (roll < 0.93) {
    const reg = fresh(ts);
    return [{ k: 'cas', loc, reg, okReg: fresh(ts), expected: c(g.int(0, 1)), desired: c(g.int(1, 2)), succ: g.pick<Mode>(['rlx', 'acq', 'rel', 'sc']), fail: 'rlx' }];
  }
  const old = fresh(ts);
  return [{ k: 'update', loc, oldReg: old, guard: bin('<', r(old), c(2)), next: bin('+', r(old), c(1)), succ: g.pick<Mode>(['rlx', 'sc']), fail: 'rlx' }];
}

const SKELETONS: readonly (readonly string[])[][] = [
  [['W0', 'W1'], ['R1', 'R0']], // MP
  [['W0', 'R1'], ['W1', 'R0']], // SB
  [['R0', 'W1'], ['R1', 'W0']], // LB
  [['W0'], ['W1'], ['R0', 'R1'], ['R1', 'R0']], // IRIW
  [['W0'], ['R0', 'W1'], ['R1', 'R0']], // WRC
  [['W0', 'W1'], ['W1', 'W0']], // 2+2W
  [['W0', 'W1'], ['W1', 'R0']], // R
  [['W0', 'W1'], ['R1', 'W0']], // S
  [['W0', 'W1'], ['R1', 'W2'], ['R2', 'R0']], // ISA2
  [['W0', 'R0'], ['R0', 'W0']], // coherence on one location
  [['U0', 'R1'], ['W1', 'U0']], // RMWs as barriers in SB
];

function threadBody(g: Gen, locs: LocationDecl[], tokens: readonly string[] | null, ts: ThreadState): Instr[] {
  const body: Instr[] = [];
  const n = tokens ? tokens.length : g.int(1, 3);
  for (let i = 0; i < n; i++) {
    if (i > 0 && g.fenced) body.push({ k: 'fence', mo: 'sc', kernel: g.chance(0.7) ? 'mb' : g.pick(FENCES) });
    else if (i > 0 && g.chance(0.35)) body.push({ k: 'fence', mo: 'sc', kernel: g.pick(FENCES) });
    const tok = tokens?.[i];
    const loc = tok ? locs[Number(tok[1])].name : g.pick(locs).name;
    const acc = access(g, loc, ts, tok ? (tok[0] as 'R' | 'W' | 'U') : undefined);
    // A control dependency: the access only happens if an earlier read saw a given value.
    if (ts.regs.length > 0 && g.chance(0.2)) body.push({ k: 'if', cond: bin('==', r(g.pick(ts.regs)), c(g.int(0, 1))), then: acc, else: [] });
    else body.push(...acc);
  }
  return body;
}

function condition(g: Gen, p: Program): Program['condition'] {
  const regs = p.threads.flatMap((t, ti) => flatInstrs(t.body).flatMap(i => ('reg' in i && i.reg ? [{ ti, reg: i.reg }] : [])));
  const atom = (): Cond => (regs.length > 0 && g.chance(0.75)
    ? (({ ti, reg }) => ({ k: 'eqReg', thread: ti, reg, v: g.int(0, 2) }) as Cond)(g.pick(regs))
    : { k: 'eqLoc', loc: g.pick(p.locations).name, v: g.int(0, 2) });
  let cond = atom();
  for (let k = g.int(0, 2); k > 0; k--) cond = { k: 'and', a: cond, b: atom() };
  return { quantifier: g.pick(['exists', 'not exists', 'forall'] as const), cond };
}

const lock = (s: string): Instr => ({ k: 'cas', loc: s, expected: c(0), desired: c(1), succ: 'acq', fail: 'rlx', lock: 'lock' });
const unlock = (s: string): Instr => ({ k: 'store', loc: s, val: c(0), mo: 'rel', lock: 'unlock' });
const kfence = (kernel: KernelFence): Instr => ({ k: 'fence', mo: 'sc', kernel });

function declare(p: Program, name: string, init = 0): void {
  if (!p.locations.some(l => l.name === name)) p.locations.push({ name, init, atomic: true });
}

/**
 * Adds synchronization around the accesses: spinlock critical sections (sometimes with
 * smp_mb__after_spinlock, a trylock, or two sections in a row with smp_mb__after_unlock_lock), or
 * an RCU read-side section against synchronize_rcu in another thread.
 */
function addSync(g: Gen, p: Program, ts: ThreadState): void {
  const th = g.pick(p.threads);
  const roll = g.rnd();
  if (roll < 0.6) {
    declare(p, 's');
    for (const t of p.threads) {
      if (t !== th && !g.chance(0.6)) continue;
      const style = g.rnd();
      // Leave something after the first section when there is to be a second one.
      const k = style >= 0.2 && style < 0.45 ? g.int(1, Math.max(1, t.body.length - 1)) : g.int(1, t.body.length);
      const inside = t.body.slice(0, k);
      const rest = t.body.slice(k);
      if (style < 0.2) {
        const ok = fresh(ts);
        t.body = [{ k: 'cas', loc: 's', expected: c(0), desired: c(1), succ: 'acq', fail: 'rlx', lock: 'trylock', okReg: ok },
          { k: 'if', cond: bin('==', r(ok), c(1)), then: [...inside, unlock('s')], else: [] }, ...rest];
      } else if (style < 0.45 && rest.length > 0) {
        // Two critical sections in a row (same lock or another one), the second after smp_mb__after_unlock_lock.
        const s2 = g.chance(0.5) ? 's' : 't';
        declare(p, s2);
        t.body = [lock('s'), ...inside, unlock('s'), lock(s2), kfence('after_unlock_lock'), ...rest, unlock(s2)];
      } else {
        t.body = [lock('s'), ...(style < 0.65 ? [kfence('after_spinlock')] : []), ...inside, unlock('s'), ...rest];
      }
    }
    return;
  }
  th.body = [kfence('rcu_read_lock'), ...th.body, kfence('rcu_read_unlock')];
  const other = p.threads.find(t => t !== th)!;
  const at = g.int(1, Math.max(1, other.body.length - 1));
  other.body.splice(at, 0, kfence('synchronize_rcu'));
}

/**
 * Adds pointer publication: location `p` points at one location at first; one thread stores the
 * address of another into it (after its accesses), another reads `p` and accesses through it (an
 * address dependency).
 */
function addPointer(g: Gen, p: Program, ts: ThreadState): void {
  const targets = p.locations.map(l => l.name);
  const [from, to] = [g.pick(targets), g.pick(targets)];
  p.locations.push({ name: 'p', init: 0, atomic: true });
  p.locations[p.locations.length - 1].init = addressOf(p, from);
  const writer = g.pick(p.threads);
  const reader = g.pick(p.threads.filter(t => t !== writer));
  writer.body.push({ k: 'store', loc: 'p', val: c(addressOf(p, to)), mo: g.pick<Mode>(['rlx', 'rel']) });
  const ptr = fresh(ts);
  const deref: Instr = g.chance(0.7)
    ? { k: 'load', loc: `*${ptr}`, addr: r(ptr), reg: fresh(ts), mo: g.pick<Mode>(['na', 'rlx']) }
    : { k: 'store', loc: `*${ptr}`, addr: r(ptr), val: c(3), mo: g.pick<Mode>(['na', 'rlx']) };
  reader.body.unshift({ k: 'load', loc: 'p', reg: ptr, mo: g.pick<Mode>(['rlx', 'acq']) }, deref);
}

/**
 * Makes one thread wait for another the way kernel code does: a bounded spin on a flag
 * (`while (!READ_ONCE(flag)) ;`, or with smp_load_acquire), or an `assume` on a value read,
 * before its remaining accesses (which become control dependent on the reads).
 */
function addWait(g: Gen, p: Program, ts: ThreadState): void {
  const flag = g.pick(p.locations.filter(l => l.name !== 'p' && l.name !== 's' && l.name !== 't'));
  const th = g.pick(p.threads);
  const reg = fresh(ts);
  const read: Instr = { k: 'load', loc: flag.name, reg, mo: g.pick<Mode>(['rlx', 'acq']) };
  const wait: Instr = g.chance(0.6)
    ? { k: 'while', cond: bin('==', r(reg), c(flag.init)), body: [read], bound: 1 }
    : { k: 'assume', cond: bin('!=', r(reg), c(flag.init)) };
  th.body = [read, wait, ...th.body];
}

export interface LkmmGenLimits {
  /** Instructions that make events, over all threads (loops unrolled). */
  maxInstrs: number;
  /** Writes to one location. */
  maxWritesPerLoc: number;
}

/** Most combinations of thread paths (under guessed values) a program may give the oracle. */
const MAX_PATH_COMBINATIONS = 3000;

export const LKMM_LIMITS: LkmmGenLimits = { maxInstrs: 8, maxWritesPerLoc: 3 };

const mayWrite = (i: Instr): boolean => i.k === 'store' || i.k === 'rmw' || i.k === 'cas' || i.k === 'update';

function attempt(g: Gen, seed: number): Program | null {
  g.fenced = g.chance(0.25);
  // Fenced programs lean to the shapes only strong fences forbid (SB, 2+2W, R, IRIW: the pb axiom).
  const skeleton = g.chance(0.5) ? (g.fenced && g.chance(0.6) ? g.pick([SKELETONS[1], SKELETONS[3], SKELETONS[5], SKELETONS[6]]) : g.pick(SKELETONS)) : null;
  const nLocs = skeleton ? 1 + Math.max(...skeleton.flat().map(tok => Number(tok[1]))) : g.int(1, 3);
  const locations: LocationDecl[] = ['x', 'y', 'z'].slice(0, nLocs).map(name => ({ name, init: 0, atomic: true }));
  const nThreads = skeleton ? skeleton.length : g.int(2, 3);
  let next = 0;
  const threads = Array.from({ length: nThreads }, (_, t) => {
    const ts: ThreadState = { regs: [], next };
    const body = threadBody(g, locations, skeleton ? skeleton[t] : null, ts);
    next = ts.next;
    return { name: `P${t}`, body };
  });
  const p: Program = { name: `lkmm-${seed}`, locations, threads };
  const extra: ThreadState = { regs: [], next: 50 };
  if (g.chance(0.2)) addSync(g, p, extra);
  if (g.chance(0.12)) addPointer(g, p, extra);
  if (g.chance(0.15)) addWait(g, p, extra);
  p.condition = condition(g, p);
  const all = threads.flatMap(t => flatInstrs(t.body));
  if (all.filter(i => i.k !== 'fence' && !('lock' in i && i.lock)).length > LKMM_LIMITS.maxInstrs || all.length > LKMM_LIMITS.maxInstrs + 6) return null;
  for (const l of p.locations) if (all.filter(i => mayWrite(i) && 'loc' in i && i.loc === l.name).length > LKMM_LIMITS.maxWritesPerLoc) return null;
  if (pathCost(p) > MAX_PATH_COMBINATIONS) return null;
  return p;
}

/** The kernel program for `seed`; deterministic. */
export function generateKernelProgram(seed: number): Program {
  const g = new Gen(mulberry32(seed * 7919 + 17));
  for (let tries = 0; tries < 1000; tries++) {
    const p = attempt(g, seed);
    if (p) return p;
  }
  throw new Error(`generateKernelProgram(${seed}): nothing within the limits after 1000 tries`);
}

export const LKMM_DIFFERENTIAL_SEEDS = { first: 1, last: 1000 } as const;
