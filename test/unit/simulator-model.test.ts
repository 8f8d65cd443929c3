import { test } from 'node:test';
import assert from 'node:assert/strict';
import { explore } from '../../server/src/memory/explore';
import { c, type Program } from '../../server/src/memory/ir';
import { arrowsOf, counterexamples, explainRace, memoryAt, traceView, verdict } from '../../client/webview/model';
import { applyChoices, changedSiteOrderings, togglesOf, type SiteInfo } from '../../client/webview/toggles';
import { parseFromWebview, parseSavedState, parseToWebview } from '../../client/webview/messages';
import { fenceMp, takeover } from './simulator-fixtures';

const SITES: SiteInfo[] = [
  { line: 10, text: 'self.refcount.fetch_sub(1, Relaxed)', role: 'dec that may not be last', which: ['single'] },
  { line: 20, text: 'self.refcount.compare_exchange(2, 0, Relaxed, Relaxed)', role: 'takeover CAS 2 -> 0', which: ['success', 'failure'] },
];

function firstRace(p: Program) {
  const res = explore(p);
  assert.ok(res.races.length > 0, `expected a race in ${p.name}: ${verdict(res)}`);
  return { res, ...res.races[0] };
}

test('the seed counterexample becomes rows in thread columns with the racing pair marked', () => {
  const { trace, race } = firstRace(takeover('rlx', 'rlx'));
  const v = traceView(trace, 'rust', race);
  assert.deepEqual(v.threads, ['T1 A', 'T2 B']);
  assert.equal(v.rows.length, trace.steps.length);
  assert.deepEqual(v.rows.map(r => r.thread), trace.steps.map(s => s.thread));
  assert.deepEqual(v.rows.filter(r => r.inRace).map(r => r.step).sort(), [race.a, race.b].sort());
  assert.equal(v.refcount, 'refcount');
  const cas = v.rows.find(r => r.site === 1)!;
  assert.match(cas.label, /compare_exchange/);
  // The CAS read B's decrement, the newest write, and the row says so.
  const dec = trace.steps.find(s => s.site === 0)!;
  assert.match(cas.detail, new RegExp(`Relaxed CAS .* read refcount = 2 from step ${dec.step + 1} \\(B\\), newest .* wrote refcount = 0`));
});

test('the explanation names the edge that lacked Acquire or Release, for each wrong combination', () => {
  const both = firstRace(takeover('rlx', 'rlx'));
  assert.equal(explainRace(both.trace, both.race, 'rust'),
    'B wrote payload at step 1; A wrote it at step 4; nothing orders step 1 before step 4 because '
    + "A's CAS (2\u21920) read B's Relaxed decrement (3\u21922) without Acquire, and the decrement is not Release either");
  const rel = firstRace(takeover('rel', 'rlx'));
  assert.match(explainRace(rel.trace, rel.race, 'rust'), /A's CAS \(2→0\) read B's Release decrement \(3→2\) without Acquire$/);
  const acq = firstRace(takeover('rlx', 'acq'));
  assert.match(explainRace(acq.trace, acq.race, 'rust'), /A's Acquire CAS \(2→0\) read B's decrement \(3→2\), but it is Relaxed, not Release$/);
  // Litmus scenarios speak C.
  const mp = firstRace(fenceMp('rel', null));
  assert.match(explainRace(mp.trace, mp.race, 'litmus'), /P1's load read P0's relaxed store without acquire$/);
});

test('a read through another thread\'s RMW is explained via the release sequence', () => {
  const p: Program = {
    name: 'rs', locations: [{ name: 'rc', init: 4, atomic: true }, { name: 'payload', init: 0, atomic: false }],
    threads: [
      { name: 'A', body: [
        { k: 'cas', loc: 'rc', expected: c(2), desired: c(0), succ: 'rlx', fail: 'rlx', okReg: 'ok' },
        { k: 'if', cond: { k: 'reg', r: 'ok' }, then: [{ k: 'store', loc: 'payload', val: c(2), mo: 'na' }], else: [] },
      ] },
      { name: 'B', body: [{ k: 'store', loc: 'payload', val: c(1), mo: 'na' }, { k: 'rmw', loc: 'rc', op: 'sub', val: c(1), mo: 'rel' }] },
      { name: 'C', body: [{ k: 'rmw', loc: 'rc', op: 'sub', val: c(1), mo: 'rlx' }] },
    ],
  };
  const { trace, race } = firstRace(p);
  const text = explainRace(trace, race, 'rust');
  // Which interleaving the engine picks decides whether A read B or C; both are explained by the missing Acquire.
  assert.match(text, /^B wrote payload at step \d; A wrote it at step \d; nothing orders .* because A's CAS \(2→0\) read .* without Acquire$/);
  const casStep = trace.steps.find(s => s.thread === 0 && s.cas === 'success')!;
  if (trace.steps[casStep.read!.from].thread === 2) assert.match(text, /read C's decrement \(3→2\) \(in the release sequence of B's Release decrement \(4→3\)\)/);
});

