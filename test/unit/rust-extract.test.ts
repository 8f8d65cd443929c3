import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { initRustParser, parseRust } from '../../server/src/rust/parser';
import { extractSites, summarizeRustFile } from '../../server/src/rust/extract';
import { RustIndex } from '../../server/src/rust/index';
import type { ControlPath, Site } from '../../server/src/rust/site';

const FIXTURES = path.join(__dirname, '..', '..', '..', 'test', 'fixtures', 'rust-sites');
const fixture = (name: string) => readFileSync(path.join(FIXTURES, name), 'utf8');

before(() => initRustParser());

function sites(text: string, file = 'x.rs'): Site[] {
  return extractSites(file, text).sites;
}
function one(list: Site[], pred: (s: Site) => boolean): Site {
  const found = list.filter(pred);
  assert.equal(found.length, 1, `expected one site, got ${found.map(s => s.id).join(', ') || 'none'}`);
  return found[0];
}
function known(p: unknown): ControlPath {
  assert.ok(p && typeof p === 'object' && (p as ControlPath).how !== ('unknown' as string), `expected a known path, got ${JSON.stringify(p)}`);
  return p as ControlPath;
}

test('block-mq Refcount form: takeover CAS through as_atomic, inc, dec_and_test, set', () => {
  const text = fixture('blockmq_refcount.rs');
  const s = sites(text);
  const key = '<Request>.wrapper_ref().refcount()';
  // as_atomic() is dropped from the key: the raw atomic and the Refcount are one counter.
  assert.deepEqual([...new Set(s.map(x => x.receiver))], [key]);
  const cas = one(s, x => x.op === 'compare_exchange');
  assert.equal(cas.api, 'std');
  assert.deepEqual(cas.args.map(a => a.value), [2, 0]);
  assert.deepEqual(cas.orderings.map(o => [o.which, o.ordering, o.text]), [['success', 'Relaxed', 'Ordering::Relaxed'], ['failure', 'Relaxed', 'Ordering::Relaxed']]);
  assert.equal(cas.implType, 'Request');
  assert.equal(cas.fnName, 'try_set_end');
  const lines = text.split('\n');
  // Exact ranges: the ordering argument text is where the range says.
  const o = cas.orderings[0].range!;
  assert.equal(lines[o.start.line].slice(o.start.character, o.end.character), 'Ordering::Relaxed');
  assert.equal(lines[cas.methodRange.start.line].slice(cas.methodRange.start.character, cas.methodRange.end.character), 'compare_exchange');
  const succ = known(cas.context.successPath);
  assert.equal(succ.how, 'after-early-exit');
  assert.equal(succ.fence, undefined);

  const k = one(s, x => x.op === 'cmpxchg');
  assert.equal(k.api, 'kernel-atomic');
  assert.equal(k.receiver, key, 'let a = ...as_atomic() is followed');
  assert.deepEqual(k.orderings.map(x => [x.which, x.ordering, x.implied]), [['success', 'Relaxed', false], ['failure', 'Relaxed', true]]);
  assert.equal(known(k.context.successPath).how, 'match-arm');

  const inc = one(s, x => x.op === 'inc');
  assert.equal(inc.api, 'kernel-refcount');
  assert.deepEqual(inc.orderings.map(x => [x.ordering, x.implied, x.range]), [['Relaxed', true, null]]);
  const dt = one(s, x => x.op === 'dec_and_test');
  assert.deepEqual(dt.orderings.map(x => [x.which, x.ordering]), [['single', 'Release'], ['success', 'Acquire']]);
  assert.equal(known(dt.context.lastPath).how, 'then-block');
  const set = one(s, x => x.op === 'set');
  assert.deepEqual(set.args.map(a => a.value), [2]);
});

