// A plain axiomatic checker for the Linux kernel memory model (LKMM), used only as a test oracle
// for the engine's LKMM exploration. It is written from tools/memory-model/linux-kernel.cat,
// linux-kernel.bell and lock.cat in the kernel tree: every relation below carries the cat file's
// name and is built with the same operators (relation.ts), so the two can be read side by side.
// It shares no code with the engine: thread paths come from test/unit/oracle/paths.ts (values of
// reads guessed from per-location domains, so load buffering needs no special case), then every
// rf (a write of the guessed value) and every coherence order is tried and the axioms tested.
//
// How the IR's kernel instructions become cat events (per the contract in server/src/memory/ir.ts):
// - load/store mode 'na' is a plain access; 'rlx' is READ_ONCE/WRITE_ONCE (Once); load 'acq' is
//   smp_load_acquire (Acquire); store 'rel' is smp_store_release (Release).
// - An RMW is a read and a write related by rmw, both in the RMW set. 'rlx': both Once; 'acq': the
//   read is Acquire; 'rel': the write is Release; 'sc' (fully ordered): both Once, with an smp_mb()
//   event right before the read and right after the write, as herd represented value-returning
//   atomics. `noreturn` (atomic_inc ...): the read is Noreturn (smp_rmb does not order it).
// - A cmpxchg/update whose compare fails is one Once read, still in the RMW set (so
//   smp_mb__before_atomic/__after_atomic order it) but without rmw.
// - spin_lock: LKR rmw LKW (LKR is Acquire); a spin_lock that would fail discards the execution.
//   spin_trylock that fails: an LF read. spin_unlock: a UL write (Release).
// - Kernel fences are F events with their barrier kind; rcu_read_lock/unlock and synchronize_rcu
//   give the RCU relations.
// - Dependencies come from registers (paths.ts), extended through plain memory by carry-dep.
// - Values that only a cycle of value flow (rf, data, addr, rmw) could justify are not produced,
//   as herd does not produce them. Read values are guessed from value domains computed with
//   every branch taken both ways (paths.ts), so writes that exist only through a cycle of control
//   dependencies (allowed when plain accesses break it) still give their values.
// Not modelled: SRCU, spin_is_locked, the mixed-accesses and lock-misuse flags.

import { locationAt, type Cond, type KernelFence, type Mode, type Program, type RmwOp } from '../../../server/src/memory/ir';
import type { OracleEvent, OracleExecution } from '../oracle/axiomatic';
import { pathCombinations, threadPaths, valueDomains, type InstrSemantics, type MemInstr, type PathEvent, type StepOutcome, type ThreadPath } from '../oracle/paths';
import { MAX_EVENTS, Rel } from '../oracle/relation';

// ---- thread semantics ------------------------------------------------------------------------

function applyRmw(op: RmwOp, old: number, v: number): number {
  switch (op) {
    case 'add': return old + v;
    case 'sub': return old - v;
    case 'and': return old & v;
    case 'or': return old | v;
    case 'xor': return old ^ v;
    case 'xchg': return v;
    case 'max': return Math.max(old, v);
    case 'min': return Math.min(old, v);
  }
}

const none = (): Set<number> => new Set();

