import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { reviewText } from '../../server/src/review';
import { planOrderingEdits } from '../../client/src/simulator/sourceEdits';
import { planOrderingEdits as planRaw } from '../../server/src/protocol/orderingEdits';
import type { Range, ScenarioView } from '../../server/src/protocol/finding';
import { callText } from '../../server/src/protocol/siteText';

/** Applies a plan's edits to the text (from the end, so earlier offsets stay valid). */
function applied(src: string, edits: { range: Range; newText: string }[]): string {
  const lines = src.split('\n');
  const off = (p: { line: number; character: number }) => lines.slice(0, p.line).reduce((n, l) => n + l.length + 1, 0) + p.character;
  return [...edits].sort((a, b) => off(b.range.start) - off(a.range.start))
    .reduce((s, e) => s.slice(0, off(e.range.start)) + e.newText + s.slice(off(e.range.end)), src);
}

/**
 * A site whose ordering arguments are found by searching for `needles` on `line`, recorded as the
 * review records it (the call's one-line text, each argument's text).
 */
function site(src: string, line: number, needles: [string, 'success' | 'failure' | 'single', number?][]): ScenarioView['sites'][number] {
  const text = src.split('\n')[line];
  const range = { start: { line, character: 0 }, end: { line, character: text.length } };
  return {
    file: 'file:///x.rs', text: callText(src.split('\n'), range), role: 'r', range,
    orderingRanges: needles.map(([n, which, from]) => {
      const c = text.indexOf(n, from ?? 0);
      assert.ok(c >= 0, `${n} on line ${line}`);
      return { which, range: { start: { line, character: c }, end: { line, character: c + n.length } }, text: n };
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

test('a single-name import becomes a group; a glob import needs nothing; with no import, Ordering is imported', () => {
  const single = 'use core::sync::atomic::Ordering::Relaxed;\nfn f() { c.fetch_sub(1, Relaxed); }';
  const s1 = [site(single, 1, [['Relaxed', 'single']])];
  const p1 = planOrderingEdits(single, s1, [{ site: 0, which: 'single', mode: 'sc' }]);
  assert.equal(applied(single, p1.edits), 'use core::sync::atomic::Ordering::{Relaxed, SeqCst};\nfn f() { c.fetch_sub(1, SeqCst); }');

  const glob = 'use core::sync::atomic::Ordering::*;\nfn f() { c.fetch_sub(1, Relaxed); }';
  const p2 = planOrderingEdits(glob, [site(glob, 1, [['Relaxed', 'single']])], [{ site: 0, which: 'single', mode: 'rel' }]);
  assert.equal(p2.edits.length, 1);

  const none = '//! A counter.\n\nfn f() { c.fetch_sub(1, Relaxed); }';
  const p3 = planOrderingEdits(none, [site(none, 2, [['Relaxed', 'single']])], [{ site: 0, which: 'single', mode: 'rel' }]);
  assert.deepEqual(p3.problems, []);
  assert.equal(applied(none, p3.edits), '//! A counter.\n\nuse core::sync::atomic::Ordering;\nfn f() { c.fetch_sub(1, Ordering::Release); }');
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
  assert.match(plan.stale[0], /is no longer in the file as it was/);
  assert.match(planOrderingEdits(src, [s], [{ site: 3, which: 'single', mode: 'rel' }]).problems[0], /Unknown site 3/);
});

test('a kernel marker imported through a nested group gets its sibling in the innermost group that names its module', () => {
  // The v6.18 block-mq shape: `Relaxed` comes in as `sync::{atomic::Relaxed, ..}` under `crate::{..}`.
  const src = [
    'use crate::{',
    '    bindings,',
    '    sync::{atomic::Relaxed, Refcount},',
    '    types::{ARef, AlwaysRefCounted, Opaque},',
    '};',
    'fn end(this: &R) -> bool { this.refcount().as_atomic().cmpxchg(2, 0, Relaxed).is_ok() }',
  ].join('\n');
  const line = src.split('\n')[5];
  const plan = planOrderingEdits(src, [site(src, 5, [['Relaxed', 'single', line.indexOf('0, R')]])], [{ site: 0, which: 'success', mode: 'acq' }]);
  assert.deepEqual(plan.problems, []);
  const out = applied(src, plan.edits).split('\n');
  assert.equal(out[2], '    sync::{atomic::{Relaxed, Acquire}, Refcount},');
  assert.equal(out[5], 'fn end(this: &R) -> bool { this.refcount().as_atomic().cmpxchg(2, 0, Acquire).is_ok() }');

  // A group over the marker module itself grows; Full stands for the kernel's strongest ordering.
  const grouped = 'use kernel::sync::atomic::{Atomic, Relaxed};\nfn f(a: &Atomic<i32>) { a.xchg(1, Relaxed); }';
  const p2 = planOrderingEdits(grouped, [site(grouped, 1, [['Relaxed', 'single']])], [{ site: 0, which: 'single', mode: 'sc' }]);
  assert.equal(applied(grouped, p2.edits), 'use kernel::sync::atomic::{Atomic, Relaxed, Full};\nfn f(a: &Atomic<i32>) { a.xchg(1, Full); }');
});

test('a kernel file that imports no marker gets a new use line from the root it already uses', () => {
  const src = 'use crate::sync::Refcount;\n\nfn f(r: &Refcount) { r.as_atomic().cmpxchg(2, 0, ORDER); }';
  const line = src.split('\n')[2];
  const s = [site(src, 2, [['ORDER', 'single', line.indexOf('ORDER')]])];
  // A constant's family is not in its text: the quick fixes pass the one the reader found.
  const raw = planRaw(src, [{ range: s[0].orderingRanges[0].range, to: 'Acquire', family: 'kernel' }]);
  assert.deepEqual(raw.problems, []);
  assert.equal(applied(src, raw.edits), 'use crate::sync::Refcount;\nuse crate::sync::atomic::Acquire;\n\nfn f(r: &Refcount) { r.as_atomic().cmpxchg(2, 0, Acquire); }');
});

test('renamed imports: an aliased Ordering keeps its alias; a renamed marker gets a sibling in its group', () => {
  const aliased = 'use core::sync::atomic::Ordering as O;\nfn f() { c.load(O::Relaxed); }';
  const p1 = planOrderingEdits(aliased, [site(aliased, 1, [['O::Relaxed', 'single']])], [{ site: 0, which: 'single', mode: 'acq' }]);
  assert.equal(applied(aliased, p1.edits), 'use core::sync::atomic::Ordering as O;\nfn f() { c.load(O::Acquire); }');

  const renamed = 'use kernel::sync::atomic::{Relaxed as R};\nfn f() { a.xchg(1, R); }';
  const s2 = site(renamed, 1, [['R', 'single', 'fn f() { a.xchg(1, '.length]]);
  const p2 = planRaw(renamed, [{ range: s2.orderingRanges[0].range, to: 'Acquire', family: 'kernel' }]);
  assert.equal(applied(renamed, p2.edits), 'use kernel::sync::atomic::{Relaxed as R, Acquire};\nfn f() { a.xchg(1, Acquire); }');
});

test('use lines inside comments and strings are not imports', () => {
  const src = '/* use kernel::sync::atomic::Relaxed; */\nconst S: &str = "use x::Acquire;";\nuse core::sync::atomic::Ordering;\nfn f() { c.fetch_sub(1, Ordering::Relaxed); }';
  const plan = planOrderingEdits(src, [site(src, 3, [['Ordering::Relaxed', 'single']])], [{ site: 0, which: 'single', mode: 'rel' }]);
  assert.equal(applied(src, plan.edits).split('\n')[3], 'fn f() { c.fetch_sub(1, Ordering::Release); }');
  assert.equal(plan.edits.length, 1);
});

test('when `Ordering` names something else, a constant is replaced by the full std path', () => {
  const src = 'use crate::sync::Ordering;\nconst ORD: Ordering = Ordering::Relaxed;\nfn f(c: &AtomicUsize) { c.fetch_sub(1, ORD); }';
  const line = src.split('\n')[2];
  const s = site(src, 2, [['ORD', 'single', line.indexOf('ORD')]]);
  const plan = planRaw(src, [{ range: s.orderingRanges[0].range, to: 'Release', family: 'std' }]);
  assert.equal(applied(src, plan.edits).split('\n')[2], 'fn f(c: &AtomicUsize) { c.fetch_sub(1, core::sync::atomic::Ordering::Release); }');
  assert.equal(plan.edits.length, 1);
});

// The block-mq shape the simulator once mangled: the takeover CAS moved in the file, and its old
// range then covered `Counted for Reque` in `impl AlwaysRefCounted for Request<T>`.
const BLOCK_MQ = [
  'use core::sync::atomic::{AtomicUsize, Ordering};',
  '',
  'impl<T: Operations> Request<T> {',
  '    fn try_set_end(rcnt: &AtomicUsize) -> bool {',
  '        rcnt.compare_exchange(2, 0, Ordering::Relaxed, Ordering::Relaxed).is_ok()',
  '    }',
  '}',
  '',
  'unsafe impl<T: Operations> AlwaysRefCounted for Request<T> {',
  '    fn inc_ref(&self) { self.refcount().as_atomic().fetch_add(1, Ordering::Relaxed); }',
  '}',
].join('\n');
const CAS_LINE = 4;
const casSite = () => {
  const line = BLOCK_MQ.split('\n')[CAS_LINE];
  return site(BLOCK_MQ, CAS_LINE, [['Ordering::Relaxed', 'success'], ['Ordering::Relaxed', 'failure', line.lastIndexOf('Ordering::Relaxed')]]);
};
const IMPL_LINE = 'unsafe impl<T: Operations> AlwaysRefCounted for Request<T> {';

test('the site moved by whole lines: the recorded ranges would overwrite other text; the site is found where it is now', () => {
  const s = casSite();
  const lines = BLOCK_MQ.split('\n');
  // The impl block moved above the CAS's function: the CAS's recorded line now holds the impl header.
  const edited = [lines[0], '', '// The handle side.', '', ...lines.slice(8, 11), '', ...lines.slice(2, 7)].join('\n');
  assert.equal(edited.split('\n')[CAS_LINE], IMPL_LINE);

  // What the unchecked planner writes at the recorded range (`Counted for Reque`): a mangled impl header.
  assert.equal(edited.split('\n')[CAS_LINE].slice(s.orderingRanges[0].range.start.character, s.orderingRanges[0].range.end.character), 'Counted for Reque');
  const naive = planRaw(edited, [{ range: s.orderingRanges[0].range, to: 'SeqCst' }]);
  assert.equal(applied(edited, naive.edits).split('\n')[CAS_LINE], 'unsafe impl<T: Operations> AlwaysRefOrdering::SeqCstst<T> {');

  const plan = planOrderingEdits(edited, [s], [{ site: 0, which: 'success', mode: 'sc' }]);
  assert.deepEqual(plan.stale, []);
  assert.deepEqual(plan.problems, []);
  const out = applied(edited, plan.edits).split('\n');
  assert.equal(out[CAS_LINE], IMPL_LINE);
  assert.equal(out[CAS_LINE + 6], '        rcnt.compare_exchange(2, 0, Ordering::SeqCst, Ordering::Relaxed).is_ok()');
  assert.equal(applied(edited, plan.edits).replace('Ordering::SeqCst', 'Ordering::Relaxed'), edited, 'nothing else changed');
});

test('an edit on the site\'s own line before the argument is refused, and nothing is written', () => {
  const s = casSite();
  const edited = BLOCK_MQ.replace('rcnt.compare_exchange(2, 0,', 'self.rcnt.compare_exchange(2, 0,');
  const plan = planOrderingEdits(edited, [s], [{ site: 0, which: 'success', mode: 'acq' }]);
  assert.deepEqual(plan.edits, []);
  assert.equal(plan.stale.length, 1);
  assert.match(plan.stale[0], /compare_exchange\(2, 0, Ordering::Relaxed, Ordering::Relaxed\).* is no longer in the file as it was when the scenario was read \(line 5 changed\)/);
});

test('an argument changed by hand since the scenario was read is refused', () => {
  const s = casSite();
  // Same length, same place: only the recorded argument text tells the change.
  const edited = BLOCK_MQ.replace('compare_exchange(2, 0, Ordering::Relaxed,', 'compare_exchange(2, 0, Ordering::Acquire,');
  const plan = planOrderingEdits(edited, [s], [{ site: 0, which: 'failure', mode: 'acq' }]);
  assert.deepEqual(plan.edits, []);
  assert.equal(plan.stale.length, 1);
});

test('a site that moved to where it reads the same twice is refused as ambiguous', () => {
  const s = casSite();
  const lines = BLOCK_MQ.split('\n');
  // The CAS line deleted from its place and pasted into two other functions.
  const edited = [...lines.slice(0, 4), '    }', '    fn a(this: ARef<Self>) -> bool {', lines[CAS_LINE], '    }', '    fn b(this: ARef<Self>) -> bool {', lines[CAS_LINE], ...lines.slice(5)];
  edited.splice(4, 0, '    /// shifted', '    /// twice');
  const text = edited.join('\n');
  assert.notEqual(text.split('\n')[CAS_LINE], lines[CAS_LINE]);
  const plan = planOrderingEdits(text, [s], [{ site: 0, which: 'success', mode: 'acq' }]);
  assert.deepEqual(plan.edits, []);
  assert.match(plan.stale[0] ?? '', /appears more than once/);
});

test('one stale site refuses the whole Apply, the site that still reads the same included', () => {
  const lines = BLOCK_MQ.split('\n');
  const inc = site(BLOCK_MQ, 9, [['Ordering::Relaxed', 'single']]);
  const edited = BLOCK_MQ.replace('compare_exchange(2, 0,', 'compare_exchange(2, 1,');
  assert.equal(edited.split('\n')[9], lines[9]);
  const plan = planOrderingEdits(edited, [casSite(), inc], [{ site: 0, which: 'success', mode: 'acq' }, { site: 1, which: 'single', mode: 'rel' }]);
  assert.deepEqual(plan.edits, []);
  assert.equal(plan.stale.length, 1);
  // Unchanged source: both apply.
  assert.equal(planOrderingEdits(BLOCK_MQ, [casSite(), inc], [{ site: 0, which: 'success', mode: 'acq' }, { site: 1, which: 'single', mode: 'rel' }]).edits.length, 2);
});

test('a scenario recorded without argument texts still needs the call to read the same', () => {
  const s = casSite();
  const old = { ...s, orderingRanges: s.orderingRanges.map(({ range, which }) => ({ range, which })) };
  assert.equal(planOrderingEdits(BLOCK_MQ, [old], [{ site: 0, which: 'success', mode: 'acq' }]).edits.length, 1);
  const lines = BLOCK_MQ.split('\n');
  const edited = [...lines.slice(0, 3), '// one more line', ...lines.slice(3)].join('\n');
  const plan = planOrderingEdits(edited, [old], [{ site: 0, which: 'success', mode: 'acq' }]);
  assert.deepEqual(plan.stale, []);
  assert.equal(applied(edited, plan.edits).split('\n')[CAS_LINE + 1], lines[CAS_LINE].replace('0, Ordering::Relaxed', '0, Ordering::Acquire'));
});

test('the scenario a review records is what Apply checks: unchanged and shifted sources apply, an edited call refuses', async () => {
  const file = path.join(__dirname, '..', '..', '..', 'test', 'e2e', 'workspace', 'src', 'block', 'mq', 'request.rs');
  const text = readFileSync(file, 'utf8');
  const review = await reviewText(file, text);
  const view = review.scenarios.find(sc => (sc.races ?? 0) > 0 && sc.sites.some(st => st.orderingRanges.some(r => r.which === 'success')));
  assert.ok(view, 'the seed file has a racing scenario through the takeover CAS');
  const cas = view.sites.findIndex(st => st.orderingRanges.some(r => r.which === 'success'));
  assert.ok(view.sites[cas].orderingRanges.every(r => r.text === 'Ordering::Relaxed'), JSON.stringify(view.sites[cas].orderingRanges));
  const choice = [{ site: cas, which: 'success' as const, mode: 'acq' as const }];

  const same = planOrderingEdits(text, view.sites, choice);
  assert.deepEqual([same.stale, same.problems], [[], []]);
  assert.match(applied(text, same.edits), /compare_exchange\(2, 0, Ordering::Acquire, Ordering::Relaxed\)/);

  const shifted = text.replace('use core::{', '// A note added above.\n\nuse core::{');
  const moved = planOrderingEdits(shifted, view.sites, choice);
  assert.deepEqual(moved.stale, []);
  assert.equal(applied(shifted, moved.edits), applied(text, same.edits).replace('use core::{', '// A note added above.\n\nuse core::{'));

  const edited = text.replace('.compare_exchange(2, 0, Ordering::Relaxed', '.compare_exchange(2, 1, Ordering::Relaxed');
  const refused = planOrderingEdits(edited, view.sites, choice);
  assert.deepEqual(refused.edits, []);
  assert.equal(refused.stale.length, 1);
});
