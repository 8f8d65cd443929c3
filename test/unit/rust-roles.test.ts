import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { initRustParser } from '../../server/src/rust/parser';
import { extractSites } from '../../server/src/rust/extract';
import { classify, roleOf, type Counter } from '../../server/src/protocol/roles';
import { reviewText } from '../../server/src/review';
import type { ControlPath, Site } from '../../server/src/rust/site';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runCheck } from '../../server/src/check';

before(() => initRustParser());

const HEAD = 'use std::sync::atomic::{fence, AtomicUsize, Ordering::{self, AcqRel, Acquire, Relaxed, Release}};\n';

function counters(body: string): Counter[] {
  const sites = extractSites('x.rs', HEAD + body).sites;
  return classify(sites, 'x.rs');
}
function counter(body: string, name: string): Counter {
  const c = counters(body).find(k => k.key.endsWith(name));
  assert.ok(c, `no counter ${name}`);
  return c;
}
function roleAt(c: Counter, op: string, fn: string) {
  const cs = c.sites.find(s => s.site.op === op && s.site.fnName === fn);
  assert.ok(cs, `no ${op} in ${fn}`);
  return cs.role;
}
function known(p: unknown): ControlPath {
  assert.ok(p && typeof p === 'object' && (p as ControlPath).how !== ('unknown' as string), `expected a known path, got ${JSON.stringify(p)}`);
  return p as ControlPath;
}

const HANDLE = `
struct Inner { refs: AtomicUsize, v: u32 }
pub struct H { p: *mut Inner }
impl H { fn inner(&self) -> &Inner { unsafe { &*self.p } } }
impl Clone for H { fn clone(&self) -> Self { self.inner().refs.fetch_add(1, Relaxed); H { p: self.p } } }
`;

test('a zero path that only notifies makes a countdown, not a refcount', () => {
  const c = counter(HANDLE + `
impl Drop for H { fn drop(&mut self) { if self.inner().refs.fetch_sub(1, Relaxed) == 1 { self.wake_all(); } } }
impl H { fn wake_all(&self) { self.notify_waiters(); } }
`, 'refs');
  assert.equal(roleAt(c, 'fetch_sub', 'drop').kind, 'dec-notify');
  assert.equal(c.isRefcount, false);
  assert.match(c.why, /countdown/);
});

test('a zero path that frees through a same-file helper destroys', () => {
  const c = counter(HANDLE + `
impl Drop for H { fn drop(&mut self) { if self.inner().refs.fetch_sub(1, Release) == 1 { fence(Acquire); self.drop_all(); } } }
impl H { fn drop_all(&mut self) { unsafe { core::ptr::drop_in_place(self.p) } } }
`, 'refs');
  const lp = known(c.sites.find(s => s.site.op === 'fetch_sub')!.site.context.lastPath);
  assert.equal(lp.effect?.kind, 'exclusive');
  assert.equal(roleAt(c, 'fetch_sub', 'drop').kind, 'dec-last');
  assert.equal(c.isRefcount, true);
});

test('a zero path that only panics or warns is a debug check: the decrement is a plain drop', () => {
  const c = counter(HANDLE + `
impl Drop for H { fn drop(&mut self) { if self.inner().refs.fetch_sub(1, Release) == 1 { panic!("dropped to zero"); } } }
impl H { fn take(&self) -> bool { self.inner().refs.compare_exchange(1, 0, Acquire, Relaxed).is_ok() } }
`, 'refs');
  const r = roleAt(c, 'fetch_sub', 'drop');
  assert.equal(r.kind, 'dec');
  assert.match((r as { zero?: string }).zero ?? '', /panic!/);
});

