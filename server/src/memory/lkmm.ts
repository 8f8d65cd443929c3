// The Linux kernel memory model (LKMM): exhaustive exploration of small kernel programs.
//
// LKMM allows load buffering when nothing orders it, so a consistent execution need not have any
// order extending po ∪ rf, and the event-by-event construction of rc11.ts does not apply. This
// module works the way herd does for the kernel's cat model:
//   1. the values each location can hold are computed to a fixpoint (bounded by the number of
//      writes an execution can have, so counters do not run away);
//   2. each thread is run on its own along every control-flow path, every read taking each value
//      of its location's domain; dependencies are tracked through registers as it runs;
//   3. for each combination of thread paths, every rf (a write of the value read) and every
//      coherence order is enumerated per location, keeping those that satisfy coherence
//      (sc-per-location) and RMW atomicity;
//   4. the remaining candidates are checked against hb, pb, rcu and the plain-access rules
//      (lkmm-axioms.ts). Each consistent execution is one (paths, rf, co) triple, counted once.
// Values justified only through a cycle of value flow (rf and data/address dependencies) are not
// produced, as herd does not produce them either; for marked accesses LKMM forbids such cycles
// anyway (they are hb cycles), for plain accesses they would be data races. Cycles through control
// dependencies only are produced (herd produces them too) and left to the axioms.
// A read whose value is then used as a pointer that is not a location's address ends its path
// (herd would reject such a test); executions of that kind are not reported.

import { checkCandidate, StaticRels, type Candidate, type LkEvent, type LockClass } from './lkmm-axioms';
import { locationAt, type KernelFence, type Mode } from './ir';
import { applyRmw, ProgramError, type Compiled, type EventOp } from './program';
import { MODEL_TITLES, type Race, type Trace, type TraceStep } from './result';
import type { Rel, Tick } from './relation';
import { registerRecord, regValueOf, type Completed, type ExecutionGraph, type Session } from './session';

/** An event of one thread's path; indices in `addr`/`data`/`ctrl`/`rmw` are local to the path. */
interface PathEvent {
  kind: 'R' | 'W' | 'F';
  loc: number;
  mode: Mode;
  fence?: KernelFence;
  noreturn: boolean;
  lock?: LockClass;
  rmw: number;
  failedRmw?: boolean;
  addr: number[];
  data: number[];
  ctrl: number[];
  readVal: number;
  writeVal: number;
  op: EventOp;
  /** The smp_mb() a fully ordered RMW implies on each side: not shown as a step of its own. */
  synthetic: boolean;
  /** Index of the instruction within the thread's executed instructions (one per event op). */
  node: number;
  cas?: 'success' | 'failure';
}

interface Path {
  events: PathEvent[];
  regs: number[];
  /** Stopped by `assume` or a loop bound (the execution is discarded). */
  blocked: boolean;
  nodes: number;
}

const FUEL = 100_000;
const MAX_DOMAIN = 64;

const union = (a: number[], b: number[]): number[] => {
  if (b.length === 0) return a;
  if (a.length === 0) return b;
  return [...new Set([...a, ...b])].sort((x, y) => x - y);
};

/**
 * Every control-flow path of thread t with reads drawing values from `domain`. With `anyBranch`,
 * branches and assumptions that depend on values read are not evaluated but both ways are taken:
 * the paths then over-approximate what the thread can write (for the value domains).
 */
