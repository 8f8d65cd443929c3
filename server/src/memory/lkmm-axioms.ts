// The Linux kernel memory model's axioms on one complete candidate execution, written after
// tools/memory-model/linux-kernel.cat (and lock.cat for spinlocks) in the kernel tree. Relations
// keep the cat names so the two can be read side by side.
//
// Modelled: ppo (address/data/control dependencies with carry-dep through rfi, overwrite & int,
// fences, acquire/release, po-unlock-lock-po), cumul-fence, prop, hb acyclic, pb acyclic, RCU
// (rcu-link, rcu-fence, rb irreflexive) for rcu_read_lock/unlock and synchronize_rcu, and the
// plain-access rules (plain-coherence, data races with vis / w-pre-bounded / r-post-bounded ...).
// Coherence and atomicity are checked per location while candidates are built (lkmm.ts).
// Not modelled: SRCU, spin_is_locked, the mixed-accesses and lock-misuse flags, the compiler
// `barrier()` (it only feeds the mixed-accesses flag).

import type { KernelFence, Mode } from './ir';
import { Rel, type Tick } from './relation';

/** Spinlock event classes of lock.cat: lock read/write, unlock, failed trylock read. */
export type LockClass = 'LKR' | 'LKW' | 'UL' | 'LF';

/** One event of a candidate; an RMW is two events (its read and its write) linked by `rmw`. */
export interface LkEvent {
  thread: number;   // −1: initial write
  kind: 'R' | 'W' | 'F';
  loc: number;      // −1 for fences
  /** 'na' plain, 'rlx' once, 'acq' acquire, 'rel' release; fences carry `fence`. */
  mode: Mode;
  fence?: KernelFence;
  noreturn: boolean;
  lock?: LockClass;
  /** Index of the partner event of an RMW (read -> write, write -> read), −1 if none. */
  rmw: number;
  /** The read of an RMW instruction whose compare failed: still in the cat's RMW set (so
   * smp_mb__before_atomic / __after_atomic order it), but with no write and no rmw pair. */
  failedRmw?: boolean;
  /** Events (global indices) this one depends on. */
  addr: number[];
  data: number[];
  ctrl: number[];
}

export interface Candidate {
  events: LkEvent[];
  /** rf[e] = the write event e reads from (reads only), else −1. */
  rf: Int32Array;
  /** Per location, write events in coherence order (initial write first). */
  co: number[][];
}

export interface Verdict {
  consistent: boolean;
  /** The axiom that failed, for tests and debugging. */
  failed?: 'happens-before' | 'propagation' | 'rcu' | 'plain-coherence';
  /** hb (transitively closed), for traces. */
  hb?: Rel;
  /** Racing pairs of events (LKMM data-race flag). */
  races: [number, number][];
}

/**
 * What does not depend on rf/co: computed once per combination of thread paths. Every relation
 * made here, and in checkCandidate from these, reports its work to `tick` (see relation.ts).
 */
export class StaticRels {
  readonly n: number;
  readonly po: Rel;
  readonly int: Rel;
  readonly ext: Rel;
  readonly rawAddr: Rel;
  readonly rawData: Rel;
  readonly rawCtrl: Rel;
  readonly mbStatic: Rel;
  readonly gp: Rel;
  readonly poRel: Rel;
  readonly acqPo: Rel;
  readonly wmb: Rel;
  readonly rmb: Rel;
  /** rmb as r-pre-bounded / r-post-bounded use it ([R4rmb]; fencerel(Rmb); [~Noreturn] and its mirror). */
  readonly rmbPre: Rel;
  readonly rmbPost: Rel;
  /** po ; [UL] and [LKR] ; po, and the po-only half of po-unlock-lock-po. */
  readonly poUL: Rel;
  readonly lkrPo: Rel;
  readonly poUnlockPoLockPo: Rel;
  /** [M] ; po ; [UL] and [LKW] ; fencerel(After-unlock-lock) ; [M], joined by co in the mb term. */
  readonly mPoUL: Rel | null;
  readonly lkwAfterUL: Rel | null;
  readonly rscsi: Rel | null;
  readonly syncRcu: Rel | null;
  readonly isR: (i: number) => boolean;
  readonly isW: (i: number) => boolean;
  readonly isM: (i: number) => boolean;
  readonly marked: (i: number) => boolean;
  readonly plain: (i: number) => boolean;
  readonly hasPlain: boolean;