/** The IR semantics under LKMM: failed compares are plain READ_ONCEs, no spurious failure, locks. */
function lkmmSemantics(p: Program): InstrSemantics {
  return {
    reads: ins => ins.k === 'load' || ins.k === 'rmw' || ins.k === 'cas' || ins.k === 'update',
    loc(ins, evaluate) {
      if (ins.k === 'fence') return undefined;
      if ('addr' in ins && ins.addr) {
        const i = locationAt(p.locations.length, evaluate(ins.addr));
        return i < 0 ? null : p.locations[i].name;
      }
      return ins.loc;
    },
    addr: ins => ('addr' in ins ? ins.addr : undefined),
    step(ins, v, ev, deps): StepOutcome[] {
      const old = v ?? 0;
      const reg = (name: string | undefined, val: number, self = true): StepOutcome['sets'] => (name ? [{ reg: name, val, deps: none(), self }] : []);
      switch (ins.k) {
        case 'load':
          return [{ events: [{ kind: 'R', mode: ins.mo, data: none(), readsHere: true }], sets: reg(ins.reg, old) }];
        case 'store':
          return [{ events: [{ kind: 'W', mode: ins.mo, writeValue: ev(ins.val), data: deps(ins.val), readsHere: false }], sets: [] }];
        case 'rmw':
          return [{ events: [{ kind: 'U', mode: ins.mo, writeValue: applyRmw(ins.op, old, ev(ins.val)), data: deps(ins.val), readsHere: true }], sets: reg(ins.reg, old) }];
        case 'cas': {
          const ok = old === ev(ins.expected);
          const sets = [...reg(ins.reg, old), ...reg(ins.okReg, ok ? 1 : 0)];
          if (ok) return [{ events: [{ kind: 'U', mode: ins.succ, writeValue: ev(ins.desired), data: deps(ins.desired), outcome: 'success', readsHere: true }], sets }];
          return [{ events: [{ kind: 'R', mode: 'rlx', outcome: 'failure', data: none(), readsHere: true }], sets, block: ins.lock === 'lock' }];
        }
        case 'update': {
          const bind = { [ins.oldReg]: old };
          const holds = ins.guard === undefined || ev(ins.guard, bind) !== 0;
          const sets = [...reg(ins.oldReg, old), ...reg(ins.okReg, holds ? 1 : 0)];
          if (holds) return [{ events: [{ kind: 'U', mode: ins.succ, writeValue: ev(ins.next, bind), data: deps(ins.next, [ins.oldReg]), outcome: 'success', readsHere: true }], sets }];
          return [{ events: [{ kind: 'R', mode: 'rlx', outcome: 'failure', data: none(), readsHere: true }], sets }];
        }
        case 'fence':
          if (!ins.kernel) throw new Error('oracle-lkmm: a C11 fence (no `kernel` barrier) in a kernel program');
          return [{ events: [{ kind: 'F', mode: 'sc', data: none(), readsHere: false }], sets: [] }];
        default:
          throw new Error(`oracle-lkmm: unexpected instruction '${(ins as { k: string }).k}'`);
      }
    },
  };
}

// ---- cat events ----------------------------------------------------------------------------------

type Tag = 'plain' | 'once' | 'acquire' | 'release' | 'noreturn';
type LockEv = 'LKR' | 'LKW' | 'UL' | 'LF';

/** One cat event. An RMW instruction is two (or, fully ordered, four) of these sharing `id`. */
interface Ev {
  /** Output id "t:i" of the instruction (`init` for initial writes). */
  id: string;
  thread: number;
  kind: 'R' | 'W' | 'F';
  loc?: string;
  value?: number;
  tag?: Tag;
  fence?: KernelFence;
  lock?: LockEv;
  /** In the cat's RMW set (every event of an RMW instruction, failed compares included). */
  inRmwSet: boolean;
  /** The smp_mb() events a fully ordered RMW implies: not in the output. */
  implied: boolean;
  /** Output mode of the instruction. */
  mode: Mode;
  /** Index of the path event it came from (-1 for initial writes). */
  pathIndex: number;
}

interface Built {
  evs: Ev[];
  rmw: [number, number][];
  addr: [number, number][];
  data: [number, number][];
  ctrl: [number, number][];
}

