// A plain axiomatic RC11 checker, used only as a test oracle for the explorer
// (server/src/memory/explore.ts). It shares no code with the engine: it enumerates every candidate
// execution of a straight-line program (every CAS outcome, every rf, every mo) and keeps those that
// satisfy the RC11 axioms, computed by explicit relation algebra (relation.ts) written to read like
// the definitions in DESIGN.md section 3 and in Lahav et al., "Repairing Sequential Consistency in
// C/C++11", PLDI 2017. It is slow on purpose: obviously right beats fast here.
//
// Modelling choices (the explorer must agree with them for the differential test to pass):
// - Initial writes are one event per location, mode 'na', placed in an "init thread" whose events
//   are sb-before every event of every program thread. So they are hb-before everything (and never
//   race), and, not being ⊒rel, they never head a release sequence: reading the initial value never
//   synchronizes.
// - A CAS/update that succeeds, and every fetch_op/exchange, is an RMW; one that fails is one 'R'
//   event with the failure mode. A weak CAS may also fail when the value matches (spurious
//   failure). An update has no spurious failure.
// - Inside the model an RMW is two events, as in the paper: a read part and a write part, both with
//   the RMW's mode, related by rmw, the read immediately sb-before the write. Only the output merges
//   them into one 'U' event. (Merging them inside the model would lose the rmw ⊆ sb edge, and with
//   it coherence's ban on an RMW reading from a write that comes after it in mo.)
// - Registers start at 0.

import type { Expr, Instr, Mode, Program, RmwOp } from '../../../server/src/memory/ir';
import { MAX_EVENTS, Rel } from './relation';

export type OracleKind = 'R' | 'W' | 'U' | 'F';

/** One event of an execution, in the shape of the explorer's ExecutionGraph event. */
export interface OracleEvent {
  /** "t:i": thread t, i-th memory event (load/store/rmw/cas/update/fence) of that thread. */
  id: string;
  thread: number;
  index: number;
  kind: OracleKind;
  loc?: string;
  mode: Mode;
  readValue?: number;
  writeValue?: number;
  /** For R and U: "t:i" of the write read from, or "init". */
  rf?: string;
}

/**
 * The same summary the explorer hands to `onExecution` (its ExecutionGraph). Defined here rather
 * than imported so the oracle stays independent of the engine; the types are structurally equal.
 */
export interface OracleExecution {
  events: OracleEvent[];
  /** Per location, the writes in modification order, initial write excluded. */
  mo: Record<string, string[]>;
  /** Racing pairs of event ids, each pair sorted, the list sorted. */
  races: [string, string][];
}

// ---- program validation and event slots ------------------------------------------------------

type MemInstr = Extract<Instr, { k: 'load' | 'store' | 'rmw' | 'cas' | 'update' | 'fence' }>;

/** A memory instruction of a thread; its event kind is fixed except for CAS/update. */
interface Slot {
  thread: number;
  index: number;
  instr: MemInstr;
}

function slotsOf(p: Program): Slot[][] {
  const locs = new Set(p.locations.map(l => l.name));
  return p.threads.map((th, t) => {
    const slots: Slot[] = [];
    for (const ins of th.body) {
      switch (ins.k) {
        case 'let':
          break;
        case 'if':
        case 'while':
        case 'assume':
          throw new Error(`oracle: thread ${t} (${th.name}) uses '${ins.k}'; the oracle handles straight-line programs only`);
        default:
          if (ins.k !== 'fence' && !locs.has(ins.loc)) {
            throw new Error(`oracle: thread ${t} (${th.name}) accesses undeclared location '${ins.loc}'`);
          }
          slots.push({ thread: t, index: slots.length, instr: ins });
      }
    }
    return slots;
  });
}

const isCondWrite = (s: Slot): boolean => s.instr.k === 'cas' || s.instr.k === 'update';

// ---- candidate events ---------------------------------------------------------------------------

/**
 * An event of the model. An RMW is two of these (`part` 'r' and 'w') sharing the output id; the
 * matrices see only reads 'R', writes 'W' and fences 'F'.
 */
