// Scalable program families for the engine benchmark, built directly in the memory IR. Each one
// grows with n in a known way, so the execution counts double as a sanity check on the explorer
// (n threads doing one fetch_add each have exactly n! executions: one per modification order).

import { bin, c, r, type Cond, type Instr, type KernelFence, type ModelName, type Mode, type Program } from '../server/src/memory/ir';

export interface Family {
  /** Name shown in the table, e.g. "fetch_add". */
  name: string;
  /** Sizes to run, smallest first (the quick run takes a prefix). */
  sizes: number[];
  quickSizes: number[];
  build(n: number): Program;
  /** Executions the family must have at size n, when known in closed form. */
  expected?(n: number): number;
  /** The memory model to explore under (default rc11). */
  model?: ModelName;
}

function factorial(n: number): number {
  let f = 1;
  for (let i = 2; i <= n; i++) f *= i;
  return f;
}

/** n threads, each one relaxed fetch_add(1) on x: n! executions (mo of x is any permutation). */
export const fetchAdd: Family = {
  name: 'fetch_add',
  sizes: [2, 3, 4, 5, 6, 7, 8, 9],
  quickSizes: [2, 3, 4, 5, 6, 7],
  build: n => ({
    name: `fetch_add-${n}`,
    locations: [{ name: 'x', init: 0, atomic: true }],
    threads: Array.from({ length: n }, (_, i) => ({ name: `T${i}`, body: [{ k: 'rmw', reg: 'r', loc: 'x', op: 'add', val: c(1), mo: 'rlx' } as Instr] })),
  }),
  expected: factorial,
};

/**
 * The refcount takeover generalised: the count starts at n+1 (n holders plus the owner's own
 * reference); holder i writes its payload data_i non-atomically, then drops with fetch_sub(1, dec);
 * the owner tries cas(1 -> 0, cas) and on success reuses the object by writing every payload.
 * With Release/Acquire every holder's write happens-before the reuse (no race); with a Relaxed CAS
 * each holder's write races with the reuse.
 */
export function refcountTakeover(dec: Mode, cas: Mode): Family {
  return {
    name: `takeover dec=${dec} cas=${cas}`,
    sizes: [1, 2, 3, 4, 5, 6, 7],
    quickSizes: [1, 2, 3],
    build: n => {
      const holders = Array.from({ length: n }, (_, i) => ({
        name: `H${i}`,
        body: [
          { k: 'store', loc: `data${i}`, val: c(1), mo: 'na' },
          { k: 'rmw', reg: 'old', loc: 'count', op: 'sub', val: c(1), mo: dec },
        ] as Instr[],
      }));
      const reuse: Instr[] = Array.from({ length: n }, (_, i) => ({ k: 'store', loc: `data${i}`, val: c(2), mo: 'na' }) as Instr);
      const owner = {
        name: 'Owner',
        body: [
          { k: 'cas', reg: 'seen', okReg: 'ok', loc: 'count', expected: c(1), desired: c(0), succ: cas, fail: 'rlx' },
          { k: 'if', cond: bin('==', r('ok'), c(1)), then: reuse, else: [] },
        ] as Instr[],
      };
      return {
        name: `takeover-${dec}-${cas}-${n}`,
        locations: [{ name: 'count', init: n + 1, atomic: true }, ...Array.from({ length: n }, (_, i) => ({ name: `data${i}`, init: 0, atomic: false }))],
        threads: [...holders, owner],
      };
    },
  };
}

function allRegsZero(threads: number, reg: (t: number) => string[]): Cond {
  let cond: Cond = { k: 'true' };
  for (let t = 0; t < threads; t++) {
    for (const name of reg(t)) {
      const eq: Cond = { k: 'eqReg', thread: t, reg: name, v: 0 };
      cond = cond.k === 'true' ? eq : { k: 'and', a: cond, b: eq };
    }
  }
  return cond;
}

/**
 * Store buffering on a ring of n threads: thread i stores x_i = 1 then loads x_{i+1 mod n}.
 * "Every load reads 0" is allowed with relaxed accesses and forbidden with SeqCst ones.
 */
