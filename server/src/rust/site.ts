// What the Rust reader produces: one `Site` per atomic operation found in a file, with everything
// the protocol model needs (which counter, which operation, which orderings, what the code does
// with the result) and exact source ranges for diagnostics and quick fixes.
//
// Ranges are LSP positions: 0-based line, character in UTF-16 code units.

import type { Range } from '../protocol/finding';

export type { Range, Position } from '../protocol/finding';

/** Rust's memory orderings. The kernel's `Full` is read as `SeqCst` (see `OrderingArg.note`). */
export type Ordering = 'Relaxed' | 'Acquire' | 'Release' | 'AcqRel' | 'SeqCst';
export const ORDERINGS: readonly Ordering[] = ['Relaxed', 'Acquire', 'Release', 'AcqRel', 'SeqCst'];

/** Which API the operation belongs to; decides implied orderings and result shapes. */
export type AtomicApi =
  | 'std'              // core/std::sync::atomic
  | 'kernel-atomic'    // kernel::sync::atomic::Atomic<T> with marker orderings
  | 'kernel-refcount'; // kernel::sync::Refcount (refcount_t)

export type AtomicOp =
  // std (and kernel Atomic where the names agree)
  | 'load' | 'store' | 'swap' | 'compare_exchange' | 'compare_exchange_weak'
  | 'fetch_add' | 'fetch_sub' | 'fetch_and' | 'fetch_or' | 'fetch_xor' | 'fetch_max' | 'fetch_min'
  | 'fetch_update' | 'fence'
  // kernel::sync::atomic only
  | 'xchg' | 'cmpxchg' | 'try_cmpxchg' | 'add' | 'sub'
  // kernel::sync::Refcount
  | 'inc' | 'dec' | 'dec_and_test' | 'set' | 'read';

/** Which ordering parameter of the operation an `OrderingArg` fills. */
export type OrderingSlot =
  | 'single'   // load/store/RMW/fence/kernel ops: the only ordering
  | 'success'  // compare_exchange(_weak): success ordering (also kernel cmpxchg's one ordering)
  | 'failure'  // compare_exchange(_weak): failure ordering (kernel cmpxchg: implied Relaxed)
  | 'set'      // fetch_update: ordering of the successful write (acts like CAS success)
  | 'fetch';   // fetch_update: ordering of the loads (acts like CAS failure)

/** How an ordering argument was resolved to its value. */
export type OrderingResolution =
  | 'path'          // Ordering::Acquire, atomic::Ordering::Acquire, core::sync::atomic::Ordering::Acquire
  | 'alias'         // `use ..::Ordering as O;` then O::Acquire
  | 'import'        // `use ..::Ordering::{Acquire}` / `..::Ordering::Acquire as Acq` / kernel marker import
  | 'glob'          // `use ..::Ordering::*;` / `use kernel::sync::atomic::ordering::*;`
  | 'kernel-marker' // kernel marker by path: ordering::Acquire, atomic::Relaxed
  | 'const'         // const/static of an ordering in the same file
  | 'let'           // `let o = Ordering::Acquire;` earlier in the same function
  | 'name-only'     // a bare ordering name with no import in the file (snippet, prelude); resolved by name
  | 'implied'       // not written: fixed by the API (Refcount ops, kernel cmpxchg failure, acquire!)
  | 'unresolved';   // a parameter, a call, a conditional...: `ordering` is null

export interface OrderingArg {
  which: OrderingSlot;
  /** null when the argument could not be resolved (a `problems` entry names it). */
  ordering: Ordering | null;
  /** The argument as written (for implied orderings, a description such as "Refcount::inc"). */
  text: string;
  /** The argument's range; null for implied orderings, which have no text to edit. */
  range: Range | null;
  /** Set when `range` is in another file than the site (orderings of a helper's inner site). */
  file?: string;
  /** True when the API fixes the ordering (Refcount ops, kernel cmpxchg failure, acquire!). */
  implied: boolean;
  resolution: OrderingResolution;
  /** Where the value came from, for hovers: "const ORD (line 4)", "import at line 2", ... */
  how: string;
  /** Which family the written marker belongs to: kernel markers (incl. Full) or std `Ordering`. */
  family: 'std' | 'kernel';
  /** Extra remark, e.g. "kernel Full is fully ordered; modelled as SeqCst". */
  note?: string;
  /**
   * The parameter of the enclosing function the argument is, or is bound from (`let o = order;`):
   * the ordering is its callers' choice. Set only while unresolved here (a caller's own site
   * carries the caller's argument instead).
   */
  parameter?: string;
}

