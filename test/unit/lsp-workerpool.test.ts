// The language server's review worker pool with a scripted worker: results, supersession
// (cancel through the shared abort flag), priorities, and recovery from a worker that exits,
// throws, or hangs. The real worker (dist/worker.js) is exercised by the LSP tests.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { ReviewPool, type ReviewOpts } from '../../server/src/lsp/workerPool';

const dir = mkdtempSync(path.join(os.tmpdir(), 'rr-pool-'));
after(() => rmSync(dir, { recursive: true, force: true }));

// The text of a job says what the scripted worker does with it.
const SCRIPT = path.join(dir, 'worker.js');
writeFileSync(SCRIPT, `
const { parentPort } = require('node:worker_threads');
const done = (m, extra) => parentPort.postMessage({ type: 'result', id: m.id, elapsedMs: 1, review: { file: m.file, findings: [], scenarios: [], problems: [{ message: m.text }], ...extra } });
parentPort.on('message', m => {
  if (m.type !== 'review') return;
  const flag = new Int32Array(m.abort);
  if (m.text === 'exit') process.exit(3);
  if (m.text === 'throw') throw new Error('boom');
  if (m.text === 'hang') { for (;;) {} }
  if (m.text.startsWith('sleep')) { Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, Number(m.text.slice(5))); return done(m); }
  if (m.text === 'until-aborted') {
    const t0 = Date.now();
    while (Atomics.load(flag, 0) === 0 && Date.now() - t0 < 120000) {}
    return done(m, { skipped: Atomics.load(flag, 0) ? 'saw abort' : 'never aborted' });
  }
  done(m);
});
`);

// Generous: only the jobs meant to overrun (a hang) get a short budget, so a loaded machine cannot
// turn a slow worker start into a terminated job.
const OPTS: ReviewOpts = { model: 'c11', hints: false, budget: { maxExplored: 1000, maxMillis: 60_000 } };
const SHORT: ReviewOpts = { ...OPTS, budget: { ...OPTS.budget, maxMillis: 200 } };

function pool(size = 1, more: { maxSize?: number; abortGraceMs?: number } = {}) {
  const logs: string[] = [];
  const p = new ReviewPool({ script: SCRIPT, size, log: m => logs.push(m), graceMs: 300, abortGraceMs: 300, ...more });
  return { p, logs };
}

test('a review comes back with the worker\'s result', async () => {
  const { p } = pool();
  try {
    const o = await p.review('a', '/a.rs', 'hello', OPTS);
    assert.equal(o.kind, 'done');
    assert.equal(o.kind === 'done' && o.review.problems[0].message, 'hello');
    assert.equal(p.pending, 0);
  } finally { await p.dispose(); }
});

test('a newer job for the same key cancels the running one through the abort flag', async () => {
  // One worker, and a long abort grace: the second job can only run once the first one's loop
  // noticed the flag; had it not, the worker would be terminated (and say so) after the grace.
  const { p, logs } = pool(1, { maxSize: 1, abortGraceMs: 60_000 });
  try {
    const first = p.review('doc', '/d.rs', 'until-aborted', OPTS);
    const second = p.review('doc', '/d.rs', 'v2', OPTS);
    assert.deepEqual(await first, { kind: 'cancelled' });
    const o = await second;
    assert.equal(o.kind, 'done');
    assert.ok(!logs.some(l => /did not stop|terminat/.test(l)), logs.join('\n'));
  } finally { await p.dispose(); }
});

test('interactive jobs overtake queued background jobs', async () => {
  // One worker only: a second one would run the queued jobs side by side.
  const { p } = pool(1, { maxSize: 1 });
  try {
    const order: string[] = [];
    const track = (k: string, pr: Promise<unknown>) => pr.then(() => order.push(k));
    const busy = track('busy', p.review('busy', '/b.rs', 'sleep100', OPTS));
    const bg = track('bg', p.review('bg', '/bg.rs', 'x', OPTS, 'background'));
    const fg = track('fg', p.review('fg', '/fg.rs', 'x', OPTS, 'interactive'));
    await Promise.all([busy, bg, fg]);
    assert.deepEqual(order, ['busy', 'fg', 'bg']);
  } finally { await p.dispose(); }
});