function threadPaths(c: Compiled, t: number, domain: number[][], session: Session, anyBranch = false): Path[] {
  const code = c.threads[t];
  const ops = code.ops;
  const L = c.locNames.length;
  const out: Path[] = [];
  /** A path being run; `fuel` bounds the thread-local steps until its next fork. */
  interface St { pc: number; regs: number[]; taint: number[][]; ctrl: number[]; events: PathEvent[]; nodes: number; fuel: number }
  const clone = (s: St): St => ({ pc: s.pc, regs: s.regs.slice(), taint: s.taint.slice(), ctrl: s.ctrl, events: s.events.slice(), nodes: s.nodes, fuel: FUEL });
  const taintOf = (s: St, slots: number[]): number[] => slots.reduce((acc, r) => union(acc, s.taint[r] ?? []), [] as number[]);

  // Paths still to run, the next on top: a fork pushes its branches in reverse, so paths come out
  // in the order a depth-first walk takes them. (A walk that recursed per read would run out of
  // stack on a long thread.)
  const pending: St[] = [];
  /** Runs s until it ends (recorded) or forks (its branches pushed). */
  const run = (s: St): void => {
    while (s.pc < ops.length) {
      if (--s.fuel === 0) throw new ProgramError(`thread ${code.name} does not reach its next memory access (unbounded local loop)`);
      const op = ops[s.pc];
      switch (op.k) {
        case 'let': s.regs[op.slot] = op.val(s.regs); s.taint[op.slot] = taintOf(s, op.regs); s.pc++; continue;
        case 'jmp': s.pc = op.target; continue;
        case 'jz': {
          const deps = taintOf(s, op.regs);
          s.ctrl = union(s.ctrl, deps);
          if (anyBranch && deps.length > 0) {
            const other = clone(s);
            other.pc = op.target;
            s.pc++;
            pending.push(s, other);
            return;
          }
          s.pc = op.cond(s.regs) === 0 ? op.target : s.pc + 1;
          continue;
        }
        case 'assume': {
          const deps = taintOf(s, op.regs);
          s.ctrl = union(s.ctrl, deps);
          if (op.cond(s.regs) === 0 && !(anyBranch && deps.length > 0)) { out.push({ events: s.events, regs: s.regs, blocked: true, nodes: s.nodes }); return; }
          s.pc++;
          continue;
        }
        case 'ev': break;
      }
      const e = op as EventOp;
      let loc = e.loc;
      if (e.addr) {
        loc = locationAt(L, e.addr(s.regs));
        if (loc < 0) return; // a pointer that points nowhere: see the header
      }
      const addr = taintOf(s, e.addrRegs);
      const node = s.nodes++;
      const base = { loc, noreturn: false, rmw: -1, addr, data: [] as number[], ctrl: s.ctrl, readVal: 0, writeVal: 0, op: e, synthetic: false, node };
      if (e.kind === 'fence') {
        s.events.push({ ...base, kind: 'F', loc: -1, mode: 'sc', fence: e.kernel, addr: [] });
        s.pc++;
        continue;
      }
      if (e.kind === 'store') {
        s.events.push({ ...base, kind: 'W', mode: e.mo, lock: e.lock === 'unlock' ? 'UL' : undefined, data: taintOf(s, e.valRegs), writeVal: e.val!(s.regs) });
        s.pc++;
        continue;
      }
      // Read-like: branch on every value the location can hold.
      const branches: St[] = [];
      for (const v of domain[loc]) {
        const n = clone(s);
        branches.push(n);
        n.pc++;
        const ri = n.events.length;
        if (e.kind === 'load') {
          n.events.push({ ...base, kind: 'R', mode: e.mo, readVal: v });
          if (e.oldSlot >= 0) { n.regs[e.oldSlot] = v; n.taint[e.oldSlot] = [ri]; }
          continue;
        }
        let ok = true;
        let wv = 0;
        const regs = n.regs;
        if (e.kind === 'rmw') wv = applyRmw(e.op!, v, e.val!(regs));
        else if (e.kind === 'cas') { ok = v === e.expected!(regs); wv = e.val!(regs); }
        const data = taintOf(n, e.valRegs);
        if (e.oldSlot >= 0) { regs[e.oldSlot] = v; n.taint[e.oldSlot] = [ri]; }
        if (e.kind === 'update') { ok = e.guard ? e.guard(regs) !== 0 : true; wv = e.next!(regs); }
        if (e.okSlot >= 0) { regs[e.okSlot] = ok ? 1 : 0; n.taint[e.okSlot] = [ri]; }
        if (!ok) {
          // A failed compare is an unordered read (lock.cat's LF for a failed trylock).
          n.events.push({ ...base, kind: 'R', mode: 'rlx', readVal: v, lock: e.lock ? 'LF' : undefined, cas: 'failure', failedRmw: !e.lock });
          continue;
        }
        const full = e.mo === 'sc';
        if (full) n.events.push({ ...base, kind: 'F', loc: -1, mode: 'sc', fence: 'mb', addr: [], synthetic: true });
        const r = n.events.length;
        const cas = e.kind === 'cas' || e.kind === 'update' ? 'success' as const : undefined;
        n.events.push({ ...base, kind: 'R', mode: e.mo === 'acq' ? 'acq' : 'rlx', readVal: v, noreturn: e.noreturn, lock: e.lock ? 'LKR' : undefined, rmw: r + 1, cas });
        n.events.push({ ...base, kind: 'W', mode: e.mo === 'rel' ? 'rel' : 'rlx', writeVal: wv, data, lock: e.lock ? 'LKW' : undefined, rmw: r, cas });
        if (full) n.events.push({ ...base, kind: 'F', loc: -1, mode: 'sc', fence: 'mb', addr: [], synthetic: true });
        // Registers the RMW fills depend on its read, not on the fence before it.
        if (e.oldSlot >= 0) n.taint[e.oldSlot] = [r];
        if (e.okSlot >= 0) n.taint[e.okSlot] = [r];
      }
      for (let i = branches.length - 1; i >= 0; i--) pending.push(branches[i]);
      return;
    }
    out.push({ events: s.events, regs: s.regs, blocked: false, nodes: s.nodes });
  };
  pending.push({ pc: 0, regs: new Array(code.regNames.length).fill(0), taint: [], ctrl: [], events: [], nodes: 0, fuel: FUEL });
  while (pending.length > 0) {
    session.checkBudget();
    run(pending.pop()!);
  }
  return out;
}

