// The kernel litmus dialect (tools/memory-model style tests) read into the engine's IR, checked by
// hand against the LKMM contract in memory/ir.ts; and its rejections, each with a position.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { LitmusError, parseLitmus, readLitmus } from '../../server/src/litmus/parse';
import { ADDRESS_BASE, addressOf, bin, c, r, type Instr } from '../../server/src/memory/ir';

const FIX = path.resolve(__dirname, '../../../test/fixtures/litmus-lkmm');
const fixture = (rel: string) => readLitmus(readFileSync(path.join(FIX, rel), 'utf8'), rel);

/** Structure without source tags. */
function strip<T>(x: T): T {
  return JSON.parse(JSON.stringify(x, (k, v) => (k === 'label' || k === 'line' ? undefined : v)));
}

const body = (src: string, thread = 0): Instr[] => strip(parseLitmus(src, 't.litmus').threads[thread].body);
const K = (threadBody: string, params = 'int *x, int *y, atomic_t *v, spinlock_t *s') => `C K\n{}\nP0(${params})\n{\n${threadBody}\n}\n`;

test('the dialect is read off the text; it can be forced', () => {
  assert.equal(readLitmus(K('  WRITE_ONCE(*x, 1);')).dialect, 'kernel');
  assert.equal(readLitmus('C T\n{ [x] = 0; }\nP0 (atomic_int* x) { atomic_store(x, 1); }\n').dialect, 'c11');
  // Only plain accesses: nothing says kernel, so it stays C11 (where it means the same).
  assert.equal(readLitmus('C T\n{}\nP0 (int* x) { *x = 1; }\n').dialect, 'c11');
  // atomic_fetch_add alone decides nothing: its C11 and kernel forms share the name.
  assert.equal(readLitmus('C T\n{ }\nP0 (atomic_int* x) { int r = atomic_fetch_add(x, 1); }\n').dialect, 'c11');
  assert.equal(readLitmus('C T\n{}\nP0(int *x) { *x = 1; }\n', 't', { dialect: 'kernel' }).dialect, 'kernel');
});

test('registers: declared at the top, with an initialiser, as pointers, or (as herd allows) not at all', () => {
  assert.deepEqual(body(K(`  int r0;
  int *p, r1 = READ_ONCE(*x);
  r0 = smp_load_acquire(y);
  r2 = r0 + r1;`)), [
    { k: 'load', reg: 'r1', loc: 'x', mo: 'rlx' },
    { k: 'load', reg: 'r0', loc: 'y', mo: 'acq' },
    { k: 'let', reg: 'r2', val: bin('+', r('r0'), r('r1')) },
  ]);
  const p = parseLitmus(`${K('  r2 = 1;')}exists (0:r2=1)\n`);
  assert.deepEqual(p.condition?.cond, { k: 'eqReg', thread: 0, reg: 'r2', v: 1 });
});

test('initial state: declarations without values, ATOMIC_INIT, pointers to locations declared later, register values', () => {
  const p = parseLitmus(`C K
{
  int x;
  spinlock_t s;
  atomic_t v = ATOMIC_INIT(3);
  y=z;
  z=5;
  int *p = &x;
  1:r0=2;
}
P0(int *x, int **y) { WRITE_ONCE(*x, 1); }
P1(int *z) { int r0; }
exists (y=z /\\ 1:r0=2)
`);
  const at = (name: string) => addressOf(p, name);
  assert.deepEqual(p.locations, [
    { name: 'x', init: 0, atomic: true },
    { name: 's', init: 0, atomic: true },
    { name: 'v', init: 3, atomic: true },
    { name: 'y', init: ADDRESS_BASE + 4, atomic: false },
    { name: 'z', init: 5, atomic: false },
    { name: 'p', init: ADDRESS_BASE, atomic: false },
  ]);
  assert.equal(at('z'), ADDRESS_BASE + 4);
  assert.deepEqual(strip(p.threads[1].body), [{ k: 'let', reg: 'r0', val: c(2) }]);
  assert.deepEqual(p.condition?.cond, { k: 'and', a: { k: 'eqLoc', loc: 'y', v: at('z') }, b: { k: 'eqReg', thread: 1, reg: 'r0', v: 2 } });
});

