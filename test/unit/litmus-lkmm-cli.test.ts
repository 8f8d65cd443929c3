// `refcount-review litmus` on kernel tests: the model follows the dialect, `--model` overrides it,
// and both output formats say which model ran. Runs the real bin script and its bundle.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '../../..');
const BIN = path.join(ROOT, 'bin/refcount-review.js');
const KERNEL = (f: string) => path.join('test/fixtures/litmus-lkmm/tools/memory-model/litmus-tests', f);
const C11 = (f: string) => path.join('test/fixtures/litmus', f);

function run(...args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: ROOT, encoding: 'utf8', timeout: 120_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

function json(...args: string[]) {
  const r = run('litmus', '--format', 'json', ...args);
  assert.equal(r.code, 0, r.err);
  return JSON.parse(r.out);
}

/** A report without its timing, for comparing runs. */
const timeless = (o: Record<string, unknown>) => ({ ...o, elapsedMs: 0 });

test('a kernel test runs under LKMM by default and says so', () => {
  const o = json(KERNEL('SB+fencembonceonces.litmus'));
  assert.equal(o.model, 'lkmm');
  assert.equal(o.name, 'SB+fencembonceonces');
  assert.equal(o.outcome, 'never');
  assert.ok(o.executions > 0);
  const forced = json('--model', 'lkmm', KERNEL('SB+fencembonceonces.litmus'));
  assert.deepEqual(timeless(forced), timeless(o));
  const text = run('litmus', KERNEL('SB+fencembonceonces.litmus'));
  assert.equal(text.code, 0, text.err);
  assert.match(text.out, /^Model Linux kernel memory model \(LKMM\)$/m);
});

test('a C11 test stays under RC11, with or without --model c11', () => {
  const auto = json(C11('mp+rel+acq.litmus'));
  assert.equal(auto.model, 'c11');
  assert.equal(auto.outcome, 'never');
  assert.deepEqual(timeless(json('--model', 'c11', C11('mp+rel+acq.litmus'))), timeless(auto));
  assert.match(run('litmus', '--model=c11', C11('mp+rel+acq.litmus')).out, /^Model C11\/Rust memory model \(RC11\)$/m);
});

test('each file of a mixed run gets its own model', () => {
  const a = json(C11('sb+rlx.litmus'), KERNEL('SB+poonceonces.litmus'));
  assert.deepEqual(a.map((o: { model: string }) => o.model), ['c11', 'lkmm']);
  assert.deepEqual(a.map((o: { outcome: string }) => o.outcome), ['sometimes', 'sometimes']);
});

test('--model c11 runs a kernel test of marked accesses under RC11 (READ_ONCE as a relaxed atomic)', () => {
  // Both models allow message passing without ordering.
  const o = json('--model', 'c11', KERNEL('MP+poonceonces.litmus'));
  assert.equal(o.model, 'c11');
  assert.equal(o.outcome, 'sometimes');
});

test('a bad --model value and a kernel parse error exit 2 with a message', () => {
  const bad = run('litmus', '--model', 'tso', KERNEL('SB+poonceonces.litmus'));
  assert.equal(bad.code, 2);
  assert.match(bad.err, /--model must be auto, c11 or lkmm, got 'tso'/);
  const dir = mkdtempSync(path.join(tmpdir(), 'rr-klitmus-'));
  const file = path.join(dir, 'srcu.litmus');
  writeFileSync(file, 'C S\n{}\nP0(int *x, struct srcu_struct *s)\n{\n  WRITE_ONCE(*x, 1);\n}\n');
  const r = run('litmus', file);
  assert.equal(r.code, 2);
  assert.equal(r.out, '');
  assert.ok(r.err.includes(`${file}:3:12: structures are not supported`), r.err);
});

test('usage names the models', () => {
  const h = run('litmus', '--help');
  assert.equal(h.code, 0);
  assert.match(h.out, /--model auto\|c11\|lkmm/);
  assert.match(run('--help').out, /litmus <file\.litmus>\.\.\. \[--model auto\|c11\|lkmm\]/);
});

test('text output names pointer values by their locations and reports what a filter removed', () => {
  const mp = run('litmus', KERNEL('MP+onceassign+derefonce.litmus'));
  assert.equal(mp.code, 0, mp.err);
  assert.match(mp.out, /^Condition exists \(1:r0=x \/\\ 1:r1=0\)$/m);
  assert.match(mp.out, /^ {2}1:r0=z; 1:r1=0$/m);
  assert.match(mp.out, /^Outcome: never \(0 of 2 executions/m);
  const rm = run('litmus', 'test/fixtures/litmus-lkmm/Documentation/litmus-tests/locking/RM-broken.litmus');
  assert.equal(rm.code, 0, rm.err);
  assert.match(rm.out, /^Filter \(1:r0=0 \/\\ 1:r1=1\): [1-9]\d* executions? filtered out$/m);
  assert.match(rm.out, /^Positive: 0 Negative: 0$/m);
});

test('a test the forced model cannot run exits 2 naming the file and what does not fit', () => {
  const sc = run('litmus', '--model', 'lkmm', C11('sb+sc.litmus'));
  assert.equal(sc.code, 2);
  assert.equal(sc.out, '');
  assert.match(sc.err, /^test\/fixtures\/litmus\/sb\+sc\.litmus: .*sc.*Linux kernel memory model/);
  const mb = run('litmus', '--model', 'c11', KERNEL('SB+fencembonceonces.litmus'));
  assert.equal(mb.code, 2);
  assert.match(mb.err, /SB\+fencembonceonces\.litmus: .*\bmb\b.*Linux kernel memory model/);
});