/** The cat events of one path per thread, initial writes first. */
function buildEvents(p: Program, paths: ThreadPath[]): Built {
  const evs: Ev[] = p.locations.map(l => ({ id: 'init', thread: -1, kind: 'W', loc: l.name, value: l.init, tag: 'once', inRmwSet: false, implied: false, mode: 'rlx', pathIndex: -1 }));
  const rmw: [number, number][] = [];
  const addr: [number, number][] = [];
  const data: [number, number][] = [];
  const ctrl: [number, number][] = [];
  paths.forEach((path, t) => {
    // Per path event: the global index of its read (dependency sources) and of all its events.
    const readOf: number[] = [];
    const all: number[][] = [];
    const pending: { pe: PathEvent; mine: number[]; write: number }[] = [];
    for (const pe of path.events) {
      const id = `${t}:${pe.index}`;
      const ins = pe.instr;
      const base = { id, thread: t, loc: pe.loc, implied: false, pathIndex: pe.index, mode: pe.mode as Mode };
      const push = (e: Omit<Ev, 'id' | 'thread' | 'loc' | 'implied' | 'pathIndex' | 'mode'> & Partial<Ev>): number => {
        evs.push({ ...base, ...e });
        return evs.length - 1;
      };
      const mine: number[] = [];
      let write = -1;
      const markedTag = (m: string): Tag => (m === 'na' ? 'plain' : m === 'acq' ? 'acquire' : m === 'rel' ? 'release' : 'once');
      const lockRole = 'lock' in ins ? ins.lock : undefined;
      switch (pe.kind) {
        case 'F':
          mine.push(push({ kind: 'F', fence: (ins as Extract<MemInstr, { k: 'fence' }>).kernel, inRmwSet: false, mode: 'sc', loc: undefined }));
          break;
        case 'W': {
          const lk = lockRole === 'unlock' ? 'UL' : undefined;
          write = push({ kind: 'W', value: pe.writeValue, tag: markedTag(pe.mode), lock: lk, inRmwSet: false });
          mine.push(write);
          break;
        }
        case 'R': {
          const failedRmw = ins.k === 'cas' || ins.k === 'update';
          const lk = failedRmw && lockRole ? 'LF' : undefined;
          const r = push({ kind: 'R', value: pe.readValue, tag: markedTag(pe.mode), lock: lk, inRmwSet: failedRmw && !lk });
          readOf[pe.index] = r;
          mine.push(r);
          break;
        }
        case 'U': {
          const full = pe.mode === 'sc';
          const isLock = lockRole === 'lock' || lockRole === 'trylock';
          const noreturn = ins.k === 'rmw' && ins.noreturn === true;
          const rTag: Tag = noreturn ? 'noreturn' : pe.mode === 'acq' ? 'acquire' : 'once';
          const wTag: Tag = pe.mode === 'rel' ? 'release' : 'once';
          if (full) mine.push(push({ kind: 'F', fence: 'mb', inRmwSet: false, implied: true, loc: undefined }));
          const r = push({ kind: 'R', value: pe.readValue, tag: rTag, lock: isLock ? 'LKR' : undefined, inRmwSet: !isLock });
          write = push({ kind: 'W', value: pe.writeValue, tag: wTag, lock: isLock ? 'LKW' : undefined, inRmwSet: !isLock });
          rmw.push([r, write]);
          mine.push(r, write);
          if (full) mine.push(push({ kind: 'F', fence: 'mb', inRmwSet: false, implied: true, loc: undefined }));
          readOf[pe.index] = r;
          break;
        }
      }
      all[pe.index] = mine;
      pending.push({ pe, mine, write });
    }
    for (const { pe, mine, write } of pending) {
      for (const d of pe.data) if (write >= 0) data.push([readOf[d], write]);
      for (const d of pe.addr) for (const m of mine) if (evs[m].kind !== 'F') addr.push([readOf[d], m]);
      for (const d of pe.ctrl) for (const m of mine) ctrl.push([readOf[d], m]);
    }
  });
  if (evs.length > MAX_EVENTS) throw new Error(`oracle-lkmm: ${evs.length} events (with initial writes); at most ${MAX_EVENTS}`);
  return { evs, rmw, addr, data, ctrl };
}

// ---- the cat model -------------------------------------------------------------------------------------

/** What the axioms need besides the events: rf as (write, read) pairs and co per location. */
interface Candidate {
  rf: [number, number][];
  /** Per location, its writes in coherence order, initial write first. */
  co: number[][];
}

interface Verdict {
  consistent: boolean;
  races: [number, number][];
}

/** Nested rcu_read_lock/unlock pairs of a thread, matched like brackets (the bell's rcu-rscs). */
function rcuPairs(evs: Ev[]): [number, number][] {
  const out: [number, number][] = [];
  const open = new Map<number, number[]>();
  evs.forEach((e, i) => {
    if (e.kind !== 'F') return;
    const stack = open.get(e.thread) ?? [];
    open.set(e.thread, stack);
    if (e.fence === 'rcu_read_lock') stack.push(i);
    else if (e.fence === 'rcu_read_unlock' && stack.length > 0) out.push([stack.pop()!, i]);
  });
  return out;
}

