import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { LitmusError, parseLitmus, readLitmus } from '../../server/src/litmus/parse';
import { printLitmus } from '../../server/src/litmus/print';
import { c, r, bin, type Instr, type Program } from '../../server/src/memory/ir';

const DIR = path.resolve(__dirname, '../../../test/fixtures/litmus');

/** Structure without source tags (labels and lines differ once text is reprinted). */
function strip<T>(x: T): T {
  return JSON.parse(JSON.stringify(x, (k, v) => (k === 'label' || k === 'line' ? undefined : v)));
}

const H = 'C T\n{ [x] = 0; }\n';

test('reads header, doc string, init styles, parameter atomicity and the condition', () => {
  const p = parseLitmus(`// leading comment
C MP+rel+acq (* trailing comment *)
"doc string"
{ [x] = 1; y = 2; *z = 3; atomic_int w = 4; int d = -5; 0:r9 = 7 }
P0 (atomic_int* x, int* d) {
  int r0 = atomic_load_explicit(x, memory_order_consume);
  *d = r0 + 1;
}
P1 (atomic_int* y, atomic_int* z) { }
locations [x; y;]
~exists (0:r0=1 /\\ [x]=1 \\/ ~y=2)
`, 'mp.litmus');
  assert.equal(p.name, 'MP+rel+acq');
  assert.deepEqual(p.locations, [
    { name: 'x', init: 1, atomic: true }, { name: 'y', init: 2, atomic: true }, { name: 'z', init: 3, atomic: true },
    { name: 'w', init: 4, atomic: true }, { name: 'd', init: -5, atomic: false },
  ]);
  assert.deepEqual(p.threads[0].body, [
    { k: 'let', reg: 'r9', val: c(7), label: '0:r9 = 7', line: 4 },
    { k: 'load', reg: 'r0', loc: 'x', mo: 'acq', label: 'int r0 = atomic_load_explicit(x, memory_order_consume)', line: 6 },
    { k: 'store', loc: 'd', val: bin('+', r('r0'), c(1)), mo: 'na', label: '*d = r0 + 1', line: 7 },
  ]);
  assert.deepEqual(p.threads[1].body, []);
  // /\ binds tighter than \/.
  assert.deepEqual(p.condition, {
    quantifier: 'not exists',
    cond: {
      k: 'or',
      a: { k: 'and', a: { k: 'eqReg', thread: 0, reg: 'r0', v: 1 }, b: { k: 'eqLoc', loc: 'x', v: 1 } },
      b: { k: 'not', a: { k: 'eqLoc', loc: 'y', v: 2 } },
    },
  });
});

test('a parameter type decides atomicity of an untyped init entry; the accesses decide over the types', () => {
  const p = parseLitmus(`${H}P0 (int* x) { *x = 1; }\n`);
  assert.equal(p.locations[0].atomic, false);
  // herd lets threads type a location differently; with no access either way the first type stands.
  assert.equal(parseLitmus(`C T\n{ atomic_int x = 0; }\nP0 (int* x) { }\n`).locations[0].atomic, true);
  // Declared atomic_int* in both threads, but only ever accessed plainly: a plain location, as in herd.
  const plain = parseLitmus(`${H}P0 (atomic_int* x) { *x = 1; }\nP1 (atomic_int* x) { int r = *x; }\n`);
  assert.equal(plain.locations[0].atomic, false);
  // atomic_int* in one thread, int* in the other, each used as its type says (herd's a1-a7): a
  // mixed location, each access keeping its own mode.
  const mixed = parseLitmus(`${H}P0 (atomic_int* x) {\n  atomic_store_explicit(x, 1, memory_order_relaxed);\n}\nP1 (int* x) {\n  int r = *x;\n}\n`);
  assert.deepEqual([mixed.locations[0].atomic, mixed.locations[0].mixed], [true, true]);
  assert.deepEqual([strip(mixed.threads[0].body)[0], strip(mixed.threads[1].body)[0]].map(i => 'mo' in i ? i.mo : undefined), ['rlx', 'na']);
  assert.equal(plain.locations[0].mixed, undefined);
});

