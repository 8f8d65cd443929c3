// Hand-checked LKMM answers on the classic shapes. Each expectation was worked out from the axioms
// of linux-kernel.cat (the comment says which relation decides it); where the kernel's
// tools/memory-model/litmus-tests has the same test its Result line agrees.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { explore } from '../../server/src/memory/explore';
import type { Cond, Expr, Instr, KernelFence, Mode, Program } from '../../server/src/memory/ir';
import { addressOf, c, r, bin } from '../../server/src/memory/ir';

const A = (name: string, init = 0) => ({ name, init, atomic: true });
const all = (...cs: Cond[]): Cond => cs.reduce((a, b) => ({ k: 'and', a, b }));
const reg = (thread: number, rg: string, v: number): Cond => ({ k: 'eqReg', thread, reg: rg, v });
const loc = (l: string, v: number): Cond => ({ k: 'eqLoc', loc: l, v });
const ld = (rg: string, l: string, mo: Mode = 'rlx'): Instr => ({ k: 'load', reg: rg, loc: l, mo });
const st = (l: string, v: number | Expr, mo: Mode = 'rlx'): Instr => ({ k: 'store', loc: l, val: typeof v === 'number' ? c(v) : v, mo });
const f = (kernel: KernelFence): Instr => ({ k: 'fence', mo: 'sc', kernel });
const when = (cond: Expr, ...then: Instr[]): Instr => ({ k: 'if', cond, then, else: [] });

function prog(name: string, locs: string[], threads: Instr[][], cond: Cond, inits: Record<string, number> = {}): Program {
  return {
    name, locations: locs.map(l => A(l, inits[l] ?? 0)),
    threads: threads.map((body, i) => ({ name: `P${i}`, body })),
    condition: { quantifier: 'exists', cond },
  };
}
const lkmm = (p: Program) => explore(p, { model: 'lkmm' });
const outcome = (p: Program) => lkmm(p).condition?.outcome;

// ---- MP ----------------------------------------------------------------------------------------
const mp = (w: Instr[], rd: Instr[]): Program =>
  prog('MP', ['x', 'y'], [w, rd], all(reg(1, 'r0', 1), reg(1, 'r1', 0)));

test('MP: once accesses allow the stale read (MP+poonceonces: Sometimes)', () => {
  const res = lkmm(mp([st('x', 1), st('y', 1)], [ld('r0', 'y'), ld('r1', 'x')]));
  assert.equal(res.model, 'lkmm');
  assert.equal(res.executions, 4);
  assert.equal(res.condition?.outcome, 'sometimes');
  assert.equal(res.condition?.trace?.model, 'lkmm');
});

test('MP: smp_wmb + smp_rmb forbid it (MP+fencewmbonceonce+fencermbonceonce: Never); either alone does not', () => {
  assert.equal(outcome(mp([st('x', 1), f('wmb'), st('y', 1)], [ld('r0', 'y'), f('rmb'), ld('r1', 'x')])), 'never');
  assert.equal(outcome(mp([st('x', 1), f('wmb'), st('y', 1)], [ld('r0', 'y'), ld('r1', 'x')])), 'sometimes');
  assert.equal(outcome(mp([st('x', 1), st('y', 1)], [ld('r0', 'y'), f('rmb'), ld('r1', 'x')])), 'sometimes');
});

test('MP: smp_store_release + smp_load_acquire forbid it (MP+pooncerelease+poacquireonce: Never)', () => {
  const res = lkmm(mp([st('x', 1), st('y', 1, 'rel')], [ld('r0', 'y', 'acq'), ld('r1', 'x')]));
  assert.equal(res.condition?.outcome, 'never');
  assert.equal(res.executions, 3);
});

test('MP: a control dependency does not order a later load (ctrl only reaches writes)', () => {
  const p = mp([st('x', 1), f('wmb'), st('y', 1)], [ld('r0', 'y'), when(r('r0'), ld('r1', 'x'))]);
  assert.equal(outcome(p), 'sometimes');
});