test('a zero path calling something unknown, with a Release-only decrement, is not checked rather than guessed', () => {
  const c = counter(HANDLE + `
impl Drop for H { fn drop(&mut self) { if self.inner().refs.fetch_sub(1, Release) == 1 { external::finish_up(self.p); } } }
impl H { fn take(&self) -> bool { self.inner().refs.compare_exchange(1, 0, Acquire, Relaxed).is_ok() } }
`, 'refs');
  assert.equal(c.isRefcount, true);
  const r = roleAt(c, 'fetch_sub', 'drop');
  assert.equal(r.kind, 'other');
  assert.match((r as { why: string }).why, /finish_up/);
});

test('a decrement returned to callers that all discard it is a plain drop; one tested by a caller is a last drop', () => {
  const base = HANDLE + `
impl H {
  fn dec_ref(&self) -> usize { self.inner().refs.fetch_sub(1, Release) }
  fn take(&self) -> bool { self.inner().refs.compare_exchange(1, 0, Acquire, Relaxed).is_ok() }
}
impl Drop for H { fn drop(&mut self) { self.dec_ref(); } }
`;
  assert.equal(roleAt(counter(base, 'refs'), 'fetch_sub', 'dec_ref').kind, 'dec');
  const tested = counter(base.replace('fn drop(&mut self) { self.dec_ref(); }', 'fn drop(&mut self) { if self.dec_ref() == 1 { fence(Acquire); unsafe { drop(Box::from_raw(self.p)) } } }'), 'refs');
  const dec = tested.sites.find(s => s.site.fnName === 'dec_ref')!;
  assert.equal(dec.role.kind, 'dec-last');
  const lp = known(dec.site.context.lastPath);
  assert.equal(lp.how, 'in-caller');
  assert.ok(lp.fence, 'the caller\'s fence is on the path');
});

test('last test through let, debug_assert and match', () => {
  const s = extractSites('x.rs', HEAD + HANDLE + `
impl Drop for H { fn drop(&mut self) {
  let old = self.inner().refs.fetch_sub(1, Release);
  debug_assert!(old > 0);
  match old { 1 => { fence(Acquire); unsafe { drop(Box::from_raw(self.p)) } } _ => {} }
} }`).sites.find(x => x.op === 'fetch_sub')!;
  const lp = known(s.context.lastPath);
  assert.equal(lp.how, 'match-arm');
  assert.ok(lp.fence, 'the fence in the `1 =>` arm is on the path');
  assert.equal(lp.effect?.kind, 'exclusive');
});

test('packed state: accessor and mask tests read as the last reference, and units count as one reference', () => {
  const text = HEAD + `
const REF_ONE: usize = 1 << 6;
const REFERENCE: usize = 1 << 8;
const TASK: usize = 1 << 4;
struct Snapshot(usize);
impl Snapshot { fn ref_count(self) -> usize { self.0 >> 6 } }
pub struct State { val: AtomicUsize }
impl State {
  fn ref_inc(&self) { self.val.fetch_add(REF_ONE, Relaxed); }
  fn ref_dec(&self) -> bool { let prev = Snapshot(self.val.fetch_sub(REF_ONE, AcqRel)); assert!(prev.ref_count() >= 1); prev.ref_count() == 1 }
  fn set_flag(&self) { self.val.fetch_or(1, Release); }
}
struct T { state: State, p: *mut u8 }
impl T { fn release(&self) { if self.state.ref_dec() { unsafe { drop(Box::from_raw(self.p)) } } } }
pub struct W { state: AtomicUsize }
impl W {
  unsafe fn drop_ref(&self) {
    let new = self.state.fetch_sub(REFERENCE, AcqRel) - REFERENCE;
    if new & !(REFERENCE - 1) == 0 && new & TASK == 0 { unsafe { drop(Box::from_raw(self as *const W as *mut W)) } }
  }
}`;
  const sites = extractSites('x.rs', text).sites;
  const dec = sites.find(s => s.op === 'fetch_sub' && s.fnName === 'ref_dec')!;
  assert.deepEqual(dec.context.packed, { unit: 'REF_ONE', test: 'prev.ref_count()==1' });
  const lp = known(dec.context.lastPath);
  assert.equal(lp.how, 'in-caller');
  assert.equal(lp.caller, 'release');
  const state = classify(sites, 'x.rs').find(c => c.key.endsWith('val'))!;
  assert.equal(state.isRefcount, true);
  assert.equal(roleAt(state, 'fetch_add', 'ref_inc').kind, 'inc-existing');
  assert.equal(roleAt(state, 'fetch_or', 'set_flag').kind, 'flags');
  const w = sites.find(s => s.op === 'fetch_sub' && s.fnName === 'drop_ref')!;
  assert.equal(w.context.packed?.unit, 'REFERENCE');
  assert.equal(known(w.context.lastPath).how, 'then-block');
});