interface Ev {
  id: string;
  thread: number; // -1 for initial writes
  index: number;
  kind: 'R' | 'W' | 'F';
  /** For the two events of an RMW. */
  part?: 'r' | 'w';
  loc?: string;
  mode: Mode;
  /** Initial value, for initial writes. */
  init?: number;
}

const isRead = (e: Ev): boolean => e.kind === 'R';
const isWrite = (e: Ev): boolean => e.kind === 'W';
/** Position in program order: an RMW's read part comes just before its write part. */
const sbKey = (e: Ev): number => e.index * 2 + (e.part === 'w' ? 1 : 0);

/** Build the events for one choice of CAS/update outcomes (`succeeds[s]` per conditional slot). */
function eventsFor(p: Program, slots: Slot[][], succeeds: Map<Slot, boolean>): Ev[] {
  const evs: Ev[] = p.locations.map(l => ({ id: 'init', thread: -1, index: -1, kind: 'W', loc: l.name, mode: 'na', init: l.init }));
  for (const ts of slots) {
    for (const s of ts) {
      const base = { id: `${s.thread}:${s.index}`, thread: s.thread, index: s.index };
      const ins = s.instr;
      const pushRmw = (loc: string, mode: Mode): void => {
        evs.push({ ...base, kind: 'R', part: 'r', loc, mode }, { ...base, kind: 'W', part: 'w', loc, mode });
      };
      switch (ins.k) {
        case 'load': evs.push({ ...base, kind: 'R', loc: ins.loc, mode: ins.mo }); break;
        case 'store': evs.push({ ...base, kind: 'W', loc: ins.loc, mode: ins.mo }); break;
        case 'rmw': pushRmw(ins.loc, ins.mo); break;
        case 'fence': evs.push({ ...base, kind: 'F', mode: ins.mo }); break;
        case 'cas':
        case 'update':
          if (succeeds.get(s) === true) pushRmw(ins.loc, ins.succ);
          else evs.push({ ...base, kind: 'R', loc: ins.loc, mode: ins.fail });
          break;
      }
    }
  }
  if (evs.length > MAX_EVENTS) throw new Error(`oracle: ${evs.length} events (with initial writes); at most ${MAX_EVENTS}`);
  return evs;
}

// ---- values along sb ∪ rf -------------------------------------------------------------------------

function evalExpr(e: Expr, regs: Map<string, number>): number {
  switch (e.k) {
    case 'const': return e.v;
    case 'reg': return regs.get(e.r) ?? 0;
    case 'not': return evalExpr(e.a, regs) === 0 ? 1 : 0;
    case 'bin': {
      const a = evalExpr(e.a, regs);
      const b = evalExpr(e.b, regs);
      switch (e.op) {
        case '+': return a + b;
        case '-': return a - b;
        case '*': return a * b;
        case '==': return a === b ? 1 : 0;
        case '!=': return a !== b ? 1 : 0;
        case '<': return a < b ? 1 : 0;
        case '<=': return a <= b ? 1 : 0;
        case '>': return a > b ? 1 : 0;
        case '>=': return a >= b ? 1 : 0;
        case '&&': return a !== 0 && b !== 0 ? 1 : 0;
        case '||': return a !== 0 || b !== 0 ? 1 : 0;
        case '&': return a & b;
        case '|': return a | b;
        case '^': return a ^ b;
      }
    }
  }
}

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

interface Values {
  read: (number | undefined)[];
  written: (number | undefined)[];
}

/**
 * Runs every thread, letting a read proceed only once the write it reads from has its value: that is
 * a walk along sb ∪ rf. Returns null when the walk gets stuck (sb ∪ rf is cyclic: the values would
 * come out of thin air) or when a CAS/update outcome disagrees with the value it read.
 */
