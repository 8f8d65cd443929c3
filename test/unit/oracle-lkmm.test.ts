// Hand-checked tests for the axiomatic LKMM oracle (test/unit/oracle-lkmm/lkmm.ts): the classic
// litmus shapes with the answers the kernel's tools/memory-model documents for them, written as IR
// directly so they depend on no litmus reader. If one of these fails, the oracle is wrong, and the
// differential test against the engine means nothing until it is fixed.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { addressOf, bin, c, r, type Cond, type Instr, type KernelFence, type Mode, type Program } from '../../server/src/memory/ir';
import { enumerateLkmm, evalCondition } from './oracle-lkmm/lkmm';

// READ_ONCE / WRITE_ONCE are 'rlx', plain C accesses 'na', smp_load_acquire 'acq', smp_store_release 'rel'.
const ld = (loc: string, reg: string, mo: Mode = 'rlx'): Instr => ({ k: 'load', loc, reg, mo });
const st = (loc: string, v: number | string, mo: Mode = 'rlx'): Instr => ({ k: 'store', loc, val: typeof v === 'number' ? c(v) : r(v), mo });
const fence = (kernel: KernelFence): Instr => ({ k: 'fence', mo: 'sc', kernel });
const ifEq = (reg: string, v: number, then: Instr[]): Instr => ({ k: 'if', cond: bin('==', r(reg), c(v)), then, else: [] });
const cmpxchg = (loc: string, expected: number, desired: number, succ: Mode, reg = 'old'): Instr =>
  ({ k: 'cas', loc, reg, expected: c(expected), desired: c(desired), succ, fail: 'rlx' });
const spinLock = (s: string): Instr => ({ k: 'cas', loc: s, expected: c(0), desired: c(1), succ: 'acq', fail: 'rlx', lock: 'lock' });
const spinUnlock = (s: string): Instr => ({ k: 'store', loc: s, val: c(0), mo: 'rel', lock: 'unlock' });

const reg = (thread: number, name: string, v: number): Cond => ({ k: 'eqReg', thread, reg: name, v });
const mem = (loc: string, v: number): Cond => ({ k: 'eqLoc', loc, v });
const and = (...xs: Cond[]): Cond => xs.reduce((a, b) => ({ k: 'and', a, b }));

function prog(locs: string[], threads: Instr[][], cond: Cond = { k: 'true' }): Program {
  return {
    name: 'hand',
    locations: locs.map(name => ({ name, init: 0, atomic: true })),
    threads: threads.map((body, i) => ({ name: `P${i}`, body })),
    condition: { quantifier: 'exists', cond },
  };
}

/** Never / Sometimes / Always for the program's condition over its LKMM-consistent executions. */
function outcome(p: Program): string {
  const xs = enumerateLkmm(p);
  assert.ok(xs.length > 0, 'no consistent execution at all');
  const k = xs.filter(g => evalCondition(p.condition!.cond, g.registers ?? [], g.final ?? {})).length;
  return k === 0 ? 'never' : k === xs.length ? 'always' : 'sometimes';
}

const mp = (w: Instr[], rd: Instr[]): Program => prog(['x', 'y'], [w, rd], and(reg(1, 'r0', 1), reg(1, 'r1', 0)));

test('MP: once accesses allow the stale read; wmb+rmb, release/acquire and a data-dependent address forbid it', () => {
  assert.equal(outcome(mp([st('x', 1), st('y', 1)], [ld('y', 'r0'), ld('x', 'r1')])), 'sometimes');
  assert.equal(outcome(mp([st('x', 1), fence('wmb'), st('y', 1)], [ld('y', 'r0'), fence('rmb'), ld('x', 'r1')])), 'never');
  assert.equal(outcome(mp([st('x', 1), st('y', 1, 'rel')], [ld('y', 'r0', 'acq'), ld('x', 'r1')])), 'never');
  // Only one side ordered: still allowed.
  assert.equal(outcome(mp([st('x', 1), fence('wmb'), st('y', 1)], [ld('y', 'r0'), ld('x', 'r1')])), 'sometimes');
  assert.equal(outcome(mp([st('x', 1), st('y', 1, 'rel')], [ld('y', 'r0'), ld('x', 'r1')])), 'sometimes');
  // A control dependency does not order two loads.
  assert.equal(outcome(mp([st('x', 1), fence('wmb'), st('y', 1)], [ld('y', 'r0'), ifEq('r0', 1, [ld('x', 'r1')])])), 'sometimes');
});