test('MP through a pointer: an address dependency orders the dereference (MP+onceassign+derefonce: Never)', () => {
  // x holds a pointer (initially to z); P0 publishes &y in it, P1 dereferences what it read.
  const base: Program = { name: 'MP+addr', locations: [A('x'), A('y'), A('z')], threads: [], };
  const ay = addressOf(base, 'y'), az = addressOf(base, 'z');
  const reader: Instr[] = [ld('r0', 'x'), { k: 'load', reg: 'r1', loc: '*r0', mo: 'rlx', addr: r('r0') }];
  const mk = (pub: Instr[]): Program => ({
    ...base, locations: [A('x', az), A('y'), A('z')],
    threads: [{ name: 'P0', body: pub }, { name: 'P1', body: reader }],
    condition: { quantifier: 'exists', cond: all(reg(1, 'r0', ay), reg(1, 'r1', 0)) },
  });
  const released = lkmm(mk([st('y', 1), st('x', c(ay), 'rel')]));
  assert.equal(released.condition?.outcome, 'never');
  // r0 = &z (then r1 reads z = 0) or r0 = &y (then r1 reads y = 1 only): two executions.
  assert.equal(released.executions, 2);
  assert.equal(outcome(mk([st('y', 1), f('wmb'), st('x', c(ay))])), 'never');
  // Without ordering on the writer side the reader's dependency alone is not enough.
  assert.equal(outcome(mk([st('y', 1), st('x', c(ay))])), 'sometimes');
});

// ---- SB, LB ------------------------------------------------------------------------------------
const sb = (fence: Instr[]): Program =>
  prog('SB', ['x', 'y'], [[st('x', 1), ...fence, ld('r0', 'y')], [st('y', 1), ...fence, ld('r0', 'x')]], all(reg(0, 'r0', 0), reg(1, 'r0', 0)));

test('SB: only smp_mb forbids both loads reading 0 (SB+fencembonceonces: Never; SB+poonceonces: Sometimes)', () => {
  assert.equal(outcome(sb([])), 'sometimes');
  assert.equal(outcome(sb([f('wmb')])), 'sometimes');
  assert.equal(outcome(sb([f('rmb')])), 'sometimes');
  const mb = lkmm(sb([f('mb')]));
  assert.equal(mb.condition?.outcome, 'never'); // pb: fre ; mb ; fre ; mb is a cycle
  assert.equal(mb.executions, 3);
});

const lb = (t0: Instr[], t1: Instr[]): Program => prog('LB', ['x', 'y'], [t0, t1], all(reg(0, 'r0', 1), reg(1, 'r0', 1)));

test('LB: load buffering is allowed when nothing orders it (LB+poonceonces: Sometimes)', () => {
  const res = lkmm(lb([ld('r0', 'x'), st('y', 1)], [ld('r0', 'y'), st('x', 1)]));
  assert.equal(res.condition?.outcome, 'sometimes');
  assert.equal(res.executions, 4);
  // The witness reads from writes that come later in program order: the trace says it is not a timeline.
  assert.match(res.condition?.trace?.orderNote ?? '', /not a timeline/);
});

test('LB: control dependencies order the later stores (LB+ctrlonceonce+...: Never), one side alone does not', () => {
  // The branch is always taken (values are 0 or 1), so the stores happen either way and only the
  // dependency can forbid the cycle; with `r0 == 1` the value 1 could never appear at all.
  const ctrl = (rd: string, wr: string): Instr[] => [ld('r0', rd), when(bin('>=', r('r0'), c(0)), st(wr, 1))];
  assert.equal(outcome(lb(ctrl('x', 'y'), ctrl('y', 'x'))), 'never');
  assert.equal(outcome(lb(ctrl('x', 'y'), [ld('r0', 'y'), st('x', 1)])), 'sometimes');
  assert.equal(outcome(lb(ctrl('x', 'y'), [ld('r0', 'y'), f('mb'), st('x', 1)])), 'never'); // LB+fencembonceonce+ctrlonceonce
});

test('LB: data dependencies order the stores (LB+datas: Never), a dependency on one side only does not', () => {
  // The stored value is always 1 but is computed from the register read: a data dependency, as herd counts them.
  const data = (rd: string, wr: string): Instr[] => [ld('r0', rd), st(wr, bin('+', bin('&', r('r0'), c(0)), c(1)))];
  const plainPo = (rd: string, wr: string): Instr[] => [ld('r0', rd), st(wr, 1)];
  assert.equal(outcome(lb(data('x', 'y'), data('y', 'x'))), 'never');
  assert.equal(outcome(lb(data('x', 'y'), plainPo('y', 'x'))), 'sometimes');
  assert.equal(outcome(lb(plainPo('x', 'y'), plainPo('y', 'x'))), 'sometimes');
});

