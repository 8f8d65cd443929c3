// Which memory model a review checks a counter under, and how Rust orderings read in it.
//
// Ordinary Rust is checked under C11/RC11, the model std's atomics promise. Kernel Rust lives under
// the Linux kernel memory model (LKMM): the kernel's atomics and refcount_t are specified in its
// terms, and it orders things C11 does not (a store after a control dependency) while lacking
// things C11 has (AcqRel, SeqCst loads and stores, Acquire/Release fences). `auto` picks LKMM for
// code that uses the kernel crate, C11 otherwise.

import type { Mode, ModelName } from '../memory/ir';
import { MODEL_TITLES } from '../memory/result';
import type { Ordering, Site } from '../rust/site';
import type { Access } from './orderings';

/** What the user asks for: a model, or `auto` (by the code's origin). */
export type ModelChoice = 'auto' | 'c11' | 'lkmm';
export const MODEL_CHOICES: readonly ModelChoice[] = ['auto', 'c11', 'lkmm'];

/** The engine's name for a model the user names. */
export function engineModel(choice: 'c11' | 'lkmm'): ModelName {
  return choice === 'lkmm' ? 'lkmm' : 'rc11';
}

export function modelTitle(m: ModelName): string {
  return MODEL_TITLES[m];
}

// A file is kernel code when it names the kernel crate: `use kernel::..`, `kernel::sync::..` paths,
// the C bindings, or the kernel's own atomics/Refcount as the reader identified them. Text tests
// are enough here: the kernel crate is only ever reached through these spellings, and a false
// "kernel" only changes which model is used, which the verdict states.
const KERNEL_TEXT = /\buse\s+kernel::|\bkernel::(sync|types|bindings|prelude|block)\b|\bbindings::(refcount_|atomic_|blk_)/;

/** Why `auto` treats this file as kernel code, or null when it does not. */
export function kernelEvidence(text: string, sites: readonly Site[], inKernelTree = false): string | null {
  if (inKernelTree) return 'the file is inside a kernel tree (rust/kernel/)';
  const api = sites.find(s => s.api !== 'std');
  if (api) return api.api === 'kernel-refcount' ? 'it uses the kernel\'s Refcount' : 'it uses the kernel\'s atomics';
  const m = KERNEL_TEXT.exec(text);
  return m ? `it uses the kernel crate (\`${m[0].trim()}\`)` : null;
}

/** The model for one file under a choice: LKMM for kernel code under `auto`. */
export function fileModel(choice: ModelChoice, kernel: string | null): ModelName {
  if (choice === 'auto') return kernel ? 'lkmm' : 'rc11';
  return engineModel(choice);
}

/**
 * The engine mode an ordering stands for under LKMM, or null when LKMM has no counterpart.
 * Relaxed is a marked access (READ_ONCE/WRITE_ONCE, a _relaxed RMW), Acquire and Release are
 * smp_load_acquire/smp_store_release and the _acquire/_release RMWs, and SeqCst (the kernel's
 * `Full`) on an RMW is a fully ordered one (smp_mb() on both sides). An std `fence(SeqCst)` is
 * smp_mb(); weaker fences, AcqRel and SeqCst loads/stores have no LKMM meaning.
 */
export function lkmmMode(access: Access, o: Ordering): Mode | null {
  switch (access) {
    case 'load': case 'cas-failure': return o === 'Relaxed' ? 'rlx' : o === 'Acquire' ? 'acq' : null;
    case 'store': return o === 'Relaxed' ? 'rlx' : o === 'Release' ? 'rel' : null;
    case 'rmw': return o === 'Relaxed' ? 'rlx' : o === 'Acquire' ? 'acq' : o === 'Release' ? 'rel' : o === 'SeqCst' ? 'sc' : null;
    case 'fence': return o === 'SeqCst' ? 'sc' : null;
  }
}

/** Whether an ordering can be written for an access under a model (fix search stays inside it). */
export function expressible(model: ModelName, access: Access, o: Ordering): boolean {
  return model === 'rc11' || lkmmMode(access, o) !== null;
}

/** Why an ordering cannot be checked under LKMM, in a reviewer's words. */
export function notInLkmm(access: Access, o: Ordering): string {
  if (o === 'AcqRel') return 'AcqRel has no counterpart in the Linux kernel memory model';
  if (access === 'fence') return `fence(${o}) has no counterpart in the Linux kernel memory model (only smp_mb(), i.e. fence(SeqCst), does)`;
  return `a ${o} ${access === 'cas-failure' ? 'failure ordering' : access} has no counterpart in the Linux kernel memory model`;
}