/**
 * The values each location may hold, to a fixpoint bounded by how many writes an execution can
 * make. Branches on read values are taken both ways here, as herd's symbolic values would: a write
 * guarded by `if (r == 1)` contributes its value even when 1 can only come from a cycle (LB with
 * control dependencies); whether such a candidate is consistent is then the axioms' business.
 */
function valueDomains(c: Compiled, session: Session): number[][] {
  const L = c.locNames.length;
  let domain = c.program.locations.map(l => [l.init]);
  for (let iter = 0; ; iter++) {
    const paths = c.threads.map((_, t) => threadPaths(c, t, domain, session, true));
    const seen = domain.map(d => new Set(d));
    let writes = 0;
    for (const ps of paths) {
      let most = 0;
      for (const p of ps) {
        let w = 0;
        for (const e of p.events) if (e.kind === 'W') { seen[e.loc].add(e.writeVal); w++; }
        most = Math.max(most, w);
      }
      writes += most;
    }
    const next = seen.map(s => [...s].sort((a, b) => a - b));
    const changed = next.some((d, l) => d.length !== domain[l].length);
    for (let l = 0; l < L; l++) {
      if (next[l].length > MAX_DOMAIN) throw new ProgramError(`location ${c.locNames[l]} can hold more than ${MAX_DOMAIN} values; the Linux kernel memory model checker needs small value sets`);
    }
    // A value that needs k writes to be built is in the domain after k rounds.
    if (!changed || iter >= writes) return domain;
    domain = next;
  }
}

/** One consistent execution, in global event indices (initial writes first, one per location). */
interface Execution {
  events: LkEvent[];
  source: (PathEvent | null)[];
  paths: Path[];
  cand: Candidate;
  hb: Rel;
  races: [number, number][];
}