/**
 * Whether the argument as written at the site is itself a constant ordering: a path or name of
 * one, or a `const`/`let` bound to one. Rewriting such text changes this call's ordering alone;
 * rewriting a parameter (the callers' choice) or an expression would change, or delete, what the
 * code computes. Decided by how the text resolved, not by whether an ordering was found.
 */
export function writtenAsConstant(o: Pick<OrderingArg, 'resolution' | 'implied' | 'range'>): boolean {
  if (o.implied || !o.range) return false;
  switch (o.resolution) {
    case 'path': case 'alias': case 'import': case 'glob': case 'kernel-marker': case 'const': case 'let': case 'name-only': return true;
    case 'implied': case 'unresolved': return false;
  }
}

/** A value argument (not an ordering): the operand of store/fetch_add, CAS expected/new, ... */
export interface ValueArg {
  text: string;
  range: Range;
  /** Integer value when the argument is a literal or a same-file integer const; else null. */
  value: number | null;
  kind: 'int' | 'const' | 'closure' | 'expr';
  /**
   * The argument is one reference of a count packed with other state: a const such as tokio's
   * `REF_ONE = 1 << REF_COUNT_SHIFT` or async-task's `REFERENCE = 1 << 8` (see consts.ts). A
   * `fetch_sub(REF_ONE, ..)` drops one reference just as `fetch_sub(1, ..)` does; `value` holds the
   * const's value when it can be computed. Comparisons of the packed word (`prev.ref_count() == 1`)
   * are read by the roles, not here.
   */
  reference?: boolean;
  /**
   * The argument is several references of a packed count at once: `2 * REF_ONE` (times 2) or
   * `count * REF_ONE` (times null: `timesText` names the parameter that says how many).
   */
  references?: { unit: string; times: number | null; timesText: string };
}

/**
 * What a fetch_update closure (or a helper's closure argument) does to the count, when simple.
 * `guard` is the condition under which the closure returns None (no write), e.g. `x == 0`.
 */
export interface ClosureEffect {
  text: string;
  kind: 'add' | 'sub' | 'set' | 'other';
  /** Operand of add/sub, value of set. */
  amount?: number;
  /** The closure declines (None) when the count is zero: inc-not-zero / dec-unless-zero. */
  unlessZero?: boolean;
  /** Text of the None condition when there is one and it is not simply `== 0`, e.g. `x == 1`. */
  guard?: string;
  /** Never returns None (Some(..) on every path): the update always succeeds. */
  alwaysSome: boolean;
}

/** A fence or an acquiring load found on a control path (success path, last-reference path). */
export interface PathBarrier {
  siteId: string;
  /** Set when the barrier is in another file than the site whose path it is on (a caller elsewhere). */
  file?: string;
  ordering: Ordering | null;
  range: Range;
  /**
   * The first statement on the path before this barrier that might touch the protected object
   * (any call, field access, assignment...). Absent when the barrier comes first.
   */
  afterPossibleTouch?: Range;
}