test('block-mq AtomicU64 form: helpers with fetch_update become via sites with the caller\'s closure', () => {
  const s = sites(fixture('blockmq_atomic.rs'));
  const key = '<Request>.wrapper_ref().refcount()';
  const store = one(s, x => x.op === 'store');
  assert.equal(store.receiver, key);
  const cas = one(s, x => x.op === 'compare_exchange');
  assert.equal(cas.receiver, key, 'this: ARef<Self> reads as the impl type');
  assert.equal(known(cas.context.successPath).how, 'after-early-exit');

  const inc = one(s, x => x.fnName === 'inc_ref');
  assert.equal(inc.op, 'fetch_update');
  assert.equal(inc.receiver, key);
  assert.equal(inc.via?.helperFn, 'atomic_relaxed_op_unless');
  assert.equal(inc.via?.helperSite.fnName, 'atomic_relaxed_op_unless');
  assert.deepEqual(inc.closure && { kind: inc.closure.kind, amount: inc.closure.amount, unlessZero: inc.closure.unlessZero }, { kind: 'add', amount: 1, unlessZero: true });
  assert.deepEqual(inc.orderings.map(o => [o.which, o.ordering, o.file]), [['set', 'Relaxed', 'x.rs'], ['fetch', 'Relaxed', 'x.rs']]);
  // `let updated = helper(..); if !updated { panic!() }` -> success continues after the if.
  assert.equal(known(inc.context.successPath).how, 'after-early-exit');

  const dec = one(s, x => x.fnName === 'dec_ref');
  assert.equal(dec.via?.helperFn, 'atomic_relaxed_op_return');
  assert.deepEqual(dec.closure && [dec.closure.kind, dec.closure.amount, dec.closure.alwaysSome], ['sub', 1, true]);
  assert.equal(dec.counterName, 'refcount', 'refcount_ptr(..) groups with refcount()');
  assert.equal(dec.context.resultUse, 'discarded');
  assert.equal(dec.context.lastPath?.how, 'unknown');

  // The helpers' own operations are sites too, marked as operating on a parameter.
  const inner = s.filter(x => x.fnName?.startsWith('atomic_relaxed_op'));
  assert.equal(inner.length, 2);
  assert.ok(inner.every(x => x.notes.some(n => n.includes('parameter'))));
});

test('Arc-like code: acquire! fences on success/last paths, uniqueness load, upgrade closures', () => {
  const s = sites(fixture('arc_like.rs'));
  const strong = '<MyArc>.inner().strong';
  const unwrap = one(s, x => x.fnName === 'try_unwrap' && x.op === 'compare_exchange');
  assert.equal(unwrap.receiver, strong);
  const p = known(unwrap.context.successPath);
  assert.equal(p.fence?.ordering, 'Acquire');
  assert.equal(p.fence?.afterPossibleTouch, undefined, 'the fence is the first statement');

  const drop = one(s, x => x.fnName === 'drop' && x.op === 'fetch_sub');
  assert.deepEqual(drop.context.comparedWith && [drop.context.comparedWith.op, drop.context.comparedWith.value], ['!=', 1]);
  const last = known(drop.context.lastPath);
  assert.equal(last.how, 'after-early-exit');
  assert.equal(last.fence?.ordering, 'Acquire');

  const load = one(s, x => x.op === 'load');
  assert.equal(load.receiver, strong);
  assert.deepEqual(load.context.comparedWith && [load.context.comparedWith.op, load.context.comparedWith.value], ['==', 1]);

  const byName = one(s, x => x.fnName === 'upgrade_like');
  assert.deepEqual(byName.closure && [byName.closure.kind, byName.closure.amount, byName.closure.unlessZero], ['add', 1, true]);
  assert.equal(known(byName.context.successPath).how, 'after-question-mark');
  const byClosure = one(s, x => x.fnName === 'upgrade_closure');
  assert.deepEqual(byClosure.closure && [byClosure.closure.kind, byClosure.closure.amount, byClosure.closure.unlessZero], ['add', 1, true]);
  const fences = s.filter(x => x.op === 'fence');
  assert.equal(fences.length, 2);
  assert.ok(fences.every(f => f.orderings[0].ordering === 'Acquire' && f.orderings[0].implied));
});