export function exploreLkmm(c: Compiled, session: Session): void {
  const result = session.result;
  // Work inside one candidate (building it, its axioms, its trace) reports here, so one large
  // candidate cannot outlast the time budget or a cancellation.
  const tick: Tick = units => session.tick(units);
  const L = c.locNames.length;
  const T = c.threads.length;
  const domain = valueDomains(c, session);
  const paths = c.threads.map((_, t) => threadPaths(c, t, domain, session));
  const chosen: Path[] = new Array(T);

  // Cheap pruning of path combinations: every value read must be written by someone (the initial
  // write, a chosen path, or some path of a thread still to choose), and RMWs reading the same
  // value need as many writes of it (atomicity: a write is read by at most one RMW).
  const key = (loc: number, v: number): string => `${loc}:${v}`;
  const tally = (p: Path): { reads: Map<string, number>; writes: Map<string, number> } => {
    const reads = new Map<string, number>(), writes = new Map<string, number>();
    for (const e of p.events) {
      if (e.kind === 'R') reads.set(key(e.loc, e.readVal), (reads.get(key(e.loc, e.readVal)) ?? 0) + (e.rmw >= 0 ? 1 : 0));
      if (e.kind === 'W') writes.set(key(e.loc, e.writeVal), (writes.get(key(e.loc, e.writeVal)) ?? 0) + 1);
    }
    return { reads, writes };
  };
  const tallies = paths.map(ps => ps.map(tally));
  // later[t]: per value, the most writes of it threads t.. can still make.
  const later: Map<string, number>[] = new Array(T + 1);
  later[T] = new Map();
  for (let t = T - 1; t >= 0; t--) {
    const most = new Map<string, number>();
    for (const { writes } of tallies[t]) for (const [k, n] of writes) most.set(k, Math.max(most.get(k) ?? 0, n));
    const m = new Map(later[t + 1]);
    for (const [k, n] of most) m.set(k, (m.get(k) ?? 0) + n);
    later[t] = m;
  }
  const initWrites = new Map<string, number>();
  c.program.locations.forEach((l, loc) => initWrites.set(key(loc, l.init), 1));
  const written = new Map<string, number>(initWrites);
  const rmwReads = new Map<string, number>();
  const needed = new Map<string, number>(); // reads so far: key -> how many of them
  const feasible = (t: number): boolean => {
    for (const k of needed.keys()) {
      const avail = (written.get(k) ?? 0) + (later[t].get(k) ?? 0);
      if (avail === 0 || (rmwReads.get(k) ?? 0) > avail) return false;
    }
    return true;
  };
  const bump = (m: Map<string, number>, k: string, n: number): void => { const v = (m.get(k) ?? 0) + n; if (v === 0) m.delete(k); else m.set(k, v); };
  const take = (t: number, i: number, sign: 1 | -1): void => {
    const { reads, writes } = tallies[t][i];
    for (const [k, n] of writes) bump(written, k, sign * n);
    for (const [k, n] of reads) { bump(rmwReads, k, sign * n); bump(needed, k, sign); }
  };
  /** Every combination of one path per thread, thread 0's choice outermost (an odometer, not a recursion). */
  const combine = (): void => {
    const at = new Int32Array(T).fill(-1);
    let t = 0;
    for (;;) {
      if (t === T) {
        candidates(chosen.slice());
        if (--t < 0) return;
        take(t, at[t], -1);
        continue;
      }
      const i = ++at[t];
      if (i >= paths[t].length) {
        at[t] = -1;
        if (--t < 0) return;
        take(t, at[t], -1);
        continue;
      }
      take(t, i, 1);
      if (feasible(t + 1)) { chosen[t] = paths[t][i]; t++; continue; }
      session.checkBudget();
      result.explored++;
      take(t, i, -1);
    }
  };

  function candidates(ps: Path[]): void {
    session.checkBudget();
    // Global events: initial writes, then each thread's path.
    const events: LkEvent[] = [];
    const source: (PathEvent | null)[] = [];
    c.program.locations.forEach((_, loc) => {
      events.push({ thread: -1, kind: 'W', loc, mode: 'rlx', noreturn: false, rmw: -1, addr: [], data: [], ctrl: [] });
      source.push(null);
    });
    const offset: number[] = [];
    ps.forEach((p, t) => {
      const off = (offset[t] = events.length);
      for (const e of p.events) {
        const g = (i: number): number => off + i;
        events.push({ thread: t, kind: e.kind, loc: e.loc, mode: e.mode, fence: e.fence, noreturn: e.noreturn, lock: e.lock, rmw: e.rmw >= 0 ? g(e.rmw) : -1, failedRmw: e.failedRmw, addr: e.addr.map(g), data: e.data.map(g), ctrl: e.ctrl.map(g) });
        source.push(e);
      }
    });
    const value = (i: number): number => (source[i] ? (events[i].kind === 'R' ? source[i]!.readVal : source[i]!.writeVal) : c.program.locations[events[i].loc].init);
    const writeValue = (i: number): number => (source[i] ? source[i]!.writeVal : c.program.locations[events[i].loc].init);

    // Per location: every (rf, co) satisfying coherence and atomicity.
    const perLoc: { rf: [number, number][]; co: number[] }[][] = [];
    for (let loc = 0; loc < L; loc++) {
      const writes: number[] = [], reads: number[] = [];
      events.forEach((e, i) => { if (e.loc === loc && e.kind !== 'F') (e.kind === 'W' ? writes : reads).push(i); });
      const choices = locationChoices(events, loc, writes, reads, value, writeValue, tick);
      if (choices.length === 0) { result.explored++; return; }
      perLoc.push(choices);
    }

    const S = new StaticRels(events, tick);
    const rf = new Int32Array(events.length).fill(-1);
    const co: number[][] = new Array(L);
    const blocked = ps.some(p => p.blocked);
    const check = (): void => {
      session.checkBudget();
      result.explored++;
      const cand: Candidate = { events, rf: rf.slice(), co: co.slice() };
      if (!valuesFlowAcyclic(events, cand.rf, tick)) return;
      const v = checkCandidate(S, cand);
      if (!v.consistent) return;
      if (blocked) { result.blocked++; return; }
      session.execution(completed(c, { events, source, paths: ps, cand, hb: v.hb!, races: v.races }, tick));
    };
    // Every combination of one choice per location, location 0's outermost (an odometer).
    const at = new Int32Array(L);
    const apply = (loc: number): void => {
      const ch = perLoc[loc][at[loc]];
      for (const [r, w] of ch.rf) rf[r] = w;
      co[loc] = ch.co;
    };
    for (let loc = 0; loc < L; loc++) apply(loc);
    for (;;) {
      check();
      let loc = L - 1;
      while (loc >= 0 && at[loc] + 1 === perLoc[loc].length) at[loc--] = 0;
      if (loc < 0) return;
      at[loc]++;
      for (let k = loc; k < L; k++) apply(k);
    }
  }

  combine();
}

