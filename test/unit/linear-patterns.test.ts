// Patterns the fuzzer found backtracking quadratically on long input: a counter key of one long
// identifier, and a litmus header padded with spaces. The inputs here are long enough that the
// old patterns ran for minutes; linear reading answers at once (no time is asserted).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { counterNameOf } from '../../server/src/rust/receiver';
import { readLitmus } from '../../server/src/litmus/parse';
import { analyzeRustFile } from '../../server/src/rust/extract';
import { initRustParser, observeParses, ParseTimeout, parseRust } from '../../server/src/rust/parser';
import { explore } from '../../server/src/memory/explore';
import { reviewText } from '../../server/src/review';
import { checkTexts } from '../../server/src/check';

test('counterNameOf reads the last identifier of a key, before an accessor call', () => {
  assert.equal(counterNameOf('self.inner().strong'), 'strong');
  assert.equal(counterNameOf('<Request>.refcount()'), 'refcount');
  assert.equal(counterNameOf('<T>.wrapper_ref().refcount_ptr(..)'), 'refcount');
  assert.equal(counterNameOf('x.9bc'), 'bc');
  assert.equal(counterNameOf('(..)'), '(..)');
  assert.equal(counterNameOf('x-'), 'x-');
  // 200k characters that end in a non-identifier: answered at once (the old pattern took minutes).
  const long = 'x'.repeat(200_000) + '-';
  assert.equal(counterNameOf(long), long);
});

test('a litmus header padded with spaces is read, and a comment after the name is cut', () => {
  const body = `{ x = 0; }\nP0(int *x) { WRITE_ONCE(*x, 1); }\nexists (x=1)\n`;
  assert.equal(readLitmus(`C padded${' '.repeat(200_000)}x\n${body}`, 't.litmus').program.name, `padded${' '.repeat(200_000)}x`);
  assert.equal(readLitmus(`C named (* a comment *)\n${body}`, 't.litmus').program.name, 'named');
});

// Reading contexts on hostile shapes. web-tree-sitter keeps no parent links: each `.parent` is a
// search down from the root, so climbing from every site to its function was cubic on long
// method chains, long sums of loads and deep nesting (a sum of 1,000 loads took 7 s, 1,000 chained
// calls over two minutes, 10,000 nested blocks 10 s; 1,000 statements each after a release fence
// rescanned the statements before them). The reader now climbs only near the surface and indexes
// every site's ancestors in one walk down otherwise; the counts of `.parent` calls below are
// linear in the sites, where climbing made them the sites times the depth.

const HEAD = 'use std::sync::atomic::{fence, AtomicUsize, Ordering::*};\nstruct S { c: AtomicUsize }\n';

/** Counts `.parent` calls on syntax nodes while `fn` runs. */
function countingParents<T>(fn: () => T): { value: T; parents: number } {
  const proto = Object.getPrototypeOf(parseRust('fn f() {}').rootNode) as object;
  const desc = Object.getOwnPropertyDescriptor(proto, 'parent')!;
  let parents = 0;
  Object.defineProperty(proto, 'parent', { ...desc, get(this: unknown) { parents++; return desc.get!.call(this); } });
  try {
    return { value: fn(), parents };
  } finally {
    Object.defineProperty(proto, 'parent', desc);
  }
}

test('a sum of 1,000 loads inside a loop: every load is read, in the loop, after the fence', async () => {
  await initRustParser();
  const n = 1000;
  const text = `${HEAD}impl S { fn f(&self) -> usize { loop { fence(Release); g(); let t = ${Array.from({ length: n }, () => 'self.c.load(Acquire)').join(' + ')}; if t > 0 { return t; } } } }\n`;
  const { value: a, parents } = countingParents(() => analyzeRustFile('/sum.rs', text));
  const loads = a.sites.filter(s => s.op === 'load');
  assert.equal(loads.length, n);
  assert.ok(loads.every(s => s.context.inLoop), 'every load is inside the loop');
  // The fence is released before each load; `g()` between them may touch the object.
  assert.ok(loads.every(s => s.context.releaseFence && s.context.releaseFence.afterPossibleTouch?.start.line === 2), 'each load sees the fence and the call after it');
  assert.ok(parents < 20 * n, `${parents} .parent calls for ${n} sites (climbing made it about 500,000)`);
});

