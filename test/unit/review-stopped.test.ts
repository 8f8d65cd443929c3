// A review stopped early (the language server's per-file time cap, or a cancel) returns what it
// has, and nothing it has not verified: counters left unjudged are listed as bounded, and an
// alternative fix whose confirming re-review stopped early is dropped, not offered as verified.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { confirmAlternatives, unconfirmed } from '../../server/src/protocol/alternatives';
import type { Finding, Fix } from '../../server/src/protocol/finding';
import { reviewText } from '../../server/src/review';

const FIXTURE = path.join(__dirname, '..', '..', '..', 'test', 'fixtures', 'rust', 'arc_drop_fence_alternative.rs');

test('a review whose signal is already set judges no counter and offers no fix', async () => {
  const text = readFileSync(FIXTURE, 'utf8');
  const full = await reviewText(FIXTURE, text);
  assert.ok(full.findings.some(f => f.alternatives?.length), 'the fixture offers a re-reviewed alternative when reviewed fully');

  const stopped = await reviewText(FIXTURE, text, { budget: { signal: { aborted: true } } });
  assert.ok(stopped.bounded?.some(b => /not checked \(the review was stopped\)/.test(b)), JSON.stringify(stopped.bounded));
  assert.ok(!stopped.findings.some(f => f.fix || f.alternatives?.length), 'no fix comes out of a stopped review');
  assert.equal(stopped.scenarios.length, 0);
});

test('an alternative is confirmed only by a complete re-review', async () => {
  const text = 'fn f() {\n    x.fetch_sub(1, Ordering::Relaxed);\n}\n';
  const finding = (): Finding => {
    const alt: Fix = { title: 'Insert a fence', edits: [{ range: { start: { line: 1, character: 4 }, end: { line: 1, character: 4 } }, newText: '' }], verified: { scenarios: 0, executions: 0 } };
    unconfirmed.add(alt);
    return {
      file: '/f.rs', rule: 'dec-needs-release', severity: 'warning', message: 'm', range: { start: { line: 1, character: 4 }, end: { line: 1, character: 36 } },
      role: 'dec', ordering: 'Relaxed', fix: null, alternatives: [alt], related: [], trace: null,
    } as Finding;
  };
  const complete = [finding()];
  await confirmAlternatives(complete, text, async () => ({ findings: [], scenarios: 2, executions: 9 }));
  assert.equal(complete[0].alternatives?.length, 1);
  assert.deepEqual(complete[0].alternatives?.[0].verified, { scenarios: 2, executions: 9 });

  const cut = [finding()];
  await confirmAlternatives(cut, text, async () => ({ findings: [], scenarios: 2, executions: 9, bounded: true }));
  assert.equal(cut[0].alternatives?.length ?? 0, 0, 'a re-review that stopped early confirms nothing');
});
