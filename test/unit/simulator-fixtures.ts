// Small programs for the simulator tests, built in the IR the way the scenario builder does: the
// block-mq takeover from the seed review (c = 3; B writes the payload and drops 3 -> 2; A's
// `try_set_end` CAS 2 -> 0 takes the request and the block layer reuses the payload).

import { c, type Mode, type Program } from '../../server/src/memory/ir';

export function takeover(dec: Mode, casSucc: Mode, casFail: Mode = 'rlx'): Program {
  return {
    name: 'takeover',
    locations: [{ name: 'refcount', init: 3, atomic: true }, { name: 'payload', init: 0, atomic: false }],
    threads: [
      {
        name: 'A',
        body: [
          { k: 'cas', loc: 'refcount', expected: c(2), desired: c(0), succ: casSucc, fail: casFail, okReg: 'ok', site: 1, label: 'self.refcount.compare_exchange(2, 0, Relaxed, Relaxed)' },
          { k: 'if', cond: { k: 'reg', r: 'ok' }, then: [{ k: 'store', loc: 'payload', val: c(2), mo: 'na', label: 'reuse the request' }], else: [] },
        ],
      },
      {
        name: 'B',
        body: [
          { k: 'store', loc: 'payload', val: c(1), mo: 'na', label: 'write the request data' },
          { k: 'rmw', loc: 'refcount', op: 'sub', val: c(1), mo: dec, site: 0, label: 'self.refcount.fetch_sub(1, Relaxed)' },
        ],
      },
    ],
  };
}

/** Message passing through a flag with an explicit fence on each side. */
export function fenceMp(writerFence: Mode | null, readerFence: Mode | null): Program {
  return {
    name: 'mp-fences',
    locations: [{ name: 'data', init: 0, atomic: false }, { name: 'flag', init: 0, atomic: true }],
    threads: [
      { name: 'P0', body: [
        { k: 'store', loc: 'data', val: c(1), mo: 'na', label: '*data = 1;' },
        ...(writerFence ? [{ k: 'fence' as const, mo: writerFence, label: 'atomic_thread_fence(...)' }] : []),
        { k: 'store', loc: 'flag', val: c(1), mo: 'rlx', label: 'atomic_store_explicit(flag, 1, memory_order_relaxed);' },
      ] },
      { name: 'P1', body: [
        { k: 'load', loc: 'flag', reg: 'r0', mo: 'rlx', label: 'r0 = atomic_load_explicit(flag, memory_order_relaxed);' },
        { k: 'assume', cond: { k: 'bin', op: '==', a: { k: 'reg', r: 'r0' }, b: c(1) } },
        ...(readerFence ? [{ k: 'fence' as const, mo: readerFence, label: 'atomic_thread_fence(...)' }] : []),
        { k: 'load', loc: 'data', reg: 'r1', mo: 'na', label: 'r1 = *data;' },
      ] },
    ],
    condition: { quantifier: 'exists', cond: { k: 'eqReg', thread: 1, reg: 'r1', v: 0 } },
  };
}
