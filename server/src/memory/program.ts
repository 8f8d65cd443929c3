// Compiles the structured IR into flat per-thread code the explorer can step through: memory
// events stay as they are; registers become slots; `if` and bounded `while` become jumps. Running a
// thread between two memory events is deterministic, so the explorer only branches at events.

import type { Expr, Instr, Mode, Program, RmwOp } from './ir';

export type Eval = (regs: number[]) => number;

/** A memory event of a thread, with everything the explorer needs precomputed. */
export interface EventOp {
  k: 'ev';
  kind: 'load' | 'store' | 'rmw' | 'cas' | 'update' | 'fence';
  /** Location index (−1 for fences). */
  loc: number;
  /** Mode of a load/store/fence; success mode of RMW-like ops. */
  mo: Mode;
  /** Failure mode of cas/update (read only). */
  fail: Mode;
  /** Value to store / operand of rmw / desired of cas. */
  val?: Eval;
  expected?: Eval;
  op?: RmwOp;
  /** For update: whether the write happens (old value already in regs[oldSlot]) and what it writes. */
  guard?: Eval;
  next?: Eval;
  oldSlot: number;
  okSlot: number;
  weak: boolean;
  /** Identifies the instruction across executions (for grouping races). */
  pc: number;
  label: string;
  site?: number;
  line?: number;
}

export type Op =
  | EventOp
  | { k: 'let'; slot: number; val: Eval }
  | { k: 'jz'; cond: Eval; target: number }   // jump when cond evaluates to 0
  | { k: 'jmp'; target: number }
  | { k: 'assume'; cond: Eval };

export interface ThreadCode {
  name: string;
  ops: Op[];
  regNames: string[];
  /** mayWrite[pc]: bitmask of locations some event at or after pc may write (for pruning). */
  mayWrite: number[];
}

export interface Compiled {
  program: Program;
  locNames: string[];
  locIndex: Map<string, number>;
  threads: ThreadCode[];
  hasSc: boolean;
  hasNonAtomic: boolean;
}

export class ProgramError extends Error {}

export function evalExpr(e: Expr, regs: (name: string) => number): number {
  switch (e.k) {
    case 'const': return e.v;
    case 'reg': return regs(e.r);
    case 'not': return evalExpr(e.a, regs) === 0 ? 1 : 0;
    case 'bin': return applyBin(e.op, evalExpr(e.a, regs), evalExpr(e.b, regs));
  }
}