test('a mask on a plain counter or a load is not a count test', () => {
  const s = extractSites('x.rs', HEAD + `
pub struct F { bits: AtomicUsize }
impl F { fn locked(&self) -> bool { self.bits.load(Acquire) & 1 == 1 } }`).sites[0];
  assert.equal(s.context.comparedWith, undefined);
});

test('uniqueness query: judged at the caller that takes &mut, and grants nothing without one', () => {
  const base = HEAD + HANDLE + `
impl H { fn is_unique(&self) -> bool { self.inner().refs.load(Relaxed) == 1 } }
impl Drop for H { fn drop(&mut self) { if self.inner().refs.fetch_sub(1, Release) == 1 { fence(Acquire); unsafe { drop(Box::from_raw(self.p)) } } } }
`;
  const withCaller = extractSites('x.rs', base + 'impl H { fn get_mut(&mut self) -> Option<&mut u32> { if self.is_unique() { unsafe { Some(&mut (*self.p).v) } } else { None } } }').sites;
  const load = withCaller.find(s => s.op === 'load')!;
  const eq = known(load.context.comparedWith?.equalPath);
  assert.equal(eq.how, 'in-caller');
  assert.equal(eq.caller, 'get_mut');
  assert.equal(eq.effect?.kind, 'exclusive');
  assert.equal(roleOf(load, withCaller).kind, 'unique-load');
  const without = extractSites('x.rs', base + 'impl H { fn shared(&self) -> bool { !self.is_unique() } }').sites;
  assert.equal(roleOf(without.find(s => s.op === 'load')!, without).kind, 'observe');
});

test('an increment that refuses zero is a clone in Clone::clone and in a &self helper it calls', () => {
  const sites = extractSites('x.rs', HEAD + `
struct Inner { refs: AtomicUsize }
pub struct H { p: *mut Inner }
impl H {
  fn inner(&self) -> &Inner { unsafe { &*self.p } }
  fn bump(&self) { self.inner().refs.fetch_update(Relaxed, Relaxed, |n| if n == 0 { None } else { Some(n + 1) }).unwrap(); }
  fn upgrade(&self) -> bool { self.inner().refs.fetch_update(Relaxed, Relaxed, |n| if n == 0 { None } else { Some(n + 1) }).is_ok() }
}
impl Clone for H { fn clone(&self) -> Self { self.bump(); H { p: self.p } } }`).sites;
  const bump = sites.find(s => s.fnName === 'bump')!;
  assert.match(bump.context.fromHeld ?? '', /Clone::clone/);
  assert.equal(roleOf(bump, sites).kind, 'inc-existing');
  const up = sites.find(s => s.fnName === 'upgrade')!;
  assert.equal(up.context.fromHeld, undefined);
  assert.equal(roleOf(up, sites).kind, 'inc-conjure');
});