test('1,000 chained calls with an ordering each are all read as sites', async () => {
  await initRustParser();
  const n = 1000;
  const text = `${HEAD}impl S { fn f(&self) { while g() { self.c${'.load(Acquire).max(1)'.repeat(n)}; } } }\n`;
  const { value: a, parents } = countingParents(() => analyzeRustFile('/chain.rs', text));
  assert.equal(a.sites.length, n);
  assert.ok(a.sites.every(s => s.context.inLoop));
  assert.ok(parents < 20 * n, `${parents} .parent calls for ${n} sites`);
});

test('a decrement 10,000 blocks deep is reviewed: Release then an Acquire fence is clean, Relaxed is not', async () => {
  await initRustParser();
  const depth = 10_000;
  const file = (o: string) => `${HEAD}impl Drop for S { fn drop(&mut self) { ${'{ '.repeat(depth)}if self.c.fetch_sub(1, ${o}) == 1 { fence(Acquire); unsafe { dealloc(self) } } ${'} '.repeat(depth)}} }\n`;
  const ok = await reviewText('/deep.rs', file('Release'));
  const dec = ok.sites?.find(s => s.op === 'fetch_sub');
  assert.ok(dec && dec.context.lastPath?.how === 'then-block' && dec.context.lastPath.fence, 'the last-reference branch and its fence are found');
  assert.deepEqual(ok.findings.map(f => f.rule), []);
  const bad = await reviewText('/deep.rs', file('Relaxed'));
  assert.deepEqual(bad.findings.map(f => [f.rule, f.ordering, f.range.start.line]), [[bad.findings[0]?.rule, 'Relaxed', 2]], JSON.stringify(bad.findings.map(f => f.message)));
  assert.ok(/fetch_sub/.test(bad.findings[0].message) && /Release/.test(bad.findings[0].message), bad.findings[0].message);
});

// Each load is bound to a name never used again: finding the first use scanned every later
// statement per binding (1,000 took 9 s, 2,000 about a minute); the fence scan did the same.
test('2,000 loads each after a release fence and a call: one scan of the statements per block', async () => {
  await initRustParser();
  const n = 2000;
  const body = Array.from({ length: n }, (_, i) => `g(${i});\nlet _v${i} = self.c.load(Relaxed);`).join('\n');
  const text = `${HEAD}impl S { fn f(&self) {\nfence(Release);\n${body}\n} }\n`;
  const a = analyzeRustFile('/stmts.rs', text);
  assert.equal(a.sites.filter(s => s.op === 'load').length, n);
  // The fence is found for every load; the first statement after it (`g(0)`) is the possible touch.
  assert.ok(a.sites.filter(s => s.op === 'load').every(s => s.context.releaseFence?.afterPossibleTouch?.start.line === 4));
});

test('10,000 small files that each declare their own `S { c }`: each file is reviewed with its own counter only', { timeout: 90_000 }, async () => {
  // Every file's counter is its own `S.c` (the struct is declared in the file), but the receiver
  // text `<S>.c` is the same everywhere. Files were linked by receiver text as well as by counter,
  // so every review was handed the sites of every other file: 5,000 such files took 44 s and
  // 10,000 about three minutes. Now a site with a named field links files by that field only.
  const n = 10_000;
  const files = Array.from({ length: n }, (_, i) => ({
    file: `/ws/m${Math.floor(i / 100)}/f${i}.rs`,
    text: `${HEAD}impl Drop for S { fn drop(&mut self) { if self.c.fetch_sub(1, ${i % 2500 === 7 ? 'Relaxed' : 'Release'}) == 1 { fence(Acquire); unsafe { dealloc(self) } } } }\nimpl Clone for S { fn clone(&self) -> Self { self.c.fetch_add(1, Relaxed); S { c: AtomicUsize::new(0) } } }\n`,
  }));
  const r = await checkTexts(files);
  assert.deepEqual(r.problems, []);
  // Only the four files with a Relaxed decrement are reported, each for its own decrement.
  assert.deepEqual([...new Set(r.findings.map(f => f.file))].sort(), [7, 2507, 5007, 7507].map(i => `/ws/m${Math.floor(i / 100)}/f${i}.rs`).sort());
});

