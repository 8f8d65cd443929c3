// The program IR the engine explores: small concurrent programs of straight-line threads with
// registers, branches, bounded loops and `assume`. Litmus files and Rust scenarios both compile to
// this; nothing here knows where a program came from except the optional `site`/`label`/`line`
// tags each instruction carries back to its source.
//
// The same IR is explored under one of two memory models (`ModelName`, chosen by the caller):
//
// rc11 (C11 / Rust std atomics): modes as named; `kernel`, `addr`, `noreturn`, `lock` are rejected.
//
// lkmm (Linux kernel memory model, tools/memory-model), contract for kernel programs:
//   load   mo 'na'  plain C read              | 'rlx' READ_ONCE / atomic_read / rcu_dereference
//          mo 'acq' smp_load_acquire / atomic_read_acquire
//   store  mo 'na'  plain C write             | 'rlx' WRITE_ONCE / atomic_set
//          mo 'rel' smp_store_release / atomic_set_release / rcu_assign_pointer
//   rmw    mo 'sc'  value-returning and fully ordered (atomic_add_return, atomic_fetch_add, xchg,
//                   atomic_dec_and_test, Rust kernel `Full`): as if smp_mb() stood right before and
//                   right after the access
//          mo 'rlx' / 'acq' / 'rel': the _relaxed / _acquire / _release variants
//          noreturn: true, mo 'rlx': void atomic_add / atomic_inc / atomic_dec ... (no ordering;
//                   its read is not ordered by smp_rmb)
//   cas    succ as for rmw (cmpxchg = 'sc', cmpxchg_relaxed = 'rlx', ...). A failed compare is a
//          READ_ONCE whatever `succ`/`fail` say (`fail` is ignored; write 'rlx'), though
//          smp_mb__before_atomic / __after_atomic still order it. `weak` is ignored.
//   update like cas (a guarded RMW); a failed guard is a READ_ONCE.
//   fence  `kernel` says which barrier (smp_mb, smp_rmb, smp_wmb, smp_mb__before_atomic, ...,
//          rcu_read_lock, rcu_read_unlock, synchronize_rcu); `mo` is not read (write 'sc').
//          C11 fences without `kernel` are rejected.
//   spin_lock(s)    = cas { loc: s, expected 0, desired 1, succ 'acq', fail 'rlx', lock: 'lock' };
//                     the engine discards executions in which it fails (the lock was never free).
//   spin_trylock(s) = the same with lock: 'trylock' and an okReg; failure is a read of the lock.
//   spin_unlock(s)  = store { loc: s, val 0, mo 'rel', lock: 'unlock' }.
//   Pointers: a location's address is the number `addressOf(program, name)`; initialise a pointer
//          location with it (`init`) or compare a register with it in a condition. An access with
//          `addr` goes to the location whose address `addr` evaluates to (`loc` is then only its
//          display text, e.g. '*r1'); `r1 = READ_ONCE(*x); r2 = READ_ONCE(*r1)` is
//          load{reg r1, loc x} then load{reg r2, loc '*r1', addr: r('r1')}.
//   Dependencies are not written down: the engine tracks them through registers. An `addr`
//          reading a register is an address dependency, a stored value (`val`, `desired`, rmw
//          operand) reading one is a data dependency, and every event after a branch (`if`,
//          `while`, `assume`) whose condition reads one is control dependent on it.
//   `LocationDecl.atomic` is not enforced under lkmm (kernel code mixes plain and marked accesses).
//   Modes 'acq_rel' and loads/stores with 'sc' are rejected under lkmm.

/** Which memory model explores a program. */
export type ModelName = 'rc11' | 'lkmm';

export const MODEL_NAMES: readonly ModelName[] = ['rc11', 'lkmm'];

/** Linux kernel barriers (the `kernel` tag of a fence; LKMM only). */
export type KernelFence =
  | 'mb'                // smp_mb()
  | 'rmb'               // smp_rmb()
  | 'wmb'               // smp_wmb()
  | 'before_atomic'     // smp_mb__before_atomic()
  | 'after_atomic'      // smp_mb__after_atomic()
  | 'after_spinlock'    // smp_mb__after_spinlock()
  | 'after_unlock_lock' // smp_mb__after_unlock_lock()
  | 'rcu_read_lock'     // rcu_read_lock()
  | 'rcu_read_unlock'   // rcu_read_unlock()
  | 'synchronize_rcu';  // synchronize_rcu() / synchronize_rcu_expedited()

export const KERNEL_FENCES: readonly KernelFence[] = ['mb', 'rmb', 'wmb', 'before_atomic', 'after_atomic', 'after_spinlock', 'after_unlock_lock', 'rcu_read_lock', 'rcu_read_unlock', 'synchronize_rcu'];

/** Spinlock role of a cas (lock, trylock) or store (unlock); see the contract above. */
export type LockRole = 'lock' | 'trylock' | 'unlock';

/** Addresses are plain numbers far above the small values programs compute with. */
export const ADDRESS_BASE = 0x100000;

/** The address of a declared location (the value a pointer to it holds). */
export function addressOf(program: Pick<Program, 'locations'>, loc: string): number {
  const i = program.locations.findIndex(l => l.name === loc);
  if (i < 0) throw new Error(`unknown location ${loc}`);
  return ADDRESS_BASE + i;
}

/** The location index an address value denotes, or −1. */
export function locationAt(nLocations: number, value: number): number {
  const i = value - ADDRESS_BASE;
  return Number.isInteger(i) && i >= 0 && i < nLocations ? i : -1;
}

