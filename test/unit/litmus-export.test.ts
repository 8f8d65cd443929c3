// "Open scenario as litmus test": the export of a real review's scenario reads back as the same
// test (same races, its exists clause witnessed), in the dialect of the scenario's model, with
// no locals that nothing reads.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { reviewText } from '../../server/src/review';
import { dialectModel, readLitmus } from '../../server/src/litmus/parse';
import { explore } from '../../server/src/memory/explore';
import type { ScenarioView } from '../../server/src/protocol/finding';
import { exportLitmus, withoutDeadLocals } from '../../client/src/simulator/litmusExport';
import { togglesOf, type SiteInfo } from '../../client/webview/toggles';
import { c, type Program } from '../../server/src/memory/ir';

const ROOT = path.resolve(__dirname, '../../..');

function sitesOf(v: ScenarioView): SiteInfo[] {
  return v.sites.map(s => ({ line: s.range.start.line, text: s.text, role: s.role, which: s.orderingRanges.map(o => o.which) }));
}

async function racingScenario(file: string, model?: 'c11' | 'lkmm'): Promise<ScenarioView> {
  const f = path.join(ROOT, file);
  const review = await reviewText(f, readFileSync(f, 'utf8'), model ? { model } : {});
  const sc = review.scenarios.find(s => (s.races ?? 0) > 0);
  assert.ok(sc, `${file} has a racing scenario`);
  return sc;
}

function roundTrip(text: string, expectModel: 'rc11' | 'lkmm') {
  const read = readLitmus(text, 'export.litmus');
  assert.equal(dialectModel(read.dialect), expectModel);
  return explore(read.program, { model: expectModel, maxMillis: 30_000 });
}

for (const model of ['lkmm', 'c11'] as const) {
  test(`a racing ${model} scenario exports with an exists clause that reads back witnessed, with the same races`, async () => {
    const sc = await racingScenario('test/e2e/simulator-fixtures/request_counted.rs', model);
    const text = exportLitmus({ program: sc.program, title: sc.title, model: sc.model, sites: sitesOf(sc) }, {});
    assert.match(text, /^exists \(.+\)$/m);
    const expectModel = sc.model ?? 'rc11';
    const res = roundTrip(text, expectModel);
    const direct = explore(sc.program, { model: expectModel, maxMillis: 30_000 });
    assert.equal(res.races.length, direct.races.length, 'the same races');
    assert.ok(res.condition, 'the exists clause was read back');
    assert.equal(res.condition.quantifier, 'exists');
    assert.equal(res.condition.holds, true, `the racing outcome is reachable:\n${text}`);
  });
}

test('with orderings that fix the race, the exists clause is the outcome the race reached, and it reads back race-free', async () => {
  const sc = await racingScenario('test/e2e/simulator-fixtures/request_counted.rs', 'c11');
  const sites = sitesOf(sc);
  // Everything SeqCst (the strongest each slot accepts): no race is left.
  const choices = Object.fromEntries(togglesOf(sc.program, sites).map(t => [t.key, t.options.includes('sc') ? 'sc' : t.options[t.options.length - 1]]));
  const text = exportLitmus({ program: sc.program, title: sc.title, model: sc.model, sites }, choices);
  assert.match(text, /^exists \(.+\)$/m);
  assert.match(text, /race-free with these orderings/);
  assert.equal(roundTrip(text, sc.model ?? 'rc11').races.length, 0);
});

test('locals nothing reads are left out of the export; those a branch or the condition reads stay', () => {
  const p: Program = {
    name: 'dead', locations: [{ name: 'x', init: 0, atomic: true }],
    threads: [{ name: 'P0', body: [
      { k: 'rmw', loc: 'x', op: 'add', val: c(1), mo: 'rlx', reg: 'old' },
      { k: 'let', reg: 'ok', val: c(1) },
      { k: 'let', reg: 'unused2', val: { k: 'reg', r: 'ok' } },
      { k: 'let', reg: 'flag', val: { k: 'reg', r: 'old' } },
      { k: 'if', cond: { k: 'reg', r: 'flag' }, then: [{ k: 'store', loc: 'x', val: c(5), mo: 'rlx' }], else: [] },
    ] }],
  };
  const body = withoutDeadLocals(p).threads[0].body;
  assert.deepEqual(body.filter(i => i.k === 'let').map(i => (i as { reg: string }).reg), ['flag'], 'ok went with unused2, its only reader');
  const text = exportLitmus({ program: p, title: 'dead' }, {});
  assert.doesNotMatch(text, /\bunused2\b|\bok\b/);
});