// ---- multi-thread shapes -----------------------------------------------------------------------
test('WRC: release on the middle thread and smp_rmb on the last forbid it (WRC+pooncerelease+fencermbonceonce+Once: Never)', () => {
  const wrc = (mid: Mode, last: Instr[]): Program => prog('WRC', ['x', 'y'], [
    [st('x', 1)],
    [ld('r0', 'x'), st('y', 1, mid)],
    [ld('r1', 'y'), ...last, ld('r2', 'x')],
  ], all(reg(1, 'r0', 1), reg(2, 'r1', 1), reg(2, 'r2', 0)));
  assert.equal(outcome(wrc('rlx', [])), 'sometimes'); // WRC+poonceonces+Once
  assert.equal(outcome(wrc('rel', [f('rmb')])), 'never'); // prop(r2, r1) & int closes an hb cycle with rmb
  assert.equal(outcome(wrc('rlx', [f('rmb')])), 'sometimes');
});

test('ISA2: a release/acquire chain through three threads (ISA2+pooncerelease+poacquirerelease+poacquireonce: Never)', () => {
  const isa2 = (rel: Mode, acq: Mode): Program => prog('ISA2', ['x', 'y', 'z'], [
    [st('x', 1), st('y', 1, rel)],
    [ld('r0', 'y', acq), st('z', 1, rel)],
    [ld('r1', 'z', acq), ld('r2', 'x')],
  ], all(reg(1, 'r0', 1), reg(2, 'r1', 1), reg(2, 'r2', 0)));
  assert.equal(outcome(isa2('rel', 'acq')), 'never');
  assert.equal(outcome(isa2('rlx', 'rlx')), 'sometimes');
});

test('IRIW: readers disagree on the order of independent writes unless both use smp_mb (IRIW+fencembonceonces+OnceOnce: Never)', () => {
  const iriw = (fence: Instr[], mo: Mode = 'rlx'): Program => prog('IRIW', ['x', 'y'], [
    [st('x', 1)],
    [ld('r0', 'x', mo), ...fence, ld('r1', 'y', mo)],
    [st('y', 1)],
    [ld('r2', 'y', mo), ...fence, ld('r3', 'x', mo)],
  ], all(reg(1, 'r0', 1), reg(1, 'r1', 0), reg(3, 'r2', 1), reg(3, 'r3', 0)));
  assert.equal(outcome(iriw([])), 'sometimes'); // IRIW+poonceonces+OnceOnce
  assert.equal(outcome(iriw([f('rmb')])), 'sometimes'); // rmb is not a strong fence
  assert.equal(outcome(iriw([], 'acq')), 'sometimes');
  const mb = lkmm(iriw([f('mb')]));
  assert.equal(mb.condition?.outcome, 'never');
  assert.equal(mb.executions, 15);
});

test('2+2W: smp_mb on both sides forbids it, smp_wmb does not (2+2W+fencembonceonces: Never)', () => {
  const w22 = (fence: Instr[]): Program => prog('2+2W', ['x', 'y'], [
    [st('x', 1), ...fence, st('y', 2)],
    [st('y', 1), ...fence, st('x', 2)],
  ], all(loc('x', 1), loc('y', 1)));
  assert.equal(outcome(w22([])), 'sometimes');
  // wmb orders each thread's writes (ppo) but prop has a single leading coe, so no hb or pb cycle.
  assert.equal(outcome(w22([f('wmb')])), 'sometimes');
  assert.equal(outcome(w22([f('mb')])), 'never'); // pb: coe ; mb twice
});

test('R: needs smp_mb on both threads (R+fencembonceonces: Never)', () => {
  const rr = (f0: Instr[], f1: Instr[]): Program => prog('R', ['x', 'y'], [
    [st('x', 1), ...f0, st('y', 1)],
    [st('y', 2), ...f1, ld('r0', 'x')],
  ], all(loc('y', 2), reg(1, 'r0', 0)));
  assert.equal(outcome(rr([], [])), 'sometimes');
  assert.equal(outcome(rr([f('wmb')], [f('mb')])), 'sometimes'); // pb needs a strong fence on the writer too
  assert.equal(outcome(rr([f('mb')], [f('mb')])), 'never');
});

