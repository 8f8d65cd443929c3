// Ordering names as the two audiences write them, and which orderings each kind of atomic
// instruction accepts. Shared by the webview (select options), the view model (explanations) and
// the extension host (writing the chosen ordering back into Rust source).

import type { Mode } from '../../server/src/memory/ir';

export type Flavour = 'rust' | 'litmus';

const RUST: Record<Mode, string> = {
  na: 'non-atomic', rlx: 'Relaxed', acq: 'Acquire', rel: 'Release', acq_rel: 'AcqRel', sc: 'SeqCst',
};
// herd's C syntax spells them memory_order_<name>; the suffix alone keeps the panel narrow.
const C: Record<Mode, string> = {
  na: 'non-atomic', rlx: 'relaxed', acq: 'acquire', rel: 'release', acq_rel: 'acq_rel', sc: 'seq_cst',
};

export function modeName(m: Mode, flavour: Flavour): string {
  return (flavour === 'rust' ? RUST : C)[m];
}

/** Full C11 name, for tooltips. */
export function cModeName(m: Mode): string {
  return m === 'na' ? 'non-atomic' : `memory_order_${C[m]}`;
}

/** Rust's `Ordering` variant name to mode; undefined when the name is not an ordering. */
export function modeFromRustName(name: string): Mode | undefined {
  for (const m of Object.keys(RUST) as Mode[]) if (m !== 'na' && RUST[m] === name) return m;
  return undefined;
}

/** What an instruction's ordering slot accepts (Rust rejects e.g. a Release load at run time; C11 calls it undefined). */
export type Slot = 'load' | 'store' | 'rmw' | 'cas-success' | 'cas-failure' | 'fence';

const VALID: Record<Slot, readonly Mode[]> = {
  load: ['rlx', 'acq', 'sc'],
  store: ['rlx', 'rel', 'sc'],
  rmw: ['rlx', 'acq', 'rel', 'acq_rel', 'sc'],
  'cas-success': ['rlx', 'acq', 'rel', 'acq_rel', 'sc'],
  'cas-failure': ['rlx', 'acq', 'sc'],
  fence: ['acq', 'rel', 'acq_rel', 'sc'],
};

export function validModes(slot: Slot): readonly Mode[] {
  return VALID[slot];
}
