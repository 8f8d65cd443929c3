// The RC11 model (C11 / Rust std atomics): exhaustive exploration by building execution graphs.
//
// Every RC11-consistent execution has an order of its events that extends sb ∪ rf (no-thin-air),
// so executions can be built by adding one event at a time, each read taking its value from a
// write already present, each write taking a place in its location's modification order.
// Coherence and atomicity are enforced as events are added (a read may only take a write at or
// after its coherence floor; an RMW's write goes right after the write it read), the SC axiom is
// checked on complete graphs.
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

/** Explores every RC11-consistent execution of `c`, reporting each to the session. */
export function exploreRc11(c: Compiled, session: Session): void {
  const program = c.program;
  const T = c.threads.length;
  const L = c.locNames.length;
  const g = new Graph(T, program.locations.map(l => l.init));
  const nonAtomic = program.locations.map(l => !l.atomic);
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

  function dfs(): void {
    checkBudget();
    const step = g.steps;
    const skipped: number[] = [];
    const saved: number[] = [];
    let anyPending = false;
    try {
      for (let j = 0; j < T; j++) {
        const st = top(j);
        const ops = c.threads[j].ops;
        if (st.pc >= ops.length) continue;
        anyPending = true;
        const op = ops[st.pc] as EventOp;
        runEvent(j, op, step);
        // For a higher thread to go first, j's pending event must not be ready now.
        if (!readLike(op) || !futureWriter(j, op.loc)) break;
        skipped.push(j);
        saved.push(mustReadAfter[j]);
        mustReadAfter[j] = step;
      }
    } finally {
      for (let i = skipped.length - 1; i >= 0; i--) mustReadAfter[skipped[i]] = saved[i];
    }
    if (!anyPending) leaf();
  }

  /** Adds every consistent version of thread t's pending event and explores on from each. */
  function runEvent(t: number, op: EventOp, step: number): void {
    const st = top(t);
    const index = g.byThread[t].length;
    const prev = index > 0 ? g.at(t, index - 1) : null;
    const prevView = prev ? prev.view : null;
    const constraint = mustReadAfter[t];
    mustReadAfter[t] = -1;
    let options = 0;
    const id = g.events.length;
    const baseCoh = prev ? prev.coh : g.events[0].coh; // initial writes' coh is "the initial write of every location"
    const newView = (acquired: View | null): View => {
      const v = new Int32Array(T).fill(-1);
      if (prevView) v.set(prevView);
      joinInto(v, acquired);
      return v;
    };

    const commit = (ev: Ev, moIndex: number, next: ThreadState): void => {
      g.push(ev, moIndex);
      stacks[t].push(next);
      options++;
      try {
        if (next.blocked) { result.blocked++; result.explored++; }
        else dfs();
      } finally {
        stacks[t].pop();
        g.pop();
      }
    };

    const mkEvent = (kind: Ev['kind'], mode: Mode, view: View, readVal: number, writeVal: number, rf: number): Ev => {
      const coh = new Int32Array(baseCoh);
      if (kind === 'R') coh[op.loc] = rf;
      else if (kind === 'W' || kind === 'U') coh[op.loc] = id;
      return { id, step, thread: t, index, kind, loc: op.loc, mode, readVal, writeVal, rf, view, msg: null, coh, rmwReader: -1, op };
    };

    /** The thread's state after the event, with the release/acquire bookkeeping it implies. */
    const nextState = (ev: Ev, regs: number[]): ThreadState => {
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
    };

    if (op.kind === 'fence') {
      const view = newView(isAcquire(op.mo) ? st.acqPending : null);
      const ev = mkEvent('F', op.mo, view, 0, 0, -1);
      view[t] = index;
      commit(ev, -1, nextState(ev, st.regs));
    } else if (op.kind === 'store') {
      const value = op.val!(st.regs);
      const floorPos = g.moPos[g.coherenceFloor(newView(null), op.loc)];
      const count = g.mo[op.loc].length;
      for (let p = floorPos; p < count; p++) {
        // Right after a write that an RMW read would separate the two: atomicity forbids it.
        if (g.events[g.mo[op.loc][p]].rmwReader >= 0) continue;
        const view = newView(null);
        const ev = mkEvent('W', op.mo, view, 0, value, -1);
        view[t] = index;
        commit(ev, p + 1, nextState(ev, st.regs));
      }
    } else {
      // Read-like: load, rmw, cas, update. Candidate writes in modification order.
      const list = g.mo[op.loc].slice();
      const baseFloorPos = g.moPos[g.coherenceFloor(newView(null), op.loc)];
      for (const wid of list) {
        const w = g.events[wid];
        if (w.step < constraint) continue;
        if (g.moPos[wid] < baseFloorPos) continue;
        const old = w.writeVal;
        const regs0 = st.regs;
        // Decide the outcomes this read allows: [kind, mode, written value, regs after]
        const outcomes: { kind: 'R' | 'U'; mode: Mode; wv: number; regs: number[]; cas?: 'success' | 'failure' }[] = [];
        switch (op.kind) {
          case 'load': {
            const regs = regs0.slice(); if (op.oldSlot >= 0) regs[op.oldSlot] = old;
            outcomes.push({ kind: 'R', mode: op.mo, wv: 0, regs });
            break;
          }
          case 'rmw': {
            const regs = regs0.slice(); if (op.oldSlot >= 0) regs[op.oldSlot] = old;
            outcomes.push({ kind: 'U', mode: op.mo, wv: applyRmw(op.op!, old, op.val!(regs0)), regs });
            break;
          }
          case 'cas': {
            const expected = op.expected!(regs0);
            const mk = (ok: boolean): number[] => {
              const regs = regs0.slice();
              if (op.oldSlot >= 0) regs[op.oldSlot] = old;
              if (op.okSlot >= 0) regs[op.okSlot] = ok ? 1 : 0;
              return regs;
            };
            if (old === expected) {
              outcomes.push({ kind: 'U', mode: op.mo, wv: op.val!(regs0), regs: mk(true), cas: 'success' });
              if (op.weak) outcomes.push({ kind: 'R', mode: op.fail, wv: 0, regs: mk(false), cas: 'failure' });
            } else outcomes.push({ kind: 'R', mode: op.fail, wv: 0, regs: mk(false), cas: 'failure' });
            break;
          }
          case 'update': {
            const regs = regs0.slice();
            regs[op.oldSlot] = old;
            const ok = op.guard ? op.guard(regs) !== 0 : true;
            if (op.okSlot >= 0) regs[op.okSlot] = ok ? 1 : 0;
            if (ok) outcomes.push({ kind: 'U', mode: op.mo, wv: op.next!(regs), regs, cas: 'success' });
            else outcomes.push({ kind: 'R', mode: op.fail, wv: 0, regs, cas: 'failure' });
            break;
          }
        }
        for (const o of outcomes) {
          if (o.kind === 'U' && w.rmwReader >= 0) continue; // atomicity: one RMW per write read
          const acquired = o.mode !== 'na' && isAcquire(o.mode) ? w.msg : null;
          const view = newView(acquired);
          // Coherence: nothing this read already knows of may be mo-later than what it reads.
          if (acquired && g.moPos[g.coherenceFloor(view, op.loc)] > g.moPos[wid]) continue;
          const ev = mkEvent(o.kind, o.mode, view, old, o.wv, wid);
          if (o.cas) ev.cas = o.cas;
          view[t] = index;
          commit(ev, o.kind === 'U' ? g.moPos[wid] + 1 : -1, nextState(ev, o.regs));
        }
      }
    }
    mustReadAfter[t] = constraint;
    if (options === 0) result.explored++; // a dead end: this pending read had nothing it may read
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
    if (c.hasSc && !pscAcyclic(g)) return;
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
  else dfs();
}