test('memory state per step follows the modification order, not the trace order', () => {
  const { trace } = firstRace(takeover('rlx', 'rlx'));
  const at = (s: number, loc: string) => memoryAt(trace, s).find(l => l.name === loc)!;
  assert.equal(at(-1, 'refcount').value, 3);
  assert.deepEqual(at(-1, 'refcount').mo, [{ step: -1, value: 3, readBy: [] }]);
  const dec = trace.steps.find(s => s.site === 0)!.step;
  const cas = trace.steps.find(s => s.site === 1)!.step;
  assert.equal(at(dec, 'refcount').value, 2);
  assert.equal(at(dec, 'refcount').writtenNow, true);
  assert.deepEqual(at(cas, 'refcount').mo.map(w => w.value), [3, 2, 0]);
  // The CAS read the decrement's value: the memory row says which read saw which value.
  assert.deepEqual(at(cas, 'refcount').mo.find(w => w.step === dec)!.readBy, [cas]);
  assert.deepEqual(at(cas - 1, 'refcount').mo.find(w => w.step === dec)?.readBy ?? [], []);
  assert.equal(at(trace.steps.length - 1, 'payload').value, trace.final.payload);
  assert.equal(at(trace.steps.length - 1, 'refcount').value, trace.final.refcount);
});

test('stale reads are flagged: store buffering reads the initial value after the other write', () => {
  const sb: Program = {
    name: 'sb', locations: [{ name: 'x', init: 0, atomic: true }, { name: 'y', init: 0, atomic: true }],
    threads: [
      { name: 'P0', body: [{ k: 'store', loc: 'x', val: c(1), mo: 'rlx' }, { k: 'load', loc: 'y', reg: 'r0', mo: 'rlx' }] },
      { name: 'P1', body: [{ k: 'store', loc: 'y', val: c(1), mo: 'rlx' }, { k: 'load', loc: 'x', reg: 'r1', mo: 'rlx' }] },
    ],
    condition: { quantifier: 'exists', cond: { k: 'and', a: { k: 'eqReg', thread: 0, reg: 'r0', v: 0 }, b: { k: 'eqReg', thread: 1, reg: 'r1', v: 0 } } },
  };
  const res = explore(sb);
  const cxs = counterexamples(res);
  assert.equal(cxs.length, 1);
  assert.equal(cxs[0].kind, 'condition');
  const v = traceView(cxs[0].trace, 'litmus');
  const stale = v.rows.filter(r => r.stale);
  assert.ok(stale.length >= 1, 'the later of the two reads took the initial value although a newer write existed');
  assert.match(stale[0].detail, /relaxed load · read [xy] = 0 from init, NOT the newest/);
  assert.match(verdict(res), /^no race in 4 executions; exists: sometimes \(1 of 4\), holds$/);
});

test('arrows: reads-from across threads, synchronizes-with once Release/Acquire pair up, and the race', () => {
  const racy = firstRace(takeover('rlx', 'rlx'));
  const arrows = arrowsOf(racy.trace, racy.race);
  const dec = racy.trace.steps.find(s => s.site === 0)!.step;
  const cas = racy.trace.steps.find(s => s.site === 1)!.step;
  assert.deepEqual(arrows.filter(a => a.kind === 'rf'), [{ from: dec, to: cas, kind: 'rf' }]);
  assert.equal(arrows.filter(a => a.kind === 'sw').length, 0);
  assert.deepEqual(arrows.filter(a => a.kind === 'race'), [{ from: racy.race.a, to: racy.race.b, kind: 'race' }]);

  // The fixed protocol has no race; its "CAS succeeded" witness shows the sw edge that orders the reuse.
  const fixed = { ...takeover('rel', 'acq'), condition: { quantifier: 'exists' as const, cond: { k: 'eqReg' as const, thread: 0, reg: 'ok', v: 1 } } };
  const res = explore(fixed);
  assert.equal(res.races.length, 0);
  const [w] = counterexamples(res);
  const steps = w.trace.steps;
  const sw = arrowsOf(w.trace).filter(a => a.kind === 'sw');
  assert.deepEqual(sw, [{ from: steps.find(s => s.site === 0)!.step, to: steps.find(s => s.site === 1)!.step, kind: 'sw' }]);
});