/** rf and coherence orders of one location that satisfy sc-per-location and atomicity. */
/**
 * rf and coherence orders of one location that satisfy sc-per-location and atomicity. Both
 * enumerations keep their choices on explicit stacks: a location may have thousands of reads and
 * writes, more than the call stack has frames.
 */
function locationChoices(events: LkEvent[], loc: number, writes: number[], reads: number[], value: (i: number) => number, writeValue: (i: number) => number, tick: Tick | null = null): { rf: [number, number][]; co: number[] }[] {
  const out: { rf: [number, number][]; co: number[] }[] = [];
  const init = writes[0];
  const others = writes.slice(1);
  const po = (a: number, b: number): boolean => events[a].thread >= 0 && events[a].thread === events[b].thread && a < b;
  // rf options per read: writes of the value read that are not po-after it.
  const options = reads.map(r => writes.filter(w => writeValue(w) === value(r) && !po(r, w) && w !== r));
  tick?.(reads.length * writes.length);
  if (options.some(o => o.length === 0)) return out;
  const rf: [number, number][] = reads.map(r => [r, -1]);
  /** RMW write -> the write its read took; and the reverse (atomicity: one RMW per write). */
  const sourceOf = new Map<number, number>();
  const rmwAfter = new Map<number, number>();
  // Coherence orders for the chosen rf: each thread's writes in po order, and an RMW's write right
  // after the write its read took (atomicity), so most permutations are never built.
  const orders = (emit: (order: number[]) => void): void => {
    const order = [init];
    const left = new Set(others);
    // One frame per write placed: the writes that may come next (fixed when the frame is made) and
    // how far through them the search is.
    const frames: { next: number[]; i: number }[] = [];
    const open = (): void => {
      if (left.size === 0) { emit(order); return; }
      const forced = rmwAfter.get(order[order.length - 1]);
      frames.push({ next: forced !== undefined ? [forced] : [...left], i: 0 });
    };
    open();
    while (frames.length > 0) {
      const f = frames[frames.length - 1];
      const last = order[order.length - 1];
      let placed = false;
      while (f.i < f.next.length && !placed) {
        const w = f.next[f.i++];
        if (!left.has(w)) continue;
        const src = sourceOf.get(w);
        if (src !== undefined && src !== last) continue;
        tick?.(left.size);
        let blocked = false;
        for (const x of left) if (x !== w && po(x, w)) { blocked = true; break; }
        if (blocked) continue;
        left.delete(w); order.push(w);
        const depth = frames.length;
        open();
        if (frames.length > depth) placed = true;
        else { order.pop(); left.add(w); }
      }
      if (placed) continue;
      frames.pop();
      // Take back the write that opened this frame.
      if (frames.length > 0) left.add(order.pop()!);
    }
  };
  const emitOrder = (order: number[]): void => {
    const pos = new Map<number, number>();
    order.forEach((w, i) => pos.set(w, i));
    if (coherent(events, order, pos, rf, po, tick)) out.push({ rf: rf.map(x => [x[0], x[1]]), co: order.slice() });
  };
  // rf choices read by read: at[k] is the option read k takes (−1: none yet).
  const at = new Int32Array(reads.length).fill(-1);
  const release = (k: number): void => {
    const partner = events[reads[k]].rmw;
    if (partner >= 0) { rmwAfter.delete(options[k][at[k]]); sourceOf.delete(partner); }
  };
  let k = 0;
  for (;;) {
    if (k === reads.length) {
      orders(emitOrder);
      if (--k < 0) return out;
      release(k);
      continue;
    }
    const partner = events[reads[k]].rmw;
    let i = at[k] + 1;
    // Another RMW already read that write.
    while (i < options[k].length && partner >= 0 && rmwAfter.has(options[k][i])) i++;
    if (i === options[k].length) {
      at[k] = -1;
      if (--k < 0) return out;
      release(k);
      continue;
    }
    at[k] = i;
    const w = options[k][i];
    if (partner >= 0) { rmwAfter.set(w, partner); sourceOf.set(partner, w); }
    rf[k][1] = w;
    k++;
  }
}

