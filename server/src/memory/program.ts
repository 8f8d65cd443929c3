// Compiles the structured IR into flat per-thread code the explorer can step through: memory
// events stay as they are; registers become slots; `if` and bounded `while` become jumps. Running a
// thread between two memory events is deterministic, so the explorer only branches at events.

import type { BinOp, Expr, Instr, KernelFence, LockRole, ModelName, Mode, Program, RmwOp } from './ir';

export type Eval = (regs: number[]) => number;

/** A memory event of a thread, with everything the explorer needs precomputed. */
export interface EventOp {
  k: 'ev';
  kind: 'load' | 'store' | 'rmw' | 'cas' | 'update' | 'fence';
  /** Location index (−1 for fences and for accesses through `addr`). */
  loc: number;
  /** lkmm: the address the access goes to, when it is computed from registers. */
  addr?: Eval;
  /** Register slots each computed part reads (the sources of address and data dependencies). */
  addrRegs: number[];
  valRegs: number[];
  /** lkmm: a void kernel atomic (its read is tagged noreturn). */
  noreturn: boolean;
  /** lkmm: which kernel barrier a fence is. */
  kernel?: KernelFence;
  lock?: LockRole;
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
  | { k: 'let'; slot: number; val: Eval; regs: number[] }
  | { k: 'jz'; cond: Eval; target: number; regs: number[] }   // jump when cond evaluates to 0
  | { k: 'jmp'; target: number }
  | { k: 'assume'; cond: Eval; regs: number[] };

export interface ThreadCode {
  name: string;
  ops: Op[];
  regNames: string[];
  /** mayWrite[pc]: bitmask of locations some event at or after pc may write (for pruning). */
  mayWrite: number[];
}

export interface Compiled {
  program: Program;
  model: ModelName;
  locNames: string[];
  locIndex: Map<string, number>;
  threads: ThreadCode[];
  hasSc: boolean;
  hasNonAtomic: boolean;
}

export class ProgramError extends Error {}

/**
 * The nodes of an expression, operands before operators (left before right). The litmus reader
 * limits nesting, but programs built in code need not be: walks over expressions use this, or an
 * explicit stack of their own, rather than recursing once per level.
 */
function postorder(e: Expr): Expr[] {
  const out: Expr[] = [];
  const stack: [Expr, boolean][] = [[e, false]];
  while (stack.length > 0) {
    const [x, opened] = stack.pop()!;
    if (opened || x.k === 'const' || x.k === 'reg') { out.push(x); continue; }
    stack.push([x, true]);
    if (x.k === 'bin') stack.push([x.b, false], [x.a, false]);
    else stack.push([x.a, false]);
  }
  return out;
}

/** Folds an expression bottom-up with a value stack. */
function foldExpr<T>(e: Expr, leaf: (x: Expr & { k: 'const' | 'reg' }) => T, not: (a: T) => T, bin: (op: BinOp, a: T, b: T) => T): T {
  const vals: T[] = [];
  for (const x of postorder(e)) {
    switch (x.k) {
      case 'const': case 'reg': vals.push(leaf(x)); break;
      case 'not': vals.push(not(vals.pop()!)); break;
      case 'bin': { const b = vals.pop()!; const a = vals.pop()!; vals.push(bin(x.op, a, b)); break; }
    }
  }
  return vals[0];
}

export function evalExpr(e: Expr, regs: (name: string) => number): number {
  return foldExpr(e, x => (x.k === 'const' ? x.v : regs(x.r)), a => (a === 0 ? 1 : 0), applyBin);
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
// Kernel modes (see the contract in ir.ts): 'sc' on an RMW is the fully ordered variant.
const LK_LOAD: Mode[] = ['na', 'rlx', 'acq'];
const LK_STORE: Mode[] = ['na', 'rlx', 'rel'];
const LK_RMW: Mode[] = ['rlx', 'acq', 'rel', 'sc'];

export function compile(program: Program, model: ModelName = 'rc11'): Compiled {
  const lk = model === 'lkmm';
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
      if (!valid.includes(m)) throw new ProgramError(`thread ${t.name}: ${what} cannot have mode ${m}${lk ? ' under the Linux kernel memory model' : ''}`);
      if (lk) { if (m === 'na') hasNonAtomic = true; return; }
      if (loc !== undefined) {
        // A mixed location takes any mode: atomicity is then decided per access.
        const { atomic, mixed } = program.locations[loc];
        if (!mixed && atomic && m === 'na') throw new ProgramError(`thread ${t.name}: non-atomic ${what} of atomic location ${locNames[loc]}`);
        if (!mixed && !atomic && m !== 'na') throw new ProgramError(`thread ${t.name}: atomic ${what} of non-atomic location ${locNames[loc]}`);
        if (m === 'na') hasNonAtomic = true;
      }
      if (m === 'sc') hasSc = true;
    };
    const regsOf = (e: Expr | undefined): number[] => (e ? readRegs(e, slot) : []);
    /** Resolves an access's location: static, or (lkmm) computed from `addr`. */
    const target = (i: { loc: string; addr?: Expr }): { loc: number; addr?: Eval; addrRegs: number[] } => {
      if (!i.addr) return { loc: locOf(i.loc), addrRegs: [] };
      if (!lk) throw new ProgramError(`thread ${t.name}: accesses through a pointer (${i.loc}) need the Linux kernel memory model`);
      return { loc: -1, addr: ex(i.addr), addrRegs: regsOf(i.addr) };
    };
    const ev = (i: Instr, partial: Omit<EventOp, 'k' | 'pc' | 'label' | 'site' | 'line' | 'oldSlot' | 'okSlot' | 'weak' | 'fail' | 'addrRegs' | 'valRegs' | 'noreturn'> & Partial<EventOp>): EventOp => ({
      k: 'ev', oldSlot: -1, okSlot: -1, weak: false, fail: partial.mo, addrRegs: [], valRegs: [], noreturn: false, ...partial,
      pc: pcCounter++, label: i.label ?? describe(i), site: i.site, line: i.line,
    });
    // Statement lists still to emit, and fix-ups to run once what precedes them is emitted, on an
    // explicit stack (the next on top): nested if/while in a program built in code can be deeper
    // than the call stack.
    const work: ({ list: Instr[]; next: number } | (() => void))[] = [];
    const block = (list: Instr[]) => ({ list, next: 0 });
    const emit = (body: Instr[]): void => {
      work.push(block(body));
      while (work.length > 0) {
        const top = work[work.length - 1];
        if (typeof top === 'function') { work.pop(); top(); continue; }
        if (top.next === top.list.length) { work.pop(); continue; }
        const i = top.list[top.next++];
        switch (i.k) {
          case 'load': {
            const tg = target(i); check('load', i.mo, lk ? LK_LOAD : VALID_LOAD, tg.loc < 0 ? undefined : tg.loc);
            ops.push(ev(i, { kind: 'load', ...tg, mo: i.mo, oldSlot: i.reg ? slot(i.reg) : -1 }));
            break;
          }
          case 'store': {
            const tg = target(i); check('store', i.mo, lk ? LK_STORE : VALID_STORE, tg.loc < 0 ? undefined : tg.loc);
            if (i.lock && i.mo !== 'rel') throw new ProgramError(`thread ${t.name}: spin_unlock must be a release store`);
            ops.push(ev(i, { kind: 'store', ...tg, mo: i.mo, val: ex(i.val), valRegs: regsOf(i.val), lock: i.lock }));
            break;
          }
          case 'rmw': {
            const tg = target(i); check('read-modify-write', i.mo, lk ? LK_RMW : VALID_RMW, tg.loc < 0 ? undefined : tg.loc);
            if (i.noreturn && lk && i.mo !== 'rlx') throw new ProgramError(`thread ${t.name}: a void kernel atomic is unordered (mode rlx)`);
            ops.push(ev(i, { kind: 'rmw', ...tg, mo: i.mo, op: i.op, val: ex(i.val), valRegs: regsOf(i.val), oldSlot: i.reg ? slot(i.reg) : -1, noreturn: !!i.noreturn && lk }));
            break;
          }
          case 'cas': {
            const tg = target(i); const l = tg.loc < 0 ? undefined : tg.loc;
            check('compare-exchange', i.succ, lk ? LK_RMW : VALID_RMW, l);
            if (!lk) check('compare-exchange failure', i.fail, VALID_FAIL, l);
            let okSlot = i.okReg ? slot(i.okReg) : -1;
            if (i.lock === 'lock' && okSlot < 0) okSlot = slot(`$lock${ops.length}`);
            ops.push(ev(i, { kind: 'cas', ...tg, mo: i.succ, fail: lk ? 'rlx' : i.fail, expected: ex(i.expected), val: ex(i.desired), valRegs: regsOf(i.desired), oldSlot: i.reg ? slot(i.reg) : -1, okSlot, weak: !!i.weak && !lk, lock: i.lock }));
            // spin_lock: an execution in which the lock is never free does not finish.
            if (i.lock === 'lock') { const s0 = okSlot; ops.push({ k: 'assume', cond: regs => regs[s0], regs: [] }); }
            break;
          }
          case 'update': {
            const loc = locOf(i.loc); check('update', i.succ, lk ? LK_RMW : VALID_RMW, loc);
            if (!lk) check('update failure', i.fail, VALID_FAIL, loc);
            ops.push(ev(i, { kind: 'update', loc, mo: i.succ, fail: lk ? 'rlx' : i.fail, guard: i.guard ? ex(i.guard) : undefined, next: ex(i.next), valRegs: regsOf(i.next).filter(x => x !== slot(i.oldReg)), oldSlot: slot(i.oldReg), okSlot: i.okReg ? slot(i.okReg) : -1 }));
            break;
          }
          case 'fence': {
            if (lk) {
              if (!i.kernel) throw new ProgramError(`thread ${t.name}: C11 fence(${i.mo}) under the Linux kernel memory model; use a kernel barrier such as smp_mb()`);
              ops.push(ev(i, { kind: 'fence', loc: -1, mo: 'sc', kernel: i.kernel }));
            } else {
              if (i.kernel) throw new ProgramError(`thread ${t.name}: kernel barrier ${i.kernel} needs the Linux kernel memory model`);
              check('fence', i.mo, VALID_FENCE, undefined); ops.push(ev(i, { kind: 'fence', loc: -1, mo: i.mo }));
            }
            break;
          }
          case 'let': ops.push({ k: 'let', slot: slot(i.reg), val: ex(i.val), regs: regsOf(i.val) }); break;
          case 'assume': ops.push({ k: 'assume', cond: ex(i.cond), regs: regsOf(i.cond) }); break;
          case 'if': {
            const jz: Op = { k: 'jz', cond: ex(i.cond), target: -1, regs: regsOf(i.cond) };
            ops.push(jz);
            // then; [jmp END; ELSE: else;] END:
            if (i.else.length > 0) {
              const jmp: Op = { k: 'jmp', target: -1 };
              work.push(() => { jmp.target = ops.length; }, block(i.else), () => { ops.push(jmp); jz.target = ops.length; });
            } else work.push(() => { jz.target = ops.length; });
            work.push(block(i.then));
            break;
          }
          case 'while': {
            if (!(i.bound >= 0 && i.bound <= 64)) throw new ProgramError(`thread ${t.name}: loop bound must be between 0 and 64`);
            // counter = 0; L: if !cond goto END; assume(counter < bound); counter++; body; goto L; END:
            const counter = slot(`$loop${ops.length}`);
            ops.push({ k: 'let', slot: counter, val: () => 0, regs: [] });
            const head = ops.length;
            const jz: Op = { k: 'jz', cond: ex(i.cond), target: -1, regs: regsOf(i.cond) };
            ops.push(jz);
            ops.push({ k: 'assume', cond: regs => (regs[counter] < i.bound ? 1 : 0), regs: [] });
            ops.push({ k: 'let', slot: counter, val: regs => regs[counter] + 1, regs: [] });
            work.push(() => { ops.push({ k: 'jmp', target: head }); jz.target = ops.length; }, block(i.body));
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
  return { program, model, locNames, locIndex, threads, hasSc, hasNonAtomic };
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
        case 'ev': m = may[pc + 1] | (op.kind !== 'load' && op.kind !== 'fence' ? (op.loc < 0 ? -1 : 1 << op.loc) : 0); break;
        default: m = may[pc + 1];
      }
      if (m !== may[pc]) { may[pc] = m; changed = true; }
    }
  }
  return may;
}

/** Register slots an expression reads (syntactically, as herd counts dependencies). */
function readRegs(e: Expr, slot: (name: string) => number): number[] {
  const out = new Set<number>();
  for (const x of postorder(e)) if (x.k === 'reg') out.add(slot(x.r));
  return [...out];
}

/** Expressions up to this deep compile to nested closures (the common, fast case); deeper ones run on a value stack. */
const CLOSURE_DEPTH = 64;

function compileExpr(e: Expr, slot: (name: string) => number): Eval {
  if (foldExpr(e, () => 1, a => a + 1, (_, a, b) => Math.max(a, b) + 1) <= CLOSURE_DEPTH) return closures(e, slot);
  // Operands before operators: a constant or register pushes a value, an operator replaces its operands.
  const code = postorder(e).map(x => (x.k === 'reg' ? { ...x, s: slot(x.r) } : x));
  return regs => {
    const vals: number[] = [];
    for (const x of code) {
      switch (x.k) {
        case 'const': vals.push(x.v); break;
        case 'reg': vals.push(regs[(x as { s: number }).s] ?? 0); break;
        case 'not': vals.push(vals.pop()! === 0 ? 1 : 0); break;
        case 'bin': { const b = vals.pop()!; const a = vals.pop()!; vals.push(applyBin(x.op, a, b)); break; }
      }
    }
    return vals[0];
  };
}

/** Nested closures; only for expressions at most CLOSURE_DEPTH deep, so the recursion is bounded. */
function closures(e: Expr, slot: (name: string) => number): Eval {
  switch (e.k) {
    case 'const': { const v = e.v; return () => v; }
    case 'reg': { const s = slot(e.r); return regs => regs[s] ?? 0; }
    case 'not': { const a = closures(e.a, slot); return regs => (a(regs) === 0 ? 1 : 0); }
    case 'bin': {
      const a = closures(e.a, slot), b = closures(e.b, slot), op = e.op;
      return regs => applyBin(op, a(regs), b(regs));
    }
  }
}

export function describeExpr(e: Expr): string {
  return foldExpr(e, x => (x.k === 'const' ? String(x.v) : x.r), a => `!${a}`, (op, a, b) => `(${a} ${op} ${b})`);
}

/** A compact, language-neutral rendering of an instruction, used when it has no label. */
export function describe(i: Instr): string {
  switch (i.k) {
    case 'load': return `${i.reg ? i.reg + ' = ' : ''}load(${i.loc}, ${i.mo})`;
    case 'store': return `store(${i.loc}, ${describeExpr(i.val)}, ${i.mo})`;
    case 'rmw': return `${i.reg ? i.reg + ' = ' : ''}fetch_${i.op}(${i.loc}, ${describeExpr(i.val)}, ${i.mo})`;
    case 'cas': return `${i.okReg ? i.okReg + ' = ' : ''}cas${i.weak ? '_weak' : ''}(${i.loc}, ${describeExpr(i.expected)} -> ${describeExpr(i.desired)}, ${i.succ}, ${i.fail})`;
    case 'update': return `${i.oldReg} = update(${i.loc}, ${i.guard ? describeExpr(i.guard) + ' ? ' : ''}${describeExpr(i.next)}, ${i.succ}, ${i.fail})`;
    case 'fence': return i.kernel ? KERNEL_FENCE_TEXT[i.kernel] : `fence(${i.mo})`;
    case 'let': return `${i.reg} = ${describeExpr(i.val)}`;
    case 'assume': return `assume(${describeExpr(i.cond)})`;
    case 'if': return `if ${describeExpr(i.cond)}`;
    case 'while': return `while ${describeExpr(i.cond)}`;
  }
}

const KERNEL_FENCE_TEXT: Record<KernelFence, string> = {
  mb: 'smp_mb()', rmb: 'smp_rmb()', wmb: 'smp_wmb()', before_atomic: 'smp_mb__before_atomic()', after_atomic: 'smp_mb__after_atomic()',
  after_spinlock: 'smp_mb__after_spinlock()', after_unlock_lock: 'smp_mb__after_unlock_lock()', rcu_read_lock: 'rcu_read_lock()',
  rcu_read_unlock: 'rcu_read_unlock()', synchronize_rcu: 'synchronize_rcu()',
};
