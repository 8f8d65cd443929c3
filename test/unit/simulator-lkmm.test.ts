// The simulator on kernel code. Its ordering toggles: a scenario explored under LKMM may only offer
// orderings the kernel model has (no AcqRel, no SeqCst load or store, Relaxed only on a void
// kernel atomic, nothing on a spinlock or a named barrier). Each option offered is applied and
// compiled under LKMM, as the panel does when the reviewer picks it: an option the engine refuses
// would leave the panel with an error instead of a verdict. Its replay: kernel barriers are named
// as written (smp_wmb is no full fence), in the steps, the graph and the race's explanation.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { reviewText } from '../../server/src/review';
import { inKernelTree } from '../../server/src/kernelTree';
import { readLitmus } from '../../server/src/litmus/parse';
import { explore } from '../../server/src/memory/explore';
import { compile } from '../../server/src/memory/program';
import type { Program } from '../../server/src/memory/ir';
import type { ScenarioView } from '../../server/src/protocol/finding';
import { applyChoices, togglesOf, type SiteInfo } from '../../client/webview/toggles';
import { modeName, modeTitle } from '../../client/webview/orderings';
import { counterexamples, traceView, verdict } from '../../client/webview/model';
import { executionGraph } from '../../client/webview/graph';
import { parseTrace } from '../../client/webview/messages';

const ROOT = path.resolve(__dirname, '../../..');
/** The e2e spec's kernel tree: a driver file beside a `rust/kernel/` directory. */
const KERNEL_FILE = path.join(ROOT, 'test', 'e2e', 'kernel-tree', 'drivers', 'block', 'rsector', 'buffer.rs');
const LITMUS_DIR = path.join(ROOT, 'test', 'fixtures', 'litmus-lkmm');

function siteInfos(sc: ScenarioView): SiteInfo[] {
  return sc.sites.map(s => ({ line: s.range.start.line, text: s.text, role: s.role, which: s.orderingRanges.map(r => r.which) }));
}

/** Every option of every toggle, applied alone, compiles under LKMM. */
function everyOptionCompiles(name: string, program: Program, sites?: SiteInfo[]): number {
  let tried = 0;
  for (const t of togglesOf(program, sites, 'lkmm')) {
    for (const m of t.options) {
      const p = applyChoices(program, { [t.key]: m }, sites, 'lkmm');
      assert.doesNotThrow(() => compile(p, 'lkmm'), `${name}: ${t.label} (${t.which}) as ${m}`);
      tried++;
    }
  }
  return tried;
}

test('kernel Rust: the last drop\'s toggle offers the kernel\'s orderings, Full fixes it, and every option explores', async () => {
  assert.equal(inKernelTree(KERNEL_FILE), true, 'the fixture lies in a kernel tree');
  const review = await reviewText(KERNEL_FILE, readFileSync(KERNEL_FILE, 'utf8'), { inKernelTree: true });
  assert.equal(review.model, 'lkmm');
  const sc = review.scenarios.find(s => (s.races ?? 0) > 0);
  assert.ok(sc, 'a racing scenario');
  assert.equal(sc.model, 'lkmm');
  const sites = siteInfos(sc);
  const toggles = togglesOf(sc.program, sites, sc.model);
  const dec = toggles.find(t => t.site !== undefined && /fetch_sub/.test(t.label));
  assert.ok(dec, toggles.map(t => t.label).join(', '));
  // AcqRel has no LKMM counterpart (and no kernel marker): the fully ordered RMW is Full.
  assert.deepEqual(dec.options.map(m => modeName(m, 'rust', 'lkmm')), ['Relaxed', 'Acquire', 'Release', 'Full']);
  // Their tooltips say what they are in kernel C, not in C11.
  assert.deepEqual(dec.options.map(m => modeTitle(m, 'lkmm').split(':')[0]), ['relaxed', 'acquire', 'release', 'fully ordered']);
  for (const m of dec.options) assert.doesNotMatch(modeTitle(m, 'lkmm'), /memory_order|seq_cst/);
  assert.equal(modeTitle('sc'), 'memory_order_seq_cst');
  // The object's accesses are marked loads and stores: no SeqCst load or store under LKMM.
  for (const t of toggles.filter(x => x.slot === 'load')) assert.deepEqual(t.options, ['rlx', 'acq'], t.label);
  for (const t of toggles.filter(x => x.slot === 'store')) assert.deepEqual(t.options, ['rlx', 'rel'], t.label);
  assert.ok(everyOptionCompiles('buffer.rs', sc.program, sites) > 0);
  // The review's fix, picked in the panel, is race-free; a stale AcqRel (saved before) is ignored.
  assert.match(verdict(explore(applyChoices(sc.program, { [dec.key]: 'sc' }, sites, 'lkmm'), { model: 'lkmm' })), /^no race in \d+ executions?$/);
  const stale = applyChoices(sc.program, { [dec.key]: 'acq_rel' }, sites, 'lkmm');
  assert.doesNotThrow(() => compile(stale, 'lkmm'));
  assert.match(verdict(explore(stale, { model: 'lkmm' })), /^1 race in \d+ executions?$/);
});