/** Access/fence modes (C11 names; see the contract above for their kernel meaning). `na` is a non-atomic (plain) access. */
export type Mode = 'na' | 'rlx' | 'acq' | 'rel' | 'acq_rel' | 'sc';

export const MODES: readonly Mode[] = ['na', 'rlx', 'acq', 'rel', 'acq_rel', 'sc'];

/**
 * Each atomic mode under the name Rust's `Ordering` gives it. This is the one table of those
 * names: traces word races with it, and the Rust side (protocol/orderings.ts) derives its
 * ordering <-> mode maps from it.
 */
export const MODE_ORDERING_NAMES = { rlx: 'Relaxed', acq: 'Acquire', rel: 'Release', acq_rel: 'AcqRel', sc: 'SeqCst' } as const satisfies Record<Exclude<Mode, 'na'>, string>;

export type BinOp = '+' | '-' | '*' | '==' | '!=' | '<' | '<=' | '>' | '>=' | '&&' | '||' | '&' | '|' | '^';

export type Expr =
  | { k: 'const'; v: number }
  | { k: 'reg'; r: string }
  | { k: 'bin'; op: BinOp; a: Expr; b: Expr }
  | { k: 'not'; a: Expr };

export type RmwOp = 'add' | 'sub' | 'and' | 'or' | 'xor' | 'xchg' | 'max' | 'min';

/** Where an instruction came from, for traces and findings. */
export interface SourceTag {
  /** Index into the scenario's site list (Rust) — opaque to the engine. */
  site?: number;
  /** Human-readable text of the instruction (Rust source line or litmus statement). */
  label?: string;
  /** 1-based source line (litmus) when known. */
  line?: number;
}

export type Instr = SourceTag & (
  /** `addr` (lkmm): the access goes to the location this address evaluates to; `loc` is display text. */
  | { k: 'load'; reg?: string; loc: string; mo: Mode; addr?: Expr }
  | { k: 'store'; loc: string; val: Expr; mo: Mode; addr?: Expr; lock?: 'unlock' }
  /** fetch_op / exchange: reg receives the old value. `noreturn` (lkmm): a void kernel atomic (atomic_inc ...). */
  | { k: 'rmw'; reg?: string; loc: string; op: RmwOp; val: Expr; mo: Mode; addr?: Expr; noreturn?: boolean }
  /**
   * compare_exchange: reads loc; if it equals `expected` writes `desired` with `succ`, otherwise it
   * is a read only with `fail`. `reg` gets the old value, `okReg` 1/0. `weak` may fail spuriously
   * (modelled as an extra read-only outcome even when the value matches).
   */
  | { k: 'cas'; reg?: string; okReg?: string; loc: string; expected: Expr; desired: Expr; succ: Mode; fail: Mode; weak?: boolean; addr?: Expr; lock?: 'lock' | 'trylock' }
  /**
   * fetch_update-style read-modify-write: reads loc into `old` (the register named by `oldReg`),
   * and if `guard` (over registers incl. oldReg) holds, writes `next`; otherwise a read only with `fail`.
   */
  | { k: 'update'; oldReg: string; okReg?: string; loc: string; guard?: Expr; next: Expr; succ: Mode; fail: Mode }
  /** A C11 fence (`mo`), or under lkmm the kernel barrier `kernel` (then `mo` is not read). */
  | { k: 'fence'; mo: Mode; kernel?: KernelFence }
  | { k: 'let'; reg: string; val: Expr }
  | { k: 'if'; cond: Expr; then: Instr[]; else: Instr[] }
  /** Runs body while cond holds, at most `bound` times; if cond still holds after that the execution is discarded (like a spin loop that never exits). */
  | { k: 'while'; cond: Expr; body: Instr[]; bound: number }
  /** Discards executions in which cond is false. */
  | { k: 'assume'; cond: Expr }
);

export interface LocationDecl {
  name: string;
  init: number;
  /** Non-atomic locations model protected state (payload); every access to them is `na`. */
  atomic: boolean;
  /**
   * Accessed both atomically and plainly (herd's mixed-access tests): accesses of any mode are
   * allowed, and two conflicting accesses race when at least one of them is plain. `atomic` is
   * then true (how the location is shown and printed: plain accesses print as `*x`).
   */
  mixed?: boolean;
}

export interface Thread {
  name: string;
  body: Instr[];
}

/** A litmus-style condition over final register and memory values. */
export type Cond =
  | { k: 'true' }
  | { k: 'eqReg'; thread: number; reg: string; v: number }
  | { k: 'eqLoc'; loc: string; v: number }
  | { k: 'and'; a: Cond; b: Cond }
  | { k: 'or'; a: Cond; b: Cond }
  | { k: 'not'; a: Cond };

export type Quantifier = 'exists' | 'not exists' | 'forall';

export interface Program {
  name: string;
  locations: LocationDecl[];
  threads: Thread[];
  condition?: { quantifier: Quantifier; cond: Cond };
}

// ---- small constructors, so scenario builders and tests read like the programs they build ----

export const c = (v: number): Expr => ({ k: 'const', v });
export const r = (name: string): Expr => ({ k: 'reg', r: name });
export const bin = (op: BinOp, a: Expr, b: Expr): Expr => ({ k: 'bin', op, a, b });

export function isAcquire(m: Mode): boolean {
  return m === 'acq' || m === 'acq_rel' || m === 'sc';
}
export function isRelease(m: Mode): boolean {
  return m === 'rel' || m === 'acq_rel' || m === 'sc';
}