test('toggles: one per ordering argument of each site, valid orderings only', () => {
  const t = togglesOf(takeover('rlx', 'rlx'), SITES);
  assert.deepEqual(t.map(x => x.key), ['site:1:success', 'site:1:failure', 'site:0:single']);
  assert.deepEqual(t.find(x => x.key === 'site:1:failure')!.options, ['rlx', 'acq', 'sc']);
  assert.deepEqual(t.find(x => x.key === 'site:1:success')!.options, ['rlx', 'acq', 'rel', 'acq_rel', 'sc']);
  assert.equal(t[0].label, SITES[1].text);
  // Kernel cmpxchg(old, new, o): one ordering argument, failure fixed relaxed, so no failure toggle.
  const kernel = togglesOf(takeover('rlx', 'rlx'), [SITES[0], { ...SITES[1], which: ['single'] }]);
  assert.deepEqual(kernel.map(x => x.key), ['site:1:success', 'site:0:single']);
  // Without sites (litmus) each instruction is its own toggle; plain accesses have none.
  const mp = togglesOf(fenceMp('rel', 'acq'));
  assert.deepEqual(mp.map(x => x.slot), ['fence', 'store', 'load', 'fence']);
  assert.deepEqual(mp[0].options, ['acq', 'rel', 'acq_rel', 'sc']);
});

test('flipping the CAS to Acquire and the decrement to Release re-explores to no race', () => {
  const p = takeover('rlx', 'rlx');
  const toggles = togglesOf(p, SITES);
  const choices = { 'site:1:success': 'acq' as const, 'site:0:single': 'rel' as const, 'site:1:failure': 'rel' as const /* invalid for a failure: ignored */ };
  const fixed = applyChoices(p, choices, SITES);
  assert.equal((p.threads[0].body[0] as { succ: string }).succ, 'rlx', 'the original program is untouched');
  const cas = fixed.threads[0].body[0];
  assert.ok(cas.k === 'cas' && cas.succ === 'acq' && cas.fail === 'rlx');
  const dec = fixed.threads[1].body[1];
  assert.ok(dec.k === 'rmw' && dec.mo === 'rel');
  assert.match(verdict(explore(fixed)), /^no race in \d+ executions?$/);
  // Only the CAS fixed: still racy, and the new counterexample's explanation moves to the decrement.
  const half = explore(applyChoices(p, { 'site:1:success': 'acq' }, SITES));
  assert.match(half.races[0].race && explainRace(half.races[0].trace, half.races[0].race, 'rust'), /not Release$/);
  assert.deepEqual(changedSiteOrderings(toggles, choices), [
    { site: 1, which: 'success', mode: 'acq' }, { site: 1, which: 'failure', mode: 'rel' }, { site: 0, which: 'single', mode: 'rel' },
  ]);
  assert.deepEqual(changedSiteOrderings(toggles, { 'site:0:single': 'rlx' }), [], 'a choice equal to the source is no change');
});

test('messages from the webview: known shapes pass, anything else is rejected', () => {
  assert.deepEqual(parseFromWebview({ type: 'ready' }), { type: 'ready' });
  assert.deepEqual(parseFromWebview({ type: 'reveal', site: 2 }), { type: 'reveal', site: 2, line: undefined });
  assert.deepEqual(parseFromWebview({ type: 'apply', orderings: [{ site: 0, which: 'single', mode: 'rel' }] }),
    { type: 'apply', orderings: [{ site: 0, which: 'single', mode: 'rel' }] });
  for (const bad of [null, 'ready', 42, {}, { type: 'nope' }, { type: 'reveal' }, { type: 'reveal', site: -1 }, { type: 'reveal', site: '1' },
    { type: 'apply', orderings: [{ site: 0, which: 'single', mode: 'na' }] }, { type: 'apply', orderings: [{ site: 0, which: 'both', mode: 'rel' }] },
    { type: 'apply', orderings: 'all' }, { type: 'openLitmus', choices: { k: 'strong' } }, { type: 'timing', name: 'x', ms: Infinity }]) {
    assert.equal(parseFromWebview(bad), undefined, JSON.stringify(bad));
  }
});