/** acyclic (po-loc ∪ rf ∪ co ∪ fr) on one location. */
function coherent(events: LkEvent[], order: number[], pos: Map<number, number>, rf: [number, number][], po: (a: number, b: number) => boolean, tick: Tick | null): boolean {
  const nodes = [...order, ...rf.map(x => x[0])];
  const idx = new Map<number, number>();
  nodes.forEach((e, i) => idx.set(e, i));
  const n = nodes.length;
  tick?.(n * n);
  const adj: number[][] = Array.from({ length: n }, () => []);
  const edge = (a: number, b: number): void => { adj[idx.get(a)!].push(idx.get(b)!); };
  for (let i = 0; i + 1 < order.length; i++) edge(order[i], order[i + 1]);
  for (const [r, w] of rf) {
    if (r !== w) edge(w, r);
    for (let p = pos.get(w)! + 1; p < order.length; p++) if (order[p] !== r && order[p] !== events[r].rmw) edge(r, order[p]);
  }
  for (const a of nodes) for (const b of nodes) if (a !== b && po(a, b)) edge(a, b);
  // An RMW's read and write are po-adjacent; its read must not come after its own write.
  return acyclic(n, adj);
}

/** Whether the graph has no cycle: a depth-first search with an explicit stack (graphs can be long chains). */
function acyclic(n: number, adj: number[][]): boolean {
  const state = new Uint8Array(n); // 0 new, 1 on the current path, 2 done
  const stack: number[] = [];
  const edgeAt = new Int32Array(n);
  for (let root = 0; root < n; root++) {
    if (state[root] !== 0) continue;
    state[root] = 1;
    stack.push(root);
    while (stack.length > 0) {
      const u = stack[stack.length - 1];
      if (edgeAt[u] === adj[u].length) { state[u] = 2; stack.pop(); continue; }
      const v = adj[u][edgeAt[u]++];
      if (state[v] === 1) return false;
      if (state[v] === 0) { state[v] = 1; stack.push(v); }
    }
  }
  return true;
}

/** No value justified only by itself: rf ∪ data ∪ addr ∪ rmw (read to write of an RMW) acyclic. */
function valuesFlowAcyclic(events: LkEvent[], rf: Int32Array, tick: Tick | null): boolean {
  const n = events.length;
  tick?.(n);
  const adj: number[][] = Array.from({ length: n }, () => []);
  events.forEach((e, i) => {
    if (rf[i] >= 0) adj[rf[i]].push(i);
    for (const a of e.data) adj[a].push(i);
    for (const a of e.addr) adj[a].push(i);
    if (e.kind === 'R' && e.rmw >= 0) adj[i].push(e.rmw);
  });
  return acyclic(n, adj);
}

// ---- presenting an execution ----------------------------------------------------------------

/** A step of the trace: one instruction of a thread (an RMW's read and write together). */
interface Node {
  thread: number;
  index: number;
  /** Global event ids, program order; an RMW's implied fences are left out. */
  evs: number[];
}

const NOT_A_TIMELINE = 'Under the Linux kernel memory model these steps are not a timeline: some read takes its value from a write shown after it (load buffering). Nothing orders that read before the write, so the hardware or compiler may perform the write first.';