/** A region of code that runs only in one outcome of the operation. */
export interface ControlPath {
  how:
    | 'then-block'          // if <succeeded> { here }
    | 'else-block'          // if <failed> { .. } else { here }
    | 'after-early-exit'    // if <failed> { return/break/continue/panic } here...
    | 'match-arm'           // match .. { Ok(_) => here, Err(_) => .. }
    | 'let-else'            // let Ok(_) = .. else { return }; here...
    | 'after-question-mark' // ..?; here...
    | 'after-unwrap'        // ..unwrap(); here... (the other outcome panics)
    | 'after-loop'          // while <failed> { retry }; here...
    | 'in-caller';          // the test is returned: the caller's `if helper() { here }`
  /** The region: a block, an arm, or the rest of the enclosing block. */
  range: Range;
  /** The first Acquire-or-stronger fence (or acquire!) on the path. */
  fence?: PathBarrier;
  /** The first Acquire-or-stronger load of the same counter on the path. */
  acquireLoad?: PathBarrier;
  /** Last-reference and uniqueness paths: what the code there does with the object. */
  effect?: PathEffect;
  /** For `in-caller` paths: the calling function. */
  caller?: string;
  /** For `in-caller` paths in another file: that file. */
  file?: string;
}

/**
 * What a path does with the protected object (see docs/rules.md, "What counts as destroying"):
 * `exclusive` frees, drops, reads out or mutably borrows it; `notifies` only wakes, sends or sets
 * flags; `debug-check` only panics or warns (the count must never get there); `unknown` calls
 * something the reader cannot place.
 */
export interface PathEffect { kind: 'exclusive' | 'notifies' | 'debug-check' | 'unknown'; evidence: string; /** Where the path takes the object. */ at?: Range }

/** The reader could not tell where the path is (result stored, returned, passed on...). */
export interface UnknownPath { how: 'unknown'; reason: string }

export type CompareOp = '==' | '!=' | '<' | '<=' | '>' | '>=';

export interface SiteContext {
  /** The op sits inside a loop (CAS-retry or spin). */
  inLoop: boolean;
  /** What happens to the result: nothing, tested/bound in place, returned to the caller. */
  resultUse: 'discarded' | 'used' | 'returned';
  /** CAS, cmpxchg, try_cmpxchg, fetch_update: where the operation succeeded. */
  successPath?: ControlPath | UnknownPath;
  /**
   * The result compared with a constant, normalised so the site is on the left
   * (`1 == x.fetch_sub(..)` reads as `== 1`). `equalPath` is where the comparison says "equal"
   * (for `==` the true branch, for `!=` the false branch) when it can be located.
   */
  comparedWith?: { op: CompareOp; value: number; range: Range; equalPath?: ControlPath | UnknownPath; symbol?: string };
  /**
   * Decrements (fetch_sub(1), fetch_update(x - 1), Refcount::dec_and_test): where this decrement
   * was the last reference (old value 1 / dec_and_test true). A decrement of several references
   * (`drops`): where they were the last ones. `swap(true, ..)` of a flag: where it was already
   * set (this side sets it second).
   */
  lastPath?: ControlPath | UnknownPath;
  /**
   * A decrement of several references at once (`fetch_sub(2 * REF_ONE)` then `ref_count() == 2`),
   * whose result the code tests for being the last ones: how many (a parameter such as `count`
   * is modelled as 2 and named in `symbol`).
   */
  drops?: { refs: number; amount: string; symbol?: string };
  /**
   * The value the code asserts the operation read (`let prev = ..fetch_add(1, ..);
   * debug_assert_eq!(prev, 0)`): an increment from 0 makes the object live.
   */
  assertedOld?: number;
  /**
   * A compare-exchange on a packed word that changes only its reference-count field, read through
   * a `RefCount` value unpacked from the expected word (`RefCount::from_packed(cur)`): +1 when the
   * new word is `refs.incr()` packed over the old fields, -1 when it is `refs.decr()` packed over
   * the old word. `lastWhen`: the branch that runs when the count read was 1 (the last guard),
   * whose decision the function hands back in a flag.
   */
  packedStep?: { delta: 1 | -1; lastWhen?: string };
  /**
   * The nearest Release-or-stronger fence that always runs before this operation: a fence
   * statement earlier in this block or an enclosing one (same function). `afterPossibleTouch` is
   * set when a statement between the fence and the operation might access the object (the fence
   * does not release that access).
   */
  releaseFence?: PathBarrier;
  /**
   * A decrement of a packed state word (count in the high bits, flags below): the unit it
   * subtracts and the test that reads the count back (`prev.ref_count() == 1`).
   */
  packed?: { unit: string; test: string };
  /** The test on the result is returned by this function (`fn is_unique(&self) -> bool`). */
  returnedTest?: boolean;
  /** The result is returned, and every caller in the file discards it (`self.dec_ref();`). */
  callersDiscard?: boolean;
  /** Trait of the enclosing `impl Trait for Type`, if any (`Clone`, `AlwaysRefCounted`). */
  implTrait?: string;
  /**
   * Why an increment here starts from a reference the thread already holds: it sits in
   * `Clone::clone` or `AlwaysRefCounted::inc_ref`, or in a `&self` method those call.
   */
  fromHeld?: string;
}