test('SB: allowed with once accesses, forbidden with smp_mb on both sides, allowed with one', () => {
  const sb = (a: Instr[], b: Instr[]): Program => prog(['x', 'y'], [a, b], and(reg(0, 'r0', 0), reg(1, 'r1', 0)));
  assert.equal(outcome(sb([st('x', 1), ld('y', 'r0')], [st('y', 1), ld('x', 'r1')])), 'sometimes');
  assert.equal(outcome(sb([st('x', 1), fence('mb'), ld('y', 'r0')], [st('y', 1), fence('mb'), ld('x', 'r1')])), 'never');
  assert.equal(outcome(sb([st('x', 1), fence('mb'), ld('y', 'r0')], [st('y', 1), ld('x', 'r1')])), 'sometimes');
  // Release/acquire do not order a store before a later load.
  assert.equal(outcome(sb([st('x', 1, 'rel'), ld('y', 'r0', 'acq')], [st('y', 1, 'rel'), ld('x', 'r1', 'acq')])), 'sometimes');
});

test('LB: allowed without dependencies (the reads see the later writes), forbidden with data or control dependencies', () => {
  const lb = (a: Instr[], b: Instr[]): Program => prog(['x', 'y'], [a, b], and(reg(0, 'r0', 1), reg(1, 'r1', 1)));
  assert.equal(outcome(lb([ld('x', 'r0'), st('y', 1)], [ld('y', 'r1'), st('x', 1)])), 'sometimes');
  assert.equal(outcome(lb([ld('x', 'r0'), ifEq('r0', 1, [st('y', 1)])], [ld('y', 'r1'), ifEq('r1', 1, [st('x', 1)])])), 'never');
  const lbData = prog(['x', 'y'], [[ld('x', 'r0'), st('y', 'r0')], [ld('y', 'r1'), st('x', 1)]], and(reg(0, 'r0', 1), reg(1, 'r1', 1)));
  // One dependency is not enough: the other side's load and store may still be reordered.
  assert.equal(outcome(lbData), 'sometimes');
  const lbBoth = prog(['x', 'y'], [[ld('x', 'r0'), st('y', 'r0')], [ld('y', 'r1'), ifEq('r1', 1, [st('x', 1)])]], and(reg(0, 'r0', 1), reg(1, 'r1', 1)));
  assert.equal(outcome(lbBoth), 'never');
  // Acquire on one side and release on the other also forbid it.
  assert.equal(outcome(lb([ld('x', 'r0', 'acq'), st('y', 1)], [ld('y', 'r1'), st('x', 1, 'rel')])), 'never');
});

test('WRC and ISA2: release is A-cumulative, so causality chains through a third thread hold', () => {
  const wrc = (mid: Instr[]): Program => prog(['x', 'y'], [[st('x', 1)], mid, [ld('y', 'r1'), fence('rmb'), ld('x', 'r2')]],
    and(reg(1, 'r0', 1), reg(2, 'r1', 1), reg(2, 'r2', 0)));
  assert.equal(outcome(wrc([ld('x', 'r0'), st('y', 1, 'rel')])), 'never');
  assert.equal(outcome(wrc([ld('x', 'r0'), fence('wmb'), st('y', 1)])), 'sometimes');
  const isa2 = prog(['x', 'y', 'z'], [
    [st('x', 1), st('y', 1, 'rel')],
    [ld('y', 'r0', 'acq'), st('z', 1, 'rel')],
    [ld('z', 'r1', 'acq'), ld('x', 'r2')],
  ], and(reg(1, 'r0', 1), reg(2, 'r1', 1), reg(2, 'r2', 0)));
  assert.equal(outcome(isa2), 'never');
});

test('IRIW: readers may disagree on the order of independent writes unless both use smp_mb', () => {
  const iriw = (f: Instr[]): Program => prog(['x', 'y'], [[st('x', 1)], [ld('x', 'r0'), ...f, ld('y', 'r1')], [st('y', 1)], [ld('y', 'r0'), ...f, ld('x', 'r1')]],
    and(reg(1, 'r0', 1), reg(1, 'r1', 0), reg(3, 'r0', 1), reg(3, 'r1', 0)));
  assert.equal(outcome(iriw([fence('rmb')])), 'sometimes');
  assert.equal(outcome(iriw([fence('mb')])), 'never');
});