test('comments anywhere and a locations line are read past', () => {
  const p = parseLitmus(`C K (* after the name *)

(*
 * Result: Never
 *)

{} // empty state

P0(int *x) (* between *)
{
  WRITE_ONCE(*x, 1); /* block */
}

locations [0:r1; x] (* shown, not checked *)
exists
(x=1)
`);
  assert.equal(p.threads[0].body.length, 1);
  assert.deepEqual(p.condition, { quantifier: 'exists', cond: { k: 'eqLoc', loc: 'x', v: 1 } });
});

test('marked accesses, barriers and RCU', () => {
  assert.deepEqual(body(K(`  int r0 = READ_ONCE(*x);
  WRITE_ONCE(*y, r0);
  smp_store_release(x, 2);
  smp_store_mb(*y, 3);
  smp_mb(); smp_rmb(); smp_wmb();
  smp_mb__before_atomic(); smp_mb__after_atomic(); smp_mb__after_spinlock(); smp_mb__after_unlock_lock();
  rcu_read_lock();
  int r1 = rcu_dereference(*x);
  rcu_assign_pointer(*y, 4);
  rcu_read_unlock();
  synchronize_rcu();`)), [
    { k: 'load', reg: 'r0', loc: 'x', mo: 'rlx' },
    { k: 'store', loc: 'y', val: r('r0'), mo: 'rlx' },
    { k: 'store', loc: 'x', val: c(2), mo: 'rel' },
    { k: 'store', loc: 'y', val: c(3), mo: 'rlx' },
    { k: 'fence', mo: 'sc', kernel: 'mb' },
    ...(['mb', 'rmb', 'wmb', 'before_atomic', 'after_atomic', 'after_spinlock', 'after_unlock_lock', 'rcu_read_lock'] as const).map(kernel => ({ k: 'fence' as const, mo: 'sc' as const, kernel })),
    { k: 'load', reg: 'r1', loc: 'x', mo: 'rlx' },
    { k: 'store', loc: 'y', val: c(4), mo: 'rel' },
    { k: 'fence', mo: 'sc', kernel: 'rcu_read_unlock' },
    { k: 'fence', mo: 'sc', kernel: 'synchronize_rcu' },
  ]);
});

test('kernel atomics: void ones are unordered noreturn RMWs; value-returning ones fully ordered unless suffixed', () => {
  assert.deepEqual(body(K(`  atomic_inc(v);
  atomic_sub(2, v);
  int a = atomic_add_return(3, v);
  int b = atomic_fetch_or_relaxed(4, v);
  int d = atomic_dec_and_test(v);
  int e = atomic_xchg_acquire(v, 5);
  int f = atomic_cmpxchg_release(v, 1, 2);
  int g = atomic_read(v);
  atomic_set_release(v, g);
  int h = xchg(x, 6);
  int i = cmpxchg_relaxed(y, 0, 1);
  int j = atomic_inc_not_zero(v);`)), [
    { k: 'rmw', loc: 'v', op: 'add', val: c(1), mo: 'rlx', noreturn: true },
    { k: 'rmw', loc: 'v', op: 'sub', val: c(2), mo: 'rlx', noreturn: true },
    { k: 'rmw', reg: '$old0', loc: 'v', op: 'add', val: c(3), mo: 'sc' },
    { k: 'let', reg: 'a', val: bin('+', r('$old0'), c(3)) },
    { k: 'rmw', reg: 'b', loc: 'v', op: 'or', val: c(4), mo: 'rlx' },
    { k: 'rmw', reg: '$old2', loc: 'v', op: 'sub', val: c(1), mo: 'sc' },
    { k: 'let', reg: 'd', val: bin('==', r('$old2'), c(1)) },
    { k: 'rmw', reg: 'e', loc: 'v', op: 'xchg', val: c(5), mo: 'acq' },
    { k: 'cas', reg: 'f', loc: 'v', expected: c(1), desired: c(2), succ: 'rel', fail: 'rlx' },
    { k: 'load', reg: 'g', loc: 'v', mo: 'rlx' },
    { k: 'store', loc: 'v', val: r('g'), mo: 'rel' },
    { k: 'rmw', reg: 'h', loc: 'x', op: 'xchg', val: c(6), mo: 'sc' },
    { k: 'cas', reg: 'i', loc: 'y', expected: c(0), desired: c(1), succ: 'rlx', fail: 'rlx' },
    { k: 'update', oldReg: '$old8', okReg: 'j', loc: 'v', guard: bin('!=', r('$old8'), c(0)), next: bin('+', r('$old8'), c(1)), succ: 'sc', fail: 'rlx' },
  ]);
});