export function storeBufferRing(mode: 'rlx' | 'sc'): Family {
  return {
    name: `SB ring ${mode}`,
    // Grows until one size takes a few seconds (engine.ts stops a family there). The SeqCst ring
    // goes to 16 threads, the size GenMC's figure is quoted for.
    sizes: mode === 'sc' ? [2, 4, 6, 8, 10, 12, 14, 16] : [2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12],
    quickSizes: [2, 3, 4],
    // Each load reads 0 or 1; SeqCst forbids only the outcome where all of them read 0.
    expected: n => (mode === 'sc' ? 2 ** n - 1 : 2 ** n),
    build: n => ({
      name: `sb-ring-${mode}-${n}`,
      locations: Array.from({ length: n }, (_, i) => ({ name: `x${i}`, init: 0, atomic: true })),
      threads: Array.from({ length: n }, (_, i) => ({
        name: `T${i}`,
        body: [
          { k: 'store', loc: `x${i}`, val: c(1), mo: mode },
          { k: 'load', reg: 'r', loc: `x${(i + 1) % n}`, mo: mode },
        ] as Instr[],
      })),
      condition: { quantifier: 'exists', cond: allRegsZero(n, () => ['r']) },
    }),
  };
}

/**
 * Store buffering on a ring of n threads with relaxed accesses and an SC fence between each
 * store and load: the fences forbid "every load reads 0", as SeqCst accesses do (RC11's psc_F).
 */
export const storeBufferRingScFences: Family = {
  name: 'SB ring rlx + SC fences',
  sizes: [2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12],
  quickSizes: [2, 3, 4],
  expected: n => 2 ** n - 1,
  build: n => ({
    name: `sb-ring-fenced-${n}`,
    locations: Array.from({ length: n }, (_, i) => ({ name: `x${i}`, init: 0, atomic: true })),
    threads: Array.from({ length: n }, (_, i) => ({
      name: `T${i}`,
      body: [
        { k: 'store', loc: `x${i}`, val: c(1), mo: 'rlx' },
        { k: 'fence', mo: 'sc' },
        { k: 'load', reg: 'r', loc: `x${(i + 1) % n}`, mo: 'rlx' },
      ] as Instr[],
    })),
    condition: { quantifier: 'exists', cond: allRegsZero(n, () => ['r']) },
  }),
};

/**
 * IRIW generalised: n writers each set their own x_i = 1; two readers load every location, one in
 * order x_0..x_{n-1}, the other in reverse. The condition asks whether the readers can disagree on
 * the order of the first and last writes (reader A sees x_0 but not x_{n-1}, reader B the opposite),
 * which RC11 allows for relaxed/acquire accesses and forbids for SeqCst.
 */
export function iriw(mode: 'rlx' | 'acq' | 'sc'): Family {
  const wmode: Mode = mode === 'acq' ? 'rel' : mode;
  return {
    name: `IRIW ${mode}`,
    // SeqCst goes to 9 writers, the size GenMC's figure is quoted for.
    sizes: mode === 'sc' ? [2, 3, 4, 5, 6, 7, 8, 9] : [2, 3, 4, 5],
    quickSizes: [2, 3],
    // Each of the 2n loads reads 0 or 1 (4^n). With SeqCst the two readers must agree on one order
    // of the writes: (n+3)·3^(n-1) combinations remain (counted by exhaustive search, n = 2..9).
    expected: mode === 'sc' ? n => (n + 3) * 3 ** (n - 1) : n => 4 ** n,
    build: n => {
      const loads = (order: number[]): Instr[] => order.map(i => ({ k: 'load', reg: `r${i}`, loc: `x${i}`, mo: mode }) as Instr);
      const fwd = Array.from({ length: n }, (_, i) => i);
      const last = n - 1;
      const a = n, b = n + 1; // reader thread indices
      const cond: Cond = {
        k: 'and',
        a: { k: 'and', a: { k: 'eqReg', thread: a, reg: 'r0', v: 1 }, b: { k: 'eqReg', thread: a, reg: `r${last}`, v: 0 } },
        b: { k: 'and', a: { k: 'eqReg', thread: b, reg: `r${last}`, v: 1 }, b: { k: 'eqReg', thread: b, reg: 'r0', v: 0 } },
      };
      return {
        name: `iriw-${mode}-${n}`,
        locations: Array.from({ length: n }, (_, i) => ({ name: `x${i}`, init: 0, atomic: true })),
        threads: [
          ...fwd.map(i => ({ name: `W${i}`, body: [{ k: 'store', loc: `x${i}`, val: c(1), mo: wmode } as Instr] })),
          { name: 'RA', body: loads(fwd) },
          { name: 'RB', body: loads([...fwd].reverse()) },
        ],
        condition: { quantifier: 'exists', cond },
      };
    },
  };
}