test('S: smp_wmb against an acquire forbids it (S+fencewmbonceonce+poacquireonce: Never)', () => {
  const s = (f0: Instr[], acq: Mode): Program => prog('S', ['x', 'y'], [
    [st('x', 2), ...f0, st('y', 1)],
    [ld('r0', 'y', acq), st('x', 1)],
  ], all(loc('x', 2), reg(1, 'r0', 1)));
  assert.equal(outcome(s([], 'rlx')), 'sometimes'); // S+poonceonces
  assert.equal(outcome(s([f('wmb')], 'acq')), 'never'); // prop(x1, r0) & int against acq-po
  assert.equal(outcome(s([f('wmb')], 'rlx')), 'sometimes');
});

// ---- coherence ---------------------------------------------------------------------------------
test('coherence: CoRR, CoWW, CoRW and CoWR forbid their shapes even with once accesses', () => {
  assert.equal(outcome(prog('CoRR', ['x'], [[st('x', 1)], [ld('r0', 'x'), ld('r1', 'x')]], all(reg(1, 'r0', 1), reg(1, 'r1', 0)))), 'never');
  assert.equal(outcome(prog('CoWW', ['x'], [[st('x', 1), st('x', 2)]], loc('x', 1))), 'never');
  assert.equal(outcome(prog('CoRW1', ['x'], [[ld('r0', 'x'), st('x', 1)]], reg(0, 'r0', 1))), 'never');
  assert.equal(outcome(prog('CoRW2', ['x'], [[ld('r0', 'x'), st('x', 1)], [st('x', 2)]], all(reg(0, 'r0', 2), loc('x', 2)))), 'never');
  assert.equal(outcome(prog('CoWR', ['x'], [[st('x', 1), ld('r0', 'x')], [st('x', 2)]], all(reg(0, 'r0', 2), loc('x', 1)))), 'never');
  // The allowed outcomes stay allowed.
  assert.equal(outcome(prog('CoRR', ['x'], [[st('x', 1)], [ld('r0', 'x'), ld('r1', 'x')]], all(reg(1, 'r0', 0), reg(1, 'r1', 1)))), 'sometimes');
});

// ---- RMWs --------------------------------------------------------------------------------------
test('cmpxchg: a successful one is fully ordered, a failed one orders nothing', () => {
  const sbCas = (zInit: number): Program => prog('SB+cmpxchg', ['x', 'y', 'z'], [
    [st('x', 1), { k: 'cas', reg: 'r1', loc: 'z', expected: c(0), desired: c(1), succ: 'sc', fail: 'rlx' }, ld('r0', 'y')],
    [st('y', 1), f('mb'), ld('r0', 'x')],
  ], all(reg(0, 'r0', 0), reg(1, 'r0', 0)), { z: zInit });
  assert.equal(outcome(sbCas(0)), 'never');     // succeeds: smp_mb on both sides of it
  assert.equal(outcome(sbCas(1)), 'sometimes'); // fails: just a READ_ONCE of z
  // A failed cmpxchg is still an RMW for smp_mb__after_atomic (kernel test cmpxchg-fail-ordered-1: Never).
  const ordered = sbCas(1);
  ordered.threads[0].body.splice(2, 0, f('after_atomic'));
  assert.equal(outcome(ordered), 'never');
});

test('RMWs: value-returning atomics are fully ordered, _relaxed and void ones are not', () => {
  const sbRmw = (mo: Mode, noreturn: boolean): Program => prog('SB+rmw', ['x', 'y', 'z'], [
    [st('x', 1), { k: 'rmw', reg: noreturn ? undefined : 'r1', loc: 'z', op: 'add', val: c(1), mo, noreturn }, ld('r0', 'y')],
    [st('y', 1), f('mb'), ld('r0', 'x')],
  ], all(reg(0, 'r0', 0), reg(1, 'r0', 0)));
  assert.equal(outcome(sbRmw('sc', false)), 'never');       // atomic_add_return
  assert.equal(outcome(sbRmw('rlx', false)), 'sometimes');  // atomic_add_return_relaxed
  assert.equal(outcome(sbRmw('rlx', true)), 'sometimes');   // atomic_add
  // smp_mb__before_atomic / __after_atomic make the void atomic a full barrier.
  const p = sbRmw('rlx', true);
  p.threads[0].body.splice(1, 0, f('before_atomic'));
  p.threads[0].body.splice(3, 0, f('after_atomic'));
  assert.equal(outcome(p), 'never');
});