test('spinlocks follow the contract: lock = acquire CAS 0 -> 1, unlock = release store of 0', () => {
  assert.deepEqual(body(K(`  spin_lock(s);
  int ok = spin_trylock(s);
  int held = spin_is_locked(s);
  spin_unlock(s);`)), [
    { k: 'cas', loc: 's', expected: c(0), desired: c(1), succ: 'acq', fail: 'rlx', lock: 'lock' },
    { k: 'cas', okReg: 'ok', loc: 's', expected: c(0), desired: c(1), succ: 'acq', fail: 'rlx', lock: 'trylock' },
    { k: 'load', reg: '$r1', loc: 's', mo: 'rlx' },
    { k: 'let', reg: 'held', val: bin('!=', r('$r1'), c(0)) },
    { k: 'store', loc: 's', val: c(0), mo: 'rel', lock: 'unlock' },
  ]);
});

test('plain accesses and calls inside expressions are read first, left to right, into hidden registers', () => {
  assert.deepEqual(body(K(`  int r = READ_ONCE(*x) + *y;
  *y = *x;
  if (*y == 1 && r)
    WRITE_ONCE(*x, r);
  (void)atomic_add_unless(v, 1, 0);`)), [
    { k: 'load', reg: '$r0', loc: 'x', mo: 'rlx' },
    { k: 'load', reg: '$r1', loc: 'y', mo: 'na' },
    { k: 'let', reg: 'r', val: bin('+', r('$r0'), r('$r1')) },
    { k: 'load', reg: '$r2', loc: 'x', mo: 'na' },
    { k: 'store', loc: 'y', val: r('$r2'), mo: 'na' },
    { k: 'load', reg: '$r3', loc: 'y', mo: 'na' },
    { k: 'if', cond: bin('&&', bin('==', r('$r3'), c(1)), r('r')), then: [{ k: 'store', loc: 'x', val: r('r'), mo: 'rlx' }], else: [] },
    { k: 'update', oldReg: '$old4', okReg: '$ok5', loc: 'v', guard: bin('!=', r('$old4'), c(0)), next: bin('+', r('$old4'), c(1)), succ: 'sc', fail: 'rlx' },
  ]);
});

test('pointers: a parameter as a value is its address; a pointer register is dereferenced through addr', () => {
  const p = parseLitmus(`C K
{ p=x; }
P0(int *x, int *y, int **p)
{
  int *r0;
  rcu_assign_pointer(*p, y);
  r0 = rcu_dereference(*p);
  WRITE_ONCE(*r0, 1);
  int r1 = *r0;
  int *r2 = &x;
}
exists (0:r0=y \\/ 0:r0=&x)
`);
  const at = (n: string) => addressOf(p, n);
  assert.deepEqual(strip(p.threads[0].body), [
    { k: 'store', loc: 'p', val: c(at('y')), mo: 'rel' },
    { k: 'load', reg: 'r0', loc: 'p', mo: 'rlx' },
    { k: 'store', loc: '*r0', addr: r('r0'), val: c(1), mo: 'rlx' },
    { k: 'load', reg: 'r1', loc: '*r0', addr: r('r0'), mo: 'na' },
    { k: 'let', reg: 'r2', val: c(at('x')) },
  ]);
  assert.equal(p.locations[0].init, at('x'));
  assert.deepEqual(p.condition?.cond, { k: 'or', a: { k: 'eqReg', thread: 0, reg: 'r0', v: at('y') }, b: { k: 'eqReg', thread: 0, reg: 'r0', v: at('x') } });
});

test('filter: each conjunct becomes an assume at the end of its thread; the filter is kept as written', () => {
  const read = readLitmus(`C K
{}
P0(int *x) { int r0 = READ_ONCE(*x); }
P1(int *x) { int r1 = READ_ONCE(*x); WRITE_ONCE(*x, 1); }
filter (0:r0=1 /\\ (1:r1=0 \\/ ~1:r1=2))
exists (0:r0=1)
`);
  assert.deepEqual(strip(read.program.threads[0].body.at(-1)), { k: 'assume', cond: bin('==', r('r0'), c(1)) });
  assert.deepEqual(strip(read.program.threads[1].body.at(-1)), {
    k: 'assume', cond: bin('||', bin('==', r('r1'), c(0)), { k: 'not', a: bin('==', r('r1'), c(2)) }),
  });
  assert.equal(read.filter?.k, 'and');
});