function computeValues(p: Program, evs: Ev[], rf: (number | undefined)[]): Values | null {
  const read: (number | undefined)[] = evs.map(() => undefined);
  const written: (number | undefined)[] = evs.map(e => e.init);
  // The read event and the write event of each instruction (both for an RMW).
  const readAt = new Map<string, number>();
  const writeAt = new Map<string, number>();
  evs.forEach((e, i) => {
    if (e.thread >= 0 && isRead(e)) readAt.set(e.id, i);
    if (e.thread >= 0 && isWrite(e)) writeAt.set(e.id, i);
  });
  const pcs = p.threads.map(() => 0);
  const mems = p.threads.map(() => 0);
  const regs = p.threads.map(() => new Map<string, number>());
  let progress = true;
  while (progress) {
    progress = false;
    for (let t = 0; t < p.threads.length; t++) {
      const body = p.threads[t].body;
      while (pcs[t] < body.length) {
        const ins = body[pcs[t]];
        const rg = regs[t];
        if (ins.k === 'let') {
          rg.set(ins.reg, evalExpr(ins.val, rg));
          pcs[t]++;
          progress = true;
          continue;
        }
        const id = `${t}:${mems[t]}`;
        const ri = readAt.get(id);
        const wi = writeAt.get(id) ?? -1;
        const ok = wi >= 0; // for CAS/update: this candidate has it succeed
        let v = 0;
        if (ri !== undefined) {
          const src = written[rf[ri]!];
          if (src === undefined) break; // its write has no value yet: wait (or a cycle)
          v = src;
          read[ri] = v;
        }
        switch (ins.k) {
          case 'load':
            if (ins.reg) rg.set(ins.reg, v);
            break;
          case 'store':
            written[wi] = evalExpr(ins.val, rg);
            break;
          case 'rmw':
            written[wi] = applyRmw(ins.op, v, evalExpr(ins.val, rg));
            if (ins.reg) rg.set(ins.reg, v);
            break;
          case 'cas': {
            const matches = v === evalExpr(ins.expected, rg);
            // Success needs a match; failure needs a mismatch unless the CAS is weak (spurious).
            if (ok ? !matches : matches && !ins.weak) return null;
            if (ok) written[wi] = evalExpr(ins.desired, rg);
            if (ins.reg) rg.set(ins.reg, v);
            if (ins.okReg) rg.set(ins.okReg, ok ? 1 : 0);
            break;
          }
          case 'update': {
            rg.set(ins.oldReg, v);
            const holds = ins.guard === undefined || evalExpr(ins.guard, rg) !== 0;
            if (ok !== holds) return null;
            if (ok) written[wi] = evalExpr(ins.next, rg);
            if (ins.okReg) rg.set(ins.okReg, ok ? 1 : 0);
            break;
          }
          case 'fence':
            break;
          default:
            throw new Error(`oracle: unexpected instruction '${ins.k}'`);
        }
        pcs[t]++;
        mems[t]++;
        progress = true;
      }
    }
  }
  if (pcs.some((pc, t) => pc < p.threads[t].body.length)) return null;
  return { read, written };
}

// ---- the RC11 model ---------------------------------------------------------------------------------

const atLeastRlx = (m: Mode): boolean => m !== 'na';
const atLeastRel = (m: Mode): boolean => m === 'rel' || m === 'acq_rel' || m === 'sc';
const atLeastAcq = (m: Mode): boolean => m === 'acq' || m === 'acq_rel' || m === 'sc';

/** The relations that depend only on the events and rf (not on mo). */
interface RfModel {
  sb: Rel;
  rf: Rel;
  hb: Rel;
  loc: Rel; // =loc: both events access the same location
  rmw: Rel;
}