test('RMW atomicity: two atomic_inc never lose an update', () => {
  const inc: Instr = { k: 'rmw', loc: 'x', op: 'add', val: c(1), mo: 'rlx', noreturn: true };
  const res = lkmm(prog('inc', ['x'], [[inc], [inc]], loc('x', 1)));
  assert.equal(res.condition?.outcome, 'never');
  assert.equal(res.executions, 2);
});

// ---- locks and RCU -----------------------------------------------------------------------------
test('spin_lock: critical sections do not interleave; without the lock an increment is lost', () => {
  const lock: Instr = { k: 'cas', loc: 's', expected: c(0), desired: c(1), succ: 'acq', fail: 'rlx', lock: 'lock' };
  const unlock: Instr = { k: 'store', loc: 's', val: c(0), mo: 'rel', lock: 'unlock' };
  const body = (locked: boolean): Instr[] => [...(locked ? [lock] : []), ld('r0', 'x'), st('x', bin('+', r('r0'), c(1))), ...(locked ? [unlock] : [])];
  const locked = lkmm(prog('lock', ['x', 's'], [body(true), body(true)], loc('x', 1)));
  assert.equal(locked.condition?.outcome, 'never');
  assert.equal(locked.executions, 2);
  assert.equal(outcome(prog('nolock', ['x', 's'], [body(false), body(false)], loc('x', 1))), 'sometimes');
});

test('RCU: a reader that sees a write after synchronize_rcu sees everything before it', () => {
  const rcu = (gp: boolean): Program => prog('RCU-MP', ['x', 'y'], [
    [f('rcu_read_lock'), ld('r0', 'y'), ld('r1', 'x'), f('rcu_read_unlock')],
    [st('x', 1), ...(gp ? [f('synchronize_rcu')] : []), st('y', 1)],
  ], all(reg(0, 'r0', 1), reg(0, 'r1', 0)));
  assert.equal(outcome(rcu(true)), 'never');
  assert.equal(outcome(rcu(false)), 'sometimes');
});

// ---- plain accesses: data races ---------------------------------------------------------------
test('data race: a plain write and a plain read ordered by release/acquire plus a control dependency do not race', () => {
  const P = (name: string) => ({ name, init: 0, atomic: false });
  const mk = (rel: Mode, acq: Mode, guarded: boolean): Program => ({
    name: 'MP+plain', locations: [P('buf'), A('flag')],
    threads: [
      { name: 'P0', body: [st('buf', 1, 'na'), st('flag', 1, rel)] },
      { name: 'P1', body: [ld('r0', 'flag', acq), guarded ? when(r('r0'), ld('r1', 'buf', 'na')) : ld('r1', 'buf', 'na')] },
    ],
  });
  assert.deepEqual(lkmm(mk('rel', 'acq', true)).races, []);
  // Unguarded, the read can run while flag is still 0: it races with the write.
  const unguarded = lkmm(mk('rel', 'acq', false));
  assert.equal(unguarded.races.length, 1);
  assert.equal(unguarded.races[0].race.loc, 'buf');
  assert.equal(unguarded.races[0].trace.model, 'lkmm');
  assert.match(unguarded.races[0].race.explanation, /Linux kernel memory model/);
  // The race's steps point at the two accesses in its trace.
  const { race, trace } = unguarded.races[0];
  assert.deepEqual([trace.steps[race.a].label, trace.steps[race.b].label].sort(), [...race.labels].sort());
  assert.equal(trace.steps[race.a].loc, 'buf');
  assert.equal(trace.steps[race.b].loc, 'buf');
  // With once accesses on flag nothing orders the plain accesses even when guarded.
  assert.equal(lkmm(mk('rlx', 'rlx', true)).races.length, 1);
  // smp_wmb / smp_rmb bound the plain accesses just as well.
  const fenced = mk('rlx', 'rlx', false);
  fenced.threads[0].body.splice(1, 0, f('wmb'));
  fenced.threads[1].body = [ld('r0', 'flag'), when(r('r0'), f('rmb'), ld('r1', 'buf', 'na'))];
  assert.deepEqual(lkmm(fenced).races, []);
});