test('a SeqCst clone increment gets a stronger-than-needed hint, a Relaxed one none', async () => {
  const text = (o: string) => HEAD + `
struct Inner { refs: AtomicUsize, v: u32 }
pub struct H { p: *mut Inner }
impl H { fn inner(&self) -> &Inner { unsafe { &*self.p } } }
impl Clone for H { fn clone(&self) -> Self { self.inner().refs.fetch_add(1, ${o}); H { p: self.p } } }
impl Drop for H { fn drop(&mut self) { if self.inner().refs.fetch_sub(1, Release) == 1 { fence(Acquire); unsafe { drop(Box::from_raw(self.p)) } } } }
`;
  const strong = await reviewText('x.rs', text('Ordering::SeqCst'), { hints: true });
  const hint = strong.findings.filter(f => f.rule === 'stronger-than-needed');
  assert.equal(hint.length, 1, JSON.stringify(strong.findings.map(f => f.rule)));
  assert.equal(hint[0].range.start.line, 5);
  assert.equal(hint[0].fix?.edits[0].newText, 'Ordering::Relaxed');
  const weak = await reviewText('x.rs', text('Relaxed'), { hints: true });
  assert.deepEqual(weak.findings.map(f => f.rule), []);
});

test('an increment outside a clone (a publication from 0) gets no hint, neither from clone programs nor as the ABA cloner', async () => {
  const text = HEAD + `
struct Inner { refs: AtomicUsize, v: u32 }
pub struct H { p: *mut Inner }
impl H {
  fn inner(&self) -> &Inner { unsafe { &*self.p } }
  fn publish(&self) { let prev = self.inner().refs.fetch_add(1, Release); debug_assert_eq!(prev, 0); }
  fn upgrade(&self) -> bool { let n = self.inner().refs.load(Relaxed); n != 0 && self.inner().refs.compare_exchange(n, n + 1, Acquire, Relaxed).is_ok() }
}
impl Clone for H { fn clone(&self) -> Self { self.inner().refs.fetch_add(1, Relaxed); H { p: self.p } } }
impl Drop for H { fn drop(&mut self) { if self.inner().refs.fetch_sub(1, Release) == 1 { fence(Acquire); unsafe { drop(Box::from_raw(self.p)) } } } }
`;
  const r = await reviewText('x.rs', text, { hints: true });
  assert.deepEqual(r.findings.map(f => [f.rule, f.range.start.line]), []);
});

test('a last test returned to callers in another file: the caller there decides (packed task state split over files)', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'rr-roles-'));
  const state = (o: string) => `use std::sync::atomic::{AtomicUsize, Ordering::{AcqRel, Relaxed, Release}};
const REF_ONE: usize = 1 << 6;
struct Snapshot(usize);
impl Snapshot { fn ref_count(self) -> usize { self.0 >> 6 } }
pub struct State { val: AtomicUsize }
impl State {
    pub fn ref_inc(&self) { self.val.fetch_add(REF_ONE, Relaxed); }
    pub fn ref_dec(&self) -> bool {
        let prev = Snapshot(self.val.fetch_sub(REF_ONE, ${o}));
        prev.ref_count() == 1
    }
}
`;
  writeFileSync(path.join(dir, 'harness.rs'), `pub struct Header { state: State }
pub struct Harness { ptr: *mut Header }
impl Harness {
    fn header(&self) -> &Header { unsafe { &*self.ptr } }
    pub fn drop_reference(self) {
        if self.header().state.ref_dec() {
            unsafe { drop(Box::from_raw(self.ptr)) };
        }
    }
}
impl Clone for Harness { fn clone(&self) -> Self { self.header().state.ref_inc(); Harness { ptr: self.ptr } } }
`);
  writeFileSync(path.join(dir, 'state.rs'), state('Release'));
  const weak = await runCheck([dir]);
  assert.deepEqual(weak.findings.map(f => [path.basename(f.file), f.rule, f.range.start.line]), [['state.rs', 'last-dec-needs-acquire', 8]]);
  writeFileSync(path.join(dir, 'state.rs'), state('AcqRel'));
  const right = await runCheck([dir]);
  assert.deepEqual(right.findings.map(f => f.rule), []);
});

export type { Site };