test('kernel atomics: marker orderings, Full as SeqCst, try_cmpxchg as a bool, cmpxchg .is_ok()', () => {
  const s = sites(fixture('kernel_atomic.rs'));
  assert.deepEqual(s.map(x => x.op), ['load', 'store', 'xchg', 'add', 'try_cmpxchg', 'cmpxchg']);
  assert.ok(s.every(x => x.api === 'kernel-atomic'));
  const x = one(s, y => y.op === 'xchg');
  assert.equal(x.orderings[0].ordering, 'SeqCst');
  assert.equal(x.orderings[0].family, 'kernel');
  assert.match(x.orderings[0].note ?? '', /Full/);
  const t = one(s, y => y.op === 'try_cmpxchg');
  assert.equal(known(t.context.successPath).how, 'then-block');
  assert.equal(t.args[0].value, null);
  const c = one(s, y => y.op === 'cmpxchg');
  // `.is_ok()` handed back to the caller: where the success leads is the caller's business.
  assert.equal(c.context.successPath?.how, 'unknown');
});

test('kernel cmpxchg used directly as a condition', () => {
  const s = sites(`use kernel::sync::atomic::Relaxed;
struct R { a: Atomic<u32> }
impl R {
    fn take(&self) {
        if self.a.cmpxchg(2, 0, Relaxed) {
            end_request(self);
        }
    }
}`);
  assert.equal(known(one(s, x => x.op === 'cmpxchg').context.successPath).how, 'then-block');
});

test('non-atomic methods with atomic names are not sites', () => {
  const { sites: s, problems } = extractSites('neg.rs', fixture('negatives.rs'));
  assert.deepEqual(s.map(x => `${x.op}@${x.range.start.line}`), []);
  assert.deepEqual(problems, []);
});

test('an ordering argument makes a site even when the receiver type is unknown; a known atomic with an unknown ordering is still a site', () => {
  const s = sites(`use std::sync::atomic::Ordering;
fn f(o: Ordering, c: &AtomicUsize) {
    unknown_thing().load(Ordering::Acquire);
    c.load(o);
    c.store(1, make());
}`);
  assert.deepEqual(s.map(x => [x.op, x.orderings[0].ordering]), [['load', 'Acquire'], ['load', null], ['store', null]]);
});

test('a broken file: sites in the intact parts are still found, and the damage is reported', () => {
  const { sites: s, problems } = extractSites('broken.rs', fixture('broken.rs'));
  const ops = s.map(x => x.op);
  assert.ok(ops.includes('fetch_sub') && ops.includes('fetch_add'), ops.join(','));
  const after = one(s, x => x.op === 'fetch_add');
  assert.equal(after.fnName, 'after_the_error');
  assert.ok(problems.some(p => p.kind === 'syntax'));
});

test('non-ASCII text before a site: characters are UTF-16 code units', () => {
  const text = `use std::sync::atomic::Ordering::Relaxed;
fn f(c: &AtomicU64) { let s = "naïve – 😀"; /* ünïcödé */ c.fetch_add(1, Relaxed); }
`;
  const s = one(sites(text), x => x.op === 'fetch_add');
  const line = text.split('\n')[1];
  assert.equal(s.range.start.character, line.indexOf('c.fetch_add'));
  const o = s.orderings[0].range!;
  assert.equal(line.slice(o.start.character, o.end.character), 'Relaxed');
});