test('data race: two plain writes race unless a lock orders them', () => {
  const P = (name: string) => ({ name, init: 0, atomic: false });
  const lock: Instr = { k: 'cas', loc: 's', expected: c(0), desired: c(1), succ: 'acq', fail: 'rlx', lock: 'lock' };
  const unlock: Instr = { k: 'store', loc: 's', val: c(0), mo: 'rel', lock: 'unlock' };
  const mk = (locked: boolean): Program => ({
    name: 'WW', locations: [P('d'), A('s')],
    threads: [0, 1].map(i => ({ name: `P${i}`, body: [...(locked ? [lock] : []), st('d', i + 1, 'na'), ...(locked ? [unlock] : [])] })),
  });
  assert.equal(lkmm(mk(false)).races.length, 1);
  const locked = lkmm(mk(true));
  assert.deepEqual(locked.races, []);
  assert.equal(locked.executions, 2);
});

// ---- where RC11 and LKMM disagree on the same program -----------------------------------------
test('RC11 vs LKMM: relaxed load buffering is forbidden by RC11 and allowed by LKMM', () => {
  const p = lb([ld('r0', 'x'), st('y', 1)], [ld('r0', 'y'), st('x', 1)]);
  const rc11 = explore(p);
  const lk = explore(p, { model: 'lkmm' });
  assert.equal(rc11.model, 'rc11');
  assert.equal(rc11.condition?.outcome, 'never');
  assert.equal(lk.condition?.outcome, 'sometimes');
  assert.equal(rc11.executions, 3);
  assert.equal(lk.executions, 4);
});

test('RC11 vs LKMM: a store control-dependent on a relaxed RMW is ordered after it in LKMM only', () => {
  // S shape: P0 writes x=2 then releases y; P1's relaxed fetch_add reads y=1 and, only then, writes x=1.
  // LKMM: prop(x=1 -> r) is internal to P1 (coe ; po-rel ; rfe), ctrl orders r before x=1: hb cycle.
  // RC11: the relaxed RMW does not synchronize, so x=1 may come before x=2 in modification order.
  const p = prog('S+ctrl', ['x', 'y'], [
    [st('x', 2), st('y', 1, 'rel')],
    [{ k: 'rmw', reg: 'r0', loc: 'y', op: 'add', val: c(0), mo: 'rlx' }, when(bin('==', r('r0'), c(1)), st('x', 1))],
  ], all(loc('x', 2), reg(1, 'r0', 1)));
  assert.equal(explore(p).condition?.outcome, 'sometimes');
  assert.equal(explore(p, { model: 'lkmm' }).condition?.outcome, 'never');
});

test('model checks: kernel barriers need LKMM, C11 fences and SeqCst loads are rejected by it', () => {
  assert.throws(() => explore(sb([f('mb')])), /Linux kernel memory model/);
  assert.throws(() => lkmm(prog('F', ['x'], [[{ k: 'fence', mo: 'sc' }]], { k: 'true' })), /smp_mb/);
  assert.throws(() => lkmm(prog('L', ['x'], [[ld('r0', 'x', 'sc')]], { k: 'true' })), /cannot have mode sc/);
});

// ---- tests from the kernel's litmus-tests directory, rewritten in the IR -----------------------
const spinLock = (l: string): Instr => ({ k: 'cas', loc: l, expected: c(0), desired: c(1), succ: 'acq', fail: 'rlx', lock: 'lock' });
const spinUnlock = (l: string): Instr => ({ k: 'store', loc: l, val: c(0), mo: 'rel', lock: 'unlock' });

test('MP+unlocklockonceonce+fencermbonceonce (Result: Never): unlock then lock of another lock on one CPU orders stores', () => {
  const p = prog('MP+unlocklock', ['x', 'y', 's', 't'], [
    [spinLock('s'), st('x', 1), spinUnlock('s'), spinLock('t'), st('y', 1), spinUnlock('t')],
    [ld('r1', 'y'), f('rmb'), ld('r2', 'x')],
  ], all(reg(1, 'r1', 1), reg(1, 'r2', 0)));
  assert.equal(outcome(p), 'never');
  // Without the locks the same stores are unordered.
  const bare = prog('MP', ['x', 'y'], [[st('x', 1), st('y', 1)], [ld('r1', 'y'), f('rmb'), ld('r2', 'x')]], all(reg(1, 'r1', 1), reg(1, 'r2', 0)));
  assert.equal(outcome(bare), 'sometimes');
});

