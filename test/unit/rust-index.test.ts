import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { initRustParser } from '../../server/src/rust/parser';
import { analyzeRustFile, extractSites, summarizeRustFile } from '../../server/src/rust/extract';
import { RustIndex } from '../../server/src/rust/index';
import { classify } from '../../server/src/protocol/roles';

before(() => initRustParser());

const HELPERS = `use core::sync::atomic::{AtomicU64, Ordering};
pub(crate) fn bump_unless_zero(target: &AtomicU64) -> bool {
    target
        .fetch_update(Ordering::Acquire, Ordering::Relaxed, |x| if x == 0 { None } else { Some(x + 1) })
        .is_ok()
}
pub struct Wrapper { pub count: kernel::sync::Refcount }
`;

const USER = `use crate::helpers::bump_unless_zero;
struct Node { refs: AtomicU64, w: Wrapper }
impl Node {
    fn lookup(&self) -> Option<&Self> {
        if !bump_unless_zero(&self.refs) {
            return None;
        }
        Some(self)
    }
    fn get(&self) { self.w.count.inc(); }
}
`;

test('helpers and field types from another file reach a file through the index', () => {
  const index = new RustIndex();
  index.update(summarizeRustFile('helpers.rs', HELPERS));
  const { sites } = extractSites('user.rs', USER, undefined, index);
  const via = sites.find(s => s.fnName === 'lookup');
  assert.ok(via, 'the helper call is a site');
  assert.equal(via.op, 'fetch_update');
  assert.equal(via.receiver, '<Node>.refs');
  assert.equal(via.via?.helperFile, 'helpers.rs');
  assert.deepEqual(via.orderings.map(o => [o.which, o.ordering, o.file]), [['set', 'Acquire', 'helpers.rs'], ['fetch', 'Relaxed', 'helpers.rs']]);
  assert.deepEqual([via.closure?.kind, via.closure?.amount, via.closure?.unlessZero], ['add', 1, true]);
  const p = via.context.successPath;
  assert.equal(p?.how, 'after-early-exit');
  // Wrapper.count is declared a Refcount in the other file, so `inc()` is a Refcount op.
  const inc = sites.find(s => s.op === 'inc');
  assert.equal(inc?.api, 'kernel-refcount');
  assert.equal(inc?.receiver, '<Node>.w.count');

  // Without the index neither is recognised.
  const alone = extractSites('user.rs', USER).sites;
  assert.equal(alone.length, 0);
});

test('updating and removing a file changes what others see; a file never reads its own stale summary', () => {
  const index = new RustIndex();
  index.update(summarizeRustFile('helpers.rs', HELPERS));
  index.update(analyzeRustFile('user.rs', USER, undefined, { index }).summary);
  assert.equal(index.size, 2);
  // helpers.rs re-read with the helper renamed: user.rs no longer has the via site.
  index.update(summarizeRustFile('helpers.rs', HELPERS.replace('bump_unless_zero', 'bump')));
  assert.equal(extractSites('user.rs', USER, undefined, index).sites.filter(s => s.via).length, 0);
  index.remove('helpers.rs');
  assert.equal(index.helperNames().length, 0);
  // A file's own old summary is hidden while it is re-read (its text is the fresher truth).
  index.update(summarizeRustFile('helpers.rs', HELPERS));
  const own = extractSites('helpers.rs', HELPERS.replace(/fn bump_unless_zero[\s\S]*?\n}\n/, ''), undefined, index);
  assert.equal(own.sites.length, 0);
});

// Two files that share nothing but the habit of `let c = x.clone()` on an Arc'd atomic.
const GAUGE = `use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
pub struct Gauge { inflight: Arc<AtomicUsize> }
impl Gauge {
    fn leave(&self) { let c = self.inflight.clone(); c.fetch_sub(1, Ordering::Relaxed); }
    fn enter(&self) { let c = self.inflight.clone(); c.fetch_add(1, Ordering::Relaxed); }
}
`;
const HANDLE = `use std::sync::atomic::{fence, AtomicUsize, Ordering};
use std::sync::Arc;
pub struct Handle { refs: Arc<AtomicUsize> }
impl Handle {
    fn put(&self) {
        let c = self.refs.clone();
        if c.fetch_sub(1, Ordering::Release) == 1 { fence(Ordering::Acquire); }
    }
}
`;