  constructor(readonly ev: LkEvent[], readonly tick: Tick | null = null) {
    const n = (this.n = ev.length);
    const isR = (this.isR = i => ev[i].kind === 'R');
    const isW = (this.isW = i => ev[i].kind === 'W');
    const isM = (this.isM = i => ev[i].kind !== 'F');
    const isF = (i: number, f: KernelFence): boolean => ev[i].kind === 'F' && ev[i].fence === f;
    this.plain = i => isM(i) && ev[i].thread >= 0 && ev[i].mode === 'na';
    this.marked = i => !this.plain(i);
    this.hasPlain = ev.some((_, i) => this.plain(i));
    const inRmw = (i: number): boolean => ev[i].rmw >= 0 || !!ev[i].failedRmw;
    const R4rmb = (i: number): boolean => isR(i) && !ev[i].noreturn;
    const acquire = (i: number): boolean => (isR(i) && ev[i].mode === 'acq') || ev[i].lock === 'LKR';
    const release = (i: number): boolean => (isW(i) && ev[i].mode === 'rel') || ev[i].lock === 'UL';

    const po = (this.po = Rel.from(n, (a, b) => ev[a].thread >= 0 && ev[a].thread === ev[b].thread && a < b, tick));
    this.int = Rel.from(n, (a, b) => ev[a].thread >= 0 && ev[a].thread === ev[b].thread, tick);
    this.ext = Rel.from(n, (a, b) => ev[a].thread < 0 || ev[b].thread < 0 || ev[a].thread !== ev[b].thread, tick);
    const fromList = (pick: (e: LkEvent) => number[]): Rel => {
      const r = new Rel(n, tick);
      ev.forEach((e, b) => { for (const a of pick(e)) r.add(a, b); });
      return r;
    };
    this.rawAddr = fromList(e => e.addr);
    this.rawData = fromList(e => e.data);
    this.rawCtrl = fromList(e => e.ctrl);

    // fencerel(F) = po ; [F] ; po
    const fencerel = (f: KernelFence): Rel => po.restrict(null, i => isF(i, f)).seq(po);
    const has = (f: KernelFence): boolean => ev.some((_, i) => isF(i, f));
    const empty = new Rel(n, tick);
    const poOpt = po.opt();
    let mb = has('mb') ? fencerel('mb').restrict(isM, isM) : empty;
    if (has('before_atomic')) mb = mb.union(fencerel('before_atomic').restrict(isM, inRmw).seq(poOpt).restrict(null, isM));
    if (has('after_atomic')) mb = mb.union(poOpt.restrict(isM, inRmw).seq(fencerel('after_atomic')).restrict(null, isM));
    if (has('after_spinlock')) mb = mb.union(poOpt.restrict(isM, i => ev[i].lock === 'LKW').seq(fencerel('after_spinlock')).restrict(null, isM));
    this.mPoUL = null;
    this.lkwAfterUL = null;
    if (has('after_unlock_lock')) {
      // [M] ; po ; [UL] ; (co | po) ; [LKW] ; fencerel(After-unlock-lock) ; [M]: the po half here, the co half per candidate.
      const mPoUL = po.restrict(isM, i => ev[i].lock === 'UL');
      const lkwAfter = Rel.identity(n, i => ev[i].lock === 'LKW', tick).seq(fencerel('after_unlock_lock')).restrict(null, isM);
      mb = mb.union(mPoUL.seq(po).seq(lkwAfter));
      this.mPoUL = mPoUL;
      this.lkwAfterUL = lkwAfter;
    }
    this.mbStatic = mb;
    this.gp = has('synchronize_rcu') ? po.restrict(null, i => isF(i, 'synchronize_rcu')).seq(poOpt) : empty;
    this.poRel = po.restrict(isM, release);
    this.acqPo = po.restrict(acquire, isM);
    this.wmb = has('wmb') ? fencerel('wmb').restrict(isW, isW) : empty;
    const rmbRel = has('rmb') ? fencerel('rmb') : empty;
    this.rmb = rmbRel.restrict(R4rmb, R4rmb);
    this.rmbPre = rmbRel.restrict(R4rmb, i => !ev[i].noreturn);
    this.rmbPost = rmbRel.restrict(i => !ev[i].noreturn, R4rmb);
    this.poUL = po.restrict(null, i => ev[i].lock === 'UL');
    this.lkrPo = po.restrict(i => ev[i].lock === 'LKR', null);
    this.poUnlockPoLockPo = this.poUL.seq(po.restrict(null, i => ev[i].lock === 'LKR')).seq(this.lkrPo);

    // RCU read-side critical sections: match each rcu_read_unlock with the innermost open rcu_read_lock.
    this.rscsi = null;
    this.syncRcu = null;
    if (has('rcu_read_lock') || has('synchronize_rcu')) {
      const rscsi = new Rel(n, tick);
      const open = new Map<number, number[]>();
      ev.forEach((e, i) => {
        if (e.kind !== 'F') return;
        const stack = open.get(e.thread) ?? [];
        open.set(e.thread, stack);
        if (e.fence === 'rcu_read_lock') stack.push(i);
        else if (e.fence === 'rcu_read_unlock' && stack.length > 0) rscsi.add(i, stack.pop()!);
      });
      this.rscsi = rscsi;
      this.syncRcu = Rel.identity(n, i => isF(i, 'synchronize_rcu'), tick);
    }
  }
}

