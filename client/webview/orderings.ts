// Ordering names as the two audiences of the simulator write them, and which orderings each kind
// of atomic instruction accepts. The Rust names and the validity tables come from the shared
// vocabulary (server/src/protocol/orderings.ts); what is here is the panel's own wording.

import type { KernelFence, Mode, ModelName } from '../../server/src/memory/ir';
import { MODE_OF, orderingOfMode, rustName, VALID, type Access, type Family } from '../../server/src/protocol/orderings';
import { expressible } from '../../server/src/protocol/memoryModel';

export type Flavour = 'rust' | 'litmus';

// herd's C syntax spells them memory_order_<name>; the suffix alone keeps the panel narrow.
const C: Partial<Record<Mode, string>> = {
  na: 'non-atomic', rlx: 'relaxed', acq: 'acquire', rel: 'release', acq_rel: 'acq_rel', sc: 'seq_cst',
};

// The kernel's words for LKMM orderings: a fully ordered operation (value-returning RMW, smp_mb)
// is what the engine calls sc, and kernel code calls it full, not SeqCst.
const KERNEL_RUST: Partial<Record<Mode, string>> = { sc: 'Full' };
const KERNEL_C: Partial<Record<Mode, string>> = { rlx: 'relaxed', acq: 'acquire', rel: 'release', sc: 'full' };

/**
 * An ordering as the panel names it. A Rust site whose family is known is named as Apply writes it
 * there: a std atomic in kernel code is still `SeqCst`, whatever model it is checked under.
 */
export function modeName(m: Mode, flavour: Flavour, model?: ModelName, family?: Family): string {
  if (m === 'na') return 'non-atomic';
  const o = orderingOfMode(m);
  if (flavour === 'rust' && family && o) return rustName(o, family);
  if (model === 'lkmm') {
    const k = (flavour === 'rust' ? KERNEL_RUST : KERNEL_C)[m];
    if (k) return k;
  }
  return (flavour === 'rust' ? orderingOfMode(m) : C[m]) ?? m;
}

/** A kernel barrier as kernel code calls it (the engine's fence mode says nothing about it). */
export function barrierName(b: KernelFence): string {
  switch (b) {
    case 'mb': case 'rmb': case 'wmb': return `smp_${b}()`;
    case 'before_atomic': case 'after_atomic': case 'after_spinlock': case 'after_unlock_lock': return `smp_mb__${b}()`;
    default: return `${b}()`;
  }
}

/** Full C11 name, for tooltips. */
export function cModeName(m: Mode): string {
  return m === 'na' ? 'non-atomic' : `memory_order_${C[m] ?? m}`;
}

// What each LKMM ordering is in the kernel's C API, for tooltips on kernel code: a C11 name
// (memory_order_seq_cst over "Full") would describe a model the verdict was not reached under.
const KERNEL_C_FORMS: Partial<Record<Mode, string>> = {
  rlx: 'relaxed: READ_ONCE/WRITE_ONCE, a _relaxed atomic',
  acq: 'acquire: smp_load_acquire, an _acquire atomic',
  rel: 'release: smp_store_release, a _release atomic',
  sc: 'fully ordered: a value-returning atomic, smp_mb() on both sides',
};

/** An ordering's tooltip: its kernel C form under LKMM, its C11 name otherwise. */
export function modeTitle(m: Mode, model?: ModelName): string {
  return (model === 'lkmm' ? KERNEL_C_FORMS[m] : undefined) ?? cModeName(m);
}

/** What an instruction's ordering slot accepts (Rust rejects e.g. a Release load at run time; C11 calls it undefined). */
export type Slot = 'load' | 'store' | 'rmw' | 'cas-success' | 'cas-failure' | 'fence';

const ACCESS: Record<Slot, Access> = { load: 'load', store: 'store', rmw: 'rmw', 'cas-success': 'rmw', 'cas-failure': 'cas-failure', fence: 'fence' };

/** The access kind the shared validity tables know a slot by. */
export function slotAccess(slot: Slot): Access {
  return ACCESS[slot];
}

/**
 * What a slot accepts under a model. LKMM has fewer orderings than C11 (no AcqRel, no SeqCst load or
 * store, no fence but smp_mb()): offering the others would let a kernel reviewer pick an ordering
 * the engine refuses to explore and the kernel's markers cannot spell.
 */
export function validModes(slot: Slot, model?: ModelName): readonly Mode[] {
  const access = ACCESS[slot];
  const all = VALID[access].map(o => MODE_OF[o]);
  return model === 'lkmm' ? all.filter(m => expressible('lkmm', access, orderingOfMode(m)!)) : all;
}