test('2+2W, R and S: write-write and write-read cycles need strong fences or release/acquire', () => {
  const w22 = (f: Instr[]): Program => prog(['x', 'y'], [[st('x', 1), ...f, st('y', 2)], [st('y', 1), ...f, st('x', 2)]], and(mem('x', 1), mem('y', 1)));
  assert.equal(outcome(w22([])), 'sometimes');
  assert.equal(outcome(w22([fence('mb')])), 'never');
  const rShape = (f: Instr[]): Program => prog(['x', 'y'], [[st('x', 1), fence('mb'), st('y', 1)], [st('y', 2), ...f, ld('x', 'r0')]], and(mem('y', 2), reg(1, 'r0', 0)));
  assert.equal(outcome(rShape([fence('mb')])), 'never');
  assert.equal(outcome(rShape([])), 'sometimes');
  const sShape = (rel: Mode, acq: Mode): Program => prog(['x', 'y'], [[st('x', 2), st('y', 1, rel)], [ld('y', 'r0', acq), st('x', 1)]], and(mem('x', 2), reg(1, 'r0', 1)));
  assert.equal(outcome(sShape('rel', 'acq')), 'never');
  assert.equal(outcome(sShape('rlx', 'rlx')), 'sometimes');
});

test('coherence: reads of one location never go back in coherence order; an RMW reads its co-predecessor', () => {
  const corr = prog(['x'], [[st('x', 1)], [ld('x', 'r0'), ld('x', 'r1')]], and(reg(1, 'r0', 1), reg(1, 'r1', 0)));
  assert.equal(outcome(corr), 'never');
  const inc = (m: Mode): Instr => ({ k: 'rmw', loc: 'x', op: 'add', val: c(1), mo: m, reg: 'r0' });
  const twoIncs = prog(['x'], [[inc('rlx')], [inc('sc')]], mem('x', 2));
  assert.equal(outcome(twoIncs), 'always');
  assert.equal(enumerateLkmm(twoIncs).length, 2);
});

test('a failed cmpxchg orders nothing; a successful one is a full barrier; smp_mb__after_atomic orders a failed one', () => {
  const sb = (mid: Instr[]): Program => prog(['x', 'y', 'z'], [[st('x', 1), ...mid, ld('y', 'r0')], [st('y', 1), fence('mb'), ld('x', 'r1')]],
    and(reg(0, 'r0', 0), reg(1, 'r1', 0)));
  assert.equal(outcome(sb([cmpxchg('z', 1, 2, 'sc')])), 'sometimes'); // z is 0: always fails
  assert.equal(outcome(sb([cmpxchg('z', 0, 2, 'sc')])), 'never'); // always succeeds
  assert.equal(outcome(sb([cmpxchg('z', 0, 2, 'rlx')])), 'sometimes');
  assert.equal(outcome(sb([cmpxchg('z', 1, 2, 'sc'), fence('after_atomic')])), 'never');
  // A void atomic_inc with smp_mb__before_atomic orders the earlier store before itself and later accesses.
  assert.equal(outcome(sb([fence('before_atomic'), { k: 'rmw', loc: 'z', op: 'add', val: c(1), mo: 'rlx', noreturn: true }])), 'never');
  assert.equal(outcome(sb([{ k: 'rmw', loc: 'z', op: 'add', val: c(1), mo: 'rlx', noreturn: true }])), 'sometimes');
});