const FLAG_PAIR = (left: string, right: string, extra = '') => HEAD + `use std::sync::atomic::AtomicBool;
struct Shared { left: AtomicUsize, right: AtomicUsize, gone: AtomicBool }
pub struct L { p: *mut Shared }
pub struct R { p: *mut Shared }
impl L {
  fn s(&self) -> &Shared { unsafe { &*self.p } }
  unsafe fn leave(&self) { if self.s().left.fetch_sub(1, AcqRel) == 1 { if self.s().gone.swap(true, ${left}) { drop(Box::from_raw(self.p)); } } }
}
impl R {
  fn s(&self) -> &Shared { unsafe { &*self.p } }
  unsafe fn leave(&self) { if self.s().right.fetch_sub(1, AcqRel) == 1 { if self.s().gone.swap(true, ${right}) { drop(Box::from_raw(self.p)); } } }
  ${extra}
}`;

test('a destroy flag set by two sides: the swap that finds it set frees, like the last of two references', async () => {
  const c = classify(extractSites('x.rs', FLAG_PAIR('AcqRel', 'AcqRel')).sites, 'x.rs').find(k => k.key.endsWith('gone'))!;
  assert.equal(c.isRefcount, true);
  assert.match(c.why, /destroy flag/);
  for (const cs of c.sites) assert.deepEqual(cs.role, { kind: 'dec-last', flag: true });
  assert.deepEqual((await reviewText('x.rs', FLAG_PAIR('AcqRel', 'AcqRel'))).findings, []);
  const rel = await reviewText('x.rs', FLAG_PAIR('AcqRel', 'Release'));
  assert.deepEqual(rel.findings.map(f => [f.rule, f.range.start.line, f.fix?.edits[0]?.newText]), [['last-dec-needs-acquire', 11, 'AcqRel']]);
  const acq = await reviewText('x.rs', FLAG_PAIR('Acquire', 'AcqRel'));
  assert.deepEqual(acq.findings.map(f => [f.rule, f.range.start.line, f.fix?.edits[0]?.newText]), [['dec-needs-release', 7, 'AcqRel']]);
});

test('a flag that is also reset, or whose set branch frees nothing, is not a destroy hand-off', () => {
  const reset = classify(extractSites('x.rs', FLAG_PAIR('AcqRel', 'Release', `fn revive(&self) { self.s().gone.store(false, Relaxed); }`)).sites, 'x.rs').find(k => k.key.endsWith('gone'))!;
  assert.equal(reset.isRefcount, false);
  const early = HEAD + `use std::sync::atomic::AtomicBool;
pub struct Once { done: AtomicBool }
impl Once { fn run(&self, f: impl FnOnce()) { if self.done.swap(true, Relaxed) { return; } f(); } }`;
  const once = classify(extractSites('x.rs', early).sites, 'x.rs')[0];
  assert.equal(once.isRefcount, false);
  assert.notEqual(once.sites[0].role.kind, 'dec-last');
});