test('a counter is its struct field: `let c = x.clone()` names no counter, and unrelated files never pair', () => {
  const index = new RustIndex();
  index.update(summarizeRustFile('gauge.rs', GAUGE));
  index.update(summarizeRustFile('handle.rs', HANDLE));
  const gauge = extractSites('gauge.rs', GAUGE, undefined, index).sites;
  const handle = extractSites('handle.rs', HANDLE, undefined, index).sites.filter(s => s.op !== 'fence');
  assert.deepEqual(gauge.map(s => s.counter), ['Gauge.inflight@gauge.rs', 'Gauge.inflight@gauge.rs']);
  assert.deepEqual(handle.map(s => s.counter), ['Handle.refs@handle.rs']);
  const all = [...gauge, ...handle];
  for (const file of ['gauge.rs', 'handle.rs']) {
    const counters = classify(all, file);
    assert.ok(counters.every(c => !/clone/.test(c.key)), 'no counter is named after a method');
    assert.ok(counters.every(c => c.sites.every(cs => cs.site.file === file)), `${file}: no site of the other file joins`);
  }
  assert.deepEqual(classify(all, 'gauge.rs').map(c => [c.key, c.isRefcount]), [['Gauge.inflight', false]]);
});

const SHARED = `use core::sync::atomic::AtomicUsize;
pub(crate) struct Shared<T> { pub(crate) strong: AtomicUsize, pub(crate) weak: AtomicUsize, value: T }
pub(crate) struct Counts<'a> { pub(crate) strong: &'a AtomicUsize, pub(crate) weak: &'a AtomicUsize }
`;
const STRONG = `use core::sync::atomic::{fence, Ordering::*};
pub struct Strong<T> { ptr: core::ptr::NonNull<Shared<T>> }
impl<T> Strong<T> {
    fn inner(&self) -> &Shared<T> { unsafe { self.ptr.as_ref() } }
}
impl<T> Drop for Strong<T> {
    fn drop(&mut self) {
        if self.inner().strong.fetch_sub(1, Release) == 1 { fence(Acquire); }
    }
}
`;
const WEAK = `use core::sync::atomic::Ordering::*;
pub struct Weak<T> { ptr: core::ptr::NonNull<Shared<T>> }
impl<T> Weak<T> {
    fn inner(&self) -> Option<Counts<'_>> {
        let ptr = self.ptr.as_ptr();
        Some(unsafe { Counts { strong: &(*ptr).strong, weak: &(*ptr).weak } })
    }
    pub fn upgrade(&self) -> bool {
        let inner = self.inner()?;
        let n = inner.strong.load(Relaxed);
        n != 0 && inner.strong.compare_exchange(n, n + 1, Relaxed, Relaxed).is_ok()
    }
    pub fn weak_count(&self) -> usize {
        self.inner().map(|c| c.weak.load(Acquire)).unwrap_or(0)
    }
}
`;

test('the strong count reached from `impl Strong` and from `impl Weak` (through Option<Counts>) is one counter across files', () => {
  const index = new RustIndex();
  for (const [f, t] of [['shared.rs', SHARED], ['strong.rs', STRONG], ['weak.rs', WEAK]]) index.update(summarizeRustFile(f, t));
  const strong = extractSites('strong.rs', STRONG, undefined, index).sites.filter(s => s.op !== 'fence');
  const weak = extractSites('weak.rs', WEAK, undefined, index).sites;
  assert.deepEqual(strong.map(s => s.counter), ['Shared.strong@shared.rs']);
  assert.deepEqual(weak.map(s => [s.op, s.counter]), [
    ['load', 'Shared.strong@shared.rs'], ['compare_exchange', 'Shared.strong@shared.rs'], ['load', 'Shared.weak@shared.rs'],
  ]);
  const counters = classify([...strong, ...weak], 'weak.rs');
  const c = counters.find(x => x.key === 'Shared.strong');
  assert.ok(c?.isRefcount, 'the upgrade pairs with the drop in strong.rs');
  assert.deepEqual(c.sites.map(cs => `${cs.site.file}:${cs.role.kind}`).sort(), ['strong.rs:dec-last', 'weak.rs:feeding-load', 'weak.rs:inc-conjure']);
});