test('success paths: is_ok, if let Ok/Err, while-let retry loop, let-else, match in a loop', () => {
  const s = sites(`use core::sync::atomic::{fence, AtomicUsize, Ordering::*};
struct C { n: AtomicUsize }
impl C {
    fn a(&self) { if self.n.compare_exchange(1, 0, Relaxed, Relaxed).is_ok() { fence(Acquire); free(self); } }
    fn b(&self) { if let Ok(_) = self.n.compare_exchange(1, 0, Acquire, Relaxed) { free(self); } }
    fn c(&self) { if let Err(_) = self.n.compare_exchange(1, 0, Acquire, Relaxed) { log(); } else { free(self); } }
    fn d(&self) {
        let mut cur = self.n.load(Relaxed);
        while let Err(v) = self.n.compare_exchange_weak(cur, cur + 1, Acquire, Relaxed) { cur = v; }
        use_it(self);
    }
    fn e(&self) -> Option<()> {
        let Ok(_) = self.n.compare_exchange(2, 0, Relaxed, Relaxed) else { return None };
        free(self);
        fence(Acquire);
        Some(())
    }
    fn f(&self) -> bool {
        let mut cur = self.n.load(Relaxed);
        loop {
            if cur == 0 { return false; }
            match self.n.compare_exchange_weak(cur, cur + 1, Acquire, Relaxed) {
                Ok(_) => return true,
                Err(old) => cur = old,
            }
        }
    }
    fn g(&self) -> Result<usize, usize> { self.n.compare_exchange(1, 0, Acquire, Relaxed) }
}`);
  const by = (fn: string) => one(s, x => x.fnName === fn && x.op.startsWith('compare_exchange'));
  const a = known(by('a').context.successPath);
  assert.equal(a.how, 'then-block');
  assert.equal(a.fence?.ordering, 'Acquire');
  assert.equal(known(by('b').context.successPath).how, 'then-block');
  assert.equal(known(by('c').context.successPath).how, 'else-block');
  const d = by('d');
  assert.equal(known(d.context.successPath).how, 'after-loop');
  const e = known(by('e').context.successPath);
  assert.equal(e.how, 'let-else');
  assert.ok(e.fence?.afterPossibleTouch, 'free(self) runs before the fence');
  const f = by('f');
  assert.equal(f.context.inLoop, true);
  assert.equal(known(f.context.successPath).how, 'match-arm');
  const g = by('g');
  assert.equal(g.context.resultUse, 'returned');
  assert.equal(g.context.successPath?.how, 'unknown');
});

test('decrement compared with 1 through a let binding, and an Acquire load on the last path', () => {
  const s = sites(`use std::sync::atomic::{AtomicUsize, Ordering};
struct Obj { refs: AtomicUsize }
impl Obj {
    fn put(&self) {
        let old = self.refs.fetch_sub(1, Ordering::Release);
        if old == 1 {
            let _ = self.refs.load(Ordering::Acquire);
            destroy(self);
        }
    }
    fn put_relaxed(&self) {
        if 1 == self.refs.fetch_sub(1, Ordering::Relaxed) {
            destroy(self);
        }
    }
}`);
  const put = one(s, x => x.fnName === 'put' && x.op === 'fetch_sub');
  assert.deepEqual([put.context.comparedWith?.op, put.context.comparedWith?.value], ['==', 1]);
  const last = known(put.context.lastPath);
  assert.equal(last.how, 'then-block');
  assert.equal(last.acquireLoad?.ordering, 'Acquire');
  assert.equal(last.fence, undefined);
  const rel = one(s, x => x.fnName === 'put_relaxed');
  assert.deepEqual([rel.context.comparedWith?.op, rel.context.comparedWith?.value], ['==', 1]);
  const rl = known(rel.context.lastPath);
  assert.equal(rl.fence, undefined);
  assert.equal(rl.acquireLoad, undefined);
});

test('a 10k-line file parses and extracts in reasonable time (printed, not asserted)', () => {
  const unit = fixture('arc_like.rs');
  const big = Array.from({ length: Math.ceil(10000 / unit.split('\n').length) }, (_, i) => unit.replace(/MyArc/g, `MyArc${i}`)).join('\n');
  const t0 = performance.now();
  const tree = parseRust(big);
  const t1 = performance.now();
  const { sites: s } = extractSites('big.rs', big, tree);
  const t2 = performance.now();
  tree.delete();
  assert.ok(s.length > 1000);
  console.log(`# ${big.split('\n').length} lines: parse ${(t1 - t0).toFixed(0)} ms, extract ${(t2 - t1).toFixed(0)} ms, ${s.length} sites`);
});

