// A plain axiomatic RC11 checker, used only as a test oracle for the explorer
// (server/src/memory/explore.ts). It shares no code with the engine: it enumerates every candidate
// execution (every control-flow path per thread under guessed read values, see paths.ts, every rf
// that supplies the guessed values, every mo) and keeps those that
// satisfy the RC11 axioms, computed by explicit relation algebra (relation.ts) written to read like
// the definitions in Lahav et al., "Repairing Sequential Consistency in
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
// - Registers start at 0. An execution in which `assume` fails or a loop wants more iterations
//   than its bound is discarded, as the explorer discards it.

import type { Cond, Expr, Instr, Mode, Program, RmwOp } from '../../../server/src/memory/ir';
import { pathCombinations, threadPaths, valueDomains, type InstrSemantics, type StepOutcome, type ThreadPath } from './paths';
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
  /** Final registers per thread (registers never written are absent and read as 0). */
  registers?: Record<string, number>[];
  /** Final value of every location. */
  final?: Record<string, number>;
}

// ---- thread semantics -----------------------------------------------------------------------------

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

/**
 * What each RC11 instruction does once its read value is known. A CAS succeeds exactly when the
 * value matches (a weak one may also fail then); an update writes exactly when its guard holds.
 */
export const RC11_SEMANTICS: InstrSemantics = {
  reads: ins => ins.k === 'load' || ins.k === 'rmw' || ins.k === 'cas' || ins.k === 'update',
  loc: ins => {
    if ('addr' in ins && ins.addr) throw new Error('oracle: computed addresses are an LKMM feature');
    return ins.k === 'fence' ? undefined : ins.loc;
  },
  step(ins, v, ev, deps): StepOutcome[] {
    const old = v ?? 0;
    switch (ins.k) {
      case 'load':
        return [{ events: [{ kind: 'R', mode: ins.mo, data: none(), readsHere: true }], sets: ins.reg ? [{ reg: ins.reg, val: old, deps: none(), self: true }] : [] }];
      case 'store':
        return [{ events: [{ kind: 'W', mode: ins.mo, writeValue: ev(ins.val), data: deps(ins.val), readsHere: false }], sets: [] }];
      case 'rmw':
        return [{
          events: [{ kind: 'U', mode: ins.mo, writeValue: applyRmw(ins.op, old, ev(ins.val)), data: deps(ins.val), readsHere: true }],
          sets: ins.reg ? [{ reg: ins.reg, val: old, deps: none(), self: true }] : [],
        }];
      case 'cas': {
        const matches = old === ev(ins.expected);
        const sets = (ok: boolean): StepOutcome['sets'] => [
          ...(ins.reg ? [{ reg: ins.reg, val: old, deps: none(), self: true }] : []),
          ...(ins.okReg ? [{ reg: ins.okReg, val: ok ? 1 : 0, deps: deps(ins.expected), self: true }] : []),
        ];
        const success: StepOutcome = {
          events: [{ kind: 'U', mode: ins.succ, writeValue: ev(ins.desired), data: new Set([...deps(ins.desired), ...deps(ins.expected)]), outcome: 'success', readsHere: true }],
          sets: sets(true),
        };
        const failure: StepOutcome = { events: [{ kind: 'R', mode: ins.fail, outcome: 'failure', data: none(), readsHere: true }], sets: sets(false) };
        // Success needs a match; failure needs a mismatch unless the CAS is weak (spurious failure).
        return matches ? (ins.weak ? [success, failure] : [success]) : [failure];
      }
      case 'update': {
        // The guard and the next value see `oldReg` bound to the value read.
        const bound = (e: Expr): number => ev(e, { [ins.oldReg]: old });
        const holds = ins.guard === undefined || bound(ins.guard) !== 0;
        const sets: StepOutcome['sets'] = [{ reg: ins.oldReg, val: old, deps: none(), self: true }];
        if (ins.okReg) sets.push({ reg: ins.okReg, val: holds ? 1 : 0, deps: none(), self: true });
        const others = (e: Expr): Set<number> => deps(e, [ins.oldReg]);
        return holds
          ? [{ events: [{ kind: 'U', mode: ins.succ, writeValue: bound(ins.next), data: others(ins.next), outcome: 'success', readsHere: true }], sets }]
          : [{ events: [{ kind: 'R', mode: ins.fail, outcome: 'failure', data: none(), readsHere: true }], sets }];
      }
      case 'fence':
        return [{ events: [{ kind: 'F', mode: ins.mo, data: none(), readsHere: false }], sets: [] }];
      default:
        throw new Error(`oracle: instruction '${(ins as { k: string }).k}' is not an RC11 instruction`);
    }
  },
};

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
  /** For reads: the guessed value the path ran with; for writes: the value written. */
  value?: number;
}

const isRead = (e: Ev): boolean => e.kind === 'R';
const isWrite = (e: Ev): boolean => e.kind === 'W';
/** Position in program order: an RMW's read part comes just before its write part. */
const sbKey = (e: Ev): number => e.index * 2 + (e.part === 'w' ? 1 : 0);