/** Checks hb, pb and rcu (and, with plain accesses, plain-coherence) and finds data races. */
export function checkCandidate(S: StaticRels, cand: Candidate): Verdict {
  const { n, ev } = { n: S.n, ev: S.ev };
  const { isW, isM, marked, plain } = S;
  const tick = S.tick;
  const rf = new Rel(n, tick);
  for (let r = 0; r < n; r++) if (cand.rf[r] >= 0) rf.add(cand.rf[r], r);
  const co = new Rel(n, tick);
  for (const list of cand.co) for (let i = 0; i < list.length; i++) {
    tick?.(list.length);
    for (let j = i + 1; j < list.length; j++) co.add(list[i], list[j]);
  }
  const id = Rel.identity(n, undefined, tick);
  const fr = rf.inverse().seq(co).minus(id);
  const rfe = rf.inter(S.ext), rfi = rf.inter(S.int);
  const overwrite = co.union(fr);

  // Dependencies, extended through stores and po-later reads of them (carry-dep).
  const carry = S.rawData.seq(rfi).star();
  const addr = carry.seq(S.rawAddr), data = carry.seq(S.rawData), ctrl = carry.seq(S.rawCtrl);
  const dep = addr.union(data);
  const rwdep = dep.union(ctrl).restrict(null, isW);
  const toW = rwdep.union(overwrite.inter(S.int), addr.restrict(null, plain).seq(S.wmb));
  const toR = addr.union(dep.restrict(null, marked).seq(rfi));

  let mb = S.mbStatic;
  if (S.mPoUL && S.lkwAfterUL) mb = mb.union(S.mPoUL.seq(co).seq(S.lkwAfterUL));
  const strongFence = mb.union(S.gp);
  const nonrwFence = strongFence.union(S.poRel, S.acqPo);
  const fence = nonrwFence.union(S.wmb, S.rmb);
  // po-unlock-lock-po = po ; [UL] ; (po | rf) ; [LKR] ; po: an unlock followed by a lock, of the
  // same lock through rf or of any lock later on the same CPU (the kernel's cat since 2021; older
  // versions had the rf half only).
  const poUnlockLockPo = S.poUnlockPoLockPo.union(S.poUL.seq(rf.restrict(null, i => ev[i].lock === 'LKR')).seq(S.lkrPo));
  const ppo = toR.union(toW, fence, poUnlockLockPo.inter(S.int));

  const rfeM = rfe.restrict(null, marked);
  const aCumul = (r: Rel): Rel => rfeM.opt().seq(r);
  const cumulFence = aCumul(strongFence.union(S.poRel)).union(S.wmb, poUnlockLockPo).restrict(marked, marked);
  const prop = overwrite.inter(S.ext).opt().restrict(marked, null)
    .seq(cumulFence.star()).restrict(null, marked)
    .seq(rfe.opt().restrict(marked, marked));
  const hb1 = ppo.union(rfe, prop.minus(id).inter(S.int)).restrict(marked, marked);
  const hb = hb1.plus();
  const races: [number, number][] = [];
  if (!hb.irreflexive()) return { consistent: false, failed: 'happens-before', races };
  const hbStar = hb.union(id);

  const pb1 = prop.seq(strongFence).seq(hbStar).restrict(null, marked);
  const pb = pb1.plus();
  if (!pb.irreflexive()) return { consistent: false, failed: 'propagation', races };
  const pbStar = pb.union(id);

  let rb: Rel | null = null;
  let rcuFence: Rel | null = null;
  if (S.rscsi && S.syncRcu) {
    const gpS = S.syncRcu, rscsi = S.rscsi;
    const link = S.po.opt().seq(hbStar).seq(pbStar).seq(prop).seq(S.po);
    const gl = gpS.seq(link), rl = rscsi.seq(link);
    let f = gpS.union(gl.seq(rscsi), rl.seq(gpS));
    for (;;) {
      const fl = f.seq(link);
      const next = f.union(gl.seq(fl).seq(rscsi), rl.seq(fl).seq(gpS), fl.seq(f));
      if (sameRel(next, f)) break;
      f = next;
    }
    rcuFence = f;
    rb = prop.seq(S.po).seq(f).seq(S.po.opt()).seq(hbStar).seq(pbStar).restrict(null, marked);
    if (!rb.irreflexive()) return { consistent: false, failed: 'rcu', races };
  }

  if (S.hasPlain) {
    const xbstar = (rb ? hb.union(pb, rb) : hb.union(pb)).star();
    const fullFence = rcuFence ? strongFence.union(S.po.seq(rcuFence).seq(S.po.opt())) : strongFence;
    const vis = cumulFence.star().seq(rfe.opt()).restrict(null, marked)
      .seq(fullFence.restrict(null, marked).seq(xbstar).union(xbstar.inter(S.int)));
    const wPreBounded = addr.union(fence).opt().restrict(marked, null);
    const rPreBounded = addr.union(nonrwFence, S.rmbPre).opt().restrict(marked, null);
    const wPostBounded = fence.opt().restrict(null, marked);
    const rPostBounded = nonrwFence.union(S.rmbPost).opt().restrict(null, marked);
    const wwVis = wPostBounded.seq(vis).seq(wPreBounded);
    const wrVis = wPostBounded.seq(vis).seq(rPreBounded);
    const rwXbstar = rPostBounded.seq(xbstar).seq(wPreBounded);
    const init = (i: number): boolean => ev[i].thread < 0;
    const preRace = Rel.from(n, (a, b) => isM(a) && isM(b) && S.ext.has(a, b) && (plain(a) || (!init(a) && plain(b))), tick);
    const wrIncoh = preRace.inter(rf).inter(rwXbstar.inverse());
    const rwIncoh = preRace.inter(fr).inter(wrVis.inverse());
    const wwIncoh = preRace.inter(co).inter(wwVis.inverse());
    if (!wrIncoh.isEmpty() || !rwIncoh.isEmpty() || !wwIncoh.isEmpty()) return { consistent: false, failed: 'plain-coherence', races };
    const markedW = Rel.from(n, (a, b) => marked(a) && isW(b), tick);
    const wMarked = Rel.from(n, (a, b) => isW(a) && marked(b), tick);
    const wwNonrace = wwVis.inter(markedW.union(rwXbstar)).inter(wMarked.union(wrVis));
    const wwRace = preRace.inter(co).minus(wwNonrace);
    const wrRace = preRace.inter(co.opt().seq(rf)).minus(wrVis);
    const rwRace = preRace.inter(fr).minus(rwXbstar);
    const seen = new Set<string>();
    for (const [a, b] of wwRace.union(wrRace, rwRace).pairs()) {
      const [x, y] = a < b ? [a, b] : [b, a];
      const key = `${x}|${y}`;
      if (!seen.has(key)) { seen.add(key); races.push([x, y]); }
    }
  }
  return { consistent: true, hb, races };
}

function sameRel(a: Rel, b: Rel): boolean {
  for (let i = 0; i < a.n; i++) for (let k = 0; k < a.words; k++) if (a.rows[i][k] !== b.rows[i][k]) return false;
  return true;
}
