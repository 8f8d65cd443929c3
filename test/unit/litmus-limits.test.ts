// Deep or long litmus input: an answer or a clear limit message with a position, never a stack
// overflow reported as an internal error. And one nesting limit for the reader and the webview:
// what the reader accepts, the simulator accepts; what is deeper, both refuse.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { readLitmus, LitmusError } from '../../server/src/litmus/parse';
import { MAX_NESTING } from '../../server/src/litmus/limits';
import type { Cond, Program } from '../../server/src/memory/ir';
import { parseToWebview } from '../../client/webview/messages';

const root = path.resolve(__dirname, '../../..');
const bin = path.join(root, 'bin/refcount-review.js');
const dir = mkdtempSync(path.join(tmpdir(), 'rr-litmus-limits-'));

function litmus(name: string, text: string, ...args: string[]): { code: number | null; out: string; err: string } {
  const file = path.join(dir, `${name}.litmus`);
  writeFileSync(file, text);
  const r = spawnSync(process.execPath, [bin, 'litmus', file, ...args], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, timeout: 300_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

const C11_HEAD = (name: string) => `C ${name}\n{ [x] = 0; }\n`;
const WRITER = 'P0 (atomic_int* x) {\n  atomic_store_explicit(x, 1, memory_order_relaxed);\n}\n';
const READER = 'P1 (atomic_int* x) {\n  int r0 = atomic_load_explicit(x, memory_order_relaxed);\n}\n';

test('a 10,000-term disjunction is read and answered', () => {
  const terms = Array.from({ length: 10_000 }, (_, i) => `1:r0=${i}`).join(' \\/ ');
  const r = litmus('or10000', `${C11_HEAD('or10000')}${WRITER}${READER}exists (${terms})\n`, '--format', 'json');
  assert.equal(r.code, 0, r.err);
  const rep = JSON.parse(r.out) as { outcome: string; executions: number; witnesses: number };
  // r0 is 0 or 1, and both are among the terms.
  assert.deepEqual([rep.outcome, rep.executions, rep.witnesses], ['always', 2, 2]);
});

test('a thread of 3,000 events gets an answer or a clear limit, never an internal error', () => {
  const stores = Array.from({ length: 3000 }, (_, i) => `  atomic_store_explicit(x, ${(i % 7) + 1}, memory_order_relaxed);\n`).join('');
  const r = litmus('long3000', `${C11_HEAD('long3000')}P0 (atomic_int* x) {\n${stores}}\n${READER}exists (1:r0=0)\n`);
  assert.doesNotMatch(r.err, /internal error/);
  if (r.code === 0) assert.match(r.out, /^Outcome: /m);
  else {
    assert.equal(r.code, 2);
    assert.match(r.err, /long3000\.litmus: the test is too large to explore: the search ran out of stack \(the longest thread has 3000 statements\)/);
  }
});

test('a 10,000-operator expression is refused at its position with the limit', () => {
  const sum = Array.from({ length: 10_000 }, () => 'r0').join(' + ');
  const r = litmus('sum', `${C11_HEAD('sum')}P0 (atomic_int* x) {\n  int r0 = atomic_load_explicit(x, memory_order_relaxed);\n  int r1 = ${sum};\n  atomic_store_explicit(x, r1, memory_order_relaxed);\n}\nexists (x=0)\n`);
  assert.equal(r.code, 2);
  assert.match(r.err, new RegExp(`sum\\.litmus:5:\\d+: expression nested deeper than ${MAX_NESTING} levels`));
  assert.doesNotMatch(r.err, /internal error/);
});

/** The program of a test whose condition is `~~...~x=1` and whose reader computes `!!...!r0`. */
function negations(nots: number): string {
  return `${C11_HEAD('nots')}P0 (atomic_int* x) {\n  int r0 = atomic_load_explicit(x, memory_order_relaxed);\n  int r1 = ${'!'.repeat(nots)}r0;\n  atomic_store_explicit(x, r1, memory_order_relaxed);\n}\nexists (${'~'.repeat(nots)}x=1)\n`;
}

function deepest(accepts: (n: number) => boolean): number {
  let lo = 0;
  let hi = 4 * MAX_NESTING;
  while (lo < hi) { const mid = Math.ceil((lo + hi) / 2); if (accepts(mid)) lo = mid; else hi = mid - 1; }
  return lo;
}

const readable = (n: number): Program | undefined => {
  try { return readLitmus(negations(n), 'nots.litmus').program; } catch (e) { if (e instanceof LitmusError) return undefined; throw e; }
};
const shown = (p: Program) => parseToWebview({ type: 'scenario', scenario: { uri: 'file:///t.litmus', id: 'nots', title: 'nots', flavour: 'litmus', program: p, sites: [] } }) !== undefined;

test('the reader and the webview share one nesting limit', () => {
  const n = deepest(k => readable(k) !== undefined);
  assert.ok(n >= MAX_NESTING - 2 && n <= MAX_NESTING, `the reader's deepest negation chain (${n}) is the stated limit`);
  assert.ok(shown(readable(n)!), 'the deepest program the reader accepts is accepted by the webview');
  assert.match((() => { try { readLitmus(negations(n + 1), 'nots.litmus'); return ''; } catch (e) { return (e as Error).message; } })(), new RegExp(`deeper than ${MAX_NESTING} levels`));
  // One level past the limit, built directly: the webview refuses it.
  const p = readable(n)!;
  let cond: Cond = { k: 'eqLoc', loc: 'x', v: 1 };
  for (let i = 0; i <= MAX_NESTING + 1; i++) cond = { k: 'not', a: cond };
  assert.equal(shown({ ...p, condition: { quantifier: 'exists', cond } }), false);
});
