// The simulator's toggles on orderings the API fixes rather than the source writes: a kernel
// `Refcount` method (`dec_and_test` releases, and acquires when it reaches zero), the C API called
// through `bindings::` (`refcount_dec_and_test`, `atomic_cmpxchg`), a kernel cmpxchg's failure.
// There is no argument Apply could rewrite there, so the page offers no choice for such a slot;
// a written ordering in the same scenario (the takeover's `cmpxchg(.., atomic::Relaxed)`) still is
// one, and the host refuses an edit of an implied slot that a page sends anyway, saying why.
// Likewise a caller's site whose ordering is written in a helper in another file: its ranges are
// that file's, so the caller's site has no argument Apply could write.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { reviewText } from '../../server/src/review';
import { initRustParser } from '../../server/src/rust/parser';
import { summarizeRustFile } from '../../server/src/rust/extract';
import { RustIndex } from '../../server/src/rust/index';
import type { Mode } from '../../server/src/memory/ir';
import type { ScenarioView } from '../../server/src/protocol/finding';
import { planOrderingEdits } from '../../client/src/simulator/sourceEdits';
import { applyChoices, changedSiteOrderings, togglesOf, type SiteInfo } from '../../client/webview/toggles';

const ROOT = path.resolve(__dirname, '../../..');
const BINDINGS_RS = path.join(ROOT, 'test', 'fixtures', 'rust', 'kernel_bindings_refcount.rs');

/** A driver's slot in the v6.18 style: `Refcount` methods, and a takeover through its atomic with a written marker. */
const SLOT_RS = `use kernel::prelude::*;
use kernel::sync::{atomic, Refcount};

pub struct Slot {
    users: Refcount,
    tag: u16,
}

impl Slot {
    pub fn get(&self) {
        self.users.inc();
    }

    pub fn put(&self) {
        if self.users.dec_and_test() {
            pr_warn!("slot dropped to zero references\\n");
        }
    }

    pub fn take(&self) -> bool {
        self.users.as_atomic().cmpxchg(1, 0, atomic::Relaxed).is_ok()
    }
}
`;

function siteInfos(sc: ScenarioView): SiteInfo[] {
  return sc.sites.map(s => ({ line: s.range.start.line, text: s.text, role: s.role, which: s.orderingRanges.map(r => r.which), ...(s.family ? { family: s.family } : {}) }));
}

function siteOf(sc: ScenarioView, call: RegExp): number {
  const i = sc.sites.findIndex(s => call.test(s.text));
  assert.ok(i >= 0, `${call} in ${sc.sites.map(s => s.text).join(', ')}`);
  return i;
}

/** The toggles on Rust sites (the object's modelled accesses carry no site). */
function siteToggles(sc: ScenarioView): { site: number; which: string; key: string }[] {
  return togglesOf(sc.program, siteInfos(sc), sc.model).flatMap(t => (t.site === undefined ? [] : [{ site: t.site, which: t.which, key: t.key }]));
}

