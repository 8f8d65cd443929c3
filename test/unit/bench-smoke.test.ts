// Smoke test of the benchmark modules: each section's building blocks run on tiny sizes and
// produce well-formed rows. Timings are never asserted (they depend on the machine); what is
// asserted is what the numbers must satisfy on any machine — execution counts with a closed form,
// verdicts the families are built to have, and the shape of the tables.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseRust, initRustParser } from '../../server/src/rust/parser';
import { blockMqFile, countLines, denseAtomicFile, DENSE_SITES_PER_TYPE, generateCorpus, generateModule, TAKEOVER_MARKER } from '../../bench/corpus';
import { analyzeRustFile } from '../../server/src/rust/extract';
import { measure } from '../../bench/engine';
import { FAMILIES, fetchAdd, iriw, refcountTakeover, storeBufferRing } from '../../bench/engineFamilies';
import { applyEdit, measureLsp, nextEdit } from '../../bench/lsp';
import { cratesTable, measureReview, scalingTable, type ScalingRow } from '../../bench/review';
import { alternate, measureCrates } from '../../bench/crates';
import { parseArgs } from '../../bench/run';
import { percentile, median } from '../../bench/stats';
import { renderTable } from '../../bench/table';
import { vscodeNumbers } from '../../bench/vscode';

const ROOT = path.resolve(__dirname, '../../..');

test('engine rows are well formed for every family at its smallest sizes', () => {
  for (const f of FAMILIES) {
    for (const n of f.quickSizes.slice(0, 2)) {
      const row = measure(f, n, 0);
      assert.equal(row.family, f.name);
      assert.equal(row.n, n);
      assert.ok(row.executions > 0, `${f.name} n=${n} has executions`);
      assert.ok(row.explored >= row.executions, `${f.name} n=${n}: explored counts every execution`);
      assert.ok(row.ratio > 0 && row.ratio <= 1);
      assert.ok(Number.isFinite(row.wallMs) && row.wallMs >= 0);
      assert.equal(row.runs, 1, 'repeatBelowMs 0 means one run');
      assert.equal(row.bounded, undefined);
    }
  }
});

test('engine families have the executions and verdicts they are built to have', () => {
  for (const n of [2, 3, 4]) assert.equal(measure(fetchAdd, n, 0).executions, [0, 1, 2, 6, 24][n]);
  // A Release drop and an Acquire takeover order every holder's write before the reuse.
  assert.equal(measure(refcountTakeover('rel', 'acq'), 2, 0).check, 'race-free');
  assert.match(measure(refcountTakeover('rel', 'rlx'), 2, 0).check, /^2 race pair/);
  // Relaxed store buffering allows every load to read 0 (2^n executions); SeqCst forbids it.
  const sbRlx = measure(storeBufferRing('rlx'), 3, 0);
  assert.equal(sbRlx.executions, 8);
  assert.match(sbRlx.check, /exists: sometimes/);
  assert.match(measure(storeBufferRing('sc'), 3, 0).check, /exists: never/);
  assert.match(measure(iriw('rlx'), 2, 0).check, /exists: sometimes/);
  assert.match(measure(iriw('sc'), 2, 0).check, /exists: never/);
});

test('tables align columns and right-align numbers', () => {
  const out = renderTable({ title: 'T', columns: ['name', 'n', 'ms'], rows: [['a', 1, '0.50'], ['longer', 1234, '12.25']], notes: ['note'] }).split('\n');
  assert.equal(out[0], 'T');
  assert.equal(out[1], 'name        n     ms');
  assert.equal(out[3], 'a           1   0.50');
  assert.equal(out[4], 'longer  1,234  12.25');
  assert.equal(out[5], '  note');
});

test('percentiles use the nearest rank', () => {
  const xs = Array.from({ length: 20 }, (_, i) => 20 - i);
  assert.equal(median(xs), 10);
  assert.equal(percentile(xs, 95), 19);
  assert.ok(Number.isNaN(percentile([], 50)));
});

test('the generated corpus is valid Rust with atomic sites, and deterministic', async () => {
  await initRustParser();
  const corpus = generateCorpus(1200, 4, 3);
  assert.equal(corpus.length, 4);
  assert.deepEqual(generateCorpus(1200, 4, 3).map(f => f.text), corpus.map(f => f.text));
  for (const f of [...corpus, { path: 'rq.rs', text: blockMqFile(120), lines: 0 }]) {
    const tree = parseRust(f.text);
    try {
      assert.equal(tree.rootNode.hasError, false, `${f.path} parses without syntax errors`);
    } finally {
      tree.delete();
    }
  }
  const total = corpus.reduce((s, f) => s + f.lines, 0);
  assert.ok(total > 900 && total < 1600, `about 1200 lines, got ${total}`);
  assert.ok(blockMqFile(120).includes(TAKEOVER_MARKER));
  assert.ok(countLines(generateModule(9, { lines: 400 })) >= 380);
});

test('review throughput produces four passes with cache statistics', async () => {
  const n = await measureReview(generateCorpus(1500, 3, 5));
  assert.equal(n.files, 3);
  assert.deepEqual(n.passes.map(p => p.name), ['tree-sitter parse', 'parse + site extraction', 'full review, cold cache', 'full review, warm cache']);
  for (const p of n.passes) assert.ok(Number.isFinite(p.ms) && p.ms > 0 && p.linesPerSec > 0, p.name);
  assert.equal(n.passes[0].ratio, 1);
  assert.ok(n.sites > 0, 'the corpus has atomic sites');
  assert.equal(n.parseErrors, 0);
  assert.ok(n.cache.cold.misses > 0, 'the cold pass explores');
  assert.ok(n.cache.warm.hits > 0, 'the warm pass reuses explorations');
});

