// The simulator's words on kernel code, where C11's do not fit:
//   - a compare-exchange's failure ordering is not offered under LKMM, where the engine reads a
//     failed compare as a relaxed read whatever it says (so no choice there could change the
//     verdict, and Apply would write an ordering nobody checked);
//   - an ordering is named as Apply writes it at its site: a std atomic in a kernel tree is still
//     `SeqCst`, a kernel atomic `Full`;
//   - the legend, the graph's edges and the clean note say what the engine computed for an LKMM
//     trace (rfe from release to acquire, the cat model's hb between marked accesses, co), and
//     keep C11's words for C11 traces.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { reviewText } from '../../server/src/review';
import { readLitmus } from '../../server/src/litmus/parse';
import { explore } from '../../server/src/memory/explore';
import type { Instr, Mode, Program } from '../../server/src/memory/ir';
import type { Trace } from '../../server/src/memory/result';
import type { ScenarioView } from '../../server/src/protocol/finding';
import { planOrderingEdits } from '../../client/src/simulator/sourceEdits';
import { applyChoices, changedSiteOrderings, togglesOf, type SiteInfo } from '../../client/webview/toggles';
import { modeName } from '../../client/webview/orderings';
import { counterexamples, noRaceNote, traceView, verdict } from '../../client/webview/model';
import { arrowLegend, executionGraph, relationName, RELATIONS, toDot, toSvg } from '../../client/webview/graph';
import { parseToWebview } from '../../client/webview/messages';
import { takeover } from './simulator-fixtures';

const ROOT = path.resolve(__dirname, '../../..');
/** The block-mq seed: std atomics (`core::sync::atomic`) reached through a kernel Refcount's `as_atomic()`. */
const REQUEST_RS = path.join(ROOT, 'test', 'e2e', 'workspace', 'src', 'block', 'mq', 'request.rs');

function siteInfos(sc: ScenarioView): SiteInfo[] {
  return sc.sites.map(s => ({ line: s.range.start.line, text: s.text, role: s.role, which: s.orderingRanges.map(r => r.which), ...(s.family ? { family: s.family } : {}) }));
}

/** The seed file reviewed as if it lay in a kernel tree: its takeover scenario, explored under LKMM. */
async function seedInKernelTree(): Promise<{ text: string; sc: ScenarioView; sites: SiteInfo[]; cas: number }> {
  const text = readFileSync(REQUEST_RS, 'utf8');
  const review = await reviewText(REQUEST_RS, text, { inKernelTree: true });
  const sc = review.scenarios.find(s => (s.races ?? 0) > 0 && s.sites.some(x => x.orderingRanges.some(r => r.which === 'failure')));
  assert.ok(sc, 'a racing scenario through the takeover CAS');
  assert.equal(sc.model, 'lkmm');
  const cas = sc.sites.findIndex(x => x.orderingRanges.some(r => r.which === 'failure'));
  return { text, sc, sites: siteInfos(sc), cas };
}

function casesOf(body: Instr[]): Extract<Instr, { k: 'cas' }>[] {
  return body.flatMap(i => (i.k === 'cas' ? [i] : i.k === 'if' ? [...casesOf(i.then), ...casesOf(i.else)] : i.k === 'while' ? casesOf(i.body) : []));
}

/** The program with every compare-exchange's failure ordering set to `fail`. */
function withFailure(p: Program, fail: Mode): Program {
  const copy = structuredClone(p);
  for (const t of copy.threads) for (const c of casesOf(t.body)) c.fail = fail;
  return copy;
}