test('plain accesses: unordered conflicting accesses race; a release/acquire handoff with a control dependency does not', () => {
  const racy = prog(['x'], [[st('x', 1, 'na')], [ld('x', 'r0', 'na')]]);
  const xs = enumerateLkmm(racy);
  assert.equal(xs.length, 2);
  assert.ok(xs.every(g => g.races.length === 1 && g.races[0][0] === '0:0' && g.races[0][1] === '1:0'));
  const handoff = prog(['x', 'y'], [[st('x', 1, 'na'), st('y', 1, 'rel')], [ld('y', 'r0', 'acq'), ifEq('r0', 1, [ld('x', 'r1', 'na')])]]);
  const ys = enumerateLkmm(handoff);
  assert.ok(ys.length === 2 && ys.every(g => g.races.length === 0), JSON.stringify(ys.map(g => g.races)));
  // Reading the payload whatever the flag says races when the flag was not seen.
  const eager = prog(['x', 'y'], [[st('x', 1, 'na'), st('y', 1, 'rel')], [ld('y', 'r0', 'acq'), ld('x', 'r1', 'na')]]);
  const zs = enumerateLkmm(eager);
  assert.ok(zs.some(g => g.races.length > 0) && zs.some(g => g.races.length === 0));
  for (const g of zs) assert.equal(g.races.length > 0, g.registers![1].r0 !== 1);
});

test('spin locks: plain increments under one lock never race and always add up', () => {
  const body: Instr[] = [spinLock('s'), ld('n', 'r0', 'na'), { k: 'store', loc: 'n', val: bin('+', r('r0'), c(1)), mo: 'na' }, spinUnlock('s')];
  const locked = prog(['s', 'n'], [body, body], mem('n', 2));
  const xs = enumerateLkmm(locked);
  assert.equal(xs.length, 2); // which thread takes the lock first
  assert.ok(xs.every(g => g.races.length === 0));
  assert.equal(outcome(locked), 'always');
  const unlocked = prog(['n'], [body.slice(1, 3), body.slice(1, 3)], mem('n', 2));
  assert.ok(enumerateLkmm(unlocked).some(g => g.races.length > 0));
});

test('RCU: a grace period waits for a read-side critical section that started before it', () => {
  // P0: rcu_read_lock; r0 = READ_ONCE(x); r1 = READ_ONCE(y); rcu_read_unlock
  // P1: WRITE_ONCE(y, 1); synchronize_rcu(); WRITE_ONCE(x, 1)
  const rcu = prog(['x', 'y'], [
    [fence('rcu_read_lock'), ld('x', 'r0'), ld('y', 'r1'), fence('rcu_read_unlock')],
    [st('y', 1), fence('synchronize_rcu'), st('x', 1)],
  ], and(reg(0, 'r0', 1), reg(0, 'r1', 0)));
  assert.equal(outcome(rcu), 'never');
  const noRcu = prog(['x', 'y'], [[ld('x', 'r0'), ld('y', 'r1')], [st('y', 1), fence('synchronize_rcu'), st('x', 1)]], and(reg(0, 'r0', 1), reg(0, 'r1', 0)));
  assert.equal(outcome(noRcu), 'sometimes');
});

test('address dependency: a pointer published after smp_wmb is dereferenced in order', () => {
  // p points at z at first; P0 sets x then publishes &x in p; P1 reads p and dereferences it.
  const mk = (f: Instr[]): Program => {
    const p = prog(['x', 'z', 'p'], [
      [st('x', 1), ...f, { k: 'store', loc: 'p', val: c(0), mo: 'rlx' }],
      [ld('p', 'r0'), { k: 'load', loc: '*r0', addr: r('r0'), reg: 'r1', mo: 'rlx' }],
    ]);
    p.locations[2].init = addressOf(p, 'z');
    (p.threads[0].body[p.threads[0].body.length - 1] as { val: unknown }).val = c(addressOf(p, 'x'));
    p.condition = { quantifier: 'exists', cond: and(reg(1, 'r0', addressOf(p, 'x')), reg(1, 'r1', 0)) };
    return p;
  };
  assert.equal(outcome(mk([fence('wmb')])), 'never');
  assert.equal(outcome(mk([])), 'sometimes');
});

test('dependencies carry through plain memory (carry-dep): a plain store then load keeps the data dependency', () => {
  // P0: r0 = READ_ONCE(x); plain t = r0; r1 = plain t; WRITE_ONCE(y, r1)   P1: LB partner with acquire.
  const p = prog(['x', 'y', 't'], [
    [ld('x', 'r0'), st('t', 'r0', 'na'), ld('t', 'r1', 'na'), st('y', 'r1')],
    [ld('y', 'r2', 'acq'), st('x', 1)],
  ], and(reg(0, 'r0', 1), reg(1, 'r2', 1)));
  assert.equal(outcome(p), 'never');
  // Storing a constant instead breaks the chain: load buffering is allowed again.
  const q = prog(['x', 'y', 't'], [
    [ld('x', 'r0'), st('t', 'r0', 'na'), ld('t', 'r1', 'na'), st('y', 1)],
    [ld('y', 'r2', 'acq'), st('x', 1)],
  ], and(reg(0, 'r0', 1), reg(1, 'r2', 1)));
  assert.equal(outcome(q), 'sometimes');
});

