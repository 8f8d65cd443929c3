// The simulator's toggles on ordering arguments that are no constant ordering: a wrapper's
// parameter (`fn sub(&self, order: Ordering) { self.v.fetch_sub(1, order) }`), whose value each
// caller chooses, and a `let` bound to a conditional the reader cannot resolve. Rewriting either
// at the site would change the ordering of every caller, or delete the code's own choice.
//
// A review reads a wrapper through its callers: each call is a site with the caller's constant,
// and the verified fix edits that constant; the simulator shows the same site and writes the same
// edit. A site left with its parameter or expression is not modelled, so the review shows no
// scenario through it; the scenarios it skipped are built here from the same reading, as a page
// would receive them were they shown: the page offers no toggle there (the constant beside it
// keeps its own), and the host refuses such an edit if a page sends one.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { reviewText, viewSite } from '../../server/src/review';
import { initRustParser } from '../../server/src/rust/parser';
import { analyzeRustFile } from '../../server/src/rust/extract';
import { classify, describeRole } from '../../server/src/protocol/roles';
import { buildScenarios } from '../../server/src/protocol/scenarios';
import type { ScenarioView } from '../../server/src/protocol/finding';
import { planOrderingEdits } from '../../client/src/simulator/sourceEdits';
import { applyChoices, changedSiteOrderings, siteInfoOf, togglesOf } from '../../client/webview/toggles';
import { parseToWebview } from '../../client/webview/messages';
import type { Mode } from '../../server/src/memory/ir';

/** A count kept behind a small wrapper type whose methods take the ordering from their callers. */
const WRAPPED_RS = `use std::sync::atomic::{AtomicUsize, Ordering};

pub struct RefCount {
    value: AtomicUsize,
}

impl RefCount {
    fn add(&self, order: Ordering) -> usize {
        self.value.fetch_add(1, order)
    }

    fn sub(&self, order: Ordering) -> usize {
        self.value.fetch_sub(1, order)
    }
}

pub struct Shared {
    refs: RefCount,
    data: *mut u8,
}

impl Shared {
    pub fn clone_ref(&self) {
        self.refs.add(Ordering::Relaxed);
    }

    pub fn release(&self) {
        if self.refs.sub(Ordering::Relaxed) == 1 {
            unsafe { drop(Box::from_raw(self.data)); }
        }
    }
}
`;

/** A release whose ordering arrives as a parameter and nobody in the file calls it, next to one written as a constant. */
const PARAM_RS = `use std::sync::atomic::{AtomicUsize, Ordering};

pub struct Shared {
    refs: AtomicUsize,
    data: *mut u8,
}

impl Shared {
    pub fn clone_ref(&self) {
        self.refs.fetch_add(1, Ordering::Relaxed);
    }

    pub fn release_with(&self, order: Ordering) {
        let o = order;
        if self.refs.fetch_sub(1, o) == 1 {
            unsafe { drop(Box::from_raw(self.data)); }
        }
    }

    pub fn release(&self) {
        if self.refs.fetch_sub(1, Ordering::Relaxed) == 1 {
            unsafe { drop(Box::from_raw(self.data)); }
        }
    }
}
`;

/** A release whose ordering is chosen at run time, next to one written as a constant. */
const CHOSEN_RS = `use std::sync::atomic::{AtomicUsize, Ordering};

pub struct Shared {
    refs: AtomicUsize,
    data: *mut u8,
    relaxed_drop: bool,
}

impl Shared {
    pub fn clone_ref(&self) {
        self.refs.fetch_add(1, Ordering::Relaxed);
    }

    pub fn release_fast(&self) {
        let o = if self.relaxed_drop { Ordering::Relaxed } else { Ordering::AcqRel };
        if self.refs.fetch_sub(1, o) == 1 {
            unsafe { drop(Box::from_raw(self.data)); }
        }
    }

    pub fn release(&self) {
        if self.refs.fetch_sub(1, Ordering::Relaxed) == 1 {
            unsafe { drop(Box::from_raw(self.data)); }
        }
    }
}
`;

function siteOf(sc: Pick<ScenarioView, 'sites'>, call: RegExp): number {
  const i = sc.sites.findIndex(s => call.test(s.text));
  assert.ok(i >= 0, `${call} in ${sc.sites.map(s => s.text).join(', ')}`);
  return i;
}

function siteToggles(sc: Pick<ScenarioView, 'program' | 'sites' | 'model'>): { site: number; which: string; key: string }[] {
  return togglesOf(sc.program, sc.sites.map(siteInfoOf), sc.model).flatMap(t => (t.site === undefined ? [] : [{ site: t.site, which: t.which, key: t.key }]));
}

/**
 * The scenarios of the file's count that the review did not show because a site's ordering is
 * not a constant, read and built as the review does, with the sites as the page receives them.
 */
