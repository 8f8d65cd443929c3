// The kernel primitives a kernel-dialect litmus test may call, and what each one is in the engine's
// IR (the LKMM contract at the top of memory/ir.ts). The parser reads the arguments in the shape a
// primitive declares and hands them here; nothing in this file sees tokens.
//
// Mode words follow the kernel's naming: no suffix on a value-returning RMW is "fully ordered"
// ('sc' in the IR), `_relaxed` / `_acquire` / `_release` are 'rlx' / 'acq' / 'rel', and a void
// atomic (atomic_inc) is an unordered RMW tagged `noreturn`.

import type { BinOp, Expr, Instr, KernelFence, Mode, RmwOp } from '../memory/ir';

/** Where an access goes: a named location, or the address a pointer register holds. */
export interface Target {
  /** The location's name, or the display text of the dereference (`*r0`). */
  loc: string;
  addr?: Expr;
}

/**
 * How an argument is written: `ptr` is the pointer itself (`smp_load_acquire(x)`), `lval` the
 * dereferenced pointer (`READ_ONCE(*x)`), `val` an integer expression (may be a location's address).
 */
export type ArgShape = 'ptr' | 'lval' | 'val';

export interface Lowering {
  instrs: Instr[];
  /** The call's value, for primitives that return one. */
  value?: Expr;
}

/** Hands out fresh registers the engine hides from final states (their names start with `$`). */
export type Fresh = (hint: string) => string;

export interface Primitive {
  args: ArgShape[];
  /** Whether the call has a value (it may then appear in an expression or an assignment). */
  returns: boolean;
  lower(targets: Target[], vals: Expr[], fresh: Fresh): Lowering;
}

const c = (v: number): Expr => ({ k: 'const', v });
const reg = (r: string): Expr => ({ k: 'reg', r });
const bin = (op: BinOp, a: Expr, b: Expr): Expr => ({ k: 'bin', op, a, b });
const at = (t: Target): { loc: string; addr?: Expr } => (t.addr ? { loc: t.loc, addr: t.addr } : { loc: t.loc });

function load(mo: Mode, then?: (v: Expr) => Expr): Primitive {
  return {
    args: ['ptr'], returns: true,
    lower([t], _v, fresh) {
      const r = fresh('r');
      return { instrs: [{ k: 'load', reg: r, ...at(t), mo }], value: then ? then(reg(r)) : reg(r) };
    },
  };
}

function store(mo: Mode, shape: 'ptr' | 'lval', after?: KernelFence): Primitive {
  return {
    args: [shape, 'val'], returns: false,
    lower([t], [v]) {
      const instrs: Instr[] = [{ k: 'store', ...at(t), val: v, mo }];
      if (after) instrs.push({ k: 'fence', mo: 'sc', kernel: after });
      return { instrs };
    },
  };
}

function fence(kernel: KernelFence): Primitive {
  return { args: [], returns: false, lower: () => ({ instrs: [{ k: 'fence', mo: 'sc', kernel }] }) };
}

/**
 * An RMW `op` with operand `operand` (from the arguments), whose value is `result(old)`; `noreturn`
 * for the void forms. Kernel argument order puts the operand first: atomic_add(i, v).
 */
function rmw(op: RmwOp, mo: Mode, opts: { operand?: number; noreturn?: boolean; result?: (old: Expr, operand: Expr) => Expr }): Primitive {
  const fixed = opts.operand;
  return {
    args: fixed === undefined ? ['val', 'ptr'] : ['ptr'],
    returns: !opts.noreturn,
    lower(targets, vals, fresh) {
      const operand = fixed === undefined ? vals[0] : c(fixed);
      const t = targets[0];
      if (opts.noreturn) return { instrs: [{ k: 'rmw', ...at(t), op, val: operand, mo, noreturn: true }] };
      const old = fresh('old');
      return { instrs: [{ k: 'rmw', reg: old, ...at(t), op, val: operand, mo }], value: opts.result ? opts.result(reg(old), operand) : reg(old) };
    },
  };
}

/** xchg(p, v) and atomic_xchg(v, i): the pointer comes first. */
function xchg(mo: Mode): Primitive {
  return {
    args: ['ptr', 'val'], returns: true,
    lower([t], [v], fresh) {
      const old = fresh('old');
      return { instrs: [{ k: 'rmw', reg: old, ...at(t), op: 'xchg', val: v, mo }], value: reg(old) };
    },
  };
}

/** cmpxchg(p, old, new): the value is what p held; a failed compare is an unordered read. */
function cmpxchg(mo: Mode): Primitive {
  return {
    args: ['ptr', 'val', 'val'], returns: true,
    lower([t], [expected, desired], fresh) {
      const old = fresh('old');
      return { instrs: [{ k: 'cas', reg: old, ...at(t), expected, desired, succ: mo, fail: 'rlx' }], value: reg(old) };
    },
  };
}

/**
 * atomic_add_unless(v, a, u) and friends: add `a` unless the value is `u`. A guarded RMW; `value`
 * picks what the call returns (whether it added, or the old value).
 */