function rfModel(evs: Ev[], rfOf: (number | undefined)[]): RfModel {
  const n = evs.length;
  const E = (pred: (e: Ev) => boolean): Rel => Rel.id(n, i => pred(evs[i]));
  // sb: program order within a thread; the init thread is sb-before every program event.
  const sb = Rel.where(n, (i, j) => {
    const a = evs[i], b = evs[j];
    if (a.thread < 0) return b.thread >= 0;
    return a.thread === b.thread && sbKey(a) < sbKey(b);
  });
  const rf = Rel.of(n, rfOf.flatMap((w, r) => (w === undefined ? [] : [[w, r] as const])));
  const loc = Rel.where(n, (i, j) => evs[i].loc !== undefined && evs[i].loc === evs[j].loc);
  const W = E(isWrite);
  const F = E(e => e.kind === 'F');
  // rmw: from the read part of an RMW to its write part.
  const rmw = Rel.where(n, (i, j) => evs[i].part === 'r' && evs[j].part === 'w' && evs[i].id === evs[j].id);

  // rs = [W]; (sb ∩ =loc)?; [W ⊒ rlx]; (rf; rmw)*
  const rs = W.seq(sb.inter(loc).opt(), E(e => isWrite(e) && atLeastRlx(e.mode)), rf.seq(rmw).star());
  // sw = [E ⊒ rel]; ([F]; sb)?; rs; rf; [R ⊒ rlx]; (sb; [F])?; [E ⊒ acq]
  const sw = E(e => atLeastRel(e.mode)).seq(
    F.seq(sb).opt(), rs, rf, E(e => isRead(e) && atLeastRlx(e.mode)), sb.seq(F).opt(), E(e => atLeastAcq(e.mode)),
  );
  // hb = (sb ∪ sw)+
  const hb = sb.union(sw).plus();
  return { sb, rf, hb, loc, rmw };
}

/** The axioms of RC11 that `enumerateExecutions` can be told to leave out (see OracleOptions). */
export type Axiom = 'coherence' | 'atomicity' | 'sc';

export interface OracleOptions {
  /**
   * Axioms to leave unchecked. Only for testing the test corpus: a program whose executions change
   * when an axiom is dropped is one on which that axiom decides something.
   */
  without?: readonly Axiom[];
}

/** The RC11 consistency axioms for one mo, given the rf-only relations. */
function consistent(evs: Ev[], m: RfModel, mo: Rel, without: readonly Axiom[]): boolean {
  const n = evs.length;
  const E = (pred: (e: Ev) => boolean): Rel => Rel.id(n, i => pred(evs[i]));
  const { sb, rf, hb, loc, rmw } = m;

  // fr = rf⁻¹; mo
  const fr = rf.inv().seq(mo);
  // eco = (rf ∪ mo ∪ fr)+
  const eco = rf.union(mo, fr).plus();

  // coherence: hb; eco? irreflexive
  if (!without.includes('coherence') && !hb.seq(eco.opt()).irreflexive()) return false;
  // atomicity: rmw ∩ (fr; mo) = ∅
  if (!without.includes('atomicity') && !rmw.inter(fr.seq(mo)).isEmpty()) return false;
  // no-thin-air: sb ∪ rf acyclic (already implied by computeValues succeeding; checked as written)
  if (!sb.union(rf).acyclic()) return false;

  // SC: psc acyclic
  if (without.includes('sc')) return true;
  const Esc = E(e => e.mode === 'sc');
  const Fsc = E(e => e.kind === 'F' && e.mode === 'sc');
  const sbNeqLoc = sb.minus(loc);
  // scb = sb ∪ sb≠loc; hb; sb≠loc ∪ hb|loc ∪ mo ∪ fr
  const scb = sb.union(sbNeqLoc.seq(hb, sbNeqLoc), hb.inter(loc), mo, fr);
  // psc_base = ([E_sc] ∪ [F_sc]; hb?); scb; ([E_sc] ∪ hb?; [F_sc])
  const pscBase = Esc.union(Fsc.seq(hb.opt())).seq(scb, Esc.union(hb.opt().seq(Fsc)));
  // psc_F = [F_sc]; (hb ∪ hb; eco; hb); [F_sc]
  const pscF = Fsc.seq(hb.union(hb.seq(eco, hb)), Fsc);
  return pscBase.union(pscF).acyclic();
}

/** Racing pairs: same location, at least one write, at least one non-atomic, unordered by hb. */
function racesOf(evs: Ev[], hb: Rel): [string, string][] {
  const out: [string, string][] = [];
  for (let i = 0; i < evs.length; i++) {
    for (let j = i + 1; j < evs.length; j++) {
      const a = evs[i], b = evs[j];
      if (a.thread < 0 || b.thread < 0 || a.thread === b.thread || a.loc === undefined || a.loc !== b.loc) continue;
      if (!isWrite(a) && !isWrite(b)) continue;
      if (a.mode !== 'na' && b.mode !== 'na') continue;
      if (hb.has(i, j) || hb.has(j, i)) continue;
      const pair: [string, string] = a.id < b.id ? [a.id, b.id] : [b.id, a.id];
      // The two parts of an RMW can both race with one access: one pair of instructions.
      if (!out.some(([x, y]) => x === pair[0] && y === pair[1])) out.push(pair);
    }
  }
  return out.sort((x, y) => (x[0] === y[0] ? cmp(x[1], y[1]) : cmp(x[0], y[0])));
}