const FORWARDING = `use std::sync::atomic::{fence, AtomicUsize, Ordering};
use std::sync::atomic::Ordering::{Acquire, Relaxed, Release};
struct Count;
impl Count {
    fn load(cell: &AtomicUsize, order: Ordering) -> usize { cell.load(order) }
    fn dec(cell: &AtomicUsize, order: Ordering) -> usize { cell.fetch_sub(1, order) }
}
pub struct Node { refs: AtomicUsize, seen: AtomicUsize }
impl Node {
    fn put(&self) { if Count::dec(&self.refs, Release) == 1 { fence(Acquire); } }
    fn get(&self) { self.refs.fetch_add(1, Relaxed); }
    fn unique(&self) -> bool { Count::load(&self.refs, Acquire) == 1 }
    fn peek(&self, order: Ordering) -> usize { Count::load(&self.refs, order) }
    fn peek_again(&self, order: Ordering) -> usize { Count::load(&self.refs, order) }
    fn stat(&self, order: Ordering) -> usize { Count::load(&self.seen, order) }
}
`;

test('orderings from callers: each call is read with its argument; one unresolved note per argument, only on a refcount', async () => {
  const { reviewText } = await import('../../server/src/review.js');
  const index = new RustIndex();
  index.update(summarizeRustFile('node.rs', FORWARDING));
  const sites = extractSites('node.rs', FORWARDING, undefined, index).sites;
  const unique = sites.find(s => s.fnName === 'unique');
  assert.deepEqual(unique?.orderings.map(o => [o.ordering, o.file, o.range?.start.line]), [['Acquire', undefined, 11]]);
  const review = await reviewText('node.rs', FORWARDING, { index, otherSites: sites });
  const notes = review.findings.filter(f => f.rule === 'unresolved-ordering');
  // `peek` and `peek_again` pass their own parameter: one note at each argument. The helper's own
  // `order` gets none (its calls are resolved), nor does `stat` (`seen` is not a reference count).
  assert.deepEqual(notes.map(f => [f.range.start.line, f.range.start.character]), [[12, 71], [13, 77]]);
  assert.ok(notes.every(f => /^cannot resolve the ordering `\w+` of `[\w:]+`$/.test(f.message)), notes.map(f => f.message).join('\n'));
  assert.ok(notes.every(f => /passed to `load`'s ordering parameter/.test(f.explanation?.why ?? '')), notes.map(f => f.explanation?.why).join('\n'));
});

test('a call that looks atomic but is a forwarding method of a workspace type is read through that method', () => {
  const COUNTERS = `use std::sync::atomic::{AtomicUsize, Ordering};
pub(super) struct AtomicCounters { value: AtomicUsize }
impl AtomicCounters {
    pub(super) fn load(&self, ordering: Ordering) -> usize { self.value.load(ordering) }
}
`;
  const SLEEP = `use std::sync::atomic::Ordering;
pub(super) struct Sleep { counters: AtomicCounters }
impl Sleep {
    fn idle(&self) -> usize { self.counters.load(Ordering::SeqCst) }
}
`;
  const index = new RustIndex();
  index.update(summarizeRustFile('counters.rs', COUNTERS));
  index.update(summarizeRustFile('sleep.rs', SLEEP));
  const s = extractSites('sleep.rs', SLEEP, undefined, index).sites;
  assert.deepEqual(s.map(x => [x.op, x.receiver, x.counter, x.via?.helperFn, x.orderings.map(o => o.ordering).join()]), [
    ['load', '<Sleep>.counters.value', 'AtomicCounters.value@counters.rs', 'AtomicCounters::load', 'SeqCst'],
  ]);
});