test('under LKMM a compare-exchange\'s failure ordering is no choice: the engine reads a failed compare as relaxed', async () => {
  const { text, sc, sites, cas } = await seedInKernelTree();
  // Why: the failure ordering never reaches a verdict under LKMM (the same executions and races
  // whatever it says), while under C11 it is explored as written.
  const base = explore(sc.program, { model: 'lkmm' });
  const acq = explore(withFailure(sc.program, 'acq'), { model: 'lkmm' });
  assert.deepEqual([acq.executions, acq.races.length], [base.executions, base.races.length]);
  assert.ok(casesOf(sc.program.threads.flatMap(t => t.body)).length > 0, 'the program has the CAS');

  const toggles = togglesOf(sc.program, sites, 'lkmm');
  assert.ok(toggles.some(t => t.site === cas && t.which === 'success'), 'the success ordering is still a choice');
  assert.deepEqual(toggles.filter(t => t.which === 'failure').map(t => t.key), []);
  // A failure choice saved before (or sent by an older page) changes nothing and is never written.
  const stale = { [`site:${cas}:failure`]: 'acq' as Mode };
  assert.deepEqual(applyChoices(sc.program, stale, sites, 'lkmm'), applyChoices(sc.program, {}, sites, 'lkmm'));
  assert.deepEqual(changedSiteOrderings(toggles, stale), []);
  // And the host does not write one a page sends anyway; under C11 it does.
  const sent = [{ site: cas, which: 'failure' as const, mode: 'acq' as Mode }];
  const refused = planOrderingEdits(text, sc.sites, sent, 'lkmm');
  assert.deepEqual(refused.edits, []);
  assert.match(refused.problems.join(' '), /failure ordering is not written under LKMM/);
  assert.equal(planOrderingEdits(text, sc.sites, sent, 'rc11').edits.length, 1);
  // Nor does a verified fix touch it: its edits stay off the failure argument.
  const review = await reviewText(REQUEST_RS, readFileSync(REQUEST_RS, 'utf8'), { inKernelTree: true });
  const failure = sc.sites[cas].orderingRanges.find(r => r.which === 'failure')!.range;
  const edits = review.findings.flatMap(f => [f.fix, f.protocolFix, ...(f.alternatives ?? [])]).flatMap(x => x?.edits ?? []);
  assert.ok(edits.length > 0, 'the review offers a fix');
  for (const e of edits) assert.notDeepEqual(e.range, failure);

  // Kernel litmus tests too: cmpxchg has no failure ordering to offer.
  const { program } = readLitmus(`C cmpxchg-acquire

{}

P0(int *x, atomic_t *c)
{
\tint r0;

\tr0 = atomic_cmpxchg_acquire(c, 0, 1);
\tWRITE_ONCE(*x, 1);
}

P1(int *x, atomic_t *c)
{
\tatomic_set_release(c, 0);
}

exists (0:r0=1)
`, 'cmpxchg.litmus');
  assert.deepEqual(togglesOf(program, undefined, 'lkmm').filter(t => t.which === 'failure'), []);

  // C11 keeps the choice: there the failure ordering is explored as written.
  const c11 = togglesOf(takeover('rlx', 'rlx'), undefined, 'rc11').find(t => t.which === 'failure');
  assert.deepEqual(c11?.options, ['rlx', 'acq', 'sc']);
  assert.deepEqual(togglesOf(takeover('rlx', 'rlx'), undefined, 'lkmm').filter(t => t.which === 'failure'), []);
});

