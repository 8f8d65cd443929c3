// RC11's SC axiom (psc acyclic) kept up to date while a graph is built, so a partial graph whose
// psc already has a cycle is abandoned at once instead of being completed thousands of ways.
//
// Why a cycle among the events present can never go away: events are added along an order that
// extends sb ∪ rf, so every relation psc is made of is fixed once both of its ends exist. sb and
// rf are; hb(a, b) is read off b's view, computed when b was added; mo keeps the relative order of
// the writes it has (new writes are only inserted); fr(r, w) between present r and w follows from
// rf and mo. Later events only add edges, so psc over the present events only grows.
//
// Only the psc edges between SC accesses are tracked here (psc_base restricted to E_sc, which is
// scb itself). That is all of psc for programs without SC fences; with SC fences psc also has edges
// through the events around each fence, and the explorer checks the whole axiom (consistency.ts)
// on every partial graph that holds an SC fence — the tracker only ever removes graphs that check
// would reject.
//
// When an SC access e is added, every psc edge between it and the present SC accesses touches e:
//   into e:   sb, hb|loc, sb|≠loc; hb; sb|≠loc, and for a write e also mo and fr;
//   out of e: mo (e is a write) or fr (e reads), to writes already present and mo-later.
// Nothing present can be sb- or hb-after e, so those are all of them. A new cycle must pass
// through e, i.e. some write e reaches must already reach e. We keep, for every tracked access,
// the set of tracked accesses that reach it (a bit set, closed transitively), so the test is one
// intersection, and only the accesses e reaches (usually none) need their sets widened.

import type { Ev, Graph } from './graph';

const isWrite = (e: Ev): boolean => e.kind === 'W' || e.kind === 'U';
const isRead = (e: Ev): boolean => e.kind === 'R' || e.kind === 'U';

/** Events this tracker follows: SC loads, stores, RMWs (not fences). */
export const isScAccess = (e: Ev): boolean => e.mode === 'sc' && e.kind !== 'F';

export class PscTracker {
  /** Tracked accesses in the order they were added. */
  private readonly nodes: Ev[] = [];
  /** anc[i]: bit set of the tracked accesses that reach node i by a psc path (i itself excluded). */
  private readonly anc: Uint32Array[] = [];
  private words = 1;
  /** Saved rows to restore on pop: [node, old row] pairs, and how many each add saved. */
  private readonly saved: [number, Uint32Array][] = [];
  private readonly savedPerAdd: number[] = [];
  /** Nodes the newest node reaches whose sets are not widened yet (see flush). */
  private pending: number[] | null = null;

  constructor(private readonly g: Graph) {}

  /**
   * Adds SC access e (already pushed onto the graph). Returns false, and leaves the tracker as it
   * was, when e closes a psc cycle: no extension of the graph can satisfy the SC axiom.
   */
  add(e: Ev): boolean {
    this.flush();
    const n = this.nodes.length;
    if (n >= this.words * 32) this.widen();
    const W = this.words;
    const g = this.g;
    const ancE = new Uint32Array(W);
    const t = e.thread;
    const loc = e.loc;
    const writes = isWrite(e);
    const ePos = writes ? g.moPos[e.id] : -1;
    const rfPos = e.kind === 'R' ? g.moPos[e.rf] : -1;
    // The last event of e's thread before it with another location (or a fence): hb from events of
    // other threads into it gives the sb|≠loc; hb; sb|≠loc edges into e.
    let dView: Int32Array | null = null;
    if (e.index > 0) {
      const prev = g.at(t, e.index - 1);
      const dIndex = prev.loc !== loc ? prev.index : prev.run - 1;
      if (dIndex >= 0) dView = g.at(t, dIndex).view;
    }
    // Out of e: writes of loc mo-after e (mo) or after what e read (fr).
    let outs: number[] | null = null;
    // Newest first, so an edge from a node that already reaches e adds nothing and is skipped.
    for (let i = n - 1; i >= 0; i--) {
      const a = this.nodes[i];
      if (a.loc === loc && isWrite(a) && g.moPos[a.id] > (writes ? ePos : rfPos)) {
        (outs ??= []).push(i);
        continue; // an edge back into e from it would be a cycle of two; checked below
      }
      if ((ancE[i >>> 5] & (1 << (i & 31))) !== 0) continue;
      if (this.edgeInto(a, e, ePos, dView)) {
        ancE[i >>> 5] |= 1 << (i & 31);
        const row = this.anc[i];
        for (let k = 0; k < W; k++) ancE[k] |= row[k];
      }
    }
    if (outs) {
      for (const b of outs) {
        // b reaches e (directly or through others) while e reaches b: a cycle.
        if ((ancE[b >>> 5] & (1 << (b & 31))) !== 0) return false;
        const a = this.nodes[b];
        if (this.edgeInto(a, e, ePos, dView)) return false;
      }
    }
    this.nodes.push(e);
    this.anc.push(ancE);
    this.savedPerAdd.push(0);
    this.pending = outs;
    return true;
  }

