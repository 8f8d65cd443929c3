// The RC11 search keeps its own stack: a thread of thousands of events is explored to the end
// instead of overflowing the JavaScript stack (one search level per event).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { explore } from '../../server/src/memory/explore';
import { c, type Instr, type Mode, type Program } from '../../server/src/memory/ir';

const EVENTS = 3000;

/** One thread storing 1..EVENTS to x, another loading x once. */
function longWriter(mode: Mode): Program {
  return {
    name: `long-${mode}`,
    locations: [{ name: 'x', init: 0, atomic: true }],
    threads: [
      { name: 'W', body: Array.from({ length: EVENTS }, (_, i) => ({ k: 'store', loc: 'x', val: c(i + 1), mo: mode }) as Instr) },
      { name: 'R', body: [{ k: 'load', reg: 'r', loc: 'x', mo: mode }] },
    ],
    condition: { quantifier: 'exists', cond: { k: 'eqReg', thread: 1, reg: 'r', v: EVENTS } },
  };
}

for (const mode of ['rlx', 'sc'] as const) {
  test(`a thread of ${EVENTS} ${mode} stores is explored to the end: the reader sees each write or the initial value`, () => {
    const r = explore(longWriter(mode));
    assert.equal(r.bounded, undefined);
    assert.equal(r.executions, EVENTS + 1);
    assert.deepEqual([r.condition!.outcome, r.condition!.witnesses], ['sometimes', 1]);
    assert.equal(Object.keys(r.states).length, EVENTS + 1);
  });
}

test(`a litmus thread of ${EVENTS} statements gets an answer from the CLI`, () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'rr-explore-deep-'));
  const file = path.join(dir, 'long.litmus');
  const stores = Array.from({ length: EVENTS }, (_, i) => `  atomic_store_explicit(x, ${i + 1}, memory_order_relaxed);\n`).join('');
  writeFileSync(file, `C long\n{ [x] = 0; }\nP0 (atomic_int* x) {\n${stores}}\nP1 (atomic_int* x) {\n  int r0 = atomic_load_explicit(x, memory_order_relaxed);\n}\nexists (1:r0=0)\n`);
  const bin = path.resolve(__dirname, '../../../bin/refcount-review.js');
  const res = spawnSync(process.execPath, [bin, 'litmus', file], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, timeout: 300_000 });
  assert.equal(res.status, 0, res.stderr);
  assert.match(res.stdout, /^States 3001$/m);
  assert.match(res.stdout, /^Outcome: sometimes \(1 of 3001 executions satisfy the proposition\)$/m);
});
