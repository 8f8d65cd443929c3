// Which memory model a review uses, and what the LKMM verdicts on kernel code say. `auto` checks
// code that uses the kernel crate (or lies in a tree with rust/kernel/) under LKMM, other Rust
// under RC11; every verdict names its model, kernel fixes stay in the kernel's vocabulary, and an
// LKMM verdict says how C11 judges the same protocol.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, writeFileSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { reviewText } from '../../server/src/review';
import { initRustParser } from '../../server/src/rust/parser';
import { explore } from '../../server/src/memory/explore';
import { printLitmus } from '../../server/src/litmus/print';
import { readLitmus, dialectModel } from '../../server/src/litmus/parse';
import { ScenarioCache } from '../../server/src/protocol/fixes';

const root = path.resolve(__dirname, '../../..');
const fixture = (name: string): string => path.join(root, 'test/fixtures/rust', name);
const read = (name: string): string => readFileSync(fixture(name), 'utf8');
const review = (name: string, opts: Parameters<typeof reviewText>[2] = {}) => reviewText(fixture(name), read(name), { cache: new ScenarioCache(), ...opts });

before(async () => { await initRustParser(); });

test('auto: kernel Rust (v6.18 Refcount form) is checked under LKMM, and the verdict says so and compares with C11', async () => {
  const rv = await review('blockmq_v618_marker_import.rs');
  assert.equal(rv.model, 'lkmm');
  assert.match(rv.modelWhy ?? '', /kernel/);
  const f = rv.findings.find(x => x.rule === 'takeover-needs-acquire');
  assert.ok(f, 'the Relaxed takeover is still a race under LKMM');
  // The headline names the call and the ordering; the model and its contrast with C11 are explained.
  assert.match(f.message, /^`cmpxchg` should be `Acquire`/);
  assert.match(f.explanation?.model ?? '', /Checked under the Linux kernel memory model \(LKMM\)/);
  // The owner's write is ordered by the control dependency, its read is not; C11 sees both.
  assert.match(f.explanation?.model ?? '', /orders the stores on the path that follows it .*but not its loads/);
  assert.match(f.explanation?.model ?? '', /C11 reports the write as racing too/);
  const racing = f.trace?.race?.labels.join(' | ') ?? '';
  assert.match(racing, /read the object/, `the counterexample's race is the owner's read: ${racing}`);
  assert.ok(f.fix, 'a verified fix is offered');
  for (const e of f.fix.edits) assert.doesNotMatch(e.newText, /AcqRel|SeqCst|std::sync/, 'kernel fixes use the kernel vocabulary');
});

test('auto: the v6.11 AtomicU64 form (core atomics in a kernel file) is kernel code too', async () => {
  const rv = await review('blockmq_atomic_helpers.rs');
  assert.equal(rv.model, 'lkmm');
  const rules = rv.findings.map(f => f.rule).sort();
  assert.deepEqual(rules, ['dec-needs-release', 'takeover-needs-acquire']);
  for (const f of rv.findings) assert.match(f.explanation?.model ?? '', /LKMM/);
});

test('the model setting overrides auto: c11 on kernel code, lkmm on std code', async () => {
  const c11 = await review('blockmq_v618_marker_import.rs', { model: 'c11' });
  assert.equal(c11.model, 'rc11');
  const f = c11.findings.find(x => x.rule === 'takeover-needs-acquire');
  assert.ok(f);
  assert.match(f.explanation?.model ?? '', /Checked under the C11\/Rust memory model \(RC11\)/);
  assert.doesNotMatch(JSON.stringify(f.explanation), /LKMM/);
  const std = await review('arc_drop_no_acquire.rs');
  assert.equal(std.model, 'rc11', 'ordinary Rust stays under C11');
  assert.match(std.modelWhy ?? '', /ordinary Rust/);
});