function applyBin(op: string, a: number, b: number): number {
  switch (op) {
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
  throw new ProgramError(`unknown operator ${op}`);
}

export function applyRmw(op: RmwOp, old: number, v: number): number {
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

const VALID_LOAD: Mode[] = ['na', 'rlx', 'acq', 'sc'];
const VALID_STORE: Mode[] = ['na', 'rlx', 'rel', 'sc'];
const VALID_RMW: Mode[] = ['rlx', 'acq', 'rel', 'acq_rel', 'sc'];
const VALID_FAIL: Mode[] = ['rlx', 'acq', 'sc'];
const VALID_FENCE: Mode[] = ['acq', 'rel', 'acq_rel', 'sc'];

export function compile(program: Program): Compiled {
  const locNames = program.locations.map(l => l.name);
  const locIndex = new Map<string, number>();
  program.locations.forEach((l, i) => {
    if (locIndex.has(l.name)) throw new ProgramError(`location ${l.name} declared twice`);
    locIndex.set(l.name, i);
  });
  if (locNames.length > 30) throw new ProgramError('at most 30 locations are supported');
  let pcCounter = 0;
  let hasSc = false;
  let hasNonAtomic = false;
  const threads = program.threads.map((t, ti) => {
    const regIndex = new Map<string, number>();
    const regNames: string[] = [];
    const slot = (name: string): number => {
      let s = regIndex.get(name);
      if (s === undefined) { s = regNames.length; regNames.push(name); regIndex.set(name, s); }
      return s;
    };
    const ex = (e: Expr): Eval => compileExpr(e, slot);
    const ops: Op[] = [];
    const locOf = (name: string): number => {
      const i = locIndex.get(name);
      if (i === undefined) throw new ProgramError(`thread ${t.name}: unknown location ${name}`);
      return i;
    };
    const check = (what: string, m: Mode, valid: Mode[], loc: number | undefined): void => {
      if (!valid.includes(m)) throw new ProgramError(`thread ${t.name}: ${what} cannot have mode ${m}`);
      if (loc !== undefined) {
        const atomic = program.locations[loc].atomic;
        if (atomic && m === 'na') throw new ProgramError(`thread ${t.name}: non-atomic ${what} of atomic location ${locNames[loc]}`);
        if (!atomic && m !== 'na') throw new ProgramError(`thread ${t.name}: atomic ${what} of non-atomic location ${locNames[loc]}`);
        if (m === 'na') hasNonAtomic = true;
      }
      if (m === 'sc') hasSc = true;
    };
    const ev = (i: Instr, partial: Omit<EventOp, 'k' | 'pc' | 'label' | 'site' | 'line' | 'oldSlot' | 'okSlot' | 'weak' | 'fail'> & Partial<EventOp>): EventOp => ({
      k: 'ev', oldSlot: -1, okSlot: -1, weak: false, fail: partial.mo, ...partial,
      pc: pcCounter++, label: i.label ?? describe(i), site: i.site, line: i.line,
    });
    const emit = (body: Instr[]): void => {
      for (const i of body) {
        switch (i.k) {
          case 'load': { const loc = locOf(i.loc); check('load', i.mo, VALID_LOAD, loc); ops.push(ev(i, { kind: 'load', loc, mo: i.mo, oldSlot: i.reg ? slot(i.reg) : -1 })); break; }
          case 'store': { const loc = locOf(i.loc); check('store', i.mo, VALID_STORE, loc); ops.push(ev(i, { kind: 'store', loc, mo: i.mo, val: ex(i.val) })); break; }
          case 'rmw': { const loc = locOf(i.loc); check('read-modify-write', i.mo, VALID_RMW, loc); ops.push(ev(i, { kind: 'rmw', loc, mo: i.mo, op: i.op, val: ex(i.val), oldSlot: i.reg ? slot(i.reg) : -1 })); break; }
          case 'cas': {
            const loc = locOf(i.loc); check('compare-exchange', i.succ, VALID_RMW, loc); check('compare-exchange failure', i.fail, VALID_FAIL, loc);
            ops.push(ev(i, { kind: 'cas', loc, mo: i.succ, fail: i.fail, expected: ex(i.expected), val: ex(i.desired), oldSlot: i.reg ? slot(i.reg) : -1, okSlot: i.okReg ? slot(i.okReg) : -1, weak: !!i.weak }));
            break;
          }
          case 'update': {
            const loc = locOf(i.loc); check('update', i.succ, VALID_RMW, loc); check('update failure', i.fail, VALID_FAIL, loc);
            ops.push(ev(i, { kind: 'update', loc, mo: i.succ, fail: i.fail, guard: i.guard ? ex(i.guard) : undefined, next: ex(i.next), oldSlot: slot(i.oldReg), okSlot: i.okReg ? slot(i.okReg) : -1 }));
            break;
          }
          case 'fence': check('fence', i.mo, VALID_FENCE, undefined); ops.push(ev(i, { kind: 'fence', loc: -1, mo: i.mo })); break;
          case 'let': ops.push({ k: 'let', slot: slot(i.reg), val: ex(i.val) }); break;
          case 'assume': ops.push({ k: 'assume', cond: ex(i.cond) }); break;
          case 'if': {
            const jz: Op = { k: 'jz', cond: ex(i.cond), target: -1 };
            ops.push(jz);
            emit(i.then);
            if (i.else.length > 0) {
              const jmp: Op = { k: 'jmp', target: -1 };
              ops.push(jmp);
              jz.target = ops.length;
              emit(i.else);
              jmp.target = ops.length;
            } else jz.target = ops.length;
            break;
          }
          case 'while': {
            if (!(i.bound >= 0 && i.bound <= 64)) throw new ProgramError(`thread ${t.name}: loop bound must be between 0 and 64`);
            // counter = 0; L: if !cond goto END; assume(counter < bound); counter++; body; goto L; END:
            const counter = slot(`$loop${ops.length}`);
            ops.push({ k: 'let', slot: counter, val: () => 0 });
            const head = ops.length;
            const jz: Op = { k: 'jz', cond: ex(i.cond), target: -1 };
            ops.push(jz);
            ops.push({ k: 'assume', cond: regs => (regs[counter] < i.bound ? 1 : 0) });
            ops.push({ k: 'let', slot: counter, val: regs => regs[counter] + 1 });
            emit(i.body);
            ops.push({ k: 'jmp', target: head });
            jz.target = ops.length;
            break;
          }
          default: throw new ProgramError(`unsupported instruction ${(i as { k: string }).k}`);
        }
      }
    };
    emit(t.body);
    if (ti >= 31) throw new ProgramError('at most 31 threads are supported');
    return { name: t.name, ops, regNames, mayWrite: mayWriteFrom(ops) };
  });
  return { program, locNames, locIndex, threads, hasSc, hasNonAtomic };
}

/** Backward fixpoint over the flat code: which locations may still be written from each pc. */
function mayWriteFrom(ops: Op[]): number[] {
  const n = ops.length;
  const may = new Array<number>(n + 1).fill(0);
  let changed = true;
  while (changed) {
    changed = false;
    for (let pc = n - 1; pc >= 0; pc--) {
      const op = ops[pc];
      let m = 0;
      switch (op.k) {
        case 'jmp': m = may[op.target]; break;
        case 'jz': m = may[pc + 1] | may[op.target]; break;
        case 'ev': m = may[pc + 1] | (op.kind !== 'load' && op.kind !== 'fence' ? 1 << op.loc : 0); break;
        default: m = may[pc + 1];
      }
      if (m !== may[pc]) { may[pc] = m; changed = true; }
    }
  }
  return may;
}

function compileExpr(e: Expr, slot: (name: string) => number): Eval {
  switch (e.k) {
    case 'const': { const v = e.v; return () => v; }
    case 'reg': { const s = slot(e.r); return regs => regs[s] ?? 0; }
    case 'not': { const a = compileExpr(e.a, slot); return regs => (a(regs) === 0 ? 1 : 0); }
    case 'bin': {
      const a = compileExpr(e.a, slot), b = compileExpr(e.b, slot), op = e.op;
      return regs => applyBin(op, a(regs), b(regs));
    }
  }
}

export function describeExpr(e: Expr): string {
  switch (e.k) {
    case 'const': return String(e.v);
    case 'reg': return e.r;
    case 'not': return `!${describeExpr(e.a)}`;
    case 'bin': return `(${describeExpr(e.a)} ${e.op} ${describeExpr(e.b)})`;
  }
}

/** A compact, language-neutral rendering of an instruction, used when it has no label. */
export function describe(i: Instr): string {
  switch (i.k) {
    case 'load': return `${i.reg ? i.reg + ' = ' : ''}load(${i.loc}, ${i.mo})`;
    case 'store': return `store(${i.loc}, ${describeExpr(i.val)}, ${i.mo})`;
    case 'rmw': return `${i.reg ? i.reg + ' = ' : ''}fetch_${i.op}(${i.loc}, ${describeExpr(i.val)}, ${i.mo})`;
    case 'cas': return `${i.okReg ? i.okReg + ' = ' : ''}cas${i.weak ? '_weak' : ''}(${i.loc}, ${describeExpr(i.expected)} -> ${describeExpr(i.desired)}, ${i.succ}, ${i.fail})`;
    case 'update': return `${i.oldReg} = update(${i.loc}, ${i.guard ? describeExpr(i.guard) + ' ? ' : ''}${describeExpr(i.next)}, ${i.succ}, ${i.fail})`;
    case 'fence': return `fence(${i.mo})`;
    case 'let': return `${i.reg} = ${describeExpr(i.val)}`;
    case 'assume': return `assume(${describeExpr(i.cond)})`;
    case 'if': return `if ${describeExpr(i.cond)}`;
    case 'while': return `while ${describeExpr(i.cond)}`;
  }
}