test('methods called by path are sites: the first argument is the receiver', () => {
  const s = sites(`use core::sync::atomic::{AtomicU64, AtomicUsize, Ordering::*};
struct Slot { refcount: AtomicU64, count: AtomicUsize }
impl Slot {
    fn take(&self) -> bool { AtomicU64::compare_exchange(&self.refcount, 2, 0, Relaxed, Relaxed).is_ok() }
    fn put(&self) { core::sync::atomic::AtomicUsize::fetch_sub(&self.count, 1, Release); }
    fn not_atomic(&self) { Vec::push(&mut self.v, 1); }
}
`);
  assert.deepEqual(s.map(x => [x.op, x.receiver, x.counter, x.args.map(a => a.value).join(','), x.orderings.map(o => o.ordering).join(',')]), [
    ['compare_exchange', '<Slot>.refcount', 'Slot.refcount@x.rs', '2,0', 'Relaxed,Relaxed'],
    ['fetch_sub', '<Slot>.count', 'Slot.count@x.rs', '1', 'Release'],
  ]);
});

test('try_update is fetch_update; update always succeeds and returns the old value', () => {
  const s = sites(`use std::sync::atomic::{AtomicUsize, Ordering::{Acquire, Relaxed, Release}};
struct B { refs: AtomicUsize }
impl B {
    fn lookup(&self) -> bool { self.refs.try_update(Acquire, Relaxed, |n| if n == 0 { None } else { Some(n + 1) }).is_ok() }
    fn put(&self) { if self.refs.update(Release, Relaxed, |n| n - 1) == 1 { self.free(); } }
}
`);
  const look = one(s, x => x.fnName === 'lookup');
  assert.equal(look.op, 'fetch_update');
  assert.deepEqual(look.orderings.map(o => [o.which, o.ordering]), [['set', 'Acquire'], ['fetch', 'Relaxed']]);
  assert.deepEqual([look.closure?.kind, look.closure?.amount, look.closure?.unlessZero], ['add', 1, true]);
  const put = one(s, x => x.fnName === 'put');
  assert.deepEqual([put.op, put.closure?.kind, put.closure?.amount, put.closure?.alwaysSome], ['fetch_update', 'sub', 1, true]);
  assert.deepEqual(put.orderings.map(o => [o.which, o.ordering]), [['set', 'Release'], ['fetch', 'Relaxed']]);
  // The call returns the old value, so `== 1` is the last-reference test.
  assert.deepEqual([put.context.comparedWith?.op, put.context.comparedWith?.value, put.context.lastPath?.how], ['==', 1, 'then-block']);
});

test('kernel C API through bindings: refcount_* keep refcount.h orderings, atomic_* follow atomic_t.txt', () => {
  const s = sites(`use kernel::bindings;
struct S { refcount: Opaque<bindings::refcount_t>, users: Opaque<bindings::atomic_t> }
impl S {
    fn get(&self) { unsafe { bindings::refcount_inc(self.refcount.get()) } }
    fn put(&self) -> bool { unsafe { bindings::refcount_dec_and_test(self.refcount.get()) } }
    fn lookup(&self) -> bool { unsafe { bindings::refcount_inc_not_zero(self.refcount.get()) } }
    fn add(&self) { unsafe { bindings::atomic_add(2, self.users.get()) } }
    fn swap(&self) -> i32 { unsafe { bindings::atomic_cmpxchg_acquire(self.users.get(), 2, 0) } }
    fn take(&self) -> i32 { unsafe { bindings::atomic_fetch_sub_release(1, self.users.get()) } }
}
impl Refcount {
    fn inc(&self) { unsafe { bindings::refcount_inc(self.as_ptr()) } }
}
`);
  assert.deepEqual(s.map(x => [x.fnName, x.op, x.api, x.counter, x.args.map(a => a.value).join(','), x.orderings.map(o => `${o.which}:${o.ordering}`).join(' ')]), [
    ['get', 'inc', 'kernel-refcount', 'S.refcount@x.rs', '', 'single:Relaxed'],
    ['put', 'dec_and_test', 'kernel-refcount', 'S.refcount@x.rs', '', 'single:Release success:Acquire'],
    ['lookup', 'fetch_update', 'kernel-refcount', 'S.refcount@x.rs', '', 'set:Acquire fetch:Relaxed'],
    ['add', 'fetch_add', 'kernel-atomic', 'S.users@x.rs', '2', 'single:Relaxed'],
    ['swap', 'cmpxchg', 'kernel-atomic', 'S.users@x.rs', '2,0', 'success:Acquire failure:Relaxed'],
    ['take', 'fetch_sub', 'kernel-atomic', 'S.users@x.rs', '1', 'single:Release'],
  ]);
  assert.equal(one(s, x => x.fnName === 'lookup').closure?.unlessZero, true);
});