/** The cat file's consistency checks, by the names it gives them. */
export type LkmmAxiom = 'coherence' | 'atomic' | 'happens-before' | 'propagation' | 'rcu' | 'plain-coherence';

export interface LkmmOracleOptions {
  /** Axioms to leave unchecked: only for showing that the test corpus exercises each one. */
  without?: readonly LkmmAxiom[];
}

/**
 * Tests one candidate. With `failures`, every axiom is evaluated and each one that fails is pushed
 * there (to find the axioms that alone reject a candidate); otherwise it stops at the first.
 */
function check(b: Built, cand: Candidate, without: readonly LkmmAxiom[], failures?: LkmmAxiom[]): Verdict {
  /** Records a failed axiom; true when the candidate is to be rejected right away. */
  const fails = (a: LkmmAxiom): boolean => {
    if (failures) { failures.push(a); return false; }
    return !without.includes(a);
  };
  const { evs } = b;
  const n = evs.length;
  const set = (pred: (e: Ev) => boolean): Rel => Rel.id(n, i => pred(evs[i]));
  const pairs = (xs: [number, number][]): Rel => Rel.of(n, xs);

  // Sets.
  const R = set(e => e.kind === 'R');
  const W = set(e => e.kind === 'W');
  const M = R.union(W);
  const IW = set(e => e.thread < 0);
  const isMarked = (e: Ev): boolean => e.kind === 'F' || e.thread < 0 || e.tag !== 'plain' || e.lock !== undefined;
  const Marked = set(isMarked);
  const Plain = set(e => e.kind !== 'F' && !isMarked(e));
  const Acquire = set(e => e.tag === 'acquire' || e.lock === 'LKR');
  const Release = set(e => e.tag === 'release' || e.lock === 'UL');
  const RMW = set(e => e.inRmwSet);
  const Noreturn = set(e => e.tag === 'noreturn');
  const R4rmb = R.minus(Noreturn);
  const notNoreturn = set(e => e.tag !== 'noreturn');
  const LKR = set(e => e.lock === 'LKR');
  const LKW = set(e => e.lock === 'LKW');
  const UL = set(e => e.lock === 'UL');
  const F = (k: KernelFence): Rel => set(e => e.kind === 'F' && e.fence === k);

  // Basic relations. po follows the order events were built in, which is program order per thread.
  const po = Rel.where(n, (i, j) => evs[i].thread >= 0 && evs[i].thread === evs[j].thread && i < j);
  const int = Rel.where(n, (i, j) => evs[i].thread >= 0 && evs[i].thread === evs[j].thread);
  const ext = Rel.where(n, (i, j) => i !== j && !int.has(i, j));
  const loc = Rel.where(n, (i, j) => evs[i].loc !== undefined && evs[i].loc === evs[j].loc);
  const poLoc = po.inter(loc);
  const rf = pairs(cand.rf);
  const co = pairs(cand.co.flatMap(order => order.flatMap((w, k) => order.slice(k + 1).map(v => [w, v] as [number, number]))));
  const fr = rf.inv().seq(co);
  const rmw = pairs(b.rmw);
  const rfe = rf.inter(ext), rfi = rf.inter(int);
  const coe = co.inter(ext);
  const fre = fr.inter(ext);

  // Dependencies, extended through plain memory (the bell's carry-dep).
  const carryDep = pairs(b.data).seq(rfi).star();
  const addr = carryDep.seq(pairs(b.addr));
  const data = carryDep.seq(pairs(b.data));
  const ctrl = carryDep.seq(pairs(b.ctrl));

  // coherence: acyclic po-loc | com
  if (!poLoc.union(rf, co, fr).acyclic() && fails('coherence')) return { consistent: false, races: [] };
  // atomic: empty rmw & (fre ; coe)
  if (!rmw.inter(fre.seq(coe)).isEmpty() && fails('atomic')) return { consistent: false, races: [] };

  // Release/acquire and locks.
  const acqPo = Acquire.seq(po, M);
  const poRel = M.seq(po, Release);
  const poUnlockLockPo = po.seq(UL, po.union(rf), LKR, po);

  // Fences.
  const fencerel = (f: Rel): Rel => po.seq(f, po);
  const rmb = R4rmb.seq(fencerel(F('rmb')), R4rmb);
  const wmb = W.seq(fencerel(F('wmb')), W);
  const mb = M.seq(fencerel(F('mb')), M).union(
    M.seq(fencerel(F('before_atomic')), RMW, po.opt(), M),
    M.seq(po.opt(), RMW, fencerel(F('after_atomic')), M),
    M.seq(po.opt(), LKW, fencerel(F('after_spinlock')), M),
    M.seq(po, UL, co.union(po), LKW, fencerel(F('after_unlock_lock')), M),
  );
  const gp = po.seq(F('synchronize_rcu'), po.opt());
  const strongFence = mb.union(gp);
  const nonrwFence = strongFence.union(poRel, acqPo);
  const fence = nonrwFence.union(wmb, rmb);

  // ppo
  const dep = addr.union(data);
  const rwdep = dep.union(ctrl).seq(W);
  const overwrite = co.union(fr);
  const toW = rwdep.union(overwrite.inter(int), addr.seq(Plain, wmb));
  const toR = addr.union(dep.seq(Marked, rfi));
  const ppo = toR.union(toW, fence, poUnlockLockPo.inter(int));

  // Propagation and happens-before.
  const aCumul = (r: Rel): Rel => rfe.seq(Marked).opt().seq(r);
  const cumulFence = Marked.seq(aCumul(strongFence.union(poRel)).union(wmb, poUnlockLockPo), Marked);
  const prop = Marked.seq(overwrite.inter(ext).opt(), cumulFence.star(), Marked, rfe.opt(), Marked);
  const hb = Marked.seq(ppo.union(rfe, prop.minus(Rel.id(n)).inter(int)), Marked);
  if (!hb.acyclic() && fails('happens-before')) return { consistent: false, races: [] };
  const pb = prop.seq(strongFence, hb.star(), Marked);
  if (!pb.acyclic() && fails('propagation')) return { consistent: false, races: [] };

  // RCU.
  const rscs = pairs(rcuPairs(evs));
  const rcuGp = F('synchronize_rcu');
  const rscsi = rscs.inv();
  const rcuLink = po.opt().seq(hb.star(), pb.star(), prop, po);
  let rcuFence = rcuGp;
  for (;;) {
    const next = rcuGp.union(
      rcuGp.seq(rcuLink, rscsi),
      rscsi.seq(rcuLink, rcuGp),
      rcuGp.seq(rcuLink, rcuFence, rcuLink, rscsi),
      rscsi.seq(rcuLink, rcuFence, rcuLink, rcuGp),
      rcuFence.seq(rcuLink, rcuFence),
    );
    if (next.rows.every((row, i) => row === rcuFence.rows[i])) break;
    rcuFence = next;
  }
  const rb = prop.seq(po, rcuFence, po.opt(), hb.star(), pb.star(), Marked);
  if (!rb.irreflexive() && fails('rcu')) return { consistent: false, races: [] };

  // Plain accesses.
  const xbstar = hb.union(pb, rb).star();
  const fullFence = strongFence.union(po.seq(rcuFence, po.opt()));
  const vis = cumulFence.star().seq(rfe.opt(), Marked, fullFence.seq(Marked, xbstar).union(xbstar.inter(int)));
  const wPreBounded = Marked.seq(addr.union(fence).opt());
  const rPreBounded = Marked.seq(addr.union(nonrwFence, R4rmb.seq(fencerel(F('rmb')), notNoreturn)).opt());
  const wPostBounded = fence.opt().seq(Marked);
  const rPostBounded = nonrwFence.union(notNoreturn.seq(fencerel(F('rmb')), R4rmb)).opt().seq(Marked);
  const wwVis = wPostBounded.seq(vis, wPreBounded);
  const wrVis = wPostBounded.seq(vis, rPreBounded);
  const rwXbstar = rPostBounded.seq(xbstar, wPreBounded);
  const all = Rel.where(n, () => true);
  const cross = (a: Rel, b2: Rel): Rel => a.seq(all, b2);
  const preRace = ext.inter(cross(Plain, M).union(cross(M.minus(IW), Plain)));
  const wrIncoh = preRace.inter(rf).inter(rwXbstar.inv());
  const rwIncoh = preRace.inter(fr).inter(wrVis.inv());
  const wwIncoh = preRace.inter(co).inter(wwVis.inv());
  if (!wrIncoh.union(rwIncoh, wwIncoh).isEmpty() && fails('plain-coherence')) return { consistent: false, races: [] };

  const wwNonrace = wwVis.inter(cross(Marked, W).union(rwXbstar)).inter(cross(W, Marked).union(wrVis));
  const wwRace = preRace.inter(co).minus(wwNonrace);
  const wrRace = preRace.inter(co.opt().seq(rf)).minus(wrVis);
  const rwRace = preRace.inter(fr).minus(rwXbstar);
  return { consistent: !failures || failures.length === 0, races: wwRace.union(wrRace, rwRace).pairs() };
}