function addUnless(fixed: { a?: number; u?: number }, value: 'ok' | 'old'): Primitive {
  const args: ArgShape[] = ['ptr'];
  if (fixed.a === undefined) args.push('val');
  if (fixed.u === undefined) args.push('val');
  return {
    args, returns: true,
    lower(targets, vals, fresh) {
      const t = targets[0];
      if (t.addr) throw new Unsupported('a conditional atomic through a pointer register is not supported; name the location parameter');
      let k = 0;
      const a = fixed.a === undefined ? vals[k++] : c(fixed.a);
      const u = fixed.u === undefined ? vals[k++] : c(fixed.u);
      const old = fresh('old');
      const ok = fresh('ok');
      return {
        instrs: [{ k: 'update', oldReg: old, okReg: ok, loc: t.loc, guard: bin('!=', reg(old), u), next: bin('+', reg(old), a), succ: 'sc', fail: 'rlx' }],
        value: value === 'ok' ? reg(ok) : reg(old),
      };
    },
  };
}

/** A primitive the reader knows but the engine does not model: rejected with this reason. */
export class Unsupported extends Error {}

const SUFFIX_MODES: [string, Mode][] = [['', 'sc'], ['_relaxed', 'rlx'], ['_acquire', 'acq'], ['_release', 'rel']];
const ARITH: [string, RmwOp][] = [['add', 'add'], ['sub', 'sub']];
const BITS: [string, RmwOp][] = [['and', 'and'], ['or', 'or'], ['xor', 'xor']];
/** atomic_t, atomic64_t and atomic_long_t have the same operations under their own prefixes. */
const ATOMIC_PREFIXES = ['atomic', 'atomic64', 'atomic_long'];

function buildTable(): Map<string, Primitive> {
  const t = new Map<string, Primitive>();
  t.set('READ_ONCE', { ...load('rlx'), args: ['lval'] });
  t.set('WRITE_ONCE', store('rlx', 'lval'));
  t.set('smp_load_acquire', load('acq'));
  t.set('smp_store_release', store('rel', 'ptr'));
  t.set('smp_store_mb', store('rlx', 'lval', 'mb'));
  t.set('rcu_dereference', { ...load('rlx'), args: ['lval'] });
  t.set('rcu_assign_pointer', store('rel', 'lval'));
  const fences: [string, KernelFence][] = [
    ['smp_mb', 'mb'], ['smp_rmb', 'rmb'], ['smp_wmb', 'wmb'],
    ['smp_mb__before_atomic', 'before_atomic'], ['smp_mb__after_atomic', 'after_atomic'],
    ['smp_mb__after_spinlock', 'after_spinlock'], ['smp_mb__after_unlock_lock', 'after_unlock_lock'],
    ['rcu_read_lock', 'rcu_read_lock'], ['rcu_read_unlock', 'rcu_read_unlock'],
    ['synchronize_rcu', 'synchronize_rcu'], ['synchronize_rcu_expedited', 'synchronize_rcu'],
  ];
  for (const [name, k] of fences) t.set(name, fence(k));

  for (const p of ATOMIC_PREFIXES) {
    t.set(`${p}_read`, load('rlx'));
    t.set(`${p}_read_acquire`, load('acq'));
    t.set(`${p}_set`, store('rlx', 'ptr'));
    t.set(`${p}_set_release`, store('rel', 'ptr'));
    for (const [word, op] of [...ARITH, ...BITS]) t.set(`${p}_${word}`, rmw(op, 'rlx', { noreturn: true }));
    t.set(`${p}_inc`, rmw('add', 'rlx', { operand: 1, noreturn: true }));
    t.set(`${p}_dec`, rmw('sub', 'rlx', { operand: 1, noreturn: true }));
    for (const [suffix, mo] of SUFFIX_MODES) {
      for (const [word, op] of ARITH) {
        t.set(`${p}_${word}_return${suffix}`, rmw(op, mo, { result: (old, v) => bin(op === 'add' ? '+' : '-', old, v) }));
      }
      t.set(`${p}_inc_return${suffix}`, rmw('add', mo, { operand: 1, result: old => bin('+', old, c(1)) }));
      t.set(`${p}_dec_return${suffix}`, rmw('sub', mo, { operand: 1, result: old => bin('-', old, c(1)) }));
      for (const [word, op] of [...ARITH, ...BITS]) t.set(`${p}_fetch_${word}${suffix}`, rmw(op, mo, {}));
      t.set(`${p}_fetch_inc${suffix}`, rmw('add', mo, { operand: 1 }));
      t.set(`${p}_fetch_dec${suffix}`, rmw('sub', mo, { operand: 1 }));
      t.set(`${p}_xchg${suffix}`, xchg(mo));
      t.set(`${p}_cmpxchg${suffix}`, cmpxchg(mo));
    }
    // The test-and-return forms are fully ordered and say something about the new value.
    t.set(`${p}_sub_and_test`, rmw('sub', 'sc', { result: (old, v) => bin('==', bin('-', old, v), c(0)) }));
    t.set(`${p}_dec_and_test`, rmw('sub', 'sc', { operand: 1, result: old => bin('==', old, c(1)) }));
    t.set(`${p}_inc_and_test`, rmw('add', 'sc', { operand: 1, result: old => bin('==', old, c(-1)) }));
    t.set(`${p}_add_negative`, rmw('add', 'sc', { result: (old, v) => bin('<', bin('+', old, v), c(0)) }));
    t.set(`${p}_add_unless`, addUnless({}, 'ok'));
    t.set(`${p}_fetch_add_unless`, addUnless({}, 'old'));
    t.set(`${p}_inc_not_zero`, addUnless({ a: 1, u: 0 }, 'ok'));
  }
  for (const [suffix, mo] of SUFFIX_MODES) {
    t.set(`xchg${suffix}`, xchg(mo));
    t.set(`cmpxchg${suffix}`, cmpxchg(mo));
  }

  t.set('spin_lock', {
    args: ['ptr'], returns: false,
    lower: ([s]) => ({ instrs: [{ k: 'cas', ...at(s), expected: c(0), desired: c(1), succ: 'acq', fail: 'rlx', lock: 'lock' }] }),
  });
  t.set('spin_unlock', {
    args: ['ptr'], returns: false,
    lower: ([s]) => ({ instrs: [{ k: 'store', ...at(s), val: c(0), mo: 'rel', lock: 'unlock' }] }),
  });
  t.set('spin_trylock', {
    args: ['ptr'], returns: true,
    lower([s], _v, fresh) {
      const ok = fresh('ok');
      return { instrs: [{ k: 'cas', okReg: ok, ...at(s), expected: c(0), desired: c(1), succ: 'acq', fail: 'rlx', lock: 'trylock' }], value: reg(ok) };
    },
  });
  // Whether the lock word is held: a marked read of it.
  t.set('spin_is_locked', load('rlx', v => bin('!=', v, c(0))));
  return t;
}