// Found by the full fuzz run: a chain of thousands of atomic calls in a file that declares `clone`
// (the held-reference test looks for the function around each call), and thousands of calls that
// share one start (their ids were numbered by probing every earlier suffix).
test('2,000 chained fetch_adds in a file with `impl Clone`: the function around each is found without climbing', async () => {
  await initRustParser();
  const n = 2000;
  const text = `${HEAD}impl Clone for S { fn clone(&self) -> S { S { c: AtomicUsize::new(0) } } }\nimpl S { fn get(&self) { self.c${'.fetch_add(1, Relaxed)'.repeat(n)}; } }\n`;
  const { value: a, parents } = countingParents(() => analyzeRustFile('/clone-chain.rs', text));
  assert.equal(a.sites.length, n);
  assert.equal(new Set(a.sites.map(s => s.id)).size, n, 'every site has its own id');
  assert.ok(parents < 20 * n, `${parents} .parent calls for ${n} sites`);
});

// tree-sitter's error recovery on unbalanced punctuation grows far faster than the text (600
// repetitions of `*) ` took 4 s, 1,750 took 30 s): the parse is given up at its cap and the file
// is reported as unreadable, once, instead of holding the review (or the editor's worker) for minutes.
test('a file tree-sitter cannot recover in time is reported as unreadable, not read for minutes', async () => {
  await initRustParser();
  const text = `fn f() {\n${'*) '.repeat(3000)}\n}\n`;
  assert.throws(() => parseRust(text), (e: Error) => e instanceof ParseTimeout && /gave up parsing it after \d+ s/.test(e.message));
  const review = await reviewText('/tangled.rs', text);
  assert.match(review.skipped ?? '', /tree-sitter gave up parsing it/);
  // With an atomic operation in it, check must read the file, and says it could not.
  const withSite = `use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};\nfn g(c: &AtomicUsize) { c.fetch_add(1, Relaxed); }\n${text}`;
  const fine = { file: '/fine.rs', text: `${HEAD}impl Drop for S { fn drop(&mut self) { if self.c.fetch_sub(1, Relaxed) == 1 { fence(Acquire); unsafe { dealloc(self) } } } }\n` };
  const checked = await checkTexts([{ file: '/tangled.rs', text: withSite }, fine]);
  assert.deepEqual(checked.problems.filter(p => p.file === '/tangled.rs').map(p => p.message.replace(/\d+ s/, 'N s')), ['could not read Rust: tree-sitter gave up parsing it after N s (its syntax errors are too tangled to recover from in time)']);
  assert.deepEqual(checked.findings.map(f => [f.file, f.ordering]), [['/fine.rs', 'Relaxed']], 'the other file is still reviewed');
  // Without one (no counter word, no atomic method, no helper call), nothing in it can be a site:
  // check does not parse it at all, so it neither waits for tree-sitter nor reports it.
  const parsed: string[] = [];
  observeParses(t => parsed.push(t));
  try {
    const inert = await checkTexts([{ file: '/tangled.rs', text }, fine]);
    assert.deepEqual(inert.problems, []);
    assert.deepEqual(inert.findings.map(f => [f.file, f.ordering]), [['/fine.rs', 'Relaxed']]);
  } finally {
    observeParses(null);
  }
  assert.ok(!parsed.includes(text), 'the file without sites was not parsed');
});

// The whole-graph SC check is cubic in the events: with two thousand SC fences in a thread one
// check outlasted any time budget (2.5 minutes against 1 s). It reports its work to the budget now.
test('a litmus test with thousands of SC fences stops at its time budget', () => {
  const fences = '  atomic_thread_fence(memory_order_seq_cst);\n'.repeat(2000);
  const src = `C many-fences\n{ [x] = 0; [y] = 0; }\nP0 (atomic_int* x) {\n  atomic_store_explicit(x, 1, memory_order_relaxed);\n${fences}}\nP1 (atomic_int* x, atomic_int* y) {\n  int r0 = atomic_load_explicit(x, memory_order_relaxed);\n${fences}  atomic_store_explicit(y, 1, memory_order_relaxed);\n}\nexists (1:r0=1)\n`;
  const res = explore(readLitmus(src, 'f.litmus').program, { maxMillis: 300 });
  assert.equal(res.bounded?.reason, 'time');
});