export interface Site {
  /** Unique within a file's extraction: "<line>:<character>:<op>[#n]". */
  id: string;
  file: string;
  api: AtomicApi;
  op: AtomicOp;
  /**
   * Normalised counter key: the same counter reached through different syntax gets one key.
   * Rules (see receiver.ts): `self` and parameters typed with `Self` become `<ImplType>`,
   * parameters of another type `<Type>` (refs, ARef/Arc/Box/Pin/NonNull and generics stripped);
   * `let` bindings are replaced by their value; `&`, `*`, parentheses and `unsafe { }` are
   * dropped; `.as_atomic()` (Refcount -> raw atomic), `.deref()`, `.as_ref()` are dropped; method
   * calls keep `()` (or `(..)` with arguments); fields keep `.name`. Fences have key "".
   * E.g. `this.wrapper_ref().refcount().as_atomic()` -> `<Request>.wrapper_ref().refcount()`.
   */
  receiver: string;
  /**
   * The counter itself: the atomic field named by the struct that declares it (`ArcInner.strong`,
   * `Request.wrapper.refcount` is `RequestWrapper.refcount`), or `static NAME@file`. Sites with
   * the same `counter` are one protocol wherever they are (an `impl Arc` and an `impl Weak`
   * reaching `ArcInner.weak`, a helper call in another file). null when the reader cannot tell
   * which field it is (a local atomic, a parameter, a type it does not know); such a site is
   * grouped only with sites of the same `receiver` key in its own file. Never a variable's or a
   * method's name.
   */
  counter: string | null;
  receiverText: string;
  /** Last field or accessor name of the receiver (`refcount`, `strong`): a hint for people, never an identity. */
  counterName: string;
  /** Type (no generics) of the enclosing `impl`, if any. */
  implType: string | null;
  /** Name of the enclosing function, if any. */
  fnName: string | null;
  args: ValueArg[];
  orderings: OrderingArg[];
  /** The whole call expression (or macro invocation). */
  range: Range;
  /** The method/function name token. */
  methodRange: Range;
  context: SiteContext;
  /** fetch_update: what the closure does. */
  closure?: ClosureEffect;
  /** Set when the op is performed by a helper function to which the atomic is passed. */
  via?: { helperFn: string; helperFile: string; helperSite: Site };
  /** Remarks for hovers/logs (e.g. "acquire! read as fence(Acquire)"). */
  notes: string[];
}

export type ProblemKind = 'unresolved-ordering' | 'syntax' | 'unsupported';

export interface Problem {
  kind: ProblemKind;
  range: Range;
  /** One line: what could not be done. */
  message: string;
  /** Why, when it takes more words (the reader's reason for an unresolved ordering). */
  detail?: string;
  siteId?: string;
}

export interface Extraction {
  sites: Site[];
  problems: Problem[];
}

export function isAcquireOrStronger(o: Ordering | null): boolean {
  return o === 'Acquire' || o === 'AcqRel' || o === 'SeqCst';
}

export function isReleaseOrStronger(o: Ordering | null): boolean {
  return o === 'Release' || o === 'AcqRel' || o === 'SeqCst';
}