test('messages to the webview: the scenario\'s program is validated before the engine sees it', () => {
  const scenario = { uri: 'file:///a.rs', id: 's1', title: 'takeover', flavour: 'rust', program: takeover('rlx', 'rlx'), sites: SITES };
  const ok = parseToWebview({ type: 'scenario', scenario });
  assert.equal(ok?.type, 'scenario');
  const broken = structuredClone(scenario) as { program: { threads: { body: unknown[] }[] } };
  broken.program.threads[0].body.push({ k: 'jump', to: 0 });
  assert.equal(parseToWebview({ type: 'scenario', scenario: broken }), undefined);
  assert.equal(parseToWebview({ type: 'scenario', scenario: { ...scenario, flavour: 'go' } }), undefined);
  assert.equal(parseToWebview({ type: 'scenario', scenario: { ...scenario, sites: [{ line: 1 }] } }), undefined);
  assert.deepEqual(parseToWebview({ type: 'selectSource', sites: [0, 1] }), { type: 'selectSource', sites: [0, 1], line: undefined });
  assert.equal(parseToWebview({ type: 'selectSource', sites: [-1] }), undefined);
  assert.equal(parseSavedState({ uri: 'u', id: 'i', choices: { a: 'acq', b: 'bogus' }, counterexample: 0, step: 2 })?.choices.b, undefined);
});

test('under LKMM a fully ordered RMW reads "Full" (kernel words), while RC11 keeps SeqCst', () => {
  const p: Program = {
    name: 'full', locations: [{ name: 'x', init: 0, atomic: true }],
    threads: [{ name: 'P0', body: [{ k: 'rmw', loc: 'x', op: 'add', val: c(1), mo: 'sc', reg: 'r0' }] }],
    condition: { quantifier: 'exists', cond: { k: 'eqLoc', loc: 'x', v: 1 } },
  };
  const lkmm = explore(p, { model: 'lkmm' }).condition!.trace!;
  assert.equal(lkmm.model, 'lkmm');
  assert.match(traceView(lkmm, 'rust').rows[0].detail, /^Full increment/);
  assert.match(traceView(lkmm, 'litmus').rows[0].detail, /^full increment/);
  const rc11 = explore(p).condition!.trace!;
  assert.match(traceView(rc11, 'rust').rows[0].detail, /^SeqCst increment/);
});

test('messages for a panel that follows its source: gone, notice, other racing scenarios, open another', () => {
  assert.deepEqual(parseToWebview({ type: 'gone', reason: 'its sites are no longer in the file' }), { type: 'gone', reason: 'its sites are no longer in the file' });
  assert.equal(parseToWebview({ type: 'gone' }), undefined);
  const scenario = { uri: 'file:///a.rs', id: 'x:1', title: 't', flavour: 'rust', program: takeover('rlx', 'rlx'), sites: SITES };
  const withExtras = parseToWebview({ type: 'scenario', scenario: { ...scenario, notice: 'applied', others: [{ id: 'y:1', title: 'two holders drop', verdict: 'race' }] } });
  assert.ok(withExtras?.type === 'scenario');
  assert.equal(withExtras.scenario.notice, 'applied');
  assert.deepEqual(withExtras.scenario.others, [{ id: 'y:1', title: 'two holders drop', verdict: 'race' }]);
  assert.equal(parseToWebview({ type: 'scenario', scenario: { ...scenario, others: [{ id: 'y:1' }] } }), undefined);
  assert.equal(parseToWebview({ type: 'scenario', scenario: { ...scenario, notice: 3 } }), undefined);
  assert.deepEqual(parseFromWebview({ type: 'openScenario', id: 'y:1' }), { type: 'openScenario', id: 'y:1' });
  assert.equal(parseFromWebview({ type: 'openScenario', id: 7 }), undefined);
  assert.equal(parseFromWebview({ type: 'openScenario', id: 'x'.repeat(501) }), undefined);
});
