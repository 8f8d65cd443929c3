// Checks the axiomatic oracle itself against results worked out by hand from the RC11 axioms on
// classic litmus shapes, so that the differential test (explorer vs oracle) rests on an oracle that
// is trusted on its own. Each expected count below is derived in the comment next to it.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { enumerateExecutions, type OracleExecution } from './oracle/axiomatic';
import { canonicalGraph } from './oracle/canonical';
import { cas, fence, ld, prog, readsOf, rmw, st } from './oracle/build';
import { r, bin, c } from '../../server/src/memory/ir';

const outcomes = (xs: OracleExecution[]): string[] => xs.map(readsOf).sort();

test('MP relaxed: 4 executions, flag seen without data allowed', () => {
  // Each of the two reads may read init or the one store: 2 x 2, all consistent under rlx.
  const xs = enumerateExecutions(prog('MP', { x: true, y: true }, [
    [st('x', 1, 'rlx'), st('y', 1, 'rlx')],
    [ld('y', 'rlx'), ld('x', 'rlx')],
  ]));
  assert.equal(xs.length, 4);
  assert.ok(outcomes(xs).includes('1:0=1 1:1=0'));
  assert.deepEqual(xs.map(g => g.races), [[], [], [], []]);
});

test('MP release/acquire: flag seen without data forbidden', () => {
  // Reading y=1 makes the store of x hb-before the load of x, so reading init x is incoherent.
  const xs = enumerateExecutions(prog('MP+rel+acq', { x: true, y: true }, [
    [st('x', 1, 'rlx'), st('y', 1, 'rel')],
    [ld('y', 'acq'), ld('x', 'rlx')],
  ]));
  assert.deepEqual(outcomes(xs), ['1:0=0 1:1=0', '1:0=0 1:1=1', '1:0=1 1:1=1']);
});

test('MP with release/acquire fences: forbidden; with only one fence: allowed', () => {
  const mp = (f0: boolean, f1: boolean) => enumerateExecutions(prog('MP+fences', { x: true, y: true }, [
    [st('x', 1, 'rlx'), ...(f0 ? [fence('rel')] : []), st('y', 1, 'rlx')],
    [ld('y', 'rlx'), ...(f1 ? [fence('acq')] : []), ld('x', 'rlx')],
  ]));
  // The fence-to-fence sw edge needs both fences; the bad outcome's read ids depend on the fence.
  assert.equal(mp(true, true).length, 3);
  assert.ok(!outcomes(mp(true, true)).includes('1:0=1 1:2=0'));
  assert.ok(outcomes(mp(true, false)).includes('1:0=1 1:1=0'));
  assert.ok(outcomes(mp(false, true)).includes('1:0=1 1:2=0'));
});

test('SB: relaxed allows both reads of 0; sc forbids it; sc fences forbid it', () => {
  const sb = (m: 'rlx' | 'sc', fences: boolean) => enumerateExecutions(prog('SB', { x: true, y: true }, [
    [st('x', 1, m), ...(fences ? [fence('sc')] : []), ld('y', m)],
    [st('y', 1, m), ...(fences ? [fence('sc')] : []), ld('x', m)],
  ]));
  assert.equal(sb('rlx', false).length, 4);
  assert.ok(outcomes(sb('rlx', false)).includes('0:1=0 1:1=0'));
  // psc orders the two sc stores before the loads that fr-precede the other store: a cycle.
  assert.deepEqual(outcomes(sb('sc', false)), ['0:1=0 1:1=1', '0:1=1 1:1=0', '0:1=1 1:1=1']);
  assert.deepEqual(outcomes(sb('rlx', true)), ['0:2=0 1:2=1', '0:2=1 1:2=0', '0:2=1 1:2=1']);
});

test('LB: both loads reading the other thread\'s later store is forbidden (sb ∪ rf acyclic)', () => {
  const xs = enumerateExecutions(prog('LB', { x: true, y: true }, [
    [ld('x', 'rlx'), st('y', 1, 'rlx')],
    [ld('y', 'rlx'), st('x', 1, 'rlx')],
  ]));
  assert.deepEqual(outcomes(xs), ['0:0=0 1:0=0', '0:0=0 1:0=1', '0:0=1 1:0=0']);
});

test('LB with data dependencies: values cannot come out of thin air', () => {
  // Each store writes what its thread read; the only write values available are then 0.
  const xs = enumerateExecutions(prog('LB+data', { x: true, y: true }, [
    [ld('x', 'rlx', 'a'), st('y', r('a'), 'rlx')],
    [ld('y', 'rlx', 'b'), st('x', bin('+', r('b'), c(0)), 'rlx')],
  ]));
  assert.deepEqual(outcomes(xs), ['0:0=0 1:0=0', '0:0=0 1:0=0', '0:0=0 1:0=0']);
  // Three graphs that differ in rf even though the values agree.
  assert.equal(new Set(xs.map(canonicalGraph)).size, 3);
});

