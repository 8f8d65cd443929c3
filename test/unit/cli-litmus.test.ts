// The `refcount-review litmus` contract, run through the real bin script
// and the esbuild bundle it loads (dist/cli.js, built by scripts/build.mjs).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '../../..');
const BIN = path.join(ROOT, 'bin/refcount-review.js');
const FIX = (f: string) => path.join('test/fixtures/litmus', f);

function run(...args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

function noStackTrace(s: string) {
  assert.doesNotMatch(s, /\n\s+at .*:\d+:\d+\)?/, `stack trace on stderr:\n${s}`);
}

test('json for one file: one object with the contract fields', () => {
  const r = run('litmus', '--format', 'json', FIX('refcount-takeover+dec-rel+cas-rlx.litmus'));
  assert.equal(r.code, 0, r.err);
  const o = JSON.parse(r.out);
  assert.equal(Array.isArray(o), false);
  for (const k of ['name', 'outcome', 'executions', 'witnesses', 'races', 'trace', 'elapsedMs']) assert.ok(k in o, `missing ${k}`);
  assert.equal(o.name, 'refcount-takeover+dec-rel+cas-rlx');
  assert.equal(o.outcome, 'sometimes');
  assert.equal(o.executions, 3);
  assert.equal(o.witnesses, 1);
  assert.equal(o.races.length, 1);
  assert.equal(o.races[0].loc, 'data');
  assert.equal(typeof o.races[0].explanation, 'string');
  // The condition has a witness, so its trace is the one reported.
  assert.ok(o.trace && Array.isArray(o.trace.steps) && o.trace.steps.length > 0);
  assert.equal(typeof o.elapsedMs, 'number');
});

test('json for several files: an array, in argument order; trace falls back to the race, then null', () => {
  const r = run('litmus', '--format=json', FIX('sb+sc.litmus'), FIX('race+na-ww.litmus'));
  assert.equal(r.code, 0, r.err);
  const a = JSON.parse(r.out);
  assert.ok(Array.isArray(a));
  assert.deepEqual(a.map((o: { name: string }) => o.name), ['SB+sc', 'Race+na-ww']);
  assert.equal(a[0].outcome, 'never');
  assert.equal(a[0].trace, null); // no witness, no race
  assert.equal(a[0].races.length, 0);
  assert.equal(a[1].races.length, 1);
  assert.ok(a[1].trace);
});

test('text output is a herd-like summary with races explained', () => {
  const r = run('litmus', FIX('mp+na+rlx.litmus'));
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /^Test MP\+na\+rlx /m);
  assert.match(r.out, /^Positive: 1 Negative: 2$/m);
  assert.match(r.out, /^Condition exists \(1:r0=1 \/\\ 1:r1=0\)$/m);
  assert.match(r.out, /^Outcome: sometimes \(1 of 3 executions/m);
  assert.match(r.out, /^\s+on data: P0 "\*data = 1" and P1 "r1 = \*data"/m);
});

test('--max-executions bounds the run and says so', () => {
  const r = run('litmus', '--max-executions', '3', FIX('iriw+rlx.litmus'));
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /bounded: explored 3/);
  const j = JSON.parse(run('litmus', '--format', 'json', '--max-executions', '3', FIX('iriw+rlx.litmus')).out);
  assert.equal(j.bounded.reason, 'executions');
});

test('a bounded run says unknown (bounded), never a definite outcome, in text and JSON', () => {
  // The truth for mp+rlx+rlx is 'sometimes'; one execution cannot show it, and must not claim 'never'.
  const r = run('litmus', '--max-executions', '1', FIX('mp+rlx+rlx.litmus'));
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /^Outcome: unknown \(bounded\)/m);
  assert.doesNotMatch(r.out, /\b(never|sometimes|always)\b/);
  assert.match(r.out, /^Unknown \(bounded\)$/m);
  const j = JSON.parse(run('litmus', '--format', 'json', '--max-executions', '1', FIX('mp+rlx+rlx.litmus')).out);
  assert.equal(j.outcome, 'unknown');
  assert.equal(j.bounded.reason, 'executions');
  const full = JSON.parse(run('litmus', '--format', 'json', FIX('mp+rlx+rlx.litmus')).out);
  assert.deepEqual([full.outcome, full.bounded], ['sometimes', null]);
});

test('litmus has a default budget, stated in the usage text', () => {
  const h = run('litmus', '--help');
  assert.match(h.out, /--max-executions N\s+stop after N explored executions \(default \d+\)/);
  assert.match(h.out, /--timeout-ms N\s+stop after N milliseconds \(default \d+\)/);
  assert.match(run('--help').out, /budget by default/);
});

test('malformed litmus file: exit 2, file:line:col on stderr, nothing on stdout', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'rr-litmus-'));
  const bad = path.join(dir, 'bad.litmus');
  writeFileSync(bad, 'C T\n{ [x] = 0; }\nP0 (atomic_int* x) {\n  atomic_store_explicit(x, 1, memory_order_foo);\n}\n');
  const r = run('litmus', bad, FIX('sb+sc.litmus'));
  assert.equal(r.code, 2);
  assert.equal(r.out, '');
  assert.ok(r.err.includes(`${bad}:4:31: expected a memory order`), r.err);
  noStackTrace(r.err);
});

test('missing file, directory, no files, bad options: exit 2 with a message', () => {
  for (const args of [
    ['litmus', 'no/such/file.litmus'],
    ['litmus', 'test/fixtures/litmus'],
    ['litmus'],
    ['litmus', '--format', 'sarif', FIX('sb+sc.litmus')],
    ['litmus', '--timeout-ms', 'soon', FIX('sb+sc.litmus')],
    ['litmus', '--frobnicate', FIX('sb+sc.litmus')],
    ['frobnicate'],
    [],
  ]) {
    const r = run(...args);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.err}`);
    assert.ok(r.err.trim().length > 0, `${args.join(' ')}: no message`);
    noStackTrace(r.err);
  }
  assert.match(run('litmus', 'no/such/file.litmus').err, /no\/such\/file\.litmus: cannot read: no such file/);
});

test('--help and --version', () => {
  const h = run('--help');
  assert.equal(h.code, 0);
  assert.match(h.out, /litmus <file\.litmus>\.\.\./);
  assert.equal(run('litmus', '--help').code, 0);
  const v = run('--version');
  assert.equal(v.code, 0);
  assert.match(v.out, /^refcount-review \d+\.\d+\.\d+/);
});