test('Refcount::dec_and_test gets no toggle; the takeover\'s written cmpxchg ordering next to it still does', async () => {
  const file = '/work/drivers/slot/slot.rs';
  const review = await reviewText(file, SLOT_RS, { inKernelTree: true });
  const sc = review.scenarios.find(s => s.sites.some(x => /dec_and_test/.test(x.text)) && s.sites.some(x => /cmpxchg/.test(x.text)));
  assert.ok(sc, review.scenarios.map(s => s.title).join('; '));
  assert.equal(sc.model, 'lkmm');
  assert.ok((sc.races ?? 0) > 0, 'the Relaxed takeover races with the release of dec_and_test');
  const dec = siteOf(sc, /dec_and_test/);
  const cas = siteOf(sc, /cmpxchg/);
  const toggles = siteToggles(sc);
  // The written marker is the success ordering; the kernel cmpxchg's failure is relaxed by definition.
  assert.deepEqual(toggles.filter(t => t.site === cas).map(t => t.which), ['success']);
  assert.deepEqual(toggles.filter(t => t.site === dec), []);

  // A choice for the implied slot saved before (or from an older page) changes nothing and is never sent.
  const stale = { [`site:${dec}:single`]: 'rlx' as Mode };
  assert.deepEqual(applyChoices(sc.program, stale, siteInfos(sc), sc.model), applyChoices(sc.program, {}, siteInfos(sc), sc.model));
  assert.deepEqual(changedSiteOrderings(togglesOf(sc.program, siteInfos(sc), sc.model), stale), []);

  // The written one is still applied: Acquire on the takeover is written as the kernel's marker.
  const written = planOrderingEdits(SLOT_RS, sc.sites, [{ site: cas, which: 'success', mode: 'acq' }], sc.model);
  assert.deepEqual(written.problems, []);
  assert.deepEqual(written.edits.map(e => e.newText), ['atomic::Acquire']);

  // The host refuses an implied slot a page sends anyway, and says the API fixes it; nothing is written.
  const refused = planOrderingEdits(SLOT_RS, sc.sites, [{ site: dec, which: 'single', mode: 'rlx' }], sc.model);
  assert.deepEqual(refused.edits, []);
  assert.equal(refused.problems.length, 1);
  assert.match(refused.problems[0], /^`self\.users\.dec_and_test\(\)`: its ordering is implied by the API \(Refcount::dec_and_test decrements with release\), not written as an argument: there is nothing to change\.$/);
  // Sent together with the written one, only the written one is planned.
  const both = planOrderingEdits(SLOT_RS, sc.sites, [{ site: dec, which: 'single', mode: 'sc' }, { site: cas, which: 'success', mode: 'acq' }], sc.model);
  assert.deepEqual(both.edits.map(e => e.newText), ['atomic::Acquire']);
  assert.equal(both.problems.length, 1);
});

test('bindings::refcount_dec_and_test and the C API beside it get no toggle; the host refuses their edit', async () => {
  const text = readFileSync(BINDINGS_RS, 'utf8');
  const review = await reviewText(BINDINGS_RS, text, { inKernelTree: true });
  const withDec = review.scenarios.filter(s => s.sites.some(x => /refcount_dec_and_test/.test(x.text)));
  assert.ok(withDec.length > 0, review.scenarios.map(s => s.title).join('; '));
  let seen = 0;
  for (const sc of review.scenarios) {
    // Every ordering in this file is fixed by refcount.h or atomic_t.txt: not one site has an argument to write.
    assert.ok(sc.sites.every(s => s.orderingRanges.length === 0), sc.title);
    assert.deepEqual(siteToggles(sc), [], sc.title);
    seen += sc.sites.length;
  }
  assert.ok(seen >= 3, 'refcount_dec_and_test, atomic_cmpxchg and refcount_inc_not_zero sites were in scenarios');

  const sc = withDec[0];
  const dec = siteOf(sc, /refcount_dec_and_test/);
  const refused = planOrderingEdits(text, sc.sites, [{ site: dec, which: 'single', mode: 'rlx' }], sc.model);
  assert.deepEqual(refused.edits, []);
  assert.match(refused.problems.join(' '), /^`bindings::refcount_dec_and_test\(self\.refcount\.get\(\)\)`: its ordering is implied by the API \(bindings::refcount_dec_and_test decrements with release\), not written as an argument: there is nothing to change\.$/);

  // A compare-exchange whose success ordering the API fixes (atomic_cmpxchg is fully ordered) is refused as well.
  const takeover = review.scenarios.find(s => s.sites.some(x => /atomic_cmpxchg/.test(x.text)));
  assert.ok(takeover);
  const cas = siteOf(takeover, /atomic_cmpxchg/);
  const casRefused = planOrderingEdits(text, takeover.sites, [{ site: cas, which: 'success', mode: 'acq' }], takeover.model);
  assert.deepEqual(casRefused.edits, []);
  assert.match(casRefused.problems.join(' '), /^`bindings::atomic_cmpxchg\(.*\)`: its ordering is implied by the API \(atomic_cmpxchg: .*\), not written as an argument: there is nothing to change\.$/);
});

