// The Rust-side vocabulary of memory orderings, in one place: the names std and the kernel use,
// the engine mode each stands for, which orderings each kind of access accepts, how strong each
// is, and the module paths that export them. The fix search, the review's validity check, the
// edit planner, the simulator webview and the extension host all read it from here.
//
// Pure data and functions (its only value import is the engine's mode table in memory/ir.ts), so
// the webview bundle can include it.

import { MODE_ORDERING_NAMES, type Mode } from '../memory/ir';
import type { AtomicApi, Ordering } from '../rust/site';

/** Whose ordering names a site is written in: std's `Ordering` enum, or the kernel's marker types. */
export type Family = 'std' | 'kernel';

/**
 * What an ordering parameter applies to. A compare-exchange's success ordering (and fetch_update's
 * set ordering) is an `rmw`; its failure ordering (fetch_update's fetch ordering) is a
 * `cas-failure`, which accepts what a load does.
 */
export type Access = 'load' | 'store' | 'rmw' | 'fence' | 'cas-failure';

/** Engine mode of each Rust ordering. The kernel's `Full` is read as SeqCst before it gets here. */
export const MODE_OF: Readonly<Record<Ordering, Mode>> = Object.fromEntries(
  (Object.entries(MODE_ORDERING_NAMES) as [Mode, Ordering][]).map(([mode, name]) => [name, mode]),
) as Record<Ordering, Mode>;

/** The Rust ordering an engine mode stands for; undefined for modes Rust has no ordering for (plain accesses). */
export function orderingOfMode(m: Mode): Ordering | undefined {
  for (const [o, mode] of Object.entries(MODE_OF) as [Ordering, Mode][]) if (mode === m) return o;
  return undefined;
}

/**
 * Orderings each access accepts. std: what Rust accepts without panicking at run time. Kernel:
 * what `kernel::sync::atomic::Atomic` accepts at compile time (`load` is bounded by `AcquireOrRelaxed`,
 * `store` by `ReleaseOrRelaxed`; read-modify-writes take any marker, `Full` being SeqCst here; a
 * failed `cmpxchg` is always a relaxed read).
 */
const VALID_BY_FAMILY: Readonly<Record<Family, Readonly<Record<Access, readonly Ordering[]>>>> = {
  std: {
    load: ['Relaxed', 'Acquire', 'SeqCst'],
    store: ['Relaxed', 'Release', 'SeqCst'],
    rmw: ['Relaxed', 'Acquire', 'Release', 'AcqRel', 'SeqCst'],
    fence: ['Acquire', 'Release', 'AcqRel', 'SeqCst'],
    'cas-failure': ['Relaxed', 'Acquire', 'SeqCst'],
  },
  kernel: {
    load: ['Relaxed', 'Acquire'],
    store: ['Relaxed', 'Release'],
    rmw: ['Relaxed', 'Acquire', 'Release', 'SeqCst'],
    // The kernel's barriers (smp_mb and friends) take no marker; a fence the reader attributes to
    // the kernel is judged as std's, so no new verdict comes from this table.
    fence: ['Acquire', 'Release', 'AcqRel', 'SeqCst'],
    'cas-failure': ['Relaxed'],
  },
};

/** std's table, which the engine's models accept too (the kernel's is a subset of it). */
export const VALID: Readonly<Record<Access, readonly Ordering[]>> = VALID_BY_FAMILY.std;

/**
 * Which table applies to an operation: the API's, not the spelling of its argument (a std atomic
 * in a kernel file still takes std's orderings).
 */
export function apiFamily(api: AtomicApi): Family {
  return api === 'std' ? 'std' : 'kernel';
}

export function validOrderings(access: Access, family: Family = 'std'): readonly Ordering[] {
  return VALID_BY_FAMILY[family][access];
}

/** Why an ordering is rejected for an access, as the compiler or the run time would put it. */
export function invalidWhy(access: Access, family: Family = 'std'): string {
  if (family === 'kernel') {
    switch (access) {
      case 'load': return 'a kernel atomic load takes only Relaxed or Acquire (it does not compile otherwise)';
      case 'store': return 'a kernel atomic store takes only Relaxed or Release (it does not compile otherwise)';
      default: return 'the kernel has no such ordering marker here';
    }
  }
  switch (access) {
    case 'load': return 'a load cannot be Release or AcqRel (Rust panics at run time)';
    case 'store': return 'a store cannot be Acquire or AcqRel (Rust panics at run time)';
    case 'fence': return 'a fence cannot be Relaxed (Rust panics at run time)';
    case 'cas-failure': return 'a compare-exchange failure ordering cannot be Release or AcqRel (Rust panics at run time)';
    default: return 'not a valid ordering';
  }
}

