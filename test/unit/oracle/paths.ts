// Thread-local semantics for the axiomatic oracles: every way one thread can run, given the values
// its reads return. The oracles guess each read's value from a finite per-location domain, run the
// thread's code deterministically with those values, and only later (when choosing rf) keep the
// guesses that some write actually provides. Control flow (if, bounded while, assume) is therefore
// just code run on known values, and nothing here assumes sb ∪ rf is acyclic: a path is built from
// guessed values, not from writes that already happened, which the LKMM oracle needs for load
// buffering.
//
// Besides values, a path records what each event depends on: the reads whose values flow into it
// through registers (data: into the value written; addr: into the location's address, when the IR
// has computed addresses; ctrl: into any branch or assume condition taken before it).

import type { Expr, Instr, Program } from '../../../server/src/memory/ir';

/** A memory instruction: one that makes events. */
export type MemInstr = Exclude<Instr, { k: 'let' | 'if' | 'while' | 'assume' }>;

export interface PathEvent {
  /** Position among the thread's memory events along this path (the "i" of the id "t:i"). */
  index: number;
  instr: MemInstr;
  /** 'U' for a read-modify-write that wrote; a failed CAS/update is an 'R'. */
  kind: 'R' | 'W' | 'U' | 'F';
  loc?: string;
  /** The mode that applies: for CAS/update the success mode when it wrote, the failure mode otherwise. */
  mode: string;
  readValue?: number;
  writeValue?: number;
  /** For CAS/update. */
  outcome?: 'success' | 'failure';
  /** Indices (in this path) of the read events the written value depends on. */
  data: number[];
  /** Indices of reads the address depends on (always empty while locations are static names). */
  addr: number[];
  /** Indices of reads some earlier branch, loop or assume condition depended on. */
  ctrl: number[];
}

export interface ThreadPath {
  events: PathEvent[];
  /** Final register values (registers never written are absent; they read as 0). */
  regs: Map<string, number>;
  /** Stopped by `assume` or a loop bound: only returned when asked for (its writes still feed value domains). */
  blocked?: boolean;
}

/** Per location, the values a read of it may be guessed to return. */
export type Domains = Map<string, readonly number[]>;

/** Registers with, per register, the set of read events (path indices) its value came from. */
interface RegState {
  vals: Map<string, number>;
  deps: Map<string, Set<number>>;
}