function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap(e => (e.isDirectory() ? walk(path.join(dir, e.name)) : [path.join(dir, e.name)]));
}

test('kernel litmus tests: spinlocks, named barriers and void atomics get no toggle; every option offered compiles under LKMM', () => {
  let programs = 0;
  let options = 0;
  for (const file of walk(LITMUS_DIR).filter(f => f.endsWith('.litmus')).sort()) {
    let program: Program;
    try { program = readLitmus(readFileSync(file, 'utf8'), path.basename(file)).program; } catch { continue; /* the fixtures the reader rejects on purpose */ }
    programs++;
    options += everyOptionCompiles(path.relative(LITMUS_DIR, file), program);
  }
  assert.ok(programs >= 40 && options > 100, `${programs} programs, ${options} options`);
  // One by name: spin_lock/spin_unlock and atomic_inc are fixed, READ_ONCE/WRITE_ONCE are not.
  const src = `C lock-and-inc

{}

P0(spinlock_t *s, int *x, atomic_t *n)
{
\tspin_lock(s);
\tWRITE_ONCE(*x, 1);
\tatomic_inc(n);
\tsmp_mb();
\tspin_unlock(s);
}

P1(int *x)
{
\tint r0;

\tr0 = READ_ONCE(*x);
}

exists (1:r0=1)
`;
  const { program } = readLitmus(src, 'lock-and-inc.litmus');
  const t = togglesOf(program, undefined, 'lkmm');
  assert.deepEqual(t.map(x => `${x.slot} ${x.options.join('/')}`), ['store rlx/rel', 'load rlx/acq']);
});

/** Reads a kernel litmus test and returns its first race's counterexample under LKMM. */
function kernelRace(src: string) {
  const { program } = readLitmus(src, 'test.litmus');
  const res = explore(program, { model: 'lkmm' });
  const cx = counterexamples(res).find(c => c.kind === 'race');
  assert.ok(cx?.race, verdict(res));
  return cx;
}

const MP_WMB_RMB = `C MP+wmb+rmb-plain

{}

P0(int *x, int *y)
{
\tWRITE_ONCE(*x, 1);
\tsmp_wmb();
\tWRITE_ONCE(*y, 1);
}

P1(int *x, int *y)
{
\tint r0;
\tint r1;

\tr0 = READ_ONCE(*y);
\tsmp_rmb();
\tr1 = *x;
}

exists (1:r0=1 /\\ 1:r1=0)
`;

test('kernel barriers in a replay are named as written: smp_wmb() and smp_rmb() are no "full" fence', () => {
  const cx = kernelRace(MP_WMB_RMB);
  const fences = cx.trace.steps.filter(s => s.kind === 'F');
  assert.deepEqual(fences.map(s => s.barrier), ['wmb', 'rmb']);
  const rows = traceView(cx.trace, 'litmus', cx.race).rows.filter(r => cx.trace.steps[r.step].kind === 'F');
  assert.deepEqual(rows.map(r => r.detail), ['barrier smp_wmb()', 'barrier smp_rmb()']);
  const events = executionGraph(cx.trace, { race: cx.race }).nodes.map(n => n.event).filter(e => / F /.test(e));
  assert.deepEqual(events.map(e => e.replace(/^\d+: /, '')), ['F wmb', 'F rmb']);
  // The barrier survives the trip to the host and back (graph export), and nothing else is taken for one.
  assert.deepEqual(parseTrace(JSON.parse(JSON.stringify(cx.trace)))?.steps.filter(s => s.kind === 'F').map(s => s.barrier), ['wmb', 'rmb']);
  const bogus = JSON.parse(JSON.stringify(cx.trace));
  bogus.steps.find((s: { kind: string }) => s.kind === 'F').barrier = 'lfence';
  assert.equal(parseTrace(bogus), undefined);
});

test('an smp_rmb() before the flag store is not taken for its release half', () => {
  const cx = kernelRace(`C rmb-is-not-release

{}

P0(int *x, int *y)
{
\t*x = 1;
\tsmp_rmb();
\tWRITE_ONCE(*y, 1);
}

P1(int *x, int *y)
{
\tint r0;
\tint r1;

\tr0 = READ_ONCE(*y);
\tsmp_mb();
\tif (r0 == 1)
\t\tr1 = *x;
}

exists (1:r0=1)
`);
  // The reader's smp_mb() is its acquire half; what is missing is on the writer's side.
  assert.match(traceView(cx.trace, 'litmus', cx.race).race!.explanation, /because P1's relaxed load read P0's store, but it is relaxed, not release$/);
});