/** Position in the lattice Relaxed < Acquire, Release < AcqRel < SeqCst (Acquire and Release are incomparable). */
export const STRENGTH: Readonly<Record<Ordering, number>> = { Relaxed: 0, Acquire: 1, Release: 1, AcqRel: 2, SeqCst: 3 };

/** o is at least as strong as base in the ordering lattice. */
export function atLeast(o: Ordering, base: Ordering): boolean {
  if (o === base || base === 'Relaxed') return true;
  if (base === 'Acquire' || base === 'Release') return o === 'AcqRel' || o === 'SeqCst';
  if (base === 'AcqRel') return o === 'SeqCst';
  return false;
}

/** The kernel's marker types (`kernel::sync::atomic::ordering`, re-exported by `kernel::sync::atomic`). */
export const KERNEL_MARKERS = ['Relaxed', 'Acquire', 'Release', 'Full'] as const;
export type KernelMarker = (typeof KERNEL_MARKERS)[number];

/** The kernel has no AcqRel: Full is the only marker stronger than both halves. */
const KERNEL_NAME: Readonly<Record<Ordering, KernelMarker>> = { Relaxed: 'Relaxed', Acquire: 'Acquire', Release: 'Release', AcqRel: 'Full', SeqCst: 'Full' };

/** How an ordering is written in a family's vocabulary. */
export function rustName(o: Ordering, family: Family): string {
  return family === 'kernel' ? KERNEL_NAME[o] : o;
}

/** The ordering a written name stands for (`Full` is read as SeqCst), or undefined. */
export function orderingFromName(name: string): Ordering | undefined {
  if (name === 'Full') return 'SeqCst';
  return name in MODE_OF ? (name as Ordering) : undefined;
}

/** Any name either family writes an ordering with. */
export function isOrderingName(name: string): boolean {
  return orderingFromName(name) !== undefined;
}

// Module paths, as segments, that export the names. Several roots reach the same items: `core`
// and `std` for std; `kernel` from drivers and `crate` inside the kernel crate itself.
const STD_ROOTS = ['core', 'std'];
const KERNEL_ROOTS = ['kernel', 'crate'];

/** The module that exports std's ordering variants, e.g. `core::sync::atomic::Ordering`. */
export function stdOrderingModule(root: 'core' | 'std' = 'core'): string[] { return [root, 'sync', 'atomic', 'Ordering']; }
/** The module that exports std's atomics, `Ordering` and `fence`. */
export function stdAtomicModule(root: 'core' | 'std' = 'core'): string[] { return [root, 'sync', 'atomic']; }
/** The module that exports the kernel's ordering markers (re-exported from its `ordering` submodule). */
export function kernelOrderingModule(root: 'kernel' | 'crate' = 'kernel'): string[] { return [root, 'sync', 'atomic']; }

const eq = (a: readonly string[], b: readonly string[]): boolean => a.length === b.length && a.every((s, i) => s === b[i]);

/** True when `module` (segments) is one that exports the ordering names of `family`. */
export function isOrderingModule(module: readonly string[], family: Family): boolean {
  if (family === 'std') return STD_ROOTS.some(r => eq(module, stdOrderingModule(r as 'core')));
  return KERNEL_ROOTS.some(r => eq(module, kernelOrderingModule(r as 'kernel')) || eq(module, [...kernelOrderingModule(r as 'kernel'), 'ordering']));
}

/** True when `module` is std's atomic module (`core::sync::atomic` / `std::sync::atomic`). */
export function isStdAtomicModule(module: readonly string[]): boolean {
  return STD_ROOTS.some(r => eq(module, stdAtomicModule(r as 'core')));
}

/**
 * Whether a `use` path names an item that exists: an ordering of either family, std's `Ordering`
 * type or `fence`, or the modules themselves. Used to check that an edit imports nothing made up
 * (`kernel::sync::Acquire` is not an item; `kernel::sync::atomic::Acquire` is).
 */
export function isKnownOrderingItem(path: readonly string[]): boolean {
  if (path.length < 2) return false;
  const module = path.slice(0, -1);
  const name = path[path.length - 1];
  if (isOrderingModule(module, 'std')) return name in MODE_OF;
  if (isOrderingModule(module, 'kernel')) return (KERNEL_MARKERS as readonly string[]).includes(name) || (name === 'ordering' && module.length === 3);
  if (isStdAtomicModule(module)) return name === 'Ordering' || name === 'fence' || name === 'compiler_fence';
  return isStdAtomicModule(path) || isOrderingModule(path, 'kernel');
}