test('herd forms: a relaxed fence is a no-op, != in conditions, a CAS expected value declared atomic_int*', () => {
  const fence = parseLitmus(`${H}P0 (atomic_int* x) {\n  atomic_thread_fence(memory_order_relaxed);\n  atomic_store_explicit(x, 1, memory_order_relaxed);\n}\nexists (x!=1)\n`);
  assert.deepEqual(strip(fence.threads[0].body).map(i => i.k), ['store']);
  assert.deepEqual(fence.condition?.cond, { k: 'not', a: { k: 'eqLoc', loc: 'x', v: 1 } });
  const reg = parseLitmus(`${H}P0 (atomic_int* x) {\n  int r0 = atomic_load(x);\n}\nexists (0:r0 != 1 \\/ ~x=0)\n`);
  assert.deepEqual(reg.condition?.cond, { k: 'or', a: { k: 'not', a: { k: 'eqReg', thread: 0, reg: 'r0', v: 1 } }, b: { k: 'not', a: { k: 'eqLoc', loc: 'x', v: 0 } } });
  const cas = parseLitmus(`C T\n{ [x] = 0; [y] = 0; }\nP0 (atomic_int* x, atomic_int* y) {\n  int ok = atomic_compare_exchange_strong(x, y, 1);\n}\n`);
  assert.deepEqual(cas.locations.map(l => [l.name, l.atomic]), [['x', true], ['y', false]]);
});

test('every RMW form, with and without a result register', () => {
  const p = parseLitmus(`${H}P0 (atomic_int* x) {
  int a = atomic_fetch_add_explicit(x, 1, memory_order_relaxed);
  atomic_fetch_sub_explicit(x, a, memory_order_release);
  int b = atomic_fetch_and(x, 3);
  atomic_fetch_or_explicit(x, 4, memory_order_acq_rel);
  b = atomic_fetch_xor_explicit(x, 5, memory_order_acquire);
  int e = atomic_exchange_explicit(x, 6, memory_order_seq_cst);
  atomic_thread_fence(memory_order_release);
  atomic_store(x, -1);
}\n`);
  assert.deepEqual(strip(p.threads[0].body), [
    { k: 'rmw', reg: 'a', loc: 'x', op: 'add', val: c(1), mo: 'rlx' },
    { k: 'rmw', loc: 'x', op: 'sub', val: r('a'), mo: 'rel' },
    { k: 'rmw', reg: 'b', loc: 'x', op: 'and', val: c(3), mo: 'sc' },
    { k: 'rmw', loc: 'x', op: 'or', val: c(4), mo: 'acq_rel' },
    { k: 'rmw', reg: 'b', loc: 'x', op: 'xor', val: c(5), mo: 'acq' },
    { k: 'rmw', reg: 'e', loc: 'x', op: 'xchg', val: c(6), mo: 'sc' },
    { k: 'fence', mo: 'rel' },
    { k: 'store', loc: 'x', val: c(-1), mo: 'sc' },
  ]);
});

test('CAS with &register: the register is both the expected value and the observed value', () => {
  const p = parseLitmus(`${H}P0 (atomic_int* x) {
  int e = 2;
  int ok = atomic_compare_exchange_weak_explicit(x, &e, 0, memory_order_acquire, memory_order_relaxed);
  atomic_compare_exchange_strong(x, &e, e + 1);
}\n`);
  assert.deepEqual(strip(p.threads[0].body.slice(1)), [
    { k: 'cas', reg: 'e', okReg: 'ok', loc: 'x', expected: r('e'), desired: c(0), succ: 'acq', fail: 'rlx', weak: true },
    { k: 'cas', reg: 'e', loc: 'x', expected: r('e'), desired: bin('+', r('e'), c(1)), succ: 'sc', fail: 'sc' },
  ]);
});

test("herd's CAS form: expected value read from a location, written back on failure", () => {
  const p = parseLitmus(`C T\n{ [rc] = 3; [two] = 2; }
P0 (atomic_int* rc, int* two) {
  atomic_compare_exchange_strong_explicit(rc, two, 0, memory_order_relaxed, memory_order_relaxed);
  int ok = atomic_compare_exchange_strong_explicit(rc, two, 0, memory_order_acquire, memory_order_relaxed);
}\n`);
  const [load, cas, writeBack] = p.threads[0].body;
  assert.deepEqual(strip(load), { k: 'load', reg: 'exp$0', loc: 'two', mo: 'na' });
  assert.deepEqual(strip(cas), { k: 'cas', reg: 'exp$0', okReg: 'ok$0', loc: 'rc', expected: r('exp$0'), desired: c(0), succ: 'rlx', fail: 'rlx' });
  assert.deepEqual(strip(writeBack), {
    k: 'if', cond: { k: 'not', a: r('ok$0') },
    then: [{ k: 'store', loc: 'two', val: r('exp$0'), mo: 'na' }], else: [],
  });
  // All three carry the statement's text and line, so a trace step points at the CAS.
  assert.equal(load.line, 4);
  assert.equal((writeBack as Extract<Instr, { k: 'if' }>).then[0].label, 'atomic_compare_exchange_strong_explicit(rc, two, 0, memory_order_relaxed, memory_order_relaxed)');
  const second = p.threads[0].body[4];
  assert.equal(second.k === 'cas' && second.okReg, 'ok');
});