test('several references dropped at once: last when the old count was that many, by a literal or by the parameter that says how many', async () => {
  const text = (pair: string, many: string) => HEAD + `
const REF_ONE: usize = 1 << 6;
struct Snapshot(usize);
impl Snapshot { fn ref_count(self) -> usize { self.0 >> 6 } }
pub struct State { val: AtomicUsize }
impl State {
  fn ref_inc(&self) { self.val.fetch_add(REF_ONE, Relaxed); }
  fn ref_dec(&self) -> bool { let prev = Snapshot(self.val.fetch_sub(REF_ONE, AcqRel)); prev.ref_count() == 1 }
  fn ref_dec_pair(&self) -> bool { let prev = Snapshot(self.val.fetch_sub(2 * REF_ONE, ${pair})); debug_assert!(prev.ref_count() >= 2); prev.ref_count() == 2 }
  fn drop_many(&self, count: usize) -> bool { let prev = Snapshot(self.val.fetch_sub(count * REF_ONE, ${many})); prev.ref_count() == count }
  fn drop_pair_wrong(&self) -> bool { let prev = Snapshot(self.val.fetch_sub(2 * REF_ONE, AcqRel)); prev.ref_count() == 1 }
}
struct T { state: State, p: *mut u8 }
impl T {
  fn a(&self) { if self.state.ref_dec() { unsafe { drop(Box::from_raw(self.p)) } } }
  fn b(&self) { if self.state.ref_dec_pair() { unsafe { drop(Box::from_raw(self.p)) } } }
  fn c(&self, n: usize) { if self.state.drop_many(n) { unsafe { drop(Box::from_raw(self.p)) } } }
  fn d(&self) { if self.state.drop_pair_wrong() { unsafe { drop(Box::from_raw(self.p)) } } }
}`;
  const sites = extractSites('x.rs', text('AcqRel', 'AcqRel')).sites;
  const at = (fn: string) => sites.find(s => s.op === 'fetch_sub' && s.fnName === fn)!;
  assert.deepEqual(at('ref_dec_pair').context.drops, { refs: 2, amount: '2 references' });
  assert.deepEqual(at('drop_many').context.drops, { refs: 2, amount: 'count references', symbol: 'count' });
  assert.equal(at('drop_many').context.comparedWith?.symbol, 'count');
  // Two references off, tested as if one: not a test the reader can read as "these were the last".
  assert.equal(at('drop_pair_wrong').context.drops, undefined);
  const state = classify(sites, 'x.rs').find(c => c.key.endsWith('val'))!;
  assert.deepEqual(roleAt(state, 'fetch_sub', 'ref_dec_pair'), { kind: 'dec-last', refs: 2 });
  assert.deepEqual(roleAt(state, 'fetch_sub', 'drop_many'), { kind: 'dec-last', refs: 2, refsText: '`count`' });
  const rel = await reviewText('x.rs', text('Release', 'AcqRel'));
  assert.deepEqual(rel.findings.filter(f => f.severity === 'warning').map(f => [f.rule, f.range.start.line]), [['last-dec-needs-acquire', 9]]);
  const acq = await reviewText('x.rs', text('AcqRel', 'Acquire'));
  assert.deepEqual(acq.findings.filter(f => f.severity === 'warning').map(f => [f.rule, f.range.start.line]), [['dec-needs-release', 10]]);
});

test('an increment the code asserts starts from 0 publishes the object; an upgrade must see it', async () => {
  const text = (o: string) => HEAD + `
struct Inner { refs: AtomicUsize, v: u32 }
pub struct H { p: *mut Inner }
impl H {
  fn inner(&self) -> &Inner { unsafe { &*self.p } }
  fn publish(&self) { unsafe { (*self.p).v = 7; } let prev = self.inner().refs.fetch_add(1, ${o}); debug_assert_eq!(prev, 0); }
  fn upgrade(&self) -> bool { let n = self.inner().refs.load(Relaxed); n != 0 && self.inner().refs.compare_exchange(n, n + 1, Acquire, Relaxed).is_ok() }
}
impl Clone for H { fn clone(&self) -> Self { self.inner().refs.fetch_add(1, Relaxed); H { p: self.p } } }
impl Drop for H { fn drop(&mut self) { if self.inner().refs.fetch_sub(1, Release) == 1 { fence(Acquire); unsafe { drop(Box::from_raw(self.p)) } } } }
`;
  const c = counter(text('Release').slice(HEAD.length), 'refs');
  assert.deepEqual(roleAt(c, 'fetch_add', 'publish'), { kind: 'store', value: 1, fromZero: true });
  assert.equal(roleAt(c, 'fetch_add', 'clone').kind, 'inc-existing');
  const weak = await reviewText('x.rs', text('Relaxed'));
  assert.deepEqual(weak.findings.map(f => [f.rule, f.range.start.line, f.fix?.edits[0]?.newText]), [['republish-needs-release', 6, 'Release']]);
  assert.ok(weak.scenarios.some(s => s.id.startsWith('republish:') && /increment from 0/.test(s.title)));
});