// ---- Linux kernel memory model families -------------------------------------------------------
// LKMM exploration enumerates whole candidates (thread paths x rf x co) and checks the cat axioms
// on each, so these grow much faster than their RC11 counterparts; sizes stop early accordingly.

const kfence = (kernel: KernelFence): Instr => ({ k: 'fence', mo: 'sc', kernel });

/** n threads each doing a void atomic_inc on x: n! executions, one per coherence order. */
export const lkmmAtomicInc: Family = {
  name: 'LKMM atomic_inc',
  model: 'lkmm',
  sizes: [2, 3, 4, 5, 6],
  quickSizes: [2, 3, 4],
  build: n => ({
    name: `lkmm-atomic_inc-${n}`,
    locations: [{ name: 'x', init: 0, atomic: true }],
    threads: Array.from({ length: n }, (_, i) => ({ name: `T${i}`, body: [{ k: 'rmw', loc: 'x', op: 'add', val: c(1), mo: 'rlx', noreturn: true } as Instr] })),
  }),
  expected: factorial,
};

/**
 * Message passing down a chain of n+1 threads: T0 writes data and publishes f1 with
 * smp_store_release; Ti (0 < i < n) acquires f_i and releases f_{i+1}; the last acquires f_n and
 * reads data. "Everyone saw the flag but the last read data = 0" is forbidden (ISA2 generalised);
 * with `once` accesses instead it is allowed.
 */
export function lkmmMpChain(ordered: boolean): Family {
  const acq: Mode = ordered ? 'acq' : 'rlx', rel: Mode = ordered ? 'rel' : 'rlx';
  return {
    name: `LKMM MP chain ${ordered ? 'release/acquire' : 'once'}`,
    model: 'lkmm',
    sizes: [1, 2, 3, 4, 5, 6, 7],
    quickSizes: [1, 2],
    build: n => {
      const threads = [{ name: 'T0', body: [{ k: 'store', loc: 'data', val: c(1), mo: 'rlx' }, { k: 'store', loc: 'f1', val: c(1), mo: rel }] as Instr[] }];
      let cond: Cond = { k: 'true' };
      const and = (x: Cond): void => { cond = cond.k === 'true' ? x : { k: 'and', a: cond, b: x }; };
      for (let i = 1; i <= n; i++) {
        const body: Instr[] = [{ k: 'load', reg: 'r', loc: `f${i}`, mo: acq }];
        body.push(i < n ? { k: 'store', loc: `f${i + 1}`, val: c(1), mo: rel } : { k: 'load', reg: 'd', loc: 'data', mo: 'rlx' });
        threads.push({ name: `T${i}`, body });
        and({ k: 'eqReg', thread: i, reg: 'r', v: 1 });
      }
      and({ k: 'eqReg', thread: n, reg: 'd', v: 0 });
      return {
        name: `lkmm-mp-chain-${ordered ? 'ra' : 'once'}-${n}`,
        locations: [{ name: 'data', init: 0, atomic: true }, ...Array.from({ length: n }, (_, i) => ({ name: `f${i + 1}`, init: 0, atomic: true }))],
        threads,
        condition: { quantifier: 'exists', cond },
      };
    },
  };
}