test('if/else with C expressions over registers, plain accesses, else-if chains', () => {
  const p = parseLitmus(`${H}P0 (atomic_int* x, int* d) {
  int r0 = atomic_load(x);
  int r1;
  if ((r0 == 1 || r0 >= 3) && !(r0 ^ 2) | 1) { r1 = *d; } else if (r0 != 0) *d = -r0; else { }
}\n`);
  assert.deepEqual(strip(p.threads[0].body[1]), {
    k: 'if',
    cond: bin('&&', bin('||', bin('==', r('r0'), c(1)), bin('>=', r('r0'), c(3))), bin('|', { k: 'not', a: bin('^', r('r0'), c(2)) }, c(1))),
    then: [{ k: 'load', reg: 'r1', loc: 'd', mo: 'na' }],
    else: [{ k: 'if', cond: bin('!=', r('r0'), c(0)), then: [{ k: 'store', loc: 'd', val: bin('-', c(0), r('r0')), mo: 'na' }], else: [] }],
  });
  assert.equal(p.threads[0].body[1].label, 'if ((r0 == 1 || r0 >= 3) && !(r0 ^ 2) | 1)');
});

test('comments: //, /* */, nested (* *), and no condition at all', () => {
  const p = parseLitmus(`C T (* a (* nested *) comment *)
{ [x] = 0; } // init
/* block */ P0 (atomic_int* x) { (* here too *) atomic_store(x, 1); }
`);
  assert.equal(p.threads[0].body.length, 1);
  assert.equal(p.condition, undefined);
});

test('forall and true', () => {
  const p = parseLitmus(`${H}P0 (atomic_int* x) { }\nforall (true \\/ P0:r=1)\n`.replace('{ }', '{ int r = 0; }'));
  assert.deepEqual(p.condition, { quantifier: 'forall', cond: { k: 'or', a: { k: 'true' }, b: { k: 'eqReg', thread: 0, reg: 'r', v: 1 } } });
});