function completed(c: Compiled, x: Execution, tick: Tick | null = null): Completed<[number, number]> {
  const { events, source, cand } = x;
  const nInit = c.locNames.length;
  // Instruction nodes per thread.
  const nodes: Node[] = [];
  const nodeOf = new Int32Array(events.length).fill(-1);
  x.paths.forEach((_, t) => {
    const first = nodes.length;
    for (let i = 0; i < events.length; i++) {
      const s = source[i];
      if (!s || events[i].thread !== t || s.synthetic) continue;
      const k = first + s.node;
      while (nodes.length <= k) nodes.push({ thread: t, index: nodes.length - first, evs: [] });
      nodes[k].evs.push(i);
      nodeOf[i] = k;
    }
  });
  const isRead = (i: number): boolean => events[i].kind === 'R';
  const isWrite = (i: number): boolean => events[i].kind === 'W';
  // An RMW is two events of one instruction; an access that races with both halves is one racing
  // pair of instructions, as RC11 reports it.
  const raceKey = (i: number): string => (nodeOf[i] >= 0 ? `n${nodeOf[i]}` : `e${i}`);
  const seenRace = new Set<string>();
  const races = x.races.filter(([a, b]) => {
    const key = [raceKey(a), raceKey(b)].sort().join('|');
    if (seenRace.has(key)) return false;
    seenRace.add(key);
    return true;
  });
  const coPos = new Map<number, number>();
  cand.co.forEach(list => list.forEach((w, i) => coPos.set(w, i)));

  let order: { steps: number[]; stepOfNode: Int32Array } | null = null;
  const timeline = (): { steps: number[]; stepOfNode: Int32Array } => {
    if (order) return order;
    // Greedy: follow program order; prefer a step whose rf, co and fr predecessors are already
    // shown (a sequentially consistent timeline), then one whose rf sources are, then the lowest thread.
    const next = new Int32Array(c.threads.length);
    const firstOf: number[] = [];
    nodes.forEach((nd, k) => { if (nd.index === 0) firstOf[nd.thread] = k; });
    const placed = new Uint8Array(nodes.length);
    const steps: number[] = [];
    const stepOfNode = new Int32Array(nodes.length).fill(-1);
    const countOf = x.paths.map((_, t) => nodes.filter(nd => nd.thread === t).length);
    const preds = (k: number, strict: boolean): boolean => {
      for (const i of nodes[k].evs) {
        if (isRead(i)) {
          const w = cand.rf[i];
          if (w >= nInit && nodeOf[w] !== k && !placed[nodeOf[w]]) return false;
          if (strict) {
            // fr: writes co-after the one read must come after this read.
            const list = cand.co[events[i].loc];
            for (let p = coPos.get(w)! + 1; p < list.length; p++) if (nodeOf[list[p]] !== k && placed[nodeOf[list[p]]]) return false;
          }
        }
        if (strict && isWrite(i)) {
          const list = cand.co[events[i].loc];
          for (let p = 1; p < coPos.get(i)!; p++) if (nodeOf[list[p]] !== k && !placed[nodeOf[list[p]]]) return false;
        }
      }
      return true;
    };
    while (steps.length < nodes.length) {
      tick?.(events.length);
      let chosenNode = -1;
      for (const strict of [true, false]) {
        for (let t = 0; t < c.threads.length && chosenNode < 0; t++) {
          if (next[t] >= countOf[t]) continue;
          const k = firstOf[t] + next[t];
          if (preds(k, strict)) chosenNode = k;
        }
        if (chosenNode >= 0) break;
      }
      if (chosenNode < 0) for (let t = 0; t < c.threads.length; t++) if (next[t] < countOf[t]) { chosenNode = firstOf[t] + next[t]; break; }
      placed[chosenNode] = 1;
      stepOfNode[chosenNode] = steps.length;
      steps.push(chosenNode);
      next[nodes[chosenNode].thread]++;
    }
    order = { steps, stepOfNode };
    return order;
  };
  const stepOfEvent = (i: number): number => (i < nInit ? -1 : timeline().stepOfNode[nodeOf[i]]);
  const finalValue = (loc: number): number => {
    const list = cand.co[loc];
    const w = list[list.length - 1];
    return source[w] ? source[w]!.writeVal : c.program.locations[loc].init;
  };
  const registers = (): Record<string, number>[] => x.paths.map((p, t) => registerRecord(c, t, p.regs));
  const opOf = (i: number): EventOp => source[i]!.op;
  const what = (i: number): string => `${events[i].mode === 'na' ? 'plain ' : ''}${isWrite(i) ? 'write' : 'read'}`;

  const describeRace = ([a, b]: [number, number]): Race => {
    const [p, q] = stepOfEvent(a) <= stepOfEvent(b) ? [a, b] : [b, a];
    const tn = (i: number): string => c.threads[events[i].thread].name;
    const loc = c.locNames[events[p].loc];
    return {
      loc, a: stepOfEvent(p), b: stepOfEvent(q),
      threads: [events[p].thread, events[q].thread],
      labels: [opOf(p).label, opOf(q).label],
      sites: [opOf(p).site, opOf(q).site],
      explanation: `${tn(p)}'s ${what(p)} of ${loc} (step ${stepOfEvent(p) + 1}) and ${tn(q)}'s ${what(q)} of ${loc} (step ${stepOfEvent(q) + 1}) race under the ${MODEL_TITLES.lkmm}: at least one is a plain access and no marked access, barrier or lock orders them, so this is a data race.`,
    };
  };

  const trace = (race?: Race): Trace => {
    const { steps, stepOfNode } = timeline();
    const out: TraceStep[] = [];
    let backwards = false;
    const hbLatest = (k: number): Int32Array => {
      // Per thread, the latest instruction with an event hb-before some event of node k.
      const v = new Int32Array(c.threads.length).fill(-1);
      tick?.(nodes[k].evs.length * events.length);
      for (const e of nodes[k].evs) for (let i = nInit; i < events.length; i++) {
        if (nodeOf[i] < 0 || !x.hb.has(i, e)) continue;
        const nd = nodes[nodeOf[i]];
        if (nd.index > v[nd.thread]) v[nd.thread] = nd.index;
      }
      return v;
    };
    steps.forEach((k, s) => {
      const nd = nodes[k];
      const evs = nd.evs;
      const r = evs.find(isRead), w = evs.find(isWrite);
      const main = evs[0];
      const src = source[main]!;
      const op = src.op;
      const kind = r !== undefined && w !== undefined && events[r].rmw === w ? 'U' : events[main].kind;
      const step: TraceStep = { step: s, thread: nd.thread, index: nd.index, kind, mode: kind === 'U' ? op.mo : events[main].mode, label: op.label, sw: [], hb: [] };
      if (events[main].loc >= 0) step.loc = c.locNames[events[main].loc];
      if (op.site !== undefined) step.site = op.site;
      if (op.line !== undefined) step.line = op.line;
      if (src.cas) step.cas = src.cas;
      if (kind === 'F' && events[main].fence) step.barrier = events[main].fence;
      if (r !== undefined) {
        const from = cand.rf[r];
        const fromStep = stepOfEvent(from);
        if (fromStep > s) backwards = true;
        const list = cand.co[events[r].loc];
        const newest = list.every(y => y === from || stepOfEvent(y) >= s || coPos.get(y)! <= coPos.get(from)!);
        step.read = { value: source[r]!.readVal, from: fromStep, newest };
        const acquire = events[r].mode === 'acq' || events[r].lock === 'LKR';
        const release = from >= nInit && (events[from].mode === 'rel' || events[from].lock === 'UL');
        if (acquire && release && events[from].thread !== nd.thread) step.sw = [fromStep];
      }
      if (w !== undefined) {
        step.wrote = { value: source[w]!.writeVal };
        step.mo = cand.co[events[w].loc].filter(y => stepOfEvent(y) <= s).map(stepOfEvent);
      }
      const now = hbLatest(k);
      const before = nd.index > 0 ? hbLatest(k - 1) : null;
      for (let u = 0; u < c.threads.length; u++) {
        if (u === nd.thread || now[u] < 0 || (before && before[u] >= now[u])) continue;
        const first = nodes.findIndex(m => m.thread === u);
        step.hb.push(stepOfNode[first + now[u]]);
      }
      step.hb.sort((p, q) => p - q);
      out.push(step);
    });
    const final: Record<string, number> = {};
    const mo: Record<string, number[]> = {};
    c.locNames.forEach((name, loc) => { final[name] = finalValue(loc); mo[name] = cand.co[loc].map(stepOfEvent); });
    const t: Trace = {
      model: 'lkmm',
      threads: c.threads.map(th => th.name),
      locations: c.program.locations.map(l => ({ name: l.name, init: l.init, atomic: l.atomic })),
      steps: out, final, registers: registers(), mo,
    };
    if (backwards) t.orderNote = NOT_A_TIMELINE;
    if (race) t.race = race;
    return t;
  };

  const nodeId = (i: number): string => (i < nInit ? 'init' : `${events[i].thread}:${nodes[nodeOf[i]].index}`);
  const graph = (): ExecutionGraph => {
    const evs: ExecutionGraph['events'] = nodes.map(nd => {
      const r = nd.evs.find(isRead), w = nd.evs.find(isWrite);
      const main = nd.evs[0];
      const op = source[main]!.op;
      const kind = r !== undefined && w !== undefined ? 'U' : events[main].kind;
      const o: ExecutionGraph['events'][number] = { id: `${nd.thread}:${nd.index}`, thread: nd.thread, index: nd.index, kind, mode: kind === 'U' ? op.mo : events[main].mode };
      if (events[main].loc >= 0) o.loc = c.locNames[events[main].loc];
      if (r !== undefined) { o.readValue = source[r]!.readVal; o.rf = nodeId(cand.rf[r]); }
      if (w !== undefined) o.writeValue = source[w]!.writeVal;
      return o;
    });
    const mo: Record<string, string[]> = {};
    c.locNames.forEach((name, loc) => { mo[name] = cand.co[loc].slice(1).map(nodeId); });
    const pairs = races.map(([a, b]) => [nodeId(a), nodeId(b)].sort() as [string, string]).sort((p, q) => (p[0] + p[1] < q[0] + q[1] ? -1 : 1));
    return { events: evs, mo, races: pairs };
  };

  return {
    races,
    racePcs: ([a, b]) => [opOf(a).pc, opOf(b).pc],
    describeRace,
    regValue: (t, name) => regValueOf(c, t, x.paths[t].regs, name),
    finalValue,
    registers,
    trace,
    graph,
  };
}