const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

// ---- enumeration ----------------------------------------------------------------------------------

/** Every way to pick one element from each list. */
function* product<T>(lists: T[][]): Generator<T[]> {
  if (lists.length === 0) {
    yield [];
    return;
  }
  const [head, ...rest] = lists;
  for (const x of head) for (const tail of product(rest)) yield [x, ...tail];
}

function permutations<T>(xs: T[]): T[][] {
  if (xs.length <= 1) return [xs.slice()];
  return xs.flatMap((x, i) => permutations([...xs.slice(0, i), ...xs.slice(i + 1)]).map(p => [x, ...p]));
}

/** Every RC11-consistent execution of a straight-line program, as the explorer summarizes them. */
export function enumerateExecutions(p: Program, opts: OracleOptions = {}): OracleExecution[] {
  const slots = slotsOf(p);
  const conditional = slots.flat().filter(isCondWrite);
  const out: OracleExecution[] = [];
  const locNames = p.locations.map(l => l.name);

  for (const outcome of product(conditional.map(() => [true, false]))) {
    const evs = eventsFor(p, slots, new Map(conditional.map((s, i) => [s, outcome[i]])));
    const n = evs.length;
    const writesTo = (loc: string): number[] => evs.flatMap((e, i) => (isWrite(e) && e.loc === loc && e.thread >= 0 ? [i] : []));
    const initOf = (loc: string): number => locNames.indexOf(loc);
    const readers = evs.flatMap((e, i) => (isRead(e) ? [i] : []));
    // rf candidates: any write to the same location (incl. the initial write), except the write part
    // of the reading RMW itself (rmw ⊆ sb, so that would be a cycle in sb ∪ rf anyway).
    const candidates = readers.map(r => [initOf(evs[r].loc!), ...writesTo(evs[r].loc!).filter(w => evs[w].id !== evs[r].id)]);

    for (const choice of product(candidates)) {
      const rfOf: (number | undefined)[] = new Array(n).fill(undefined);
      readers.forEach((r, k) => { rfOf[r] = choice[k]; });
      const values = computeValues(p, evs, rfOf);
      if (values === null) continue;
      const m = rfModel(evs, rfOf);
      const races = racesOf(evs, m.hb);

      const moChoices = locNames.map(l => permutations(writesTo(l)));
      for (const orders of product(moChoices)) {
        // mo: the initial write first, then the chosen total order of the location's writes.
        const pairs: [number, number][] = [];
        orders.forEach((order, li) => {
          const chain = [li, ...order];
          for (let a = 0; a < chain.length; a++) for (let b = a + 1; b < chain.length; b++) pairs.push([chain[a], chain[b]]);
        });
        if (!consistent(evs, m, Rel.of(n, pairs), opts.without ?? [])) continue;

        const mo: Record<string, string[]> = {};
        orders.forEach((order, li) => { if (order.length > 0) mo[locNames[li]] = order.map(i => evs[i].id); });
        // One output event per instruction: an RMW's two parts become one 'U' event.
        const events: OracleEvent[] = [];
        evs.forEach((e, i) => {
          if (e.thread < 0) return;
          let ev = events.find(x => x.id === e.id);
          if (!ev) {
            ev = { id: e.id, thread: e.thread, index: e.index, kind: e.kind, mode: e.mode };
            if (e.loc !== undefined) ev.loc = e.loc;
            events.push(ev);
          }
          if (e.part !== undefined) ev.kind = 'U';
          if (isRead(e)) {
            ev.readValue = values.read[i];
            ev.rf = evs[rfOf[i]!].id;
          }
          if (isWrite(e)) ev.writeValue = values.written[i];
        });
        out.push({ events, mo, races: races.map(([a, b]) => [a, b]) });
      }
    }
  }
  return out;
}