async function skippedScenarios(file: string, text: string): Promise<Pick<ScenarioView, 'title' | 'program' | 'sites' | 'model'>[]> {
  await initRustParser();
  const analysis = analyzeRustFile(file, text);
  const byId = new Map(analysis.sites.map(s => [`${s.file}#${s.id}`, s]));
  const counter = classify(analysis.sites, file).find(c => c.isRefcount);
  assert.ok(counter, 'the count is read as a reference count');
  const lines = text.split('\n');
  return buildScenarios(counter, byId, 'rc11')
    .filter(sc => sc.slots.some(sl => sl.arg && sl.arg.ordering === null))
    .map(sc => ({
      title: sc.title, program: sc.build(), model: 'rc11' as const,
      sites: sc.sites.map(s => viewSite(s, describeRole(counter.sites.find(cs => cs.site === s)?.role ?? { kind: 'other', why: s.op }), lines)),
    }));
}

test('a wrapper forwarding its callers\' ordering: the simulator toggles the caller\'s constant and writes the verified fix\'s edit', async () => {
  const file = '/work/src/shared.rs';
  const review = await reviewText(file, WRAPPED_RS);
  const finding = review.findings.find(f => f.rule === 'last-dec-needs-acquire');
  assert.ok(finding?.fix, review.findings.map(f => f.message).join('; '));
  const sc = review.scenarios.find(s => s.sites.some(x => /self\.refs\.sub\(Ordering::Relaxed\)/.test(x.text)));
  assert.ok(sc, review.scenarios.map(s => s.title).join('; '));
  // The wrapper's `order` is no argument of any site the page gets: the callers' constants are.
  for (const s of review.scenarios) for (const x of s.sites) assert.ok(x.orderingRanges.every(r => r.text !== 'order' && !r.notConstant), x.text);
  const sub = siteOf(sc, /self\.refs\.sub/);
  const toggles = togglesOf(sc.program, sc.sites.map(siteInfoOf), sc.model).filter(t => t.site === sub);
  assert.deepEqual(toggles.map(t => [t.which, t.original]), [['single', 'rlx']]);
  const plan = planOrderingEdits(WRAPPED_RS, sc.sites, changedSiteOrderings(toggles, { [toggles[0].key]: 'acq_rel' }), sc.model);
  assert.deepEqual(plan.problems, []);
  // The same edit as the verified fix: at the caller, never inside the wrapper.
  assert.deepEqual(plan.edits, finding.fix.edits);
  assert.equal(plan.edits[0].range.start.line, WRAPPED_RS.split('\n').findIndex(l => l.includes('self.refs.sub(')));
});

test('a parameter forwarded by its callers gets no toggle; the constant beside it does; the host refuses its edit', async () => {
  const file = '/work/src/param.rs';
  const review = await reviewText(file, PARAM_RS);
  assert.ok(review.findings.some(f => f.rule === 'unresolved-ordering' && /`o`/.test(f.message)), review.findings.map(f => f.message).join('; '));
  assert.ok(review.scenarios.every(s => s.sites.every(x => !/fetch_sub\(1, o\)/.test(x.text))), 'no scenario through the parameter is shown');

  const skipped = await skippedScenarios(file, PARAM_RS);
  const sc = skipped.find(s => s.sites.some(x => /fetch_sub\(1, o\)/.test(x.text)) && s.sites.some(x => /fetch_sub\(1, Ordering::Relaxed\)/.test(x.text)));
  assert.ok(sc, skipped.map(s => s.title).join('; '));
  const param = siteOf(sc, /fetch_sub\(1, o\)/);
  const constant = siteOf(sc, /fetch_sub\(1, Ordering::Relaxed\)/);
  // `o` is bound from the parameter: the page is told which argument that is.
  assert.deepEqual(sc.sites[param].orderingRanges.map(r => [r.text, r.notConstant?.parameter]), [['o', 'order']]);
  assert.ok(sc.sites[constant].orderingRanges.every(r => !r.notConstant));
  const toggles = siteToggles(sc);
  assert.deepEqual(toggles.filter(t => t.site === param), []);
  assert.deepEqual(toggles.filter(t => t.site === constant).map(t => t.which), ['single']);

  // A saved choice for the parameter's slot changes nothing and is never sent.
  const stale = { [`site:${param}:single`]: 'acq_rel' as Mode };
  const infos = sc.sites.map(siteInfoOf);
  assert.deepEqual(applyChoices(sc.program, stale, infos, sc.model), applyChoices(sc.program, {}, infos, sc.model));
  assert.deepEqual(changedSiteOrderings(togglesOf(sc.program, infos, sc.model), stale), []);

  // Sent anyway, it is refused and nothing is written over `o`; the constant is still applied.
  const both = planOrderingEdits(PARAM_RS, sc.sites, [{ site: param, which: 'single', mode: 'acq_rel' }, { site: constant, which: 'single', mode: 'acq_rel' }], sc.model);
  assert.deepEqual(both.problems, ['`self.refs.fetch_sub(1, o)`: the ordering is the parameter `order`, passed by its callers; change it at the call sites.']);
  assert.deepEqual(both.edits.map(e => [e.range.start.line, e.newText]), [[PARAM_RS.split('\n').findIndex(l => l.includes('fetch_sub(1, Ordering::Relaxed)')), 'Ordering::AcqRel']]);

  // The mark survives the trip to the webview; one naming a slot the site does not write does not.
  const sites = sc.sites.map(siteInfoOf);
  assert.deepEqual(sites[param].notConstant, ['single']);
  const msg = { type: 'scenario', scenario: { uri: 'file:///p.rs', id: 'p', title: sc.title, flavour: 'rust', program: sc.program, sites, model: 'rc11' } };
  const parsed = parseToWebview(JSON.parse(JSON.stringify(msg)));
  assert.deepEqual(parsed?.type === 'scenario' ? parsed.scenario.sites[param].notConstant : undefined, ['single']);
  assert.equal(parseToWebview({ ...msg, scenario: { ...msg.scenario, sites: sites.map((s, i) => (i === param ? { ...s, notConstant: ['failure'] } : s)) } }), undefined);
  assert.equal(parseToWebview({ ...msg, scenario: { ...msg.scenario, sites: sites.map((s, i) => (i === param ? { ...s, notConstant: 'single' } : s)) } }), undefined);
});