test('Z6.0 with locks: Sometimes without smp_mb__after_spinlock, Never with it (Z6.0+pooncelock+pooncelock+pombonce, ...+poonceLock+...)', () => {
  const z6 = (afterSpinlock: boolean): Program => prog('Z6.0', ['x', 'y', 'z', 'm'], [
    [spinLock('m'), st('x', 1), st('y', 1), spinUnlock('m')],
    [spinLock('m'), ...(afterSpinlock ? [f('after_spinlock')] : []), ld('r0', 'y'), st('z', 1), spinUnlock('m')],
    [st('z', 2), f('mb'), ld('r1', 'x')],
  ], all(reg(1, 'r0', 1), loc('z', 2), reg(2, 'r1', 0)));
  assert.equal(outcome(z6(false)), 'sometimes');
  assert.equal(outcome(z6(true)), 'never');
});

test('dependencies carried through plain accesses order a later store (after the kernel test dep+plain)', () => {
  // LB shape: P0 copies what READ_ONCE(x) returned through two plain variables and branches on the
  // copy (always taken) before WRITE_ONCE(y); P1 is acquire -> release. carry-dep (data ; rfi)*
  // makes the branch a control dependency of the READ_ONCE, which closes an hb cycle.
  const P = (name: string) => ({ name, init: 0, atomic: false });
  const mk = (dep: boolean): Program => ({
    name: 'dep+plain', locations: [A('x'), A('y'), P('z1'), P('z2')],
    threads: [
      { name: 'P0', body: [ld('a', 'x'), st('z1', r('a'), 'na'), ld('t', 'z1', 'na'), st('z2', r('t'), 'na'), ld('u', 'z2', 'na'), dep ? when(bin('>=', r('u'), c(0)), st('y', 1)) : st('y', 1)] },
      { name: 'P1', body: [ld('r', 'y', 'acq'), st('x', 1, 'rel')] },
    ],
    condition: { quantifier: 'exists', cond: all(reg(0, 'a', 1), reg(1, 'r', 1)) },
  });
  const res = lkmm(mk(true));
  assert.equal(res.condition?.outcome, 'never');
  assert.deepEqual(res.races, []);
  assert.equal(outcome(mk(false)), 'sometimes');
});

test('LB through branches on plain accesses: the cycle is a candidate, allowed, and a data race', () => {
  // With `if (r == 1)` the value 1 only exists if the cycle happens. Marked accesses: hb forbids it.
  // Plain accesses are outside hb, so LKMM allows it and flags the race (as herd does).
  const P = (name: string) => ({ name, init: 0, atomic: false });
  const mk = (mo: Mode): Program => ({
    name: 'LB+ctrl', locations: mo === 'na' ? [P('x'), P('y')] : [A('x'), A('y')],
    threads: [
      { name: 'P0', body: [ld('r0', 'x', mo), when(bin('==', r('r0'), c(1)), st('y', 1, mo))] },
      { name: 'P1', body: [ld('r0', 'y', mo), when(bin('==', r('r0'), c(1)), st('x', 1, mo))] },
    ],
    condition: { quantifier: 'exists', cond: all(reg(0, 'r0', 1), reg(1, 'r0', 1)) },
  });
  const marked = lkmm(mk('rlx'));
  assert.equal(marked.condition?.outcome, 'never');
  assert.equal(marked.executions, 1);
  const plain = lkmm(mk('na'));
  assert.equal(plain.condition?.outcome, 'sometimes');
  assert.equal(plain.races.length, 2);
});

test('smp_mb__after_unlock_lock makes an unlock+lock handoff a full barrier (Z6.0-like, Never with it, Sometimes without)', () => {
  // P1 takes the lock after P0 (it sees x=1 inside); P2 is SB against both. Without the barrier the
  // handoff gives hb but no strong fence, so pb has no cycle; with it, x=1 -> P1's read of y is one.
  const z6 = (barrier: boolean): Program => prog('unlock-lock', ['x', 'y', 's'], [
    [spinLock('s'), st('x', 1), spinUnlock('s')],
    [spinLock('s'), ...(barrier ? [f('after_unlock_lock')] : []), ld('r0', 'x'), ld('r1', 'y'), spinUnlock('s')],
    [st('y', 1), f('mb'), ld('r2', 'x')],
  ], all(reg(1, 'r0', 1), reg(1, 'r1', 0), reg(2, 'r2', 0)));
  assert.equal(outcome(z6(false)), 'sometimes');
  assert.equal(outcome(z6(true)), 'never');
});