test('smp_rmb does not order the read of a void atomic (Noreturn)', () => {
  // MP where the reader's first read is atomic_inc's read: rmb leaves it unordered.
  const mk = (first: Instr): Program => prog(['x', 'y'], [[st('x', 1), fence('wmb'), st('y', 1)], [first, fence('rmb'), ld('x', 'r1')]],
    and(mem('y', 2), reg(1, 'r1', 0)));
  assert.equal(outcome(mk({ k: 'rmw', loc: 'y', op: 'add', val: c(1), mo: 'rlx', noreturn: true })), 'sometimes');
  assert.equal(outcome(mk({ k: 'rmw', loc: 'y', op: 'add', val: c(1), mo: 'rlx', reg: 'r0' })), 'never');
});

test('locks: smp_mb__after_spinlock makes lock acquisition a full barrier; unlock+lock orders stores on one CPU', () => {
  // SB where P0's store is before spin_lock and its load inside the section.
  const sb = (extra: Instr[]): Program => prog(['x', 'y', 's'], [
    [st('x', 1), spinLock('s'), ...extra, ld('y', 'r0'), spinUnlock('s')],
    [st('y', 1), fence('mb'), ld('x', 'r1')],
  ], and(reg(0, 'r0', 0), reg(1, 'r1', 0)));
  assert.equal(outcome(sb([])), 'sometimes');
  assert.equal(outcome(sb([fence('after_spinlock')])), 'never');
  // po-unlock-lock-po: two critical sections of different locks on one CPU order its stores (MP).
  const twoLocks = prog(['x', 'y', 's', 't'], [
    [spinLock('s'), st('x', 1), spinUnlock('s'), spinLock('t'), st('y', 1), spinUnlock('t')],
    [ld('y', 'r0'), fence('rmb'), ld('x', 'r1')],
  ], and(reg(1, 'r0', 1), reg(1, 'r1', 0)));
  assert.equal(outcome(twoLocks), 'never');
});

test('plain accesses: a payload published with wmb/rmb around marked flag accesses does not race when read under the flag', () => {
  const p = prog(['x', 'y'], [
    [st('x', 1, 'na'), fence('wmb'), st('y', 1)],
    [ld('y', 'r0'), fence('rmb'), ifEq('r0', 1, [ld('x', 'r1', 'na')])],
  ]);
  const xs = enumerateLkmm(p);
  assert.ok(xs.length >= 2);
  assert.ok(xs.every(g => g.races.length === 0), JSON.stringify(xs.map(g => g.races)));
  for (const g of xs) if (g.registers![1].r0 === 1) assert.equal(g.registers![1].r1, 1);
  // Without the rmb the reader's plain load may be satisfied early: a race.
  const q = prog(['x', 'y'], [
    [st('x', 1, 'na'), fence('wmb'), st('y', 1)],
    [ld('y', 'r0'), ifEq('r0', 1, [ld('x', 'r1', 'na')])],
  ]);
  assert.ok(enumerateLkmm(q).some(g => g.races.length > 0));
});

test('load buffering through control dependencies: forbidden with marked reads, allowed (and racy) when one read is plain', () => {
  const lb = (first: Mode): Program => prog(['x', 'y'], [
    [ld('x', 'r0', first), ifEq('r0', 1, [st('y', 1)])],
    [ld('y', 'r1'), st('x', 'r1', 'rel')],
  ], and(reg(0, 'r0', 1), reg(1, 'r1', 1)));
  assert.equal(outcome(lb('rlx')), 'never');
  // The plain read is not in hb, so the cycle ctrl ; rfe ; data ; rfe is not one of hb.
  const plain = lb('na');
  assert.equal(outcome(plain), 'sometimes');
  const cyc = enumerateLkmm(plain).find(g => g.registers![0].r0 === 1)!;
  assert.deepEqual(cyc.races, [['0:0', '1:1']]);
});
