// The parts of RC11 that are checked on a complete graph rather than while it is built: data
// races, and the whole SC axiom (psc acyclic) for programs with SC fences (between SC accesses it
// is kept while the graph is built, see psc.ts). Coherence, atomicity and no-thin-air are enforced
// during construction (see rc11.ts); these relations read like the paper's definitions, and the
// tests use pscAcyclic as the reference for the incremental check.
//
//   scb      = sb ∪ sb|≠loc; hb; sb|≠loc ∪ hb|loc ∪ mo ∪ fr
//   psc_base = ([E_sc] ∪ [F_sc]; hb?); scb; ([E_sc] ∪ hb?; [F_sc])
//   psc_F    = [F_sc]; (hb ∪ hb; eco; hb); [F_sc]
//   psc      = psc_base ∪ psc_F          (must be acyclic)

import type { Ev, Graph } from './graph';

type Rel = Uint8Array[]; // adjacency matrix over the graph's events

function matrix(n: number): Rel {
  return Array.from({ length: n }, () => new Uint8Array(n));
}

/** Reports work done (in inner-loop steps) to the exploration's budget, which may stop it by throwing. */
export type Tick = (units: number) => void;
const NO_TICK: Tick = () => {};

function closeTransitively(m: Rel, tick: Tick = NO_TICK): void {
  const n = m.length;
  for (let k = 0; k < n; k++) {
    tick(n * 8);
    const mk = m[k];
    for (let i = 0; i < n; i++) {
      if (!m[i][k]) continue;
      const mi = m[i];
      for (let j = 0; j < n; j++) if (mk[j]) mi[j] = 1;
    }
  }
}

const isWrite = (e: Ev): boolean => e.kind === 'W' || e.kind === 'U';
const isRead = (e: Ev): boolean => e.kind === 'R' || e.kind === 'U';

/** Relations of a complete graph that the SC axiom and race detection need. */
export class Relations {
  readonly n: number;
  readonly ev: Ev[];
  constructor(readonly g: Graph) {
    this.ev = g.events;
    this.n = this.ev.length;
  }
  sb(a: Ev, b: Ev): boolean {
    if (a.thread < 0) return b.thread >= 0; // initial writes precede everything
    return a.thread === b.thread && a.index < b.index;
  }
  hb(a: Ev, b: Ev): boolean { return this.g.hb(a, b); }
  mo(a: Ev, b: Ev): boolean {
    return isWrite(a) && isWrite(b) && a.loc === b.loc && this.g.moPos[a.id] < this.g.moPos[b.id];
  }
  rf(a: Ev, b: Ev): boolean { return isRead(b) && b.rf === a.id; }
  /** fr = rf⁻¹; mo, without identity (an RMW is not fr-before itself). */
  fr(a: Ev, b: Ev): boolean {
    if (!isRead(a) || !isWrite(b) || a === b || a.loc !== b.loc) return false;
    return this.g.moPos[a.rf] < this.g.moPos[b.id];
  }
  sameLoc(a: Ev, b: Ev): boolean { return a.loc >= 0 && a.loc === b.loc; }
}

/** eco = (rf ∪ mo ∪ fr)+ */
function eco(R: Relations, tick: Tick = NO_TICK): Rel {
  const m = matrix(R.n);
  for (const a of R.ev) { tick(R.n); for (const b of R.ev) if (R.rf(a, b) || R.mo(a, b) || R.fr(a, b)) m[a.id][b.id] = 1; }
  closeTransitively(m, tick);
  return m;
}

/**
 * The SC axiom on a whole graph. Cubic and worse in the events, so it reports its work through
 * `tick`: a graph of thousands of SC fences must stop at the exploration's time budget.
 */
export function pscAcyclic(g: Graph, tick: Tick = NO_TICK): boolean {
  const R = new Relations(g);
  const ev = R.ev;
  const sc = ev.filter(e => e.mode === 'sc');
  if (sc.length < 2) return true;
  const n = R.n;
  const hb = (a: Ev, b: Ev): boolean => R.hb(a, b);
  const hbOpt = (a: Ev, b: Ev): boolean => a === b || hb(a, b);
  const sbNeLoc = (a: Ev, b: Ev): boolean => R.sb(a, b) && !R.sameLoc(a, b);

  // scb
  const scb = matrix(n);
  for (const a of ev) {
    tick(n);
    for (const b of ev) if (R.sb(a, b) || (hb(a, b) && R.sameLoc(a, b)) || R.mo(a, b) || R.fr(a, b)) scb[a.id][b.id] = 1;
  }
  // sb|≠loc; hb; sb|≠loc
  const hbSb = matrix(n); // hb; sb|≠loc
  for (const c of ev) {
    tick(n);
    for (const d of ev) {
      if (!hb(c, d)) continue;
      tick(n);
      for (const b of ev) if (sbNeLoc(d, b)) hbSb[c.id][b.id] = 1;
    }
  }
  for (const a of ev) {
    tick(n);
    for (const c of ev) {
      if (!sbNeLoc(a, c)) continue;
      tick(n);
      const row = hbSb[c.id], out = scb[a.id];
      for (let b = 0; b < n; b++) if (row[b]) out[b] = 1;
    }
  }

  const isFsc = (e: Ev): boolean => e.kind === 'F' && e.mode === 'sc';
  // left(a): events x with ([E_sc] ∪ [F_sc]; hb?)(a, x);  right(b): y with ([E_sc] ∪ hb?; [F_sc])(y, b)
  const left = (a: Ev): Ev[] => (isFsc(a) ? ev.filter(x => hbOpt(a, x)) : [a]);
  const right = (b: Ev): Ev[] => (isFsc(b) ? ev.filter(y => hbOpt(y, b)) : [b]);

  let ecoM: Rel | null = null;
  const m = sc.length;
  const psc = matrix(m);
  for (let i = 0; i < m; i++) {
    const L = left(sc[i]);
    for (let j = 0; j < m; j++) {
      const Rr = right(sc[j]);
      tick(n + L.length * Rr.length);
      let edge = false;
      for (const x of L) { for (const y of Rr) if (scb[x.id][y.id]) { edge = true; break; } if (edge) break; }
      if (!edge && isFsc(sc[i]) && isFsc(sc[j])) {
        if (hb(sc[i], sc[j])) edge = true;
        else {
          ecoM ??= eco(R, tick);
          // hb; eco; hb
          for (const x of ev) {
            if (!hb(sc[i], x)) continue;
            tick(n);
            for (const y of ev) if (ecoM[x.id][y.id] && hb(y, sc[j])) { edge = true; break; }
            if (edge) break;
          }
        }
      }
      if (edge) psc[i][j] = 1;
    }
  }
  closeTransitively(psc, tick);
  for (let i = 0; i < m; i++) if (psc[i][i]) return false;
  return true;
}

/** Data races: conflicting accesses, at least one non-atomic, on the same location, unordered by hb. */
export function races(g: Graph, nonAtomicLocs: boolean[]): [Ev, Ev][] {
  const out: [Ev, Ev][] = [];
  const ev = g.events;
  for (let i = g.nInit; i < ev.length; i++) {
    const a = ev[i];
    if (a.loc < 0 || !nonAtomicLocs[a.loc]) continue;
    for (let j = i + 1; j < ev.length; j++) {
      const b = ev[j];
      if (b.loc !== a.loc || b.thread === a.thread) continue;
      if (!isWrite(a) && !isWrite(b)) continue;
      if (a.mode !== 'na' && b.mode !== 'na') continue;
      if (!g.hb(a, b) && !g.hb(b, a)) out.push([a, b]);
    }
  }
  return out;
}
