// Lens, scenario pick and panel refresh decide from one review result: every racing scenario is
// reachable from a lens that says "race", scenarios are listed racing first with their verdicts,
// and a panel finds its scenario again after an edit (or knows it is gone).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { reviewText, type FileReview } from '../../server/src/review';
import { codeLenses, siteLens, type SimulateArgs } from '../../server/src/lsp/codeLens';
import { checkedSites } from '../../server/src/lsp/sites';
import { hoverAt } from '../../server/src/lsp/hover';
import type { Finding, ScenarioView } from '../../server/src/protocol/finding';
import { findAgain, othersRacing, pickEntries, stillRacingAtSites } from '../../client/src/simulator/scenarioList';
import { takeover } from './simulator-fixtures';

const ROOT = path.resolve(__dirname, '../../..');
const FILE = path.join(ROOT, 'test/e2e/simulator-fixtures/request_counted.rs');

function range(line: number, ch = 0) {
  return { start: { line, character: ch }, end: { line, character: ch + 10 } };
}
function site(line: number) {
  return { file: '/w/a.rs', range: range(line), text: `x.fetch_sub(1) // ${line}`, role: 'dec', orderingRanges: [] };
}
function scenario(id: string, title: string, lines: number[], races: number): ScenarioView {
  return { id, title, file: '/w/a.rs', program: takeover('rlx', 'rlx'), sites: lines.map(site), races };
}
function finding(line: number, scenarioId: string): Finding {
  return { file: '/w/a.rs', rule: 'dec-needs-release', severity: 'warning', message: 'm', range: range(line), role: 'dec', ordering: 'Relaxed', fix: null, related: [], trace: null, scenario: scenarioId };
}

test('a real review: every racing scenario is on a lens that says race, and the finding sites agree', async () => {
  const review = await reviewText(FILE, readFileSync(FILE, 'utf8'));
  assert.ok(review.findings.length >= 2, 'the fixture has two findings');
  const lenses = codeLenses('file:///w/request_counted.rs', review);
  const onLens = new Map<string, string[]>();
  for (const l of lenses) {
    assert.match(l.command!.title, /^Simulate: (race|no race)/);
    const args = l.command!.arguments![0] as SimulateArgs;
    assert.equal(args.scenarioId, args.scenarioIds![0]);
    for (const id of args.scenarioIds!) onLens.set(id, [...(onLens.get(id) ?? []), l.command!.title]);
  }
  for (const sc of review.scenarios) {
    assert.ok(onLens.has(sc.id), `scenario "${sc.title}" is reachable from a lens`);
    if ((sc.races ?? 0) > 0) assert.ok(onLens.get(sc.id)!.every(t => t.startsWith('Simulate: race')), `a lens over a racing scenario says race: ${onLens.get(sc.id)}`);
  }
  // A lens over a site with a finding opens the scenario the finding names, first.
  for (const f of review.findings.filter(x => x.scenario)) {
    const lens = lenses.find(l => l.range.start.line <= f.range.start.line && checkedSites(review).some(cs => cs.site.range.start.line === l.range.start.line && cs.findings.includes(f)));
    assert.ok(lens, `a lens over the site of ${f.rule}`);
    assert.match(lens.command!.title, /^Simulate: race/);
    assert.equal((lens.command!.arguments![0] as SimulateArgs).scenarioId, f.scenario);
  }
});

test('a site with several scenarios: the lens counts the racing ones and lists them first', () => {
  const review: FileReview = {
    file: '/w/a.rs', problems: [],
    scenarios: [scenario('a:1', 'two holders drop; the last one frees', [3, 9], 0), scenario('b:1', 'takeover', [3, 12], 1), scenario('c:1', 'upgrade', [3], 0)],
    findings: [],
  };
  const cs = checkedSites(review).find(x => x.site.range.start.line === 3)!;
  const lens = siteLens(cs);
  assert.equal(lens.title, 'Simulate: race (1 of 3 scenarios)');
  assert.deepEqual(lens.scenarioIds, ['b:1', 'a:1', 'c:1']);
  // The site on line 9 has only the clean scenario.
  assert.equal(siteLens(checkedSites(review).find(x => x.site.range.start.line === 9)!).title, 'Simulate: no race');
  // A racing scenario whose only site here is line 12 still gets a lens.
  assert.equal(siteLens(checkedSites(review).find(x => x.site.range.start.line === 12)!).title, 'Simulate: race');
  const bounded = { ...scenario('d:1', 'big', [20], 0), bounded: true };
  assert.equal(siteLens(checkedSites({ ...review, scenarios: [bounded] })[0]).title, 'Simulate: no race found (search bounded)');
});

test('the scenario pick: racing first, each labelled with its verdict', () => {
  const list = [scenario('a:1', 'drop', [1], 0), scenario('b:1', 'takeover', [1], 2), scenario('c:1', 'upgrade', [1], 1)];
  const entries = pickEntries(list);
  assert.deepEqual(entries.map(e => e.id), ['b:1', 'c:1', 'a:1']);
  assert.deepEqual(entries.map(e => e.description), ['2 races', 'race', 'no race']);
  assert.match(entries[0].label, /^\$\(error\) takeover$/);
  assert.match(entries[2].label, /^\$\(pass\) drop$/);
});

test('after an edit the panel finds its scenario by id, else by kind and title, else knows it is gone', () => {
  const old = scenario('takeover:55:11:compare_exchange:98:8:fetch_sub', 'holder drops, takeover reuses', [55, 98], 1);
  const moved = scenario('takeover:56:11:compare_exchange:99:8:fetch_sub', 'holder drops, takeover reuses', [56, 99], 1);
  const other = scenario('drop:56:11:fetch_sub:99:8:fetch_sub', 'two holders drop', [56, 99], 0);
  assert.equal(findAgain([other, old], old), old);
  assert.equal(findAgain([other, moved], old), moved, 'an added line moved the sites');
  assert.equal(findAgain([other], old), undefined);
});

test('after Apply a clean scenario hands over to the one whose finding remains at its sites', () => {
  const fixed = scenario('a:1', 'holder drops, takeover reuses', [5, 9], 0);
  const still = scenario('b:1', 'two holders drop; the last one frees', [9, 14], 1);
  const elsewhere = scenario('c:1', 'upgrade', [20], 1);
  const list = [fixed, still, elsewhere];
  assert.equal(stillRacingAtSites(list, [finding(9, 'b:1'), finding(20, 'c:1')], fixed), still);
  assert.equal(stillRacingAtSites(list, [finding(20, 'c:1')], fixed), undefined, 'no finding remains at its sites');
  assert.equal(stillRacingAtSites(list, [finding(9, 'b:1')], still), undefined, 'a racing panel keeps its own race');
  assert.deepEqual(othersRacing(list, fixed), [still]);
});

test('the hover over a site whose scenario races elsewhere does not say "no race"', () => {
  const withArg = (line: number) => ({ ...site(line), orderingRanges: [{ range: range(line, 20), which: 'single' as const }] });
  const sc: ScenarioView = { ...scenario('b:1', 'takeover', [], 1), sites: [withArg(3), withArg(12)] };
  const review: FileReview = { file: '/w/a.rs', problems: [], scenarios: [sc], findings: [finding(12, 'b:1')] };
  const at3 = hoverAt(review, { line: 3, character: 22 });
  const md = (at3!.contents as { value: string }).value;
  assert.match(md, /race in 1 of 1 scenario through this site \(takeover\)/);
  assert.doesNotMatch(md, /no race/);
});
