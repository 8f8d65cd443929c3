import { test } from 'node:test';
import assert from 'node:assert/strict';
import { planOrderingEdits } from '../../client/src/simulator/sourceEdits';
import type { Range, ScenarioView } from '../../server/src/protocol/finding';

/** Applies a plan's edits to the text (from the end, so earlier offsets stay valid). */
function applied(src: string, edits: { range: Range; newText: string }[]): string {
  const lines = src.split('\n');
  const off = (p: { line: number; character: number }) => lines.slice(0, p.line).reduce((n, l) => n + l.length + 1, 0) + p.character;
  return [...edits].sort((a, b) => off(b.range.start) - off(a.range.start))
    .reduce((s, e) => s.slice(0, off(e.range.start)) + e.newText + s.slice(off(e.range.end)), src);
}

/** A site whose ordering arguments are found by searching for `needles` on `line`. */
function site(src: string, line: number, needles: [string, 'success' | 'failure' | 'single', number?][]): ScenarioView['sites'][number] {
  const text = src.split('\n')[line];
  return {
    file: 'file:///x.rs', text: text.trim(), role: 'r', range: { start: { line, character: 0 }, end: { line, character: text.length } },
    orderingRanges: needles.map(([n, which, from]) => {
      const c = text.indexOf(n, from ?? 0);
      assert.ok(c >= 0, `${n} on line ${line}`);
      return { which, range: { start: { line, character: c }, end: { line, character: c + n.length } } };
    }),
  };
}

test('qualified orderings keep their path; the success/failure arguments are told apart', () => {
  const src = [
    'use core::sync::atomic::{AtomicUsize, Ordering};',
    'fn f(c: &AtomicUsize) {',
    '    c.fetch_sub(1, Ordering::Relaxed);',
    '    let _ = c.compare_exchange(2, 0, Ordering::Relaxed, Ordering::Relaxed);',
    '}',
  ].join('\n');
  const casLine = src.split('\n')[3];
  const second = casLine.lastIndexOf('Ordering::Relaxed');
  const sites = [site(src, 2, [['Ordering::Relaxed', 'single']]), site(src, 3, [['Ordering::Relaxed', 'success'], ['Ordering::Relaxed', 'failure', second]])];
  const plan = planOrderingEdits(src, sites, [{ site: 1, which: 'success', mode: 'acq' }, { site: 0, which: 'single', mode: 'rel' }]);
  assert.deepEqual(plan.problems, []);
  const out = applied(src, plan.edits).split('\n');
  assert.equal(out[2], '    c.fetch_sub(1, Ordering::Release);');
  assert.equal(out[3], '    let _ = c.compare_exchange(2, 0, Ordering::Acquire, Ordering::Relaxed);');
});

test('bare imported names stay bare and the import grows', () => {
  const src = [
    'use std::sync::atomic::Ordering::{Relaxed};',
    'fn f(c: &AtomicUsize) { c.fetch_sub(1, Relaxed); c.compare_exchange(2, 0, Relaxed, Relaxed).ok(); }',
  ].join('\n');
  const line = src.split('\n')[1];
  const sites = [
    site(src, 1, [['Relaxed', 'single']]),
    site(src, 1, [['Relaxed', 'success', line.indexOf('(2, 0')], ['Relaxed', 'failure', line.lastIndexOf('Relaxed')]]),
  ];
  const plan = planOrderingEdits(src, sites, [{ site: 0, which: 'single', mode: 'rel' }, { site: 1, which: 'success', mode: 'acq' }]);
  assert.deepEqual(plan.problems, []);
  const out = applied(src, plan.edits).split('\n');
  assert.equal(out[0], 'use std::sync::atomic::Ordering::{Relaxed, Release, Acquire};');
  assert.equal(out[1], 'fn f(c: &AtomicUsize) { c.fetch_sub(1, Release); c.compare_exchange(2, 0, Acquire, Relaxed).ok(); }');
});

test('a single-name import gets a sibling; a glob import needs nothing; no import is reported, not guessed', () => {
  const single = 'use core::sync::atomic::Ordering::Relaxed;\nfn f() { c.fetch_sub(1, Relaxed); }';
  const s1 = [site(single, 1, [['Relaxed', 'single']])];
  const p1 = planOrderingEdits(single, s1, [{ site: 0, which: 'single', mode: 'sc' }]);
  assert.equal(applied(single, p1.edits), 'use core::sync::atomic::Ordering::Relaxed;\nuse core::sync::atomic::Ordering::SeqCst;\nfn f() { c.fetch_sub(1, SeqCst); }');

  const glob = 'use core::sync::atomic::Ordering::*;\nfn f() { c.fetch_sub(1, Relaxed); }';
  const p2 = planOrderingEdits(glob, [site(glob, 1, [['Relaxed', 'single']])], [{ site: 0, which: 'single', mode: 'rel' }]);
  assert.equal(p2.edits.length, 1);

  const none = 'fn f() { c.fetch_sub(1, Relaxed); }';
  const p3 = planOrderingEdits(none, [site(none, 0, [['Relaxed', 'single']])], [{ site: 0, which: 'single', mode: 'rel' }]);
  assert.equal(applied(none, p3.edits), 'fn f() { c.fetch_sub(1, Release); }');
  assert.match(p3.problems[0], /add `use core::sync::atomic::Ordering::Release;`/);
});

test('kernel orderings use the kernel names, and a one-argument cmpxchg takes the success ordering', () => {
  const src = 'fn end(&self) -> bool { self.refcount.cmpxchg(2, 0, ordering::Relaxed).is_ok() }';
  const plan = planOrderingEdits(src, [site(src, 0, [['ordering::Relaxed', 'single']])], [{ site: 0, which: 'success', mode: 'acq_rel' }]);
  assert.deepEqual(plan.problems, []);
  assert.equal(applied(src, plan.edits), 'fn end(&self) -> bool { self.refcount.cmpxchg(2, 0, ordering::Full).is_ok() }');
});

test('stale ranges are refused with a message instead of corrupting the file', () => {
  const src = 'fn f() { c.fetch_sub(1, Ordering::Relaxed); }';
  const s = site(src, 0, [['Ordering::Relaxed', 'single']]);
  const edited = 'fn f() { c.fetch_sub(1, my_order()); /* moved */ }';
  const plan = planOrderingEdits(edited, [s], [{ site: 0, which: 'single', mode: 'rel' }]);
  assert.equal(plan.edits.length, 0);
  assert.match(plan.problems[0], /no longer holds an ordering/);
  assert.match(planOrderingEdits(src, [s], [{ site: 3, which: 'single', mode: 'rel' }]).problems[0], /Unknown site 3/);
});