export function evalExpr(e: Expr, regs: Map<string, number>): number {
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

/** The reads an expression's value depends on: the union over the registers it mentions. */
function depsOf(e: Expr, rs: RegState, except: readonly string[] = []): Set<number> {
  const out = new Set<number>();
  const walk = (x: Expr): void => {
    switch (x.k) {
      case 'const': return;
      case 'reg': if (!except.includes(x.r)) for (const d of rs.deps.get(x.r) ?? []) out.add(d); return;
      case 'not': walk(x.a); return;
      case 'bin': walk(x.a); walk(x.b); return;
    }
  };
  walk(e);
  return out;
}

/**
 * What a memory instruction does once its read value (if any) is known. A model supplies this so
 * the same path enumeration serves RC11 and LKMM instructions. `choices` lists the alternative
 * outcomes (e.g. a weak CAS that may fail spuriously); each names the events it makes and the
 * registers it sets. The read value is passed in; `null` when the instruction reads nothing.
 */
export interface StepOutcome {
  events: { kind: PathEvent['kind']; mode: string; writeValue?: number; outcome?: 'success' | 'failure'; data: Set<number>; readsHere: boolean }[];
  /** Registers set, with the reads they depend on ('self' stands for this instruction's own read). */
  sets: { reg: string; val: number; deps: Set<number>; self: boolean }[];
  /** The run stops here and the execution is discarded (a spin_lock that never gets the lock). */
  block?: boolean;
}

export interface InstrSemantics {
  /** Whether the instruction reads memory (so its read value must be guessed). */
  reads(ins: MemInstr): boolean;
  /**
   * The location it accesses, if any; `null` when a computed address points at no location (the
   * run is dropped).
   */
  loc(ins: MemInstr, evaluate: (e: Expr) => number): string | undefined | null;
  /** The expression a computed address comes from (its registers make an address dependency). */
  addr?(ins: MemInstr): Expr | undefined;
  /**
   * `evaluate` reads registers, with `bind` overriding some (an update's guard sees the value just
   * read); `deps` gives the reads an expression depends on, leaving out registers in `except`.
   */
  step(ins: MemInstr, readValue: number | null, evaluate: (e: Expr, bind?: Record<string, number>) => number, deps: (e: Expr, except?: string[]) => Set<number>): StepOutcome[];
}

/** The loop bound the engine accepts; a larger one is refused rather than silently truncated. */
const MAX_LOOP_BOUND = 64;

/** One frame of the structured-code interpreter: a body and where we are in it. */
interface Frame {
  body: readonly Instr[];
  pc: number;
  /** For a loop body: the loop and how many iterations have started. */
  loop?: { ins: Extract<Instr, { k: 'while' }>; count: number };
}

interface State {
  frames: Frame[];
  rs: RegState;
  ctrl: Set<number>;
  events: PathEvent[];
}

const cloneState = (s: State): State => ({
  frames: s.frames.map(f => ({ ...f })),
  rs: { vals: new Map(s.rs.vals), deps: new Map(s.rs.deps) },
  ctrl: new Set(s.ctrl),
  events: s.events.slice(),
});

/** Steps one run may take between forks: a guard against code that never reaches its end. */
const FUEL = 100_000;

/**
 * Every complete, unblocked run of `body` with reads returning values from `domains`. Runs blocked
 * by `assume` or by a loop still wanting to run after its bound are dropped, as the engine drops
 * those executions.
 */
export interface PathOptions {
  ctrlFromAssume?: boolean;
  /** Also return blocked runs (flagged `blocked`). */
  withBlocked?: boolean;
  /**
   * Ignore conditions: take both ways at every `if`, every iteration count up to a loop's bound,
   * and pass every `assume`. Only for value domains: it reaches every write whose value some
   * execution can give it, even when the branch to it is justified by a cycle of control
   * dependencies (LKMM allows those for plain accesses).
   */
  ignoreControl?: boolean;
}

export function threadPaths(body: readonly Instr[], domains: Domains, sem: InstrSemantics, opts: PathOptions = {}): ThreadPath[] {
  const out: ThreadPath[] = [];
  const ctrlFromAssume = opts.ctrlFromAssume ?? true;
  const work: State[] = [{ frames: [{ body, pc: 0 }], rs: { vals: new Map(), deps: new Map() }, ctrl: new Set(), events: [] }];
  while (work.length > 0) {
    const s = work.pop()!;
    let fuel = FUEL;
    let alive = true;
    let blocked = false;
    while (alive) {
      if (--fuel === 0) throw new Error('oracle: thread code does not terminate (fuel exhausted)');
      const f = s.frames[s.frames.length - 1];
      if (!f) {
        out.push({ events: s.events, regs: s.rs.vals });
        break;
      }
      if (f.pc >= f.body.length) {
        s.frames.pop();
        if (f.loop) {
          // Back to the loop head: test the condition again.
          const { ins, count } = f.loop;
          if (opts.ignoreControl) { if (count < ins.bound) work.push(enteredLoop(cloneState(s), ins, count)); }
          else {
            alive = enterLoop(s, ins, count);
            blocked = !alive;
          }
        }
        continue;
      }
      const ins = f.body[f.pc++];
      const ev = (e: Expr): number => evalExpr(e, s.rs.vals);
      switch (ins.k) {
        case 'let':
          s.rs.vals.set(ins.reg, ev(ins.val));
          s.rs.deps.set(ins.reg, depsOf(ins.val, s.rs));
          break;
        case 'assume':
          if (opts.ignoreControl) break;
          if (ctrlFromAssume) for (const d of depsOf(ins.cond, s.rs)) s.ctrl.add(d);
          if (ev(ins.cond) === 0) { alive = false; blocked = true; }
          break;
        case 'if':
          if (opts.ignoreControl) {
            const other = cloneState(s);
            other.frames.push({ body: ins.else, pc: 0 });
            work.push(other);
            s.frames.push({ body: ins.then, pc: 0 });
            break;
          }
          for (const d of depsOf(ins.cond, s.rs)) s.ctrl.add(d);
          s.frames.push({ body: ev(ins.cond) !== 0 ? ins.then : ins.else, pc: 0 });
          break;
        case 'while':
          if (!(ins.bound >= 0 && ins.bound <= MAX_LOOP_BOUND)) throw new Error(`oracle: loop bound ${ins.bound} out of range`);
          if (opts.ignoreControl) { if (ins.bound > 0) work.push(enteredLoop(cloneState(s), ins, 0)); break; }
          alive = enterLoop(s, ins, 0);
          blocked = !alive;
          break;
        default: {
          const reads = sem.reads(ins);
          const loc = sem.loc(ins, ev);
          if (loc === null) { alive = false; break; }
          const addrExpr = sem.addr?.(ins);
          const addr = addrExpr ? [...depsOf(addrExpr, s.rs)].sort((a, b) => a - b) : [];
          const values: (number | null)[] = reads ? [...(domains.get(loc!) ?? [])] : [null];
          // Every guessed value and outcome continues as its own state on the work list.
          for (const v of values) {
            const evaluate = (e: Expr, bind?: Record<string, number>): number =>
              evalExpr(e, bind ? new Map([...s.rs.vals, ...Object.entries(bind)]) : s.rs.vals);
            for (const o of sem.step(ins, v, evaluate, (e, except) => depsOf(e, s.rs, except))) {
              const t = cloneState(s);
              applyOutcome(t, ins, loc, v, o, addr);
              if (o.block) { if (opts.withBlocked) out.push({ events: t.events, regs: t.rs.vals, blocked: true }); }
              else work.push(t);
            }
          }
          alive = false;
        }
      }
    }
    if (blocked && opts.withBlocked) out.push({ events: s.events, regs: s.rs.vals, blocked: true });
  }
  return out;
}

/** Tests a loop's condition at its head: enter the body, leave, or block past the bound. */
/** The state that runs one more iteration of a loop (for runs that ignore conditions). */
function enteredLoop(s: State, ins: Extract<Instr, { k: 'while' }>, count: number): State {
  s.frames.push({ body: ins.body, pc: 0, loop: { ins, count: count + 1 } });
  return s;
}

function enterLoop(s: State, ins: Extract<Instr, { k: 'while' }>, count: number): boolean {
  for (const d of depsOf(ins.cond, s.rs)) s.ctrl.add(d);
  if (evalExpr(ins.cond, s.rs.vals) === 0) return true;
  if (count >= ins.bound) return false;
  s.frames.push({ body: ins.body, pc: 0, loop: { ins, count: count + 1 } });
  return true;
}

function applyOutcome(s: State, ins: MemInstr, loc: string | undefined, v: number | null, o: StepOutcome, addr: number[]): void {
  const ctrl = [...s.ctrl].sort((a, b) => a - b);
  let selfRead = -1;
  for (const e of o.events) {
    const pe: PathEvent = { index: s.events.length, instr: ins, kind: e.kind, mode: e.mode, data: [...e.data].sort((a, b) => a - b), addr: e.kind === 'F' ? [] : addr, ctrl };
    if (loc !== undefined && e.kind !== 'F') pe.loc = loc;
    if (e.readsHere) { pe.readValue = v!; selfRead = pe.index; }
    if (e.writeValue !== undefined) pe.writeValue = e.writeValue;
    if (e.outcome) pe.outcome = e.outcome;
    s.events.push(pe);
  }
  for (const set of o.sets) {
    const deps = new Set(set.deps);
    if (set.self && selfRead >= 0) deps.add(selfRead);
    s.rs.vals.set(set.reg, set.val);
    s.rs.deps.set(set.reg, deps);
  }
}

/**
 * Per location, the values reads of it may return: the initial value and every value some path
 * writes to it, where paths read values already in the domains. Iterated to a fixpoint, or for as
 * many rounds as there can be writes in one execution, whichever comes first. The round bound is enough when sb ∪ rf is acyclic (RC11): then every write's
 * thread reaches it reading only values of writes before it. Under LKMM a write may exist only
 * because of a read that (through other threads) depends on it — a cycle of control dependencies,
 * allowed when plain accesses break it. With `ignoreControl` runs take every branch whatever its
 * condition, so a write's value needs only its data inputs: ordering an execution's writes along
 * value flow (acyclic: the oracles drop executions where it is not), each round adds the next,
 * and the round bound holds again. `maxValues` stops programs whose values grow too far.
 */
export function valueDomains(p: Program, sem: InstrSemantics, opts: { ctrlFromAssume?: boolean; maxValues?: number; ignoreControl?: boolean } = {}): Domains {
  const maxValues = opts.maxValues ?? 32;
  const doms = new Map<string, Set<number>>(p.locations.map(l => [l.name, new Set([l.init])]));
  const frozen = (): Domains => new Map([...doms].map(([k, s]) => [k, [...s].sort((a, b) => a - b)]));
  let maxWrites = 0;
  for (let round = 0; ; round++) {
    let changed = false;
    let writesThisRound = 0;
    const d = frozen();
    for (const th of p.threads) {
      let most = 0;
      // Blocked runs count too: a thread may write before it blocks on one guess and not on another.
      for (const path of threadPaths(th.body, d, sem, { ctrlFromAssume: opts.ctrlFromAssume, ignoreControl: opts.ignoreControl, withBlocked: true })) {
        let n = 0;
        for (const e of path.events) {
          if (e.writeValue === undefined || e.loc === undefined) continue;
          n++;
          const set = doms.get(e.loc)!;
          if (!set.has(e.writeValue)) {
            set.add(e.writeValue);
            changed = true;
            if (set.size > maxValues) throw new Error(`oracle: location ${e.loc} may hold more than ${maxValues} values`);
          }
        }
        most = Math.max(most, n);
      }
      writesThisRound += most;
    }
    maxWrites = Math.max(maxWrites, writesThisRound);
    if (!changed || round >= maxWrites) return frozen();
  }
}

/**
 * Every combination of one path per thread in which each read's guessed value is the initial
 * value of its location or written by some path of the combination: the only combinations rf can
 * complete. Built thread by thread, dropping a partial combination as soon as one of its reads
 * wants a value that neither the chosen paths nor any path of a thread still to choose writes.
 */
export function pathCombinations(p: Program, perThread: readonly ThreadPath[][]): ThreadPath[][] {
  const key = (loc: string, v: number): string => `${loc}=${v}`;
  const writes = (path: ThreadPath): Set<string> =>
    new Set(path.events.flatMap(e => (e.writeValue !== undefined && e.loc !== undefined ? [key(e.loc, e.writeValue)] : [])));
  const init = new Set(p.locations.map(l => key(l.name, l.init)));
  const pathWrites = perThread.map(paths => paths.map(writes));
  // laterWrites[t]: everything some path of thread t or a later thread may write.
  const laterWrites: Set<string>[] = [];
  for (let t = perThread.length; t >= 0; t--) {
    const acc = new Set(laterWrites[t + 1] ?? []);
    for (const ws of pathWrites[t] ?? []) for (const w of ws) acc.add(w);
    laterWrites[t] = acc;
  }
  const out: ThreadPath[][] = [];
  const chosen: ThreadPath[] = [];
  const chosenWrites: Set<string>[] = [];
  const satisfiable = (t: number): boolean => {
    for (const path of chosen) {
      for (const e of path.events) {
        if (e.readValue === undefined) continue;
        const k = key(e.loc!, e.readValue);
        if (!init.has(k) && !chosenWrites.some(ws => ws.has(k)) && !laterWrites[t].has(k)) return false;
      }
    }
    return true;
  };
  const go = (t: number): void => {
    if (t === perThread.length) { out.push(chosen.slice()); return; }
    perThread[t].forEach((path, i) => {
      chosen.push(path);
      chosenWrites.push(pathWrites[t][i]);
      if (satisfiable(t + 1)) go(t + 1);
      chosen.pop();
      chosenWrites.pop();
    });
  };
  go(0);
  return out;
}