test('crate rows: an installed crate is measured, a missing one is named with its package', async () => {
  const registry = mkdtempSync(path.join(os.tmpdir(), 'bench-crates-'));
  try {
    mkdirSync(path.join(registry, 'tiny-0.1.0', 'src'), { recursive: true });
    writeFileSync(path.join(registry, 'tiny-0.1.0', 'src', 'lib.rs'), denseAtomicFile(2));
    const measured = await measureCrates(registry, [{ dir: 'tiny-0.1.0', pkg: 'librust-tiny-dev' }, { dir: 'absent-1.0.0', pkg: 'librust-absent-dev' }], 2, () => {}, 1);
    const { rows, rounds } = measured;
    assert.equal(rows[0].result?.files, 1);
    assert.equal(rows[0].result?.runs, 2);
    assert.ok(rows[0].result!.parseMs >= 0 && rows[0].result!.checkMs >= 0);
    assert.match(rows[1].missing ?? '', /librust-absent-dev/);
    // One warm-up round, then the two measured ones; every round's totals are kept.
    assert.deepEqual(rounds.map(r => r.warmup), [true, false, false]);
    assert.ok(rounds.every(r => r.parseMs >= 0 && r.checkMs >= 0));
    const t = cratesTable(measured, 2);
    assert.deepEqual(t.rows.map(r => r[0]), ['tiny-0.1.0', 'absent-1.0.0', 'all crates']);
    assert.equal(t.rows[1][6], 'skipped');
    assert.match(t.title, /after 1 warm-up round;/);
    assert.ok(t.notes!.some(n => /^all crates, check \/ parse per round: warm-up [\d.]+; measured [\d.]+, [\d.]+$/.test(n)), t.notes!.join('\n'));
  } finally {
    rmSync(registry, { recursive: true, force: true });
  }
});

test('the dense generator has the sites it says and correct orderings; scaling notes compare sizes', async () => {
  await initRustParser();
  assert.equal(analyzeRustFile('d.rs', denseAtomicFile(7)).sites.length, 7 * DENSE_SITES_PER_TYPE);
  const small = await alternate([{ file: 'd.rs', text: denseAtomicFile(2) }], 1);
  const big = await alternate([{ file: 'd.rs', text: denseAtomicFile(8) }], 1);
  assert.equal(big.findings, 0);
  const rows: ScalingRow[] = [
    { name: 'one generated file', unit: 'site', units: 10, sites: 10, result: small },
    { name: 'one generated file', unit: 'site', units: 40, sites: 40, result: big },
  ];
  const t = scalingTable(rows, 1);
  assert.equal(t.rows.length, 2);
  assert.match(t.notes![0], /^one generated file: 4x the sites -> [\d.]+x the check time/);
});

test('LSP edits flip the takeover ordering and insert comment lines', () => {
  let lines = blockMqFile(120, 'Relaxed').split('\n');
  const casLine = lines.findIndex(l => l.includes(TAKEOVER_MARKER));
  const e0 = nextEdit(lines, 0);
  assert.equal(e0.range.start.line, casLine);
  assert.equal(e0.text, 'Acquire');
  lines = applyEdit(lines, e0);
  assert.ok(lines[casLine].includes(`${TAKEOVER_MARKER}Acquire, Ordering::Relaxed)`));
  const before = lines.length;
  lines = applyEdit(lines, nextEdit(lines, 1));
  assert.equal(lines.length, before + 1);
  lines = applyEdit(lines, nextEdit(lines, 2));
  assert.ok(lines.some(l => l.includes(`${TAKEOVER_MARKER}Relaxed, Ordering::Relaxed)`)), 'flipped back');
});

// The limit is a last guard for a loaded machine; the bench's own per-edit wait decides what a timeout is.
test('LSP latency runs against the built server', { timeout: 300_000 }, async t => {
  const serverJs = path.join(ROOT, 'dist', 'server.js');
  if (!existsSync(serverJs)) return t.skip('dist/server.js not built');
  const docs = await measureLsp(serverJs, { edits: 2, smallLines: 120, bigLines: 200, log: () => {} });
  assert.deepEqual(docs.map(d => d.name), ['request.rs', 'big.rs']);
  for (const d of docs) {
    assert.equal(d.timeouts, 0, `${d.name}: every edit answered`);
    assert.equal(d.latencies.length, 2);
    assert.ok(d.latencies.every(x => x >= 0) && d.p50 <= d.p95);
  }
  // The block-mq file starts with a Relaxed takeover: the server must flag it.
  assert.ok(docs[0].openDiagnostics >= 1);
});

test('command line arguments', () => {
  assert.equal(parseArgs(['--quick']).quick, true);
  assert.deepEqual([...parseArgs(['--only', 'engine,lsp']).only!], ['engine', 'lsp']);
  assert.deepEqual([...parseArgs(['--only=review']).only!], ['review']);
  assert.throws(() => parseArgs(['--only', 'gpu']), /unknown section "gpu"/);
  assert.throws(() => parseArgs(['--fast']), /unknown argument/);
});

test('VS Code numbers: a clear note without e2e results, a table with them', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'bench-vscode-'));
  try {
    assert.match(vscodeNumbers(dir).skipped ?? '', /run npm run test:e2e first/);
    mkdirSync(path.join(dir, 'test-results', 'e2e'), { recursive: true });
    writeFileSync(path.join(dir, 'test-results', 'e2e', 'activation.json'), JSON.stringify({ activationMs: 812 }));
    const r = vscodeNumbers(dir);
    assert.equal(r.skipped, undefined);
    assert.deepEqual(r.tables[0].rows.map(row => row.slice(0, 3)), [['test-results/e2e/activation.json', 'activationMs', '812']]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
