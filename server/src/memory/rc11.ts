// The RC11 model (C11 / Rust std atomics): exhaustive exploration by building execution graphs.
//
// Every RC11-consistent execution has an order of its events that extends sb ∪ rf (no-thin-air),
// so executions can be built by adding one event at a time, each read taking its value from a
// write already present, each write taking a place in its location's modification order.
// Coherence and atomicity are enforced as events are added (a read may only take a write at or
// after its coherence floor; an RMW's write goes right after the write it read), and so is the SC
// axiom: between SC accesses incrementally (psc.ts), and with SC fences as a whole on each graph
// that has one (a cycle, once there, never goes away).
//
// To visit each execution graph exactly once (not once per interleaving), we only build a graph
// along one canonical order: the lexicographically least topological order of sb ∪ rf, which
// always continues with the lowest-numbered thread whose next event is ready. So when thread j
// goes next, every lower thread's pending event must be a read whose write does not exist yet:
// we record that, and such a read may later only read from a write added at or after this step.
// Nothing is stored per execution, so memory stays flat however many executions there are.

import { Graph, joined, joinInto, type Ev, type View } from './graph';
import { isAcquire, isRelease, type Mode } from './ir';
import { applyRmw, ProgramError, type Compiled, type EventOp } from './program';
import { pscAcyclic, races as findRaces } from './consistency';
import { isScAccess, PscTracker } from './psc';
import { registerRecord, regValueOf, type Completed, type ExecutionGraph, type Session } from './session';
import { buildTrace, describeRace } from './trace';

interface ThreadState {
  /** Index of the pending event op, or ops.length when the thread has finished. */
  pc: number;
  regs: number[];
  /** View of the latest release fence (later atomic writes carry it). */
  relFence: View | null;
  /** What the reads so far would give an acquire fence. */
  acqPending: View | null;
  /** Per location: view of this thread's latest release write to it (later writes to it extend its release sequence). */
  relWrite: (View | null)[];
  blocked: boolean;
}

const FUEL = 100_000;

/** How the SC axiom is checked: as events are added (the default), or only on complete graphs (the reference the tests compare against). */
export type ScCheck = 'incremental' | 'complete-graphs';