test('a compare-exchange modelled by its successful write: its toggle is written to the success argument', async () => {
  const file = path.join(ROOT, 'test', 'fixtures', 'rust', 'packed_lifecycle_guard_drop_acquire.rs');
  const text = readFileSync(file, 'utf8');
  const review = await reviewText(file, text);
  // A guard dropped through the packed word: the drop is the CAS's successful write, one slot in the program.
  const sc = review.scenarios.find(s => (s.races ?? 0) > 0 && s.sites.some(x => /Ordering::Acquire, \/\/~ dec-needs-release/.test(x.text)));
  assert.ok(sc, review.scenarios.map(s => s.title).join('; '));
  const cas = siteOf(sc, /Ordering::Acquire, \/\/~ dec-needs-release/);
  assert.deepEqual(sc.sites[cas].orderingRanges.map(r => r.which), ['success', 'failure']);
  const toggles = togglesOf(sc.program, siteInfos(sc), sc.model).filter(t => t.site === cas);
  assert.deepEqual(toggles.map(t => [t.which, t.original]), [['single', 'acq']]);
  const sent = changedSiteOrderings(toggles, { [toggles[0].key]: 'acq_rel' });
  const plan = planOrderingEdits(text, sc.sites, sent, sc.model);
  assert.deepEqual(plan.problems, []);
  const success = sc.sites[cas].orderingRanges.find(r => r.which === 'success')!.range;
  assert.deepEqual(plan.edits, [{ range: success, newText: 'Ordering::AcqRel' }]);
});

test('an ordering written in a helper in another file is no argument of the caller\'s site', async () => {
  const src = readFileSync(path.join(ROOT, 'test', 'fixtures', 'rust', 'blockmq_atomic_helpers.rs'), 'utf8');
  // The fixture's two fetch_update helpers moved into their own module, as a driver splits them out.
  const from = src.indexOf('/// Applies `op` to `target` and returns');
  const to = src.indexOf('#[repr(transparent)]');
  const helpers = `use core::sync::atomic::{AtomicU64, Ordering};\n\n${src.slice(from, to).replace(/\nfn /g, '\npub(crate) fn ')}`;
  const user = src.slice(0, from).replace('use core::sync::atomic::{AtomicU64, Ordering};', 'use core::sync::atomic::{AtomicU64, Ordering};\nuse crate::helpers::{atomic_relaxed_op_return, atomic_relaxed_op_unless};') + src.slice(to);
  await initRustParser();
  const index = new RustIndex();
  index.update(summarizeRustFile('/w/src/helpers.rs', helpers));
  const review = await reviewText('/w/src/request.rs', user, { index });
  const sc = review.scenarios.find(s => (s.races ?? 0) > 0 && s.sites.some(x => /atomic_relaxed_op_return/.test(x.text)));
  assert.ok(sc, review.scenarios.map(s => s.title).join('; '));
  const via = siteOf(sc, /atomic_relaxed_op_return/);
  const cas = siteOf(sc, /compare_exchange/);
  // Its ranges are positions in helpers.rs: read against request.rs they would name other text.
  assert.deepEqual(sc.sites[via].orderingRanges, []);
  const toggles = siteToggles(sc);
  assert.deepEqual(toggles.filter(t => t.site === via), []);
  assert.ok(toggles.some(t => t.site === cas && t.which === 'success'), 'the takeover\'s own ordering is still a choice');
  const refused = planOrderingEdits(user, sc.sites, [{ site: via, which: 'success', mode: 'rel' }], sc.model);
  assert.deepEqual(refused.edits, []);
  assert.deepEqual(refused.problems, ['`atomic_relaxed_op_return(refcount, |x| x - 1)`: no success ordering argument to change.']);
});