test('CoRR: a later read of one location cannot read an older write', () => {
  const xs = enumerateExecutions(prog('CoRR', { x: true }, [
    [st('x', 1, 'rlx')],
    [ld('x', 'rlx'), ld('x', 'rlx')],
  ]));
  assert.deepEqual(outcomes(xs), ['1:0=0 1:1=0', '1:0=0 1:1=1', '1:0=1 1:1=1']);
});

test('CoWW: two writers give two modification orders, each seen coherently', () => {
  const xs = enumerateExecutions(prog('2W', { x: true }, [
    [st('x', 1, 'rlx')],
    [st('x', 2, 'rlx')],
  ]));
  assert.deepEqual(xs.map(g => g.mo.x.join(',')).sort(), ['0:0,1:0', '1:0,0:0']);
  // Same-thread writes: mo must follow sb, one execution.
  assert.equal(enumerateExecutions(prog('CoWW', { x: true }, [[st('x', 1, 'rlx'), st('x', 2, 'rlx')]])).length, 1);
});

test('two fetch_adds: exactly 2 executions (atomicity), final value 2', () => {
  const xs = enumerateExecutions(prog('2FAA', { x: true }, [
    [rmw('x', 'add', 1, 'rlx')],
    [rmw('x', 'add', 1, 'rlx')],
  ]));
  assert.equal(xs.length, 2);
  for (const g of xs) {
    const last = g.mo.x[1];
    assert.equal(g.events.find(e => e.id === last)!.writeValue, 2);
    assert.equal(g.events.find(e => e.id === last)!.rf, g.mo.x[0]);
  }
});

test('two CAS(0 -> 1): strong, one wins (2 executions); weak adds spurious failures (5)', () => {
  const two = (weak: boolean) => enumerateExecutions(prog('2CAS', { x: true }, [
    [cas('x', 0, 1, 'acq_rel', 'rlx', weak)],
    [cas('x', 0, 1, 'acq_rel', 'rlx', weak)],
  ]));
  const kinds = (xs: OracleExecution[]) => xs.map(g => g.events.map(e => `${e.kind}${e.readValue}`).join(' ')).sort();
  assert.deepEqual(kinds(two(false)), ['R1 U0', 'U0 R1']);
  // Weak: also a loser that read 0 and failed spuriously, and both failing spuriously.
  assert.deepEqual(kinds(two(true)), ['R0 R0', 'R0 U0', 'R1 U0', 'U0 R0', 'U0 R1']);
  // The failed CAS is an R event with the failure mode.
  assert.ok(two(false).every(g => g.events.some(e => e.kind === 'R' && e.mode === 'rlx')));
});

test('IRIW: sc forbids the readers disagreeing on the order of the writes; acquire allows it', () => {
  const iriw = (m: 'sc' | 'acq', w: 'sc' | 'rel') => enumerateExecutions(prog('IRIW', { x: true, y: true }, [
    [st('x', 1, w)],
    [st('y', 1, w)],
    [ld('x', m), ld('y', m)],
    [ld('y', m), ld('x', m)],
  ]));
  const bad = '2:0=1 2:1=0 3:0=1 3:1=0';
  assert.equal(iriw('acq', 'rel').length, 16);
  assert.ok(outcomes(iriw('acq', 'rel')).includes(bad));
  assert.equal(iriw('sc', 'sc').length, 15);
  assert.ok(!outcomes(iriw('sc', 'sc')).includes(bad));
});

test('IRIW with relaxed accesses and sc fences between the reads: forbidden (needs psc_F)', () => {
  // The cycle between the two fences goes through fr; rf (eco), which scb alone does not contain.
  const xs = enumerateExecutions(prog('IRIW+scfences', { x: true, y: true }, [
    [st('x', 1, 'rlx')],
    [st('y', 1, 'rlx')],
    [ld('x', 'rlx'), fence('sc'), ld('y', 'rlx')],
    [ld('y', 'rlx'), fence('sc'), ld('x', 'rlx')],
  ]));
  assert.equal(xs.length, 15);
  assert.ok(!outcomes(xs).includes('2:0=1 2:2=0 3:0=1 3:2=0'));
});

test('non-atomic write and read in two threads race in every execution', () => {
  const xs = enumerateExecutions(prog('race', { d: false }, [
    [st('d', 1, 'na')],
    [ld('d', 'na')],
  ]));
  assert.equal(xs.length, 2);
  assert.deepEqual(xs.map(g => g.races), [[['0:0', '1:0']], [['0:0', '1:0']]]);
  // Two non-atomic reads never race.
  const reads = enumerateExecutions(prog('reads', { d: false }, [[ld('d', 'na')], [ld('d', 'na')]]));
  assert.deepEqual(reads.map(g => g.races), [[]]);
});