// Malformed inputs: each must fail with a LitmusError pointing at the right place.
const BAD: [string, string, RegExp][] = [
  ['unknown memory order', `${H}P0 (atomic_int* x) {\n  atomic_store_explicit(x, 1, memory_order_foo);\n}\n`,
    /^t\.litmus:4:31: expected a memory order \(memory_order_relaxed, .*\), found 'memory_order_foo'$/],
  ['unknown location', `${H}P0 (atomic_int* x) {\n  int r0 = atomic_load_explicit(y, memory_order_relaxed);\n}\n`, /^t\.litmus:4:33: unknown location 'y'/],
  ['unknown register in the condition', `${H}P0 (atomic_int* x) {\n  int r0 = atomic_load(x);\n}\nexists (0:r1=0)\n`, /^t\.litmus:6:11: unknown register 'r1' in thread 0$/],
  ['loop', `${H}P0 (atomic_int* x) {\n  while (1) { }\n}\n`, /^t\.litmus:4:3: loops \('while'\) are not supported/],
  ['function call', `${H}P0 (atomic_int* x) {\n  foo(x);\n}\n`, /^t\.litmus:4:3: unsupported function call 'foo'/],
  ['missing semicolon', `${H}P0 (atomic_int* x) {\n  atomic_store(x, 1)\n}\n`, /^t\.litmus:4:21: expected ';', found '}'$/],
  ['not a C test', 'X86 T\n{ }\n', /^t\.litmus:1:1: .*only C litmus tests are supported.*found 'X86'$/],
  ['filter', `${H}P0 (atomic_int* x) {\n}\nfilter (x=0)\nexists (x=0)\n`, /^t\.litmus:5:1: 'filter' clauses are not supported/],
  ['threads out of order', `${H}P0 (atomic_int* x) {\n}\nP2 (atomic_int* x) {\n}\n`, /^t\.litmus:5:1: expected thread P1, found 'P2'$/],
  ['atomic op on int*', 'C T\n{ }\nP0 (int* d) {\n  atomic_store_explicit(d, 1, memory_order_relaxed);\n}\n', /^t\.litmus:4:25: 'd' is a non-atomic location/],
  ['release load', `${H}P0 (atomic_int* x) {\n  int r = atomic_load_explicit(x, memory_order_release);\n}\n`, /^t\.litmus:4:35: memory_order_release is not valid for a load$/],
  ['release CAS failure', `${H}P0 (atomic_int* x) {\n  int e = 0;\n  atomic_compare_exchange_strong_explicit(x, &e, 1, memory_order_relaxed, memory_order_release);\n}\n`, /^t\.litmus:5:75: memory_order_release is not valid for the failure/],
  ['unterminated comment', `${H}(* oops\nP0 (atomic_int* x) {\n}\n`, /^t\.litmus:3:1: unterminated comment/],
  ['deep nesting', `${H}P0 (atomic_int* x) {\n  int r = ${'('.repeat(100000)}1${')'.repeat(100000)};\n}\n`, /^t\.litmus:4:210: nesting deeper than 200 levels$/],
  ['deep condition', `${H}P0 (atomic_int* x) {\n}\nexists ${'~'.repeat(100000)}x=0\n`, /^t\.litmus:5:208: nesting deeper/],
  ['pointer arithmetic', `${H}P0 (int* x) {\n  *(x + 1) = 1;\n}\n`, /^t\.litmus:4:4: pointer arithmetic/],
  ['unknown register', `${H}P0 (atomic_int* x) {\n  atomic_store(x, r9);\n}\n`, /^t\.litmus:4:19: unknown register 'r9'$/],
  ['empty file', '', /^t\.litmus:1:1: expected the header 'C <name>'$/],
  ['condition thread out of range', `${H}P0 (atomic_int* x) {\n}\nexists (3:r0=1)\n`, /^t\.litmus:5:9: thread 3 does not exist/],
  ['location used as a value', `${H}P0 (atomic_int* x) {\n  int r = x + 1;\n}\n`, /^t\.litmus:4:11: location 'x' used as a value/],
  ['unknown location in the condition', `${H}P0 (atomic_int* x) {\n}\nexists (z=1)\n`, /^t\.litmus:5:9: unknown location 'z'/],
  ['pointer init', 'C T\n{ int* p = &x; }\nP0 () {\n}\n', /^t\.litmus:2:6: pointer-typed locations are not supported/],
  ['junk after the condition', `${H}P0 (atomic_int* x) {\n}\nexists (x=0) junk\n`, /^t\.litmus:5:14: expected end of file after the condition, found 'junk'$/],
  ['CAS expected register without &', `${H}P0 (atomic_int* x) {\n  int e = 0;\n  atomic_compare_exchange_strong(x, e, 1);\n}\n`, /^t\.litmus:5:37: .*'&e'/],
  ['assignment to a location', `${H}P0 (atomic_int* x) {\n  x = 1;\n}\n`, /^t\.litmus:4:3: cannot assign to location 'x'/],
  ['unterminated block', `${H}P0 (atomic_int* x) {\n  atomic_store(x, 1);\n`, /^t\.litmus:5:1: expected '}' closing the block opened at line 3$/],
  ['stray character', `${H}P0 (atomic_int* x) {\n  @\n}\n`, /^t\.litmus:4:3: unexpected character '@'$/],
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

test('round trip: parse(print(p)) equals p for every fixture', () => {
  const files = readdirSync(DIR).filter(f => f.endsWith('.litmus'));
  assert.ok(files.length > 0);
  for (const f of files) {
    const p = parseLitmus(readFileSync(path.join(DIR, f), 'utf8'), f);
    const text = printLitmus(p);
    assert.deepEqual(strip(parseLitmus(text, `printed ${f}`)), strip(p), `${f} did not round-trip:\n${text}`);
  }
});

test('printer: a CAS on a constant expected value goes through a register; odd register names are renamed', () => {
  const p: Program = {
    name: 'scenario',
    locations: [{ name: 'rc', init: 2, atomic: true }, { name: 'payload', init: 0, atomic: false }],
    threads: [{ name: 'takeover', body: [
      { k: 'cas', okReg: 'ok', loc: 'rc', expected: c(2), desired: c(0), succ: 'rlx', fail: 'rlx' },
      { k: 'cas', reg: 'old$1', loc: 'rc', expected: c(1), desired: c(0), succ: 'acq', fail: 'rlx' },
      { k: 'if', cond: r('ok'), then: [{ k: 'store', loc: 'payload', val: c(7), mo: 'na' }], else: [] },
    ] }],
    condition: { quantifier: 'exists', cond: { k: 'eqReg', thread: 0, reg: 'old$1', v: 1 } },
  };
  const text = printLitmus(p);
  assert.match(text, /\/\/ P0: takeover/);
  assert.match(text, /int expected0 = 2;\n\s*int ok = atomic_compare_exchange_strong_explicit\(rc, &expected0, 0, memory_order_relaxed, memory_order_relaxed\);/);
  assert.match(text, /int r_old_1 = 1;\n\s*atomic_compare_exchange_strong_explicit\(rc, &r_old_1, 0, memory_order_acquire, memory_order_relaxed\);/);
  assert.match(text, /exists \(0:r_old_1=1\)/);
  const back = parseLitmus(text);
  assert.equal(back.threads[0].body.filter(i => i.k === 'cas').length, 2);
  assert.deepEqual(back.locations, p.locations);
});

test('printer: fetch_update, assume and bounded loops print as honest C with notes', () => {
  const p: Program = {
    name: 'upd',
    locations: [{ name: 'c', init: 1, atomic: true }],
    threads: [{ name: 'P0', body: [
      // Unguarded x -> x - 1 is exactly a fetch_sub.
      { k: 'update', oldReg: 'a', loc: 'c', next: bin('-', r('a'), c(1)), succ: 'rel', fail: 'rlx' },
      // inc-not-zero has no single C11 operation.
      { k: 'update', oldReg: 'b', okReg: 'ok', loc: 'c', guard: bin('!=', r('b'), c(0)), next: bin('+', r('b'), c(1)), succ: 'acq', fail: 'rlx' },
      { k: 'assume', cond: bin('==', r('ok'), c(1)) },
      { k: 'while', cond: bin('==', r('a'), c(0)), bound: 2, body: [{ k: 'load', reg: 'a', loc: 'c', mo: 'acq' }] },
    ] }],
  };
  const text = printLitmus(p);
  assert.match(text, /int a = atomic_fetch_sub_explicit\(c, 1, memory_order_release\);/);
  assert.match(text, /\(\* note: a fetch_update is printed as a load followed by one compare-exchange/);
  assert.match(text, /\(\* note: assume\(\.\.\.\) has no herd C equivalent/);
  assert.match(text, /\(\* note: a loop bounded to 2 iterations is unrolled/);
  // The output is still a valid litmus test: the unrolled loop is two nested ifs.
  const back = parseLitmus(text);
  const body = back.threads[0].body;
  const ifs = body.filter(i => i.k === 'if');
  assert.equal(ifs.length, 2); // guard of the update approximation + the unrolled loop
  const loop = ifs[1] as Extract<Instr, { k: 'if' }>;
  assert.equal(loop.then.filter(i => i.k === 'if').length, 1);
});

test('truncated and corrupted fixtures fail with a LitmusError, never anything else', () => {
  const files = readdirSync(DIR).filter(f => f.endsWith('.litmus'));
  const junk = ['', '(', ')', '{', '}', ';', '*', '&', '/\\', '~', '0:', '"', '(*', 'while', '=', ','];
  let n = 0;
  for (const f of files) {
    const src = readFileSync(path.join(DIR, f), 'utf8');
    for (let cut = 0; cut < src.length; cut += 17) {
      const variant = src.slice(0, cut) + junk[n++ % junk.length] + src.slice(cut + (n % 3));
      try {
        parseLitmus(variant, f);
      } catch (e) {
        assert.ok(e instanceof LitmusError, `${f} cut at ${cut}: ${(e as Error).stack}`);
        assert.match(e.message, new RegExp(`^${f.replace(/[+.]/g, '\\$&')}:\\d+:\\d+: `));
      }
    }
  }
  assert.ok(n > 1000);
});

test('every C11 fixture reads in the C11 dialect; kernel words in a C11 test are an error at the later word', () => {
  for (const f of readdirSync(DIR).filter(x => x.endsWith('.litmus'))) {
    assert.equal(readLitmus(readFileSync(path.join(DIR, f), 'utf8'), f).dialect, 'c11', f);
  }
  assert.throws(() => parseLitmus(`${H}P0 (atomic_int* x) {\n  smp_mb();\n}\n`, 't.litmus'),
    /^LitmusError: t\.litmus:4:3: 'smp_mb' is a kernel primitive, but 'atomic_int' \(line 3\) is a C11 atomic/);
});