test('fixtures read by hand: pointer publication, dependency through plain memory, filter, conditional add', () => {
  const mp = fixture('tools/memory-model/litmus-tests/MP+onceassign+derefonce.litmus');
  const at = (n: string) => addressOf(mp.program, n);
  assert.equal(mp.dialect, 'kernel');
  assert.deepEqual(mp.program.locations.map(l => [l.name, l.init]), [['y', at('z')], ['z', 0], ['x', 0]]);
  assert.deepEqual(strip(mp.program.threads[1].body), [
    { k: 'fence', mo: 'sc', kernel: 'rcu_read_lock' },
    { k: 'load', reg: 'r0', loc: 'y', mo: 'rlx' },
    { k: 'load', reg: 'r1', loc: '*r0', addr: r('r0'), mo: 'rlx' },
    { k: 'fence', mo: 'sc', kernel: 'rcu_read_unlock' },
  ]);
  assert.deepEqual(mp.program.condition?.cond, { k: 'and', a: { k: 'eqReg', thread: 1, reg: 'r0', v: at('x') }, b: { k: 'eqReg', thread: 1, reg: 'r1', v: 0 } });

  const dep = fixture('tools/memory-model/litmus-tests/dep+plain.litmus');
  assert.deepEqual(strip(dep.program.threads[0].body), [
    { k: 'load', reg: 'a', loc: 'x', mo: 'rlx' },
    { k: 'store', loc: 'z1', val: r('a'), mo: 'na' },
    { k: 'load', reg: '$r1', loc: 'z1', mo: 'na' },
    { k: 'store', loc: 'z2', val: r('$r1'), mo: 'na' },
    { k: 'load', reg: '$r2', loc: 'z2', mo: 'na' },
    { k: 'if', cond: bin('==', r('$r2'), c(1)), then: [{ k: 'store', loc: 'y', val: c(1), mo: 'rlx' }], else: [] },
  ]);

  const rm = fixture('Documentation/litmus-tests/locking/RM-broken.litmus');
  const p1 = rm.program.threads[1].body;
  assert.deepEqual(strip(p1.at(-1)), { k: 'assume', cond: bin('&&', bin('==', r('r0'), c(0)), bin('==', r('r1'), c(1))) });
  assert.equal(p1.at(-1)!.label, 'filter (1:r0=0 /\\ 1:r1=1)');
  assert.deepEqual(strip(p1.slice(3, 5)), [
    { k: 'rmw', reg: '$old2', loc: 'y', op: 'add', val: c(1), mo: 'sc' },
    { k: 'let', reg: 'r2', val: bin('+', r('$old2'), c(1)) },
  ]);

  const cx = fixture('Documentation/litmus-tests/atomic/cmpxchg-fail-ordered-2.litmus');
  // P1 uses r1 and r2 without declaring them (herd accepts that) and the condition names them.
  assert.deepEqual(strip(cx.program.threads[1].body), [
    { k: 'cas', reg: 'r1', loc: 'y', expected: c(0), desired: c(1), succ: 'sc', fail: 'rlx' },
    { k: 'fence', mo: 'sc', kernel: 'after_atomic' },
    { k: 'load', reg: 'r2', loc: 'x', mo: 'rlx' },
  ]);
});

test('statement labels and lines point at the source', () => {
  const p = parseLitmus(K(`  int r0;
  r0 = READ_ONCE(*x);
  if (READ_ONCE(*y) == 1)
    spin_lock(s);`));
  const [load, hoisted, iff] = p.threads[0].body;
  assert.equal(load.label, 'r0 = READ_ONCE(*x)');
  assert.equal(load.line, 6);
  assert.equal(hoisted.label, 'if (READ_ONCE(*y) == 1)');
  assert.equal(iff.k === 'if' && iff.then[0].label, 'spin_lock(s)');
});