// ---- enumeration ------------------------------------------------------------------------------------

function* product<T>(lists: T[][]): Generator<T[]> {
  if (lists.length === 0) { yield []; return; }
  const [head, ...rest] = lists;
  for (const x of head) for (const tail of product(rest)) yield [x, ...tail];
}

function permutations<T>(xs: T[]): T[][] {
  if (xs.length <= 1) return [xs.slice()];
  return xs.flatMap((x, i) => permutations([...xs.slice(0, i), ...xs.slice(i + 1)]).map(q => [x, ...q]));
}

/** Value flow (rf, data, addr, and an RMW's read into its write) must not be cyclic. */
function valuesGrounded(b: Built, rf: [number, number][]): boolean {
  return Rel.of(b.evs.length, [...rf, ...b.data, ...b.addr, ...b.rmw]).acyclic();
}

/** Whether a litmus condition holds in a final state (registers absent read as 0). */
export function evalCondition(cond: Cond, regs: readonly Record<string, number>[], final: Record<string, number>): boolean {
  switch (cond.k) {
    case 'true': return true;
    case 'eqReg': return (regs[cond.thread]?.[cond.reg] ?? 0) === cond.v;
    case 'eqLoc': return final[cond.loc] === cond.v;
    case 'and': return evalCondition(cond.a, regs, final) && evalCondition(cond.b, regs, final);
    case 'or': return evalCondition(cond.a, regs, final) || evalCondition(cond.b, regs, final);
    case 'not': return !evalCondition(cond.a, regs, final);
  }
}