  /**
   * e (the newest node) reaches every node in `pending` and all they reach: widen those sets.
   * Done only when another access is added, so the last access of an execution (often a read with
   * many mo-later writes) costs nothing here.
   */
  private flush(): void {
    const outs = this.pending;
    if (!outs) return;
    this.pending = null;
    const W = this.words;
    const n = this.nodes.length - 1;
    const add = this.anc[n].slice();
    add[n >>> 5] |= 1 << (n & 31);
    const reach = new Uint32Array(W);
    for (const b of outs) reach[b >>> 5] |= 1 << (b & 31);
    let savedNow = 0;
    for (let x = 0; x < n; x++) {
      const row = this.anc[x];
      let hit = (reach[x >>> 5] & (1 << (x & 31))) !== 0;
      if (!hit) for (let k = 0; k < W; k++) if (row[k] & reach[k]) { hit = true; break; }
      if (!hit) continue;
      this.saved.push([x, row.slice()]);
      savedNow++;
      for (let k = 0; k < W; k++) row[k] |= add[k];
    }
    this.savedPerAdd[n] = savedNow;
  }

  /** Undoes the last successful add. */
  pop(): void {
    this.pending = null; // not yet applied, nothing to undo
    this.nodes.pop();
    this.anc.pop();
    let k = this.savedPerAdd.pop()!;
    while (k-- > 0) {
      const [x, row] = this.saved.pop()!;
      const cur = this.anc[x];
      cur.fill(0);
      cur.set(row);
    }
  }

  /** Is there an scb edge from tracked access a into the new access e? */
  private edgeInto(a: Ev, e: Ev, ePos: number, dView: Int32Array | null): boolean {
    const g = this.g;
    if (a.thread === e.thread) return true; // sb
    if (a.loc === e.loc) {
      if (e.view[a.thread] >= a.index) return true; // hb|loc
      if (ePos >= 0) {
        if (isWrite(a) && g.moPos[a.id] < ePos) return true; // mo
        if (isRead(a) && a !== e && g.moPos[a.rf] < ePos) return true; // fr
      }
    }
    // sb|≠loc; hb; sb|≠loc: some c after a in its thread, at another location, happens-before the
    // last event d of e's thread before e at another location.
    if (!dView) return false;
    const v = dView[a.thread];
    if (v <= a.index) return false;
    const c = g.at(a.thread, v);
    // Every event in (a, c] at a's location means no such c exists (runs hold same-location stretches).
    return !(c.loc === a.loc && c.run <= a.index + 1);
  }

  private widen(): void {
    const W = this.words * 2;
    for (let i = 0; i < this.anc.length; i++) {
      const row = new Uint32Array(W);
      row.set(this.anc[i]);
      this.anc[i] = row;
    }
    this.words = W;
  }
}