test('MP with plain payload: published rel/acq does not race when the flag is seen', () => {
  const mp = (wm: 'rel' | 'rlx', rm: 'acq' | 'rlx') => enumerateExecutions(prog('MP+na', { d: false, f: true }, [
    [st('d', 1, 'na'), st('f', 1, wm)],
    [ld('f', rm), ld('d', 'na')],
  ]));
  const summary = (xs: OracleExecution[]) => xs.map(g => `${readsOf(g)} races=${g.races.length}`).sort();
  // Flag seen: d is hb-after the payload write, must read 1, no race. Flag not seen: races.
  assert.deepEqual(summary(mp('rel', 'acq')), ['1:0=0 1:1=0 races=1', '1:0=0 1:1=1 races=1', '1:0=1 1:1=1 races=0']);
  // Relaxed flag: no synchronization, every execution races, and reading stale d is allowed.
  assert.deepEqual(summary(mp('rlx', 'acq')), ['1:0=0 1:1=0 races=1', '1:0=0 1:1=1 races=1', '1:0=1 1:1=0 races=1', '1:0=1 1:1=1 races=1']);
});

test('release sequence: an acquire reading a relaxed RMW after a release store synchronizes with it', () => {
  const xs = enumerateExecutions(prog('rs', { d: false, f: true }, [
    [st('d', 1, 'na'), st('f', 1, 'rel')],
    [rmw('f', 'add', 1, 'rlx')],
    [ld('f', 'acq'), ld('d', 'na')],
  ]));
  // Reading f=2 from the RMW that read the release store: in the release sequence, so no race.
  const seen2 = xs.filter(g => g.events.find(e => e.id === '2:0')!.readValue === 2);
  assert.ok(seen2.length > 0);
  for (const g of seen2) {
    assert.deepEqual(g.races, []);
    assert.equal(g.events.find(e => e.id === '2:1')!.readValue, 1);
  }
  // The RMW reading init and the store coming after it: f=1 read from the release store still
  // synchronizes, but reading f=1 from the RMW (which read init) does not.
  const fromRmw = xs.filter(g => g.events.find(e => e.id === '2:0')!.rf === '1:0' && g.events.find(e => e.id === '1:0')!.rf === 'init');
  assert.ok(fromRmw.length > 0 && fromRmw.every(g => g.races.length === 1));
});

test('control flow: a spin loop on an acquire flag sees the payload; assume keeps only matching reads', () => {
  // T1: r0 = flag.load(acq); while (r0 == 0) r0 = flag.load(acq) [bound 1]; r1 = data.load(na)
  const spin = prog('mp-spin', { data: false, flag: true }, [
    [st('data', 1, 'na'), st('flag', 1, 'rel')],
    [ld('flag', 'acq', 'r0'), { k: 'while', cond: bin('==', r('r0'), c(0)), body: [ld('flag', 'acq', 'r0')], bound: 1 }, ld('data', 'na', 'r1')],
  ]);
  const xs = enumerateExecutions(spin);
  // Exits the loop at once (reads 1) or after one more read (0 then 1); reading 0 twice exceeds the bound.
  assert.equal(xs.length, 2);
  for (const g of xs) {
    assert.deepEqual(g.races, []);
    assert.equal(g.registers![1].r1, 1);
  }
  // With a relaxed flag the payload read races and may see 0.
  const rlx = prog('mp-spin-rlx', { data: false, flag: true }, [
    [st('data', 1, 'na'), st('flag', 1, 'rlx')],
    [ld('flag', 'rlx', 'r0'), { k: 'assume', cond: bin('==', r('r0'), c(1)) }, ld('data', 'na', 'r1')],
  ]);
  const ys = enumerateExecutions(rlx);
  assert.deepEqual(ys.map(g => g.registers![1].r1 ?? 0).sort(), [0, 1]);
  assert.ok(ys.every(g => g.races.length === 1));
});

test('control flow: the branch taken decides which events exist', () => {
  // T1: r0 = x.load(rlx); if (r0 == 1) { y.store(1) } else { y.store(2) }
  const p = prog('branch', { x: true, y: true }, [
    [st('x', 1, 'rlx')],
    [ld('x', 'rlx', 'r0'), { k: 'if', cond: bin('==', r('r0'), c(1)), then: [st('y', 1, 'rlx')], else: [st('y', 2, 'rlx')] }],
  ]);
  const xs = enumerateExecutions(p);
  assert.deepEqual(xs.map(g => `${g.registers![1].r0 ?? 0}->${g.final!.y}`).sort(), ['0->2', '1->1']);
  // Both branches make their store event 1:1.
  assert.ok(xs.every(g => g.events.some(e => e.id === '1:1' && e.kind === 'W')));
  const q = prog('undeclared', { x: true }, [[ld('y', 'rlx')]]);
  assert.throws(() => enumerateExecutions(q), /undeclared location 'y'/);
});

test('an RMW reads from its immediate mo-predecessor, never from a write after it in mo', () => {
  // The exchange reads init (then the store is after it in mo: atomicity forbids the store in
  // between) or reads the store (then it must follow it in mo: rmw ⊆ sb makes U mo W rf U an
  // hb; eco cycle). Two executions, not three.
  const xs = enumerateExecutions(prog('rmw-mo', { x: true }, [
    [st('x', 1, 'rlx')],
    [rmw('x', 'xchg', 2, 'rlx')],
  ]));
  assert.deepEqual(xs.map(g => `${g.events[1].rf} mo=${g.mo.x.join(',')}`).sort(), ['0:0 mo=0:0,1:0', 'init mo=1:0,0:0']);
});