/** Every rf (writes of the guessed values, grounded value flow) and co of one combination of paths. */
function forEachCandidate(p: Program, b: Built, visit: (rf: [number, number][], co: number[][]) => void): void {
  const { evs } = b;
  const writesTo = (l: string): number[] => evs.flatMap((e, i) => (e.kind === 'W' && e.loc === l ? [i] : []));
  const readers = evs.flatMap((e, i) => (e.kind === 'R' ? [i] : []));
  const sameInstr = (a: number, c: number): boolean => evs[a].thread >= 0 && evs[a].id === evs[c].id;
  const candidates = readers.map(r => writesTo(evs[r].loc!).filter(w => evs[w].value === evs[r].value && !sameInstr(w, r)));
  if (candidates.some(c => c.length === 0)) return;
  // co: the initial write first, then every order of the location's other writes.
  const coChoices = p.locations.map(l => {
    const ws = writesTo(l.name);
    return permutations(ws.slice(1)).map(order => [ws[0], ...order]);
  });
  for (const choice of product(candidates)) {
    const rf: [number, number][] = readers.map((r, k) => [choice[k], r]);
    if (!valuesGrounded(b, rf)) continue;
    for (const co of product(coChoices)) visit(rf, co);
  }
}

/**
 * How many combinations of thread paths the oracle would try (Infinity when a value domain grows
 * past `maxValues`): generators use it to keep programs the brute force can afford.
 */