test('a packed count unit const is one reference, within the file and from another file', () => {
  const s = sites(`use std::sync::atomic::{AtomicUsize, Ordering::*};
const STATE_MASK: usize = 0b11_1111;
const REF_COUNT_MASK: usize = !STATE_MASK;
const REF_COUNT_SHIFT: usize = REF_COUNT_MASK.count_zeros() as usize;
const REF_ONE: usize = 1 << REF_COUNT_SHIFT;
const NOTIFIED: usize = 1 << 2;
struct State { val: AtomicUsize }
impl State {
    fn ref_inc(&self) { self.val.fetch_add(REF_ONE, Relaxed); }
    fn ref_dec(&self) -> bool { let prev = self.val.fetch_sub(REF_ONE, AcqRel); prev >> REF_COUNT_SHIFT == 1 }
    fn ref_dec_twice(&self) { self.val.fetch_sub(2 * REF_ONE, AcqRel); }
    fn notify(&self) { self.val.fetch_or(NOTIFIED, AcqRel); }
}
`);
  assert.deepEqual(s.map(x => [x.fnName, x.args[0]?.reference ?? false, x.args[0]?.value ?? null]), [
    ['ref_inc', true, null], ['ref_dec', true, null], ['ref_dec_twice', false, null], ['notify', false, 4],
  ]);
  const index = new RustIndex();
  index.update(summarizeRustFile('state.rs', 'pub(crate) const REFERENCE: usize = 1 << 8;\npub(crate) const SCHEDULED: usize = 1 << 0;\n'));
  const raw = extractSites('raw.rs', `use core::sync::atomic::{AtomicUsize, Ordering};
use crate::state::*;
struct Header { state: AtomicUsize }
impl Header { fn drop_ref(&self) { self.state.fetch_sub(REFERENCE, Ordering::AcqRel); } }
`, undefined, index).sites;
  assert.deepEqual(raw.map(x => [x.args[0].reference, x.args[0].value]), [[true, 256]]);
});

test('calls are found by the name and its `(`: every call form is a site, look-alikes in comments, strings and macro bodies are not', () => {
  const text = [
    'use std::sync::atomic::{fence, AtomicUsize, Ordering};',
    'struct C { n: AtomicUsize }',
    'impl C {',
    '    fn ops(&self) -> usize {',
    '        // self.n.load(Ordering::Acquire) in a comment',
    '        let s = "self.n.load(Ordering::Acquire) in a string";',
    '        println!("{}", self.n.load (Ordering::Relaxed));',
    '        let a = self.n.load(Ordering::Acquire);',
    '        let b = self.n.fetch_sub(1,',
    '            Ordering::Release);',
    '        let c = AtomicUsize::fetch_add(&self.n, 1, Ordering::Relaxed);',
    '        let d = self.n.load (Ordering::SeqCst) + (self.n.load)(Ordering::SeqCst);',
    '        fence(Ordering::Acquire);',
    '        std::sync::atomic::fence(Ordering::SeqCst);',
    '        s.len() + a + b + c + d',
    '    }',
    '}',
  ].join('\n');
  const s = sites(text);
  const at = (op: string) => s.filter(x => x.op === op).map(x => x.range.start.line + 1);
  // The macro's `self.n.load (..)` is a token tree, not a call: the reader does not see it.
  assert.deepEqual(at('load'), [8, 12]);
  assert.deepEqual(at('fetch_sub'), [9]);
  assert.deepEqual(at('fetch_add'), [11]);
  assert.deepEqual(at('fence'), [13, 14]);
  assert.equal(s.length, 6);
});
