// The execution graph under construction: events, reads-from, modification order, and the
// happens-before view of every event. Events are only ever added in an order that extends
// sb ∪ rf (RC11's no-thin-air axiom guarantees every consistent execution has one), so when an
// event is added all of its hb-predecessors are already present and its view can be computed once.

import type { Mode } from './ir';
import { isAcquire, isRelease } from './ir';
import type { EventOp } from './program';

/** A view: per thread, the index of the last event of that thread that happens-before (or is) the event; −1 for none. */
export type View = Int32Array;

export interface Ev {
  id: number;
  /** Position in the order of addition (the trace order); −1 for initial writes. */
  step: number;
  /** −1 for initial writes. */
  thread: number;
  index: number;
  kind: 'R' | 'W' | 'U' | 'F';
  loc: number;
  /** The event's mode; for U both the read and the write part use it, for a failed CAS it is the failure mode. */
  mode: Mode;
  readVal: number;
  writeVal: number;
  /** The write read from (event id), −1 if not a read. */
  rf: number;
  view: View;
  /** What an acquiring reader of this write learns (release-sequence view); null if it synchronizes with nothing. */
  msg: View | null;
  /** Per location, the mo-latest write this thread's events up to this one have seen or made (event id). */
  coh: Int32Array;
  /** The RMW that reads from this write (atomicity allows one), −1 if none. */
  rmwReader: number;
  /** Program-order index where the stretch of same-location accesses ending here starts (a fence is its own stretch). */
  run: number;
  op: EventOp | null;
  cas?: 'success' | 'failure';
}

export function joinInto(into: View, other: View | null): void {
  if (!other) return;
  for (let i = 0; i < into.length; i++) if (other[i] > into[i]) into[i] = other[i];
}

export function joined(a: View | null, b: View | null, n: number): View | null {
  if (!a && !b) return null;
  const v = new Int32Array(n).fill(-1);
  joinInto(v, a);
  joinInto(v, b);
  return v;
}

export class Graph {
  readonly events: Ev[] = [];
  /** Per location: write event ids in modification order, the initial write first. */
  readonly mo: number[][];
  /** moPos[eventId] = position in its location's mo (writes only). */
  readonly moPos: number[] = [];
  /** Per thread: event ids in program order. */
  readonly byThread: number[][];
  readonly nInit: number;

  constructor(readonly nThreads: number, initValues: number[]) {
    this.nInit = initValues.length;
    this.mo = initValues.map(() => []);
    this.byThread = Array.from({ length: nThreads }, () => []);
    initValues.forEach((v, loc) => {
      const coh = new Int32Array(initValues.length).fill(-1);
      const ev: Ev = {
        id: loc, step: -1, thread: -1, index: 0, kind: 'W', loc, mode: 'na', readVal: 0, writeVal: v, rf: -1,
        view: new Int32Array(nThreads).fill(-1), msg: null, coh, rmwReader: -1, run: 0, op: null,
      };
      this.events.push(ev);
      this.mo[loc].push(loc);
      this.moPos[loc] = 0;
    });
    // The initial write of each location is what every thread has seen of it to begin with.
    for (const ev of this.events) for (let l = 0; l < this.nInit; l++) ev.coh[l] = l;
  }

  get steps(): number { return this.events.length - this.nInit; }

  /** Event of thread t at program-order index i. */
  at(t: number, i: number): Ev { return this.events[this.byThread[t][i]]; }

  /**
   * The mo-latest write of `loc` that an event with view `v` in thread `t` is bound to by coherence:
   * every write of loc that happens-before it, and every write read by a read that happens-before it.
   */
  coherenceFloor(v: View, loc: number): number {
    let best = loc; // the initial write
    let bestPos = 0;
    for (let u = 0; u < this.nThreads; u++) {
      const i = v[u];
      if (i < 0) continue;
      const w = this.at(u, i).coh[loc];
      const p = this.moPos[w];
      if (p > bestPos) { bestPos = p; best = w; }
    }
    return best;
  }

  /** hb(a, b): a happens-before b (strictly). */
  hb(a: Ev, b: Ev): boolean {
    if (a === b) return false;
    if (a.thread < 0) return b.thread >= 0;
    if (b.thread < 0) return false;
    return b.view[a.thread] >= a.index;
  }

  /** Adds an event at the end (the caller has decided rf and the mo position). */
  push(ev: Ev, moIndex: number): void {
    this.events.push(ev);
    if (ev.thread >= 0) this.byThread[ev.thread].push(ev.id);
    if (ev.kind === 'W' || ev.kind === 'U') {
      const list = this.mo[ev.loc];
      list.splice(moIndex, 0, ev.id);
      for (let p = moIndex; p < list.length; p++) this.moPos[list[p]] = p;
    }
    if (ev.kind === 'U') this.events[ev.rf].rmwReader = ev.id;
  }

  /** Removes the last event (undo of push). */
  pop(): void {
    const ev = this.events.pop()!;
    if (ev.thread >= 0) this.byThread[ev.thread].pop();
    if (ev.kind === 'W' || ev.kind === 'U') {
      const list = this.mo[ev.loc];
      const at = this.moPos[ev.id];
      list.splice(at, 1);
      for (let p = at; p < list.length; p++) this.moPos[list[p]] = p;
    }
    if (ev.kind === 'U') this.events[ev.rf].rmwReader = -1;
  }
}

export function readsAcquire(ev: Ev): boolean {
  return (ev.kind === 'R' || ev.kind === 'U') && isAcquire(ev.mode);
}
export function writesRelease(ev: Ev): boolean {
  return (ev.kind === 'W' || ev.kind === 'U') && isRelease(ev.mode);
}