export function pathCost(p: Program, maxValues = 8): number {
  const sem = lkmmSemantics(p);
  let domains;
  try {
    domains = valueDomains(p, sem, { maxValues, ignoreControl: true });
  } catch {
    return Infinity;
  }
  return p.threads.reduce((n, th) => n * threadPaths(th.body, domains, sem).length, 1);
}

/** Every LKMM-consistent execution of a kernel program, in the engine's summary shape. */
export function enumerateLkmm(p: Program, opts: LkmmOracleOptions = {}): OracleExecution[] {
  const sem = lkmmSemantics(p);
  const domains = valueDomains(p, sem, { maxValues: 16, ignoreControl: true });
  const perThread = p.threads.map(th => threadPaths(th.body, domains, sem));
  const out: OracleExecution[] = [];
  for (const paths of pathCombinations(p, perThread)) {
    const b = buildEvents(p, paths);
    const registers = paths.map(path => Object.fromEntries(path.regs));
    forEachCandidate(p, b, (rf, co) => {
      const v = check(b, { rf, co }, opts.without ?? []);
      if (v.consistent) out.push(present(p, b, rf, co, v.races, registers));
    });
  }
  return out;
}

/**
 * The axioms that, each on its own, reject some candidate execution of `p` that every other axiom
 * accepts: leaving one of them out would change the program's executions.
 */
export function decisiveAxioms(p: Program): Set<LkmmAxiom> {
  const sem = lkmmSemantics(p);
  const domains = valueDomains(p, sem, { maxValues: 16, ignoreControl: true });
  const perThread = p.threads.map(th => threadPaths(th.body, domains, sem));
  const out = new Set<LkmmAxiom>();
  for (const paths of pathCombinations(p, perThread)) {
    const b = buildEvents(p, paths);
    forEachCandidate(p, b, (rf, co) => {
      const failures: LkmmAxiom[] = [];
      check(b, { rf, co }, [], failures);
      if (failures.length === 1) out.add(failures[0]);
    });
  }
  return out;
}

/** The execution as the engine summarizes one: an event per instruction, implied fences left out. */
function present(p: Program, b: Built, rf: [number, number][], co: number[][], races: [number, number][], registers: Record<string, number>[]): OracleExecution {
  const { evs } = b;
  const events: OracleEvent[] = [];
  const byId = new Map<string, OracleEvent>();
  const rfOf = new Map(rf.map(([w, r]) => [r, w]));
  evs.forEach((e, i) => {
    if (e.thread < 0 || e.implied) return;
    let o = byId.get(e.id);
    if (!o) {
      const [t, idx] = e.id.split(':').map(Number);
      o = { id: e.id, thread: t, index: idx, kind: e.kind, mode: e.mode };
      if (e.loc !== undefined) o.loc = e.loc;
      byId.set(e.id, o);
      events.push(o);
    } else o.kind = 'U';
    if (e.kind === 'R') { o.readValue = e.value; o.rf = evs[rfOf.get(i)!].id; }
    if (e.kind === 'W') o.writeValue = e.value;
  });
  // A failed compare is reported with the mode the engine gives it (a READ_ONCE).
  const mo: Record<string, string[]> = {};
  const final: Record<string, number> = {};
  p.locations.forEach((l, k) => {
    mo[l.name] = co[k].slice(1).map(i => evs[i].id);
    final[l.name] = evs[co[k][co[k].length - 1]].value!;
  });
  const pairsOut = races
    .filter(([a, c]) => a < c || !races.some(([x, y]) => x === c && y === a))
    .map(([a, c]) => (evs[a].id < evs[c].id ? [evs[a].id, evs[c].id] : [evs[c].id, evs[a].id]) as [string, string]);
  const uniq = [...new Map(pairsOut.map(q => [q.join('|'), q])).values()].sort((x, y) => (x[0] === y[0] ? (x[1] < y[1] ? -1 : 1) : x[0] < y[0] ? -1 : 1));
  return { events, mo, races: uniq, registers, final };
}