test('packed lifecycle word: a CAS that only steps the RefCount unpacked from the expected word takes or drops a guard', () => {
  const text = (des: string) => HEAD + `
struct RefCount { value: usize }
impl RefCount { fn from_packed(w: usize) -> Self { RefCount { value: w >> 8 } } fn incr(self) -> Option<Self> { Some(RefCount { value: self.value + 1 }) } fn decr(self) -> Self { RefCount { value: self.value - 1 } } fn pack(self, w: usize) -> usize { (w & 0xff) | (self.value << 8) } }
struct Gen(usize);
impl Gen { fn from_packed(w: usize) -> Self { Gen(w & 0xff) } fn pack(self, w: usize) -> usize { (w & !0xff) | self.0 } }
pub struct Slot { lifecycle: AtomicUsize }
impl Slot {
  fn get(&self) -> bool {
    let mut word = self.lifecycle.load(Acquire);
    loop {
      let gen = Gen::from_packed(word);
      let refs = RefCount::from_packed(word);
      let more = refs.incr().unwrap();
      match self.lifecycle.compare_exchange(word, ${des}, AcqRel, Acquire) { Ok(_) => return true, Err(seen) => word = seen }
    }
  }
  fn release(&self) -> bool {
    let mut word = self.lifecycle.load(Acquire);
    loop {
      let refs = RefCount::from_packed(word);
      let gen = Gen::from_packed(word);
      let last = refs.value == 1 && gen.0 == 3;
      let next = if last { gen.pack(0) } else { refs.decr().pack(word) };
      match self.lifecycle.compare_exchange(word, next, AcqRel, Acquire) { Ok(_) => return last, Err(seen) => word = seen }
    }
  }
}`;
  const sites = extractSites('x.rs', text('more.pack(gen.pack(0))')).sites;
  const cas = (fn: string) => sites.find(s => s.op === 'compare_exchange' && s.fnName === fn)!;
  assert.deepEqual(cas('get').context.packedStep, { delta: 1 });
  assert.deepEqual(cas('release').context.packedStep, { delta: -1, lastWhen: 'last' });
  const c = classify(sites, 'x.rs')[0];
  assert.equal(c.isRefcount, true);
  const get = roleAt(c, 'compare_exchange', 'get');
  assert.equal(get.kind, 'inc-conjure');
  assert.equal(get.kind === 'inc-conjure' && get.fromLoad?.fnName, 'get');
  assert.equal(roleAt(c, 'compare_exchange', 'release').kind, 'dec-last');
  // A new word that also takes its count from somewhere else is not a step of this count.
  for (const other of ['more.pack(word + 1)', 'RefCount::from_packed(seen_elsewhere()).pack(word)', 'more.pack(refs.pack(0))']) {
    const s = extractSites('x.rs', text(other)).sites.find(x => x.op === 'compare_exchange' && x.fnName === 'get')!;
    assert.equal(s.context.packedStep, undefined, other);
  }
});

test('a possibly-last drop whose path cannot be judged: without Release it is still checked as a drop, with Release only it is left unchecked', async () => {
  const text = (o: string) => HEAD + HANDLE + `
impl Drop for H { fn drop(&mut self) { if self.inner().refs.fetch_sub(1, ${o}) == 1 { external::finish_up(self.p); } } }
impl H { fn take(&self) -> bool { if self.inner().refs.compare_exchange(1, 0, Acquire, Relaxed).is_ok() { unsafe { drop(Box::from_raw(self.p)) }; true } else { false } } }
`;
  const rel = await reviewText('x.rs', text('Relaxed'));
  assert.deepEqual(rel.findings.map(f => [f.rule, f.fix?.edits[0]?.newText]), [['dec-needs-release', 'Release']]);
  assert.match(rel.findings[0].role, /checked only as a drop .*finish_up/);
  const release = await reviewText('x.rs', text('Release'));
  assert.deepEqual(release.findings.map(f => f.rule), ['ambiguous-role']);
});
