// Ordering names as the two audiences of the simulator write them, and which orderings each kind
// of atomic instruction accepts. The Rust names and the validity tables come from the shared
// vocabulary (server/src/protocol/orderings.ts); what is here is the panel's own wording.

import type { Mode } from '../../server/src/memory/ir';
import { MODE_OF, orderingOfMode, VALID, type Access } from '../../server/src/protocol/orderings';

export type Flavour = 'rust' | 'litmus';

// herd's C syntax spells them memory_order_<name>; the suffix alone keeps the panel narrow.
const C: Partial<Record<Mode, string>> = {
  na: 'non-atomic', rlx: 'relaxed', acq: 'acquire', rel: 'release', acq_rel: 'acq_rel', sc: 'seq_cst',
};

export function modeName(m: Mode, flavour: Flavour): string {
  if (m === 'na') return 'non-atomic';
  return (flavour === 'rust' ? orderingOfMode(m) : C[m]) ?? m;
}

/** Full C11 name, for tooltips. */
export function cModeName(m: Mode): string {
  return m === 'na' ? 'non-atomic' : `memory_order_${C[m] ?? m}`;
}

/** What an instruction's ordering slot accepts (Rust rejects e.g. a Release load at run time; C11 calls it undefined). */
export type Slot = 'load' | 'store' | 'rmw' | 'cas-success' | 'cas-failure' | 'fence';

const ACCESS: Record<Slot, Access> = { load: 'load', store: 'store', rmw: 'rmw', 'cas-success': 'rmw', 'cas-failure': 'cas-failure', fence: 'fence' };

export function validModes(slot: Slot): readonly Mode[] {
  return VALID[ACCESS[slot]].map(o => MODE_OF[o]);
}