/** Store buffering on a ring of n threads with WRITE_ONCE / READ_ONCE, with or without smp_mb(). */
export function lkmmSbRing(mb: boolean): Family {
  return {
    name: `LKMM SB ring ${mb ? 'smp_mb' : 'once'}`,
    model: 'lkmm',
    sizes: [2, 3, 4, 5, 6, 7, 8, 9],
    quickSizes: [2, 3],
    build: n => ({
      name: `lkmm-sb-ring-${mb ? 'mb' : 'once'}-${n}`,
      locations: Array.from({ length: n }, (_, i) => ({ name: `x${i}`, init: 0, atomic: true })),
      threads: Array.from({ length: n }, (_, i) => ({
        name: `T${i}`,
        body: [
          { k: 'store', loc: `x${i}`, val: c(1), mo: 'rlx' },
          ...(mb ? [kfence('mb')] : []),
          { k: 'load', reg: 'r', loc: `x${(i + 1) % n}`, mo: 'rlx' },
        ] as Instr[],
      })),
      condition: { quantifier: 'exists', cond: allRegsZero(n, () => ['r']) },
    }),
  };
}

/**
 * Load buffering on a ring: thread i reads x_i and then writes x_{i+1} = 1, plainly in program
 * order or inside a branch on what it read (a control dependency). "Every read sees 1" is allowed
 * without the dependencies and forbidden with them.
 */
export function lkmmLbRing(ctrl: boolean): Family {
  return {
    name: `LKMM LB ring ${ctrl ? 'ctrl' : 'once'}`,
    model: 'lkmm',
    sizes: [2, 3, 4, 5, 6, 7, 8, 9],
    quickSizes: [2, 3],
    build: n => {
      let cond: Cond = { k: 'true' };
      for (let t = 0; t < n; t++) {
        const eq: Cond = { k: 'eqReg', thread: t, reg: 'r', v: 1 };
        cond = cond.k === 'true' ? eq : { k: 'and', a: cond, b: eq };
      }
      return {
        name: `lkmm-lb-ring-${ctrl ? 'ctrl' : 'once'}-${n}`,
        locations: Array.from({ length: n }, (_, i) => ({ name: `x${i}`, init: 0, atomic: true })),
        threads: Array.from({ length: n }, (_, i) => {
          const write: Instr = { k: 'store', loc: `x${(i + 1) % n}`, val: c(1), mo: 'rlx' };
          return {
            name: `T${i}`,
            body: [
              { k: 'load', reg: 'r', loc: `x${i}`, mo: 'rlx' },
              // `r >= 0` always holds: the write always happens, only the dependency differs.
              ctrl ? { k: 'if', cond: bin('>=', r('r'), c(0)), then: [write], else: [] } : write,
            ] as Instr[],
          };
        }),
        condition: { quantifier: 'exists', cond },
      };
    },
  };
}

/** IRIW (as above) with READ_ONCE readers, with or without smp_mb() between their loads. */
export function lkmmIriw(mb: boolean): Family {
  const base = iriw('rlx');
  return {
    name: `LKMM IRIW ${mb ? 'smp_mb' : 'once'}`,
    model: 'lkmm',
    sizes: [2, 3, 4, 5],
    quickSizes: [2],
    build: n => {
      const p = base.build(n);
      if (mb) for (const t of p.threads.slice(n)) t.body = t.body.flatMap((i, k) => (k === 0 ? [i] : [kfence('mb'), i]));
      return { ...p, name: `lkmm-iriw-${mb ? 'mb' : 'once'}-${n}` };
    },
  };
}

/** The refcount takeover under LKMM: atomic_dec_return_release (or _relaxed) and cmpxchg_acquire (or _relaxed). */
export function lkmmTakeover(dec: 'rel' | 'rlx', cas: 'acq' | 'rlx'): Family {
  const f = refcountTakeover(dec, cas);
  return { ...f, name: `LKMM ${f.name}`, model: 'lkmm', sizes: [1, 2, 3, 4], quickSizes: [1, 2] };
}

export const FAMILIES: Family[] = [
  fetchAdd,
  refcountTakeover('rel', 'acq'),
  refcountTakeover('rel', 'rlx'),
  storeBufferRing('rlx'),
  storeBufferRing('sc'),
  storeBufferRingScFences,
  iriw('rlx'),
  iriw('sc'),
  lkmmAtomicInc,
  lkmmMpChain(true),
  lkmmMpChain(false),
  lkmmSbRing(false),
  lkmmSbRing(true),
  lkmmLbRing(false),
  lkmmLbRing(true),
  lkmmIriw(false),
  lkmmIriw(true),
  lkmmTakeover('rel', 'acq'),
  lkmmTakeover('rlx', 'rlx'),
];