/** The model's events for one path per thread: initial writes first, an RMW split in two. */
function eventsFor(p: Program, paths: ThreadPath[]): Ev[] {
  const evs: Ev[] = p.locations.map(l => ({ id: 'init', thread: -1, index: -1, kind: 'W', loc: l.name, mode: 'na', value: l.init }));
  paths.forEach((path, t) => {
    for (const e of path.events) {
      const base = { id: `${t}:${e.index}`, thread: t, index: e.index, mode: e.mode as Mode, loc: e.loc };
      switch (e.kind) {
        case 'R': evs.push({ ...base, kind: 'R', value: e.readValue }); break;
        case 'W': evs.push({ ...base, kind: 'W', value: e.writeValue }); break;
        case 'U': evs.push({ ...base, kind: 'R', part: 'r', value: e.readValue }, { ...base, kind: 'W', part: 'w', value: e.writeValue }); break;
        case 'F': evs.push({ ...base, kind: 'F', loc: undefined }); break;
      }
    }
  });
  if (evs.length > MAX_EVENTS) throw new Error(`oracle: ${evs.length} events (with initial writes); at most ${MAX_EVENTS}`);
  return evs;
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
  // no-thin-air: sb ∪ rf acyclic (values are guessed per path, so this is what rules out thin air)
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

/** Checks the program is one the oracle can read: declared locations, modes left to the engine. */
function validate(p: Program): void {
  const locs = new Set(p.locations.map(l => l.name));
  const walk = (body: readonly Instr[], t: number): void => {
    for (const ins of body) {
      if (ins.k === 'if') { walk(ins.then, t); walk(ins.else, t); }
      else if (ins.k === 'while') walk(ins.body, t);
      else if ('loc' in ins && !locs.has(ins.loc)) throw new Error(`oracle: thread ${t} (${p.threads[t].name}) accesses undeclared location '${ins.loc}'`);
    }
  };
  p.threads.forEach((th, t) => walk(th.body, t));
}

/** Final value of every location: its mo-last write, or its initial value. */
function finalValues(p: Program, evs: Ev[], mo: Record<string, string[]>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const l of p.locations) {
    const order = mo[l.name] ?? [];
    const last = order[order.length - 1];
    out[l.name] = last === undefined ? l.init : evs.find(e => e.id === last && isWrite(e))!.value!;
  }
  return out;
}

/** Whether a litmus condition holds in a final state. */
export function evalCond(cond: Cond, regs: readonly Record<string, number>[], final: Record<string, number>): boolean {
  switch (cond.k) {
    case 'true': return true;
    case 'eqReg': return (regs[cond.thread]?.[cond.reg] ?? 0) === cond.v;
    case 'eqLoc': return final[cond.loc] === cond.v;
    case 'and': return evalCond(cond.a, regs, final) && evalCond(cond.b, regs, final);
    case 'or': return evalCond(cond.a, regs, final) || evalCond(cond.b, regs, final);
    case 'not': return !evalCond(cond.a, regs, final);
  }
}

/**
 * Every RC11-consistent execution of a program, as the explorer summarizes them. Each thread's
 * control flow is resolved per path (reads guessed from per-location value domains); rf must then
 * give every read a write of the guessed value.
 */
export function enumerateExecutions(p: Program, opts: OracleOptions = {}): OracleExecution[] {
  validate(p);
  const domains = valueDomains(p, RC11_SEMANTICS);
  const pathsPerThread = p.threads.map(th => threadPaths(th.body, domains, RC11_SEMANTICS));
  const out: OracleExecution[] = [];
  const locNames = p.locations.map(l => l.name);

  for (const paths of pathCombinations(p, pathsPerThread)) {
    const evs = eventsFor(p, paths);
    const n = evs.length;
    const writesTo = (loc: string): number[] => evs.flatMap((e, i) => (isWrite(e) && e.loc === loc && e.thread >= 0 ? [i] : []));
    const initOf = (loc: string): number => locNames.indexOf(loc);
    const readers = evs.flatMap((e, i) => (isRead(e) ? [i] : []));
    // rf candidates: writes to the same location (incl. the initial write) of the value the read was
    // guessed to return, except the write part of the reading RMW itself.
    const candidates = readers.map(r => [initOf(evs[r].loc!), ...writesTo(evs[r].loc!)].filter(w => evs[w].id !== evs[r].id && evs[w].value === evs[r].value));
    const registers = paths.map(path => Object.fromEntries(path.regs));

    for (const choice of product(candidates)) {
      const rfOf: (number | undefined)[] = new Array(n).fill(undefined);
      readers.forEach((r, k) => { rfOf[r] = choice[k]; });
      const m = rfModel(evs, rfOf);
      // Thin air: a path whose guessed values only its own future justifies.
      if (!m.sb.union(m.rf).acyclic()) continue;
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
            ev.readValue = e.value;
            ev.rf = evs[rfOf[i]!].id;
          }
          if (isWrite(e)) ev.writeValue = e.value;
        });
        out.push({ events, mo, races: races.map(([a, b]) => [a, b]), registers, final: finalValues(p, evs, mo) });
      }
    }
  }
  return out;
}