// Malformed or unsupported kernel tests: each fails with a LitmusError at the right place.
const BAD: [string, string, RegExp][] = [
  ['SRCU', K('  int i = srcu_read_lock(s);'), /^t\.litmus:5:11: 'srcu_read_lock': SRCU is not modelled/],
  ['an irq lock variant', K('  spin_lock_irq(s);'), /^t\.litmus:5:3: 'spin_lock_irq' is not supported; use spin_lock/],
  ['try_cmpxchg', K('  int o = 0;\n  atomic_try_cmpxchg(v, &o, 1);'), /^t\.litmus:6:3: 'atomic_try_cmpxchg' is not supported; write it as cmpxchg/],
  ['barrier()', K('  barrier();'), /^t\.litmus:5:3: 'barrier\(\)' is not supported/],
  ['an unknown primitive', K('  frob(x);'), /^t\.litmus:5:3: unknown kernel primitive 'frob'$/],
  ['an unknown kernel atomic', K('  atomic_frob(v);'), /^t\.litmus:5:3: unsupported kernel atomic 'atomic_frob'$/],
  ['C11 and kernel mixed', 'C K\n{}\nP0(int *x, atomic_int *y)\n{\n  WRITE_ONCE(*x, 1);\n}\n', /^t\.litmus:5:3: 'WRITE_ONCE' is a kernel primitive, but 'atomic_int' \(line 3\) is a C11 atomic: a litmus test is either C11 or kernel, not both$/],
  ['READ_ONCE of the pointer', K('  int r = READ_ONCE(x);'), /^t\.litmus:5:21: 'READ_ONCE' takes the location itself: READ_ONCE\(\*x\)$/],
  ['smp_load_acquire of the location', K('  int r = smp_load_acquire(*x);'), /^t\.litmus:5:28: 'smp_load_acquire' takes a pointer: smp_load_acquire\(x\), without '\*'$/],
  ['too few arguments', K('  WRITE_ONCE(*x);'), /^t\.litmus:5:16: 'WRITE_ONCE' takes 2 arguments$/],
  ['too many arguments', K('  smp_mb(x);'), /^t\.litmus:5:10: 'smp_mb' takes 0 arguments$/],
  ['a void call as a value', K('  int r = smp_mb();'), /^t\.litmus:5:11: 'smp_mb' returns no value$/],
  ['a read on the right of &&', K('  int r = 0;\n  if (r && READ_ONCE(*x))\n    r = 1;'), /^t\.litmus:6:12: a memory access on the right of '&&' or '\|\|' is not supported/],
  ['a loop', K('  while (READ_ONCE(*x) == 0) { }'), /^t\.litmus:5:3: loops \('while'\) are not supported/],
  ['an unknown location', K('  WRITE_ONCE(*z, 1);'), /^t\.litmus:5:15: unknown location 'z' \(not a parameter of P0\)$/],
  ['pointer arithmetic', K('  WRITE_ONCE(*(x + 1), 1);'), /^t\.litmus:5:15: pointer arithmetic is not supported/],
  ['a structure', 'C K\n{}\nP0(struct foo *f)\n{\n  smp_mb();\n}\n', /^t\.litmus:3:4: structures are not supported/],
  ['a parameter without a type', 'C K\n{}\nP0(x)\n{\n  smp_mb();\n}\n', /^t\.litmus:3:4: expected a parameter type/],
  ['assignment to a location', K('  x = 1;'), /^t\.litmus:5:3: cannot assign to location 'x'; use WRITE_ONCE\(\*x, \.\.\.\)/],
  ['a filter on a location', `${K('  WRITE_ONCE(*x, 1);')}filter (x=1)\nexists (x=1)\n`, /^t\.litmus:7:1: a 'filter' on a location's final value is not supported/],
  ['a filter joining two threads', 'C K\n{}\nP0(int *x) { int a = READ_ONCE(*x); }\nP1(int *x) { int b = READ_ONCE(*x); }\nfilter (0:a=1 \\/ 1:b=1)\nexists (0:a=1)\n', /^t\.litmus:5:1: each conjunct of a 'filter' must constrain the registers of one thread$/],
  ['a filter after the condition', `${K('  int r = READ_ONCE(*x);')}exists (0:r=1)\nfilter (0:r=1)\n`, /^t\.litmus:8:1: 'filter' must come before the condition$/],
  ['a conditional add through a pointer register', K('  int *p = &x;\n  int r = atomic_add_unless(p, 1, 0);', 'atomic_t *x'), /^t\.litmus:6:11: 'atomic_add_unless': a conditional atomic through a pointer register is not supported/],
  ['an unknown location in a pointer condition', `${K('  int *r0 = &x;')}exists (0:r0=&w)\n`, /^t\.litmus:7:15: unknown location 'w' in the condition$/],
];

for (const [what, src, msg] of BAD) {
  test(`rejects: ${what}`, () => {
    assert.throws(() => parseLitmus(src, 't.litmus'), (e: unknown) => {
      assert.ok(e instanceof LitmusError, `not a LitmusError: ${e}`);
      assert.match(e.message, msg);
      return true;
    });
  });
}