for (const [text, kind, expect] of [['exit', 'failed', /exited with code 3/], ['throw', 'failed', /crashed: Error: boom/], ['hang', 'capped', /did not stop at its 200 ms time cap and was terminated/]] as const) {
  test(`a worker that ${text}s fails its job with a message, is replaced, and the pool keeps serving`, async () => {
    const { p, logs } = pool();
    try {
      // Only the hang needs its cap to come: a crash must not race a short watchdog on a loaded machine.
      const o = await p.review('k', '/k.rs', text, text === 'hang' ? SHORT : OPTS);
      assert.equal(o.kind, kind);
      assert.match(o.kind === 'failed' || o.kind === 'capped' ? o.message : '', expect);
      if (o.kind === 'capped') assert.equal(o.capMs, 200);
      assert.ok(logs.some(l => /starting a new worker/.test(l)), logs.join('\n'));
      const next = await p.review('k', '/k.rs', 'fine', OPTS);
      assert.equal(next.kind, 'done');
    } finally { await p.dispose(); }
  });
}

test('workspace files are re-sent to a replacement worker', async () => {
  const script = path.join(dir, 'files-worker.js');
  writeFileSync(script, `
const { parentPort } = require('node:worker_threads');
const files = new Map();
parentPort.on('message', m => {
  if (m.type === 'files') { for (const [f, t] of m.set) files.set(f, t); for (const f of m.remove) files.delete(f); return; }
  if (m.text === 'exit') process.exit(1);
  parentPort.postMessage({ type: 'result', id: m.id, elapsedMs: 0, review: { file: m.file, findings: [], scenarios: [], problems: [...files.keys()].sort().map(message => ({ message })) } });
});`);
  const p = new ReviewPool({ script, size: 1, log: () => {} });
  try {
    p.setFiles([['/x.rs', 'x'], ['/y.rs', 'y']]);
    p.setFiles([], ['/x.rs']);
    assert.equal((await p.review('k', '/k.rs', 'exit', OPTS)).kind, 'failed');
    const o = await p.review('k', '/k.rs', 'list', OPTS);
    assert.deepEqual(o.kind === 'done' && o.review.problems.map(q => q.message), ['/y.rs']);
  } finally { await p.dispose(); }
});

test('a job queued behind a long one gets a new worker instead of waiting for it', async () => {
  const { p, logs } = pool(1);
  try {
    // Runs until aborted: without a second worker the next job could only start after a cancel.
    const long = p.review('long', '/long.rs', 'until-aborted', { ...OPTS, budget: { ...OPTS.budget, maxMillis: 60_000 } });
    const o = await p.review('short', '/short.rs', 'quick', OPTS);
    assert.equal(o.kind, 'done');
    assert.equal(p.size, 2);
    assert.ok(logs.some(l => /waiting behind 1 busy worker\(s\); starting another worker/.test(l)), logs.join('\n'));
    p.cancel('long');
    assert.deepEqual(await long, { kind: 'cancelled' });
  } finally { await p.dispose(); }
});

test('the pool grows no further than maxSize', async () => {
  const logs: string[] = [];
  const p = new ReviewPool({ script: SCRIPT, size: 1, maxSize: 1, log: m => logs.push(m) });
  try {
    const order: string[] = [];
    const first = p.review('a', '/a.rs', 'sleep300', OPTS).then(o => { order.push('a'); return o; });
    const second = p.review('b', '/b.rs', 'quick', OPTS).then(o => { order.push('b'); return o; });
    assert.equal((await second).kind, 'done');
    assert.equal((await first).kind, 'done');
    assert.deepEqual(order, ['a', 'b'], 'with one worker allowed, the second job waited for the first');
    assert.equal(p.size, 1);
  } finally { await p.dispose(); }
});