test('a std atomic in a kernel tree is offered `SeqCst`, which is what Apply writes; a kernel atomic keeps `Full`', async () => {
  const { text, sc, sites, cas } = await seedInKernelTree();
  assert.equal(sites[cas].family, 'std', 'the CAS is written with core::sync::atomic::Ordering');
  const t = togglesOf(sc.program, sites, 'lkmm').find(x => x.site === cas && x.which === 'success');
  assert.ok(t);
  const names = t.options.map(m => modeName(m, 'rust', 'lkmm', t.family));
  assert.deepEqual(names, ['Relaxed', 'Acquire', 'Release', 'SeqCst']);
  // Each label is the word Apply puts into the source.
  for (const m of t.options) {
    const plan = planOrderingEdits(text, sc.sites, [{ site: cas, which: 'success', mode: m }]);
    assert.deepEqual(plan.problems, []);
    const written = plan.edits.length === 0 ? sc.sites[cas].orderingRanges[0].text! : plan.edits[0].newText;
    assert.equal(written, `Ordering::${modeName(m, 'rust', 'lkmm', t.family)}`, m);
  }
  // The site's family survives the trip to the webview; a made-up one does not.
  const msg = { type: 'scenario', scenario: { uri: 'file:///r.rs', id: sc.id, title: sc.title, flavour: 'rust', program: sc.program, sites, model: 'lkmm' } };
  const parsed = parseToWebview(JSON.parse(JSON.stringify(msg)));
  assert.equal(parsed?.type === 'scenario' ? parsed.scenario.sites[cas].family : undefined, 'std');
  assert.equal(parseToWebview({ ...msg, scenario: { ...msg.scenario, sites: sites.map(s => ({ ...s, family: 'c11' })) } }), undefined);

  // The replay names the steps the same way: a SeqCst decrement of a std atomic is SeqCst in the
  // table and the graph, the kernel's Full when the site is a kernel atomic.
  const program = takeover('sc', 'rlx');
  const res = explore(program, { model: 'lkmm' });
  const cx = counterexamples(res).find(c => c.race);
  assert.ok(cx, verdict(res));
  const dec = cx.trace.steps.find(s => s.site === 0)!;
  assert.equal(dec.mode, 'sc');
  const sitesAs = (family: 'std' | 'kernel'): SiteInfo[] => [
    { line: 41, text: 'self.refcount.fetch_sub(1, SC)', role: 'dec', which: ['single'], family },
    { line: 57, text: 'self.refcount.compare_exchange(2, 0, R, R)', role: 'takeover', which: ['success', 'failure'], family },
  ];
  const row = (family: 'std' | 'kernel') => traceView(cx.trace, 'rust', cx.race, undefined, sitesAs(family)).rows[dec.step].detail;
  assert.match(row('std'), /^SeqCst decrement/);
  assert.match(row('kernel'), /^Full decrement/);
  const event = (family: 'std' | 'kernel') => executionGraph(cx.trace, { flavour: 'rust', siteFamilies: sitesAs(family).map(s => s.family) }).nodes.find(n => n.step === dec.step)!.event;
  assert.match(event('std'), / RMW SeqCst refcount /);
  assert.match(event('kernel'), / RMW Full refcount /);
  // Without a family (a review from before it was recorded) the model's words stay.
  assert.match(traceView(cx.trace, 'rust', cx.race).rows[dec.step].detail, /^Full decrement/);
});

test('a kernel atomic under C11 offers only what its markers spell, named as written', () => {
  // `Atomic::load` takes Relaxed or Acquire, an RMW has no AcqRel: both would be written as `Full`.
  const program = takeover('rel', 'rlx');
  const sites: SiteInfo[] = [
    { line: 41, text: 'self.refcount.fetch_sub(1, Release)', role: 'dec', which: ['single'], family: 'kernel' },
    { line: 57, text: 'self.refcount.cmpxchg(2, 0, Relaxed)', role: 'takeover', which: ['success'], family: 'kernel' },
  ];
  const dec = togglesOf(program, sites, 'rc11').find(t => t.site === 0)!;
  assert.deepEqual(dec.options.map(m => modeName(m, 'rust', 'rc11', dec.family)), ['Relaxed', 'Acquire', 'Release', 'Full']);
  // A std site under C11 is unchanged.
  const std = togglesOf(program, sites.map(s => ({ ...s, family: 'std' as const })), 'rc11').find(t => t.site === 0)!;
  assert.deepEqual(std.options.map(m => modeName(m, 'rust', 'rc11', std.family)), ['Relaxed', 'Acquire', 'Release', 'AcqRel', 'SeqCst']);
});

/** A release/acquire handoff of y that orders x, and a plain z written after the release: z races. */
const HANDOFF = `C handoff-then-race

{}

P0(int *x, int *y, int *z)
{
\t*x = 1;
\tsmp_store_release(y, 1);
\t*z = 1;
}

P1(int *x, int *y, int *z)
{
\tint r0;
\tint r1;
\tint r2;

\tr0 = smp_load_acquire(y);
\tif (r0 == 1) {
\t\tr1 = *x;
\t\tr2 = *z;
\t}
}

exists (1:r0=1)
`;

function raceTrace(model: 'lkmm' | 'rc11'): Trace {
  const src = model === 'lkmm' ? HANDOFF : HANDOFF_C11;
  const { program } = readLitmus(src, 'handoff.litmus');
  const res = explore(program, { model });
  const cx = counterexamples(res).find(c => c.race && c.trace.steps.some(s => s.sw.length > 0));
  assert.ok(cx, `${model}: a racing trace with the handoff: ${verdict(res)}`);
  return cx.trace;
}

const HANDOFF_C11 = `C handoff-then-race

{}

P0(int *x, atomic_int *y, int *z)
{
\t*x = 1;
\tatomic_store_explicit(y, 1, memory_order_release);
\t*z = 1;
}

P1(int *x, atomic_int *y, int *z)
{
\tint r0 = atomic_load_explicit(y, memory_order_acquire);
\tif (r0 == 1) {
\t\tint r1 = *x;
\t\tint r2 = *z;
\t}
}

exists (1:r0=1)
`;