test('an ordering LKMM cannot express falls back to C11 for that counter, with a note', async () => {
  // AcqRel has no LKMM counterpart.
  const rv = await review('arc_drop_acqrel.rs', { model: 'lkmm' });
  assert.ok(rv.problems.some(p => /instead of LKMM: AcqRel has no counterpart/.test(p.message)), JSON.stringify(rv.problems));
  assert.deepEqual(rv.findings.filter(f => f.severity === 'warning'), [], 'the fallback verdict is the C11 one: clean');
});

test('a kernel Atomic last drop with Release only: LKMM wants Full (no AcqRel), and the kernel refcount contract is clean', async () => {
  const rv = await review('kernel_atomic_last_drop_release.rs');
  assert.equal(rv.model, 'lkmm');
  const f = rv.findings.find(x => x.rule === 'last-dec-needs-acquire');
  assert.ok(f);
  assert.match(f.message, /should be `Full`/);
  assert.equal(f.fix?.title, 'Use `Full`');
  assert.equal(f.fix?.edits.map(e => e.newText).join(' ').match(/\bFull\b/)?.[0], 'Full');
  // refcount_dec_and_test (Release + acquire after the control dependency) needs nothing more.
  const clean = await review('kernel_refcount_clean.rs');
  assert.equal(clean.model, 'lkmm');
  assert.deepEqual(clean.findings, []);
});

test('the simulator gets LKMM scenarios: the program re-explored under LKMM races, and exports as a kernel litmus test that reads back the same', async () => {
  const rv = await review('kernel_cmpxchg_relaxed.rs');
  const f = rv.findings.find(x => x.rule === 'takeover-needs-acquire')!;
  const view = rv.scenarios.find(s => s.id === f.scenario)!;
  assert.equal(view.model, 'lkmm');
  const again = explore(view.program, { model: view.model });
  assert.ok(again.races.length > 0);
  assert.equal(again.model, 'lkmm');
  const text = printLitmus(view.program, { dialect: 'kernel' });
  const back = readLitmus(text, 'export.litmus');
  assert.equal(dialectModel(back.dialect), 'lkmm');
  const rerun = explore(back.program, { model: 'lkmm' });
  assert.equal(rerun.executions, again.executions, text);
  assert.equal(rerun.races.length > 0, true);
});

test('check --model: auto picks LKMM inside a kernel tree even for std atomics; c11 and lkmm are accepted', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'rr-kernel-tree-'));
  mkdirSync(path.join(dir, 'rust', 'kernel'), { recursive: true });
  mkdirSync(path.join(dir, 'drivers', 'block'), { recursive: true });
  const file = path.join(dir, 'drivers', 'block', 'arc.rs');
  copyFileSync(fixture('arc_drop_no_acquire.rs'), file);
  const run = (...args: string[]) => spawnSync(process.execPath, [path.join(root, 'bin/refcount-review.js'), 'check', file, '--format', 'json', ...args], { encoding: 'utf8' });
  const msgs = (r: ReturnType<typeof run>) => (JSON.parse(r.stdout) as { findings: { explanation?: { model?: string }; severity: string }[] }).findings.filter(f => f.severity === 'warning').map(f => f.explanation?.model ?? '');
  const auto = run();
  assert.equal(auto.status, 1, auto.stderr);
  assert.ok(msgs(auto).length > 0 && msgs(auto).every(m => /LKMM/.test(m)), msgs(auto).join('\n'));
  const c11 = run('--model', 'c11');
  assert.ok(msgs(c11).every(m => /RC11/.test(m) && !/LKMM/.test(m)));
  // Outside a kernel tree, the same file is ordinary Rust.
  const plain = path.join(mkdtempSync(path.join(tmpdir(), 'rr-plain-')), 'arc.rs');
  writeFileSync(plain, read('arc_drop_no_acquire.rs'));
  const r = spawnSync(process.execPath, [path.join(root, 'bin/refcount-review.js'), 'check', plain, '--format', 'json'], { encoding: 'utf8' });
  assert.ok(msgs(r).every(m => /RC11/.test(m)));
});
