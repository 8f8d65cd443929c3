// The LKMM checker within its budget: one large candidate execution cannot outlast the time budget
// or a cancellation (the checker looks at both inside the candidate, not only between candidates),
// and long threads do not exhaust the call stack. Results are judged, never timings.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { explore } from '../../server/src/memory/explore';
import type { Instr, Program } from '../../server/src/memory/ir';
import { c } from '../../server/src/memory/ir';

/** One thread writing x `n` times (values 1..3 in turn), another reading it once: each candidate has about n events. */
function manyWrites(n: number): Program {
  const writes: Instr[] = Array.from({ length: n }, (_, i) => ({ k: 'store', loc: 'x', val: c((i % 3) + 1), mo: 'rlx' }));
  return {
    name: `writes${n}`,
    locations: [{ name: 'x', init: 0, atomic: true }],
    threads: [
      { name: 'P0', body: writes },
      { name: 'P1', body: [{ k: 'load', reg: 'r0', loc: 'x', mo: 'rlx' }] },
    ],
    condition: { quantifier: 'exists', cond: { k: 'eqReg', thread: 1, reg: 'r0', v: 0 } },
  };
}

/** A cancellation flag that turns on at its `looks`-th reading: where the engine looks decides where it stops. */
function abortAfter(looks: number): { readonly aborted: boolean; read: number } {
  return { read: 0, get aborted() { return ++this.read >= looks; } };
}

test('a cancellation set before the search starts stops it before any work', () => {
  for (const model of ['rc11', 'lkmm'] as const) {
    const res = explore(manyWrites(3), { model, signal: { aborted: true } });
    assert.equal(res.bounded?.reason, 'cancelled', model);
    assert.deepEqual([res.explored, res.executions], [0, 0], model);
  }
});

test('LKMM: a cancellation during the first candidate check stops inside it', () => {
  // Without looks inside a candidate, the flag is read once per 256 search nodes: the first
  // hundreds of candidates (most of them consistent) would be checked before it is seen.
  const signal = abortAfter(3);
  const res = explore(manyWrites(400), { model: 'lkmm', signal });
  assert.equal(res.bounded?.reason, 'cancelled');
  assert.equal(res.executions, 0, 'no candidate check ran to its end');
  assert.ok(res.explored <= 1);
  assert.equal(signal.read, 3, 'the flag is not read again once it is set');
});

test('LKMM: a tiny time budget bounds one large candidate check', () => {
  const res = explore(manyWrites(400), { model: 'lkmm', maxMillis: 1 });
  assert.equal(res.bounded?.reason, 'time');
  assert.equal(res.executions, 0, 'the first candidate (far longer than 1 ms of work) was stopped inside');
  assert.match(res.bounded!.message, /time budget of 1 ms reached/);
});

test('LKMM: the same program with room to finish gives a complete answer', () => {
  const res = explore(manyWrites(12), { model: 'lkmm' });
  assert.equal(res.bounded, undefined);
  // r0 reads the initial value or one of the 12 writes; each is one execution.
  assert.equal(res.executions, 13);
  assert.equal(res.condition?.outcome, 'sometimes');
});

// ------------------------------------------------------------------ from the CLI

const root = path.resolve(__dirname, '../../..');
const bin = path.join(root, 'bin/refcount-review.js');
const dir = mkdtempSync(path.join(tmpdir(), 'rr-lkmm-budget-'));

function litmus(name: string, text: string, ...args: string[]): { code: number | null; out: string; err: string } {
  const file = path.join(dir, `${name}.litmus`);
  writeFileSync(file, text);
  const r = spawnSync(process.execPath, [bin, 'litmus', file, ...args], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

test('litmus --model lkmm --timeout-ms 200: a large kernel test comes back bounded (unknown)', () => {
  const writes = Array.from({ length: 600 }, (_, i) => `  WRITE_ONCE(*x, ${(i % 3) + 1});\n`).join('');
  const r = litmus('big', `C big\n\n{\n  int x;\n}\n\nP0(int *x)\n{\n${writes}}\n\nP1(int *x)\n{\n  int r0;\n\n  r0 = READ_ONCE(*x);\n}\n\nexists (1:r0=0)\n`, '--model', 'lkmm', '--timeout-ms', '200', '--format', 'json');
  assert.equal(r.code, 0, r.err);
  const rep = JSON.parse(r.out) as { outcome: string; bounded?: { reason: string } };
  assert.equal(rep.outcome, 'unknown');
  assert.equal(rep.bounded?.reason, 'time');
});

test('litmus --model lkmm: a thread of 12,000 reads is explored within the budget, not out of stack', () => {
  // Each read once forked a recursive call: 12,000 of them exhausted the stack.
  const n = 12_000;
  const decls = Array.from({ length: n }, (_, i) => `  int r${i};\n`).join('');
  const reads = Array.from({ length: n }, (_, i) => `  r${i} = READ_ONCE(*x);\n`).join('');
  const r = litmus('reads', `C reads\n\n{\n  int x;\n}\n\nP0(int *x)\n{\n${decls}\n${reads}}\n\nexists (0:r0=1)\n`, '--model', 'lkmm', '--timeout-ms', '200', '--format', 'json');
  assert.doesNotMatch(r.err, /out of stack|internal error/);
  assert.equal(r.code, 0, r.err);
  const rep = JSON.parse(r.out) as { outcome: string; bounded?: { reason: string } };
  assert.equal(rep.bounded?.reason, 'time');
});