test('an ordering chosen by a conditional gets no toggle; the host says it is no constant and leaves the code alone', async () => {
  const file = '/work/src/chosen.rs';
  const review = await reviewText(file, CHOSEN_RS);
  assert.ok(review.findings.some(f => f.rule === 'unresolved-ordering' && /`o`/.test(f.message)), review.findings.map(f => f.message).join('; '));
  // The constant's own scenario is shown, with its toggle, as before.
  const shown = review.scenarios.find(s => s.sites.some(x => /fetch_sub\(1, Ordering::Relaxed\)/.test(x.text)));
  assert.ok(shown);
  assert.ok(siteToggles(shown).some(t => t.site === siteOf(shown, /fetch_sub\(1, Ordering::Relaxed\)/)));

  const skipped = await skippedScenarios(file, CHOSEN_RS);
  const sc = skipped.find(s => s.sites.some(x => /fetch_sub\(1, o\)/.test(x.text)) && s.sites.some(x => /fetch_sub\(1, Ordering::Relaxed\)/.test(x.text)));
  assert.ok(sc, skipped.map(s => s.title).join('; '));
  const chosen = siteOf(sc, /fetch_sub\(1, o\)/);
  const constant = siteOf(sc, /fetch_sub\(1, Ordering::Relaxed\)/);
  const mark = sc.sites[chosen].orderingRanges[0].notConstant;
  assert.ok(mark && mark.parameter === undefined, JSON.stringify(mark));
  const toggles = siteToggles(sc);
  assert.deepEqual(toggles.filter(t => t.site === chosen), []);
  assert.deepEqual(toggles.filter(t => t.site === constant).map(t => t.which), ['single']);

  const refused = planOrderingEdits(CHOSEN_RS, sc.sites, [{ site: chosen, which: 'single', mode: 'acq_rel' }], sc.model);
  assert.deepEqual(refused.edits, []);
  assert.equal(refused.problems.length, 1);
  assert.match(refused.problems[0], /^`self\.refs\.fetch_sub\(1, o\)`: its ordering `o` is computed, not written as a constant \(let o \(line 15\): `if self\.relaxed_drop .*` is not a constant ordering\); change it where the code chooses it\.$/);
});

test('a fix never rewrites a parameter: its slot is not editable, the caller\'s constant is', async () => {
  await initRustParser();
  const wrapped = analyzeRustFile('/work/src/shared.rs', WRAPPED_RS);
  const inner = wrapped.sites.filter(s => s.orderings.some(o => o.text === 'order'));
  assert.ok(inner.length > 0, 'the wrapper\'s own sites are read');
  for (const s of inner) {
    const arg = s.orderings.find(o => o.text === 'order')!;
    assert.equal(arg.parameter, 'order');
    assert.equal(arg.resolution, 'unresolved');
  }
  const counter = classify(wrapped.sites, '/work/src/shared.rs').find(c => c.isRefcount);
  assert.ok(counter);
  const byId = new Map(wrapped.sites.map(s => [`${s.file}#${s.id}`, s]));
  const slots = buildScenarios(counter, byId, 'rc11').flatMap(sc => sc.slots);
  assert.ok(slots.length > 0);
  for (const sl of slots) assert.equal(sl.editable, !!sl.arg && sl.arg.text !== 'order' && sl.arg.ordering !== null, `${sl.site.op} ${sl.arg?.text}`);
  assert.ok(slots.some(sl => sl.editable && sl.arg?.text === 'Ordering::Relaxed'), 'the caller\'s constant is a fix\'s to change');
});
