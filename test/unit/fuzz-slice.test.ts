// A short seeded slice of `npm run fuzz` (test/fuzz/): mutated Rust through the review, incremental
// re-parsing and the offered fixes; mutated litmus tests through the reader and the engine; random
// LSP message sequences against the real server. Any crash, hang or memory blow-up fails the test.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatSummary, fuzz } from '../fuzz/run';

test('a seeded fuzz slice finds no crash, hang or memory blow-up', async () => {
  const summary = await fuzz({
    seed: 20261130,
    counts: { rust: 80, litmus: 150, lsp: 40 },
    // Limits for a loaded machine: they catch a hang, not a slow input.
    timeLimitMs: 60_000,
    memoryCapMb: 1_536,
    lspSequence: 20,
    failuresDir: null,
  });
  const text = formatSummary(summary);
  assert.equal(summary.kinds.rust?.inputs, 80);
  assert.equal(summary.kinds.litmus?.inputs, 150);
  assert.ok((summary.kinds.lsp?.inputs ?? 0) >= 40, text);
  assert.deepEqual(summary.failures.map(f => `${f.kind} ${f.what} #${f.index}: ${f.detail.split('\n')[0]}`), [], text);
});