test('an LKMM trace\'s edges are named for what the engine computed: rfe from release to acquire, the cat model\'s hb, co', () => {
  const trace = raceTrace('lkmm');
  assert.equal(trace.model, 'lkmm');
  // What the names claim holds of the engine's edges: every `sw` edge is an rfe from a release
  // write to an acquire read, and `hb` (the cat model's, between marked accesses) never touches a
  // plain access.
  for (const s of trace.steps) {
    for (const f of s.sw) {
      const w = trace.steps[f];
      assert.deepEqual([w.mode, s.mode, s.read?.from, w.thread !== s.thread], ['rel', 'acq', f, true], `sw ${f} -> ${s.step}`);
    }
    for (const f of s.hb) assert.ok(s.mode !== 'na' && trace.steps[f].mode !== 'na', `hb ${f} -> ${s.step} joins marked accesses`);
  }
  const g = executionGraph(trace, { race: trace.race });
  assert.ok(g.edges.some(e => e.kind === 'sw') && g.edges.some(e => e.kind === 'mo'), JSON.stringify(g.edges.map(e => e.kind)));

  const svg = toSvg(trace, { race: trace.race });
  const labels = [...svg.matchAll(/class="elabel"[^>]*>([^<]*)</g)].map(m => m[1]);
  assert.ok(labels.includes('rel\u2192acq') && labels.includes('co'), labels.join(' '));
  assert.ok(!labels.includes('sw') && !labels.includes('mo'), labels.join(' '));
  assert.doesNotMatch(svg, /synchronizes-with|happens-before|modification order/);
  assert.match(svg, /<title>rfe from a release [^<]*: e\d+ \u2192 e\d+<\/title>/);
  const dot = toDot(trace, { race: trace.race });
  assert.match(dot, /label="rel\u2192acq"/);
  assert.doesNotMatch(dot, /label="(sw|mo)"/);

  // The table's legend and the toggles' tooltips, and the note when nothing races.
  const legend = arrowLegend('lkmm').map(a => a.text).join(' | ');
  assert.doesNotMatch(legend, /synchronizes-with|happens-before/);
  assert.deepEqual(arrowLegend('lkmm').map(a => a.text), ['\u2192 rfe (reads-from)', '\u2192 rfe release\u2192acquire', '\u21e2 LKMM hb', '\u21e2 data race']);
  assert.match(arrowLegend('lkmm').find(a => a.kind === 'hb')!.title, /^LKMM hb \(ppo, rfe and prop, between marked accesses\)/);
  for (const r of RELATIONS) assert.doesNotMatch(relationName(r, 'lkmm').title, /synchronizes-with|happens-before|modification order/, r);
  const clean = explore(readLitmus(HANDOFF.replace('\t*z = 1;\n', ''), 'clean.litmus').program, { model: 'lkmm' });
  assert.equal(clean.races.length, 0, verdict(clean));
  assert.doesNotMatch(noRaceNote(clean, 'lkmm'), /happens-before/);
  assert.match(noRaceNote(clean, 'lkmm'), /^Nothing to replay: none of the \d+ executions has a data race under the LKMM: /);
});

test('a C11 trace keeps C11\'s words', () => {
  const trace = raceTrace('rc11');
  const svg = toSvg(trace, { race: trace.race });
  const labels = new Set([...svg.matchAll(/class="elabel"[^>]*>([^<]*)</g)].map(m => m[1]));
  assert.ok(labels.has('sw') && labels.has('mo'), [...labels].join(' '));
  assert.match(svg, /<title>synchronizes-with: /);
  assert.deepEqual(arrowLegend('rc11').map(a => a.text), ['\u2192 reads-from', '\u2192 synchronizes-with', '\u21e2 happens-before', '\u21e2 race']);
  assert.deepEqual(arrowLegend(), arrowLegend('rc11'));
  assert.deepEqual(RELATIONS.map(r => relationName(r).short), [...RELATIONS]);
  assert.equal(noRaceNote({ executions: 3, races: [] } as unknown as Parameters<typeof noRaceNote>[0]),
    'Nothing to replay: in all 3 executions every pair of conflicting accesses is ordered by happens-before.');
});