/** Explores every RC11-consistent execution of `c`, reporting each to the session. */
export function exploreRc11(c: Compiled, session: Session, scCheck: ScCheck = 'incremental'): void {
  const program = c.program;
  const T = c.threads.length;
  const L = c.locNames.length;
  const g = new Graph(T, program.locations.map(l => l.init));
  /** Locations that may have plain accesses, the only ones races are looked for on. */
  const nonAtomic = program.locations.map(l => !l.atomic || !!l.mixed);
  const result = session.result;

  // ---- thread-local stepping -------------------------------------------------------------
  const stacks: ThreadState[][] = c.threads.map(() => []);
  const top = (t: number): ThreadState => { const s = stacks[t]; return s[s.length - 1]; };

  /** Runs thread-local ops from st.pc until the next memory event or the end. */
  function settle(t: number, st: ThreadState): void {
    const ops = c.threads[t].ops;
    let fuel = FUEL;
    while (st.pc < ops.length && !st.blocked) {
      if (--fuel === 0) throw new ProgramError(`thread ${c.threads[t].name} does not reach its next memory access (unbounded local loop)`);
      const op = ops[st.pc];
      switch (op.k) {
        case 'ev': return;
        case 'let': st.regs[op.slot] = op.val(st.regs); st.pc++; break;
        case 'jz': st.pc = op.cond(st.regs) === 0 ? op.target : st.pc + 1; break;
        case 'jmp': st.pc = op.target; break;
        case 'assume': if (op.cond(st.regs) === 0) st.blocked = true; else st.pc++; break;
      }
    }
  }

  for (let t = 0; t < T; t++) {
    const st: ThreadState = { pc: 0, regs: new Array(c.threads[t].regNames.length).fill(0), relFence: null, acqPending: null, relWrite: new Array(L).fill(null), blocked: false };
    settle(t, st);
    stacks[t].push(st);
  }

  // ---- search ------------------------------------------------------------------------------
  /** mustReadAfter[t]: the pending read of thread t may only read from a write added at or after this step (−1: any). */
  const mustReadAfter = new Int32Array(T).fill(-1);
  const checkBudget = (): void => session.checkBudget();
  // The whole-graph SC check can be the costliest step of one graph: it reports its work too.
  const scTick = (units: number): void => session.tick(units);

  const readLike = (op: EventOp): boolean => op.kind !== 'store' && op.kind !== 'fence';

  /** Could a thread other than t still write loc (including its pending event)? */
  function futureWriter(t: number, loc: number): boolean {
    const bit = 1 << loc;
    for (let k = 0; k < T; k++) {
      if (k === t) continue;
      const st = top(k);
      if (c.threads[k].mayWrite[st.pc] & bit) return true;
    }
    return false;
  }

  /** One way to add a thread's pending event: the event, its place in mo, the thread's state after it. */
  interface Option { ev: Ev; moIndex: number; next: ThreadState }

  /**
   * A node of the search: a graph being extended. Its children are the options of one pending
   * event at a time; `j` is the thread whose event is being tried, and `pos`/`sub` say which
   * option comes next (options are made one at a time, so siblings do not all sit in memory).
   */
  interface Frame {
    step: number;
    j: number;
    /** The pending event of thread j whose options are being tried; null between threads. */
    op: EventOp | null;
    /** Next place in mo to try (a store's position, or the write a read takes), and outcome of that read. */
    pos: number;
    sub: number;
    /** Options of thread j that were added (the rest broke the SC axiom). */
    taken: number;
    /** mustReadAfter[j] while j's options are tried elsewhere (restored after). */
    constraint: number;
    skipped: number[];
    saved: number[];
    anyPending: boolean;
  }

  // The SC axiom is checked as SC accesses are added; it is the whole check unless SC fences exist.
  const psc = c.hasSc && scCheck === 'incremental' ? new PscTracker(g) : null;
  const hasScFences = c.threads.some(th => th.ops.some(op => op.k === 'ev' && op.kind === 'fence' && op.mo === 'sc'));
  const checkComplete = c.hasSc && (!psc || hasScFences);
  const tracked = (ev: Ev): boolean => psc !== null && isScAccess(ev);
  // With SC fences psc also has edges through the events around each fence (psc_F, and the fence
  // ends of psc_base), which the tracker does not follow. A psc cycle among the events present
  // stays in every extension (see psc.ts), so once an SC fence is in the graph, each new event is
  // checked against the whole axiom: a graph is abandoned at the event that closes a cycle rather
  // than completed every way first. (An event after which its thread blocks is not checked: the
  // execution is counted as blocked, as before, and goes no further.)
  const fenceCheck = psc !== null && hasScFences;
  let scFencesIn = 0;
  const isScFence = (e: Ev): boolean => e.kind === 'F' && e.mode === 'sc';

  // An explicit stack instead of recursion: a thread may have thousands of events, one level each.
  // Frames are reused by depth: the search goes up and down the same levels millions of times.
  const frames: Frame[] = [];
  let depth = 0;
  const enter = (): void => {
    checkBudget();
    let f = frames[depth];
    if (!f) frames[depth] = f = { step: 0, j: -1, op: null, pos: 0, sub: 0, taken: 0, constraint: -1, skipped: [], saved: [], anyPending: false };
    f.step = g.steps; f.j = -1; f.op = null; f.taken = 0; f.constraint = -1;
    f.skipped.length = 0; f.saved.length = 0; f.anyPending = false;
    depth++;
  };
  /** Undoes the option last added for thread t. */
  const retract = (t: number): void => {
    const last = g.events[g.events.length - 1];
    if (tracked(last)) psc!.pop();
    if (isScFence(last)) scFencesIn--;
    stacks[t].pop();
    g.pop();
  };

  function search(): void {
    enter();
    while (depth > 0) {
      const f = frames[depth - 1];
      if (f.op) {
        const o = nextOption(f);
        if (o) {
          g.push(o.ev, o.moIndex);
          if (tracked(o.ev) && !psc!.add(o.ev)) { g.pop(); continue; }
          if (fenceCheck && !o.next.blocked && (scFencesIn > 0 || isScFence(o.ev)) && !pscAcyclic(g, scTick)) {
            if (tracked(o.ev)) psc!.pop();
            g.pop();
            continue;
          }
          if (isScFence(o.ev)) scFencesIn++;
          stacks[f.j].push(o.next);
          f.taken++;
          if (o.next.blocked) { result.blocked++; result.explored++; retract(f.j); continue; }
          enter();
          continue;
        }
        // Every option of thread j has been tried.
        mustReadAfter[f.j] = f.constraint;
        if (f.taken === 0) result.explored++; // a dead end: the pending event had no consistent option
        const op = f.op;
        f.op = null;
        // For a higher thread to go first, j's pending event must not be ready now.
        if (!readLike(op) || !futureWriter(f.j, op.loc)) { finish(f); continue; }
        f.skipped.push(f.j);
        f.saved.push(mustReadAfter[f.j]);
        mustReadAfter[f.j] = f.step;
      }
      let j = f.j + 1;
      while (j < T && top(j).pc >= c.threads[j].ops.length) j++;
      if (j >= T) { finish(f); continue; }
      const op = c.threads[j].ops[top(j).pc] as EventOp;
      f.anyPending = true;
      f.j = j;
      f.op = op;
      f.taken = 0;
      f.sub = 0;
      f.constraint = mustReadAfter[j];
      mustReadAfter[j] = -1;
      // Coherence: a store goes, and a read reads, no earlier in mo than what the thread has seen.
      f.pos = op.kind === 'fence' ? 0 : g.moPos[g.coherenceFloor(viewBefore(j), op.loc)];
    }
  }

  /** Leaves node f: restores what it changed, reports a complete graph, undoes the parent's option. */
  function finish(f: Frame): void {
    for (let i = f.skipped.length - 1; i >= 0; i--) mustReadAfter[f.skipped[i]] = f.saved[i];
    if (!f.anyPending) leaf();
    depth--;
    if (depth > 0) retract(frames[depth - 1].j);
  }

  const noView: View = new Int32Array(T).fill(-1);
  /** The view of thread t's last event (what its next event starts from). */
  const viewBefore = (t: number): View => {
    const n = g.byThread[t].length;
    return n > 0 ? g.at(t, n - 1).view : noView;
  };

  /**
   * The next coherent, atomic version of the pending event of f's thread, or null when there is
   * none left (the SC axiom is checked when it is added).
   */
  function nextOption(f: Frame): Option | null {
    const t = f.j, op = f.op!, st = top(t);
    if (op.kind === 'fence') {
      if (f.pos++ > 0) return null;
      const ev = mkEvent(t, op, 'F', op.mo, newView(t, isAcquire(op.mo) ? st.acqPending : null), 0, 0, -1);
      return { ev, moIndex: -1, next: nextState(t, st, ev, st.regs) };
    }
    const list = g.mo[op.loc];
    if (op.kind === 'store') {
      while (f.pos < list.length) {
        const p = f.pos++;
        // Right after a write that an RMW read would separate the two: atomicity forbids it.
        if (g.events[list[p]].rmwReader >= 0) continue;
        const ev = mkEvent(t, op, 'W', op.mo, newView(t, null), 0, op.val!(st.regs), -1);
        return { ev, moIndex: p + 1, next: nextState(t, st, ev, st.regs) };
      }
      return null;
    }
    // Read-like: load, rmw, cas, update; candidate writes in modification order.
    while (f.pos < list.length) {
      const wid = list[f.pos];
      const w = g.events[wid];
      if (w.step < f.constraint) { f.pos++; continue; }
      const o = outcome(op, st.regs, w.writeVal, f.sub);
      if (!o) { f.pos++; f.sub = 0; continue; }
      f.sub++;
      if (o.kind === 'U' && w.rmwReader >= 0) continue; // atomicity: one RMW per write read
      const acquired = o.mode !== 'na' && isAcquire(o.mode) ? w.msg : null;
      const view = newView(t, acquired);
      // Coherence: nothing this read already knows of may be mo-later than what it reads.
      if (acquired && g.moPos[g.coherenceFloor(view, op.loc)] > g.moPos[wid]) continue;
      const ev = mkEvent(t, op, o.kind, o.mode, view, w.writeVal, o.wv, wid);
      if (o.cas) ev.cas = o.cas;
      return { ev, moIndex: o.kind === 'U' ? g.moPos[wid] + 1 : -1, next: nextState(t, st, ev, o.regs) };
    }
    return null;
  }

  /** Thread t's view before its next event, joined with what that event acquires. */
  function newView(t: number, acquired: View | null): View {
    const v = new Int32Array(viewBefore(t));
    joinInto(v, acquired);
    return v;
  }

  /** Thread t's next event (view without its own entry yet: it is set here). */
  function mkEvent(t: number, op: EventOp, kind: Ev['kind'], mode: Mode, view: View, readVal: number, writeVal: number, rf: number): Ev {
    const index = g.byThread[t].length;
    const prev = index > 0 ? g.at(t, index - 1) : null;
    const id = g.events.length;
    const coh = new Int32Array(prev ? prev.coh : g.events[0].coh); // initial writes' coh is "the initial write of every location"
    if (kind === 'R') coh[op.loc] = rf;
    else if (kind === 'W' || kind === 'U') coh[op.loc] = id;
    const run = prev && prev.kind !== 'F' && kind !== 'F' && prev.loc === op.loc ? prev.run : index;
    view[t] = index;
    return { id, step: g.steps, thread: t, index, kind, loc: op.loc, mode, readVal, writeVal, rf, view, msg: null, coh, rmwReader: -1, run, op };
  }

  /** The thread's state after the event, with the release/acquire bookkeeping it implies. */
  function nextState(t: number, st: ThreadState, ev: Ev, regs: number[]): ThreadState {
    const next: ThreadState = { pc: st.pc + 1, regs, relFence: st.relFence, acqPending: st.acqPending, relWrite: st.relWrite, blocked: false };
    if ((ev.kind === 'R' || ev.kind === 'U') && ev.mode !== 'na') {
      const w = g.events[ev.rf];
      if (w.msg) next.acqPending = joined(st.acqPending, w.msg, T);
    }
    if (ev.kind === 'F' && isRelease(ev.mode)) next.relFence = ev.view;
    if ((ev.kind === 'W' || ev.kind === 'U') && ev.mode !== 'na') {
      let msg: View | null = isRelease(ev.mode) ? ev.view : null;
      msg = joined(msg, st.relFence, T);
      msg = joined(msg, st.relWrite[ev.loc], T);
      if (ev.kind === 'U') msg = joined(msg, g.events[ev.rf].msg, T);
      ev.msg = msg;
      if (isRelease(ev.mode)) { next.relWrite = st.relWrite.slice(); next.relWrite[ev.loc] = ev.view; }
    }
    settle(t, next);
    return next;
  }

  /** The k-th outcome a read-like op allows on reading `old` (null past the last): its kind, mode, written value, registers after. */
  function outcome(op: EventOp, regs0: number[], old: number, k: number): { kind: 'R' | 'U'; mode: Mode; wv: number; regs: number[]; cas?: 'success' | 'failure' } | null {
    switch (op.kind) {
      case 'load': {
        if (k > 0) return null;
        const regs = regs0.slice(); if (op.oldSlot >= 0) regs[op.oldSlot] = old;
        return { kind: 'R', mode: op.mo, wv: 0, regs };
      }
      case 'rmw': {
        if (k > 0) return null;
        const regs = regs0.slice(); if (op.oldSlot >= 0) regs[op.oldSlot] = old;
        return { kind: 'U', mode: op.mo, wv: applyRmw(op.op!, old, op.val!(regs0)), regs };
      }
      case 'cas': {
        const expected = op.expected!(regs0);
        // Success (and, for a weak CAS, a spurious failure) when the value matches; else failure.
        const ok = old === expected ? k === 0 : false;
        if (old === expected ? k > (op.weak ? 1 : 0) : k > 0) return null;
        const regs = regs0.slice();
        if (op.oldSlot >= 0) regs[op.oldSlot] = old;
        if (op.okSlot >= 0) regs[op.okSlot] = ok ? 1 : 0;
        return ok ? { kind: 'U', mode: op.mo, wv: op.val!(regs0), regs, cas: 'success' } : { kind: 'R', mode: op.fail, wv: 0, regs, cas: 'failure' };
      }
      case 'update': {
        if (k > 0) return null;
        const regs = regs0.slice();
        regs[op.oldSlot] = old;
        const ok = op.guard ? op.guard(regs) !== 0 : true;
        if (op.okSlot >= 0) regs[op.okSlot] = ok ? 1 : 0;
        return ok ? { kind: 'U', mode: op.mo, wv: op.next!(regs), regs, cas: 'success' } : { kind: 'R', mode: op.fail, wv: 0, regs, cas: 'failure' };
      }
      default: return null;
    }
  }

  // ---- complete executions ------------------------------------------------------------------
  const regsOf = (t: number): number[] => top(t).regs;
  const registers = (): Record<string, number>[] => c.threads.map((_, t) => registerRecord(c, t, regsOf(t)));
  const finalValue = (loc: number): number => {
    const list = g.mo[loc];
    return g.events[list[list.length - 1]].writeVal;
  };
  const eid = (e: Ev): string => (e.thread < 0 ? 'init' : `${e.thread}:${e.index}`);

  function leaf(): void {
    result.explored++;
    // With the fence check, every event added after the first SC fence was checked already.
    if (checkComplete && !(fenceCheck && scFencesIn > 0) && !pscAcyclic(g, scTick)) return;
    const racing = c.hasNonAtomic ? findRaces(g, nonAtomic) : [];
    const done: Completed<[Ev, Ev]> = {
      races: racing,
      racePcs: ([a, b]) => [a.op!.pc, b.op!.pc],
      describeRace: ([a, b]) => describeRace(g, c, a, b),
      regValue: (t, name) => regValueOf(c, t, regsOf(t), name),
      finalValue,
      registers,
      trace: race => buildTrace(g, c, registers(), race),
      graph: () => {
        const events = g.events.slice(g.nInit).map(e => {
          const o: ExecutionGraph['events'][number] = { id: eid(e), thread: e.thread, index: e.index, kind: e.kind, mode: e.mode };
          if (e.loc >= 0) o.loc = c.locNames[e.loc];
          if (e.kind === 'R' || e.kind === 'U') { o.readValue = e.readVal; o.rf = eid(g.events[e.rf]); }
          if (e.kind === 'W' || e.kind === 'U') o.writeValue = e.writeVal;
          return o;
        });
        const mo: Record<string, string[]> = {};
        c.locNames.forEach((name, loc) => { mo[name] = g.mo[loc].slice(1).map(id => eid(g.events[id])); });
        const pairs = racing.map(([a, b]) => [eid(a), eid(b)].sort() as [string, string]).sort((p, q) => (p[0] + p[1] < q[0] + q[1] ? -1 : 1));
        return { events, mo, races: pairs };
      },
    };
    session.execution(done);
  }

  const anyBlocked = stacks.some(s => s[0].blocked);
  if (anyBlocked) { result.blocked++; result.explored++; }
  else search();
}