export const KERNEL_PRIMITIVES: ReadonlyMap<string, Primitive> = buildTable();

/** Kernel calls the reader recognises and rejects, with why (the list the reader documents). */
export function unsupportedReason(name: string): string | undefined {
  if (/^(srcu_|synchronize_srcu|init_srcu)/.test(name)) return `'${name}': SRCU is not modelled; only rcu_read_lock/rcu_read_unlock/synchronize_rcu are`;
  if (/^(raw_)?spin_(lock|unlock|trylock)_(irq|bh|irqsave|irqrestore)/.test(name) || /^raw_spin_/.test(name)) return `'${name}' is not supported; use spin_lock/spin_unlock/spin_trylock`;
  if (/^(read|write)_(lock|unlock|trylock)$/.test(name) || /^(mutex|down|up)_/.test(name)) return `'${name}': only spinlocks are modelled`;
  if (/try_cmpxchg/.test(name)) return `'${name}' is not supported; write it as cmpxchg() and compare the old value`;
  if (/andnot/.test(name)) return `'${name}' is not supported (the engine has no and-not operation)`;
  if (/^smp_cond_load/.test(name)) return `'${name}' is not supported (litmus threads have no loops)`;
  if (name === 'barrier') return "'barrier()' is not supported (a compiler barrier has no LKMM event)";
  if (/^(call_rcu|rcu_barrier|rcu_read_lock_bh|rcu_read_unlock_bh|rcu_read_lock_sched|rcu_read_unlock_sched|rcu_access_pointer|rcu_dereference_\w+|rcu_pointer_handoff)$/.test(name)) return `'${name}' is not supported; of RCU only rcu_read_lock, rcu_read_unlock, rcu_dereference, rcu_assign_pointer and synchronize_rcu are`;
  if (/^atomic(64|_long)?_/.test(name)) return `unsupported kernel atomic '${name}'`;
  return undefined;
}

/** Identifiers that make a litmus test a kernel one (used to pick the dialect). */
export function isKernelWord(name: string): boolean {
  return KERNEL_PRIMITIVES.has(name) || (unsupportedReason(name) !== undefined && !/^atomic_/.test(name))
    || ['atomic_t', 'atomic64_t', 'atomic_long_t', 'spinlock_t', 'ATOMIC_INIT'].includes(name);
}

/** Identifiers that make a litmus test a C11 one. */
export function isC11Word(name: string): boolean {
  return name === 'atomic_int' || name === '_Atomic' || name === 'atomic_thread_fence' || name.startsWith('memory_order_')
    || /^atomic_(load|store|exchange|compare_exchange_(strong|weak)|fetch_(add|sub|and|or|xor))_explicit$/.test(name)
    || /^atomic_(load|store|exchange|compare_exchange_(strong|weak))$/.test(name);
}

/** Parameter and declaration types of the kernel dialect (all hold integers or addresses). */
export const KERNEL_TYPES = new Set(['int', 'long', 'unsigned', 'short', 'char', 'bool', 'u8', 'u16', 'u32', 'u64', 's32', 's64', 'atomic_t', 'atomic64_t', 'atomic_long_t', 'spinlock_t']);
