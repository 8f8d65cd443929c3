// Differential test for the Linux kernel memory model: the engine's LKMM exploration
// (explore(program, { model: 'lkmm' })) against the independent axiomatic oracle
// (test/unit/oracle-lkmm/lkmm.ts) on a thousand generated kernel programs. For every program both
// must find the same set of consistent executions (canonical graphs), the same races in each, and
// the same number of executions satisfying the litmus condition; the engine must report each
// execution once.
//
// On a mismatch the smallest failing programs are printed (pseudo-code and JSON) with the
// executions only one side found, so a failure can be replayed from the log alone.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { explore, type ExecutionGraph } from '../../server/src/memory/explore';
import type { Program } from '../../server/src/memory/ir';
import { canonicalGraph, canonicalRaces } from './oracle/canonical';
import { flatInstrs } from './oracle/generate';
import { showProgram } from './oracle/show';
import { enumerateLkmm, evalCondition } from './oracle-lkmm/lkmm';
import { generateKernelProgram, LKMM_DIFFERENTIAL_SEEDS } from './oracle-lkmm/generate';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { readLitmus } from '../../server/src/litmus/parse';

const SHOWN = 3;
const DIFF_LINES = 6;

interface Mismatch { seed: number; size: number; program: Program; problems: string[] }

function index(gs: ExecutionGraph[]): Map<string, string[]> {
  const m = new Map<string, string[]>();
  for (const g of gs) {
    const k = canonicalGraph(g);
    m.set(k, [...(m.get(k) ?? []), canonicalRaces(g)]);
  }
  return m;
}

export function compareLkmm(p: Program): string[] {
  const oracle = enumerateLkmm(p);
  const want = index(oracle);
  const seen: ExecutionGraph[] = [];
  let result;
  try {
    result = explore(p, { model: 'lkmm', onExecution: g => seen.push(g), maxExplored: 2_000_000, maxMillis: 60_000 });
  } catch (e) {
    return [`explore threw: ${((e as Error).stack ?? String(e)).split('\n').slice(0, 3).join('\n      ')}`];
  }
  const got = index(seen);
  const problems: string[] = [];
  if (result.bounded) problems.push(`explore was bounded: ${result.bounded.message}`);
  if (result.executions !== seen.length) problems.push(`ExploreResult.executions = ${result.executions} but onExecution was called ${seen.length} times`);
  const dups = [...got].filter(([, races]) => races.length > 1);
  if (dups.length > 0) problems.push(`${dups.length} execution(s) reported more than once, e.g.\n      ${dups[0][0]} (x${dups[0][1].length})`);
  const show = (ks: string[]): string => ks.slice(0, DIFF_LINES).map(k => `\n      ${k}`).join('') + (ks.length > DIFF_LINES ? `\n      ... ${ks.length - DIFF_LINES} more` : '');
  const onlyEngine = [...got.keys()].filter(k => !want.has(k));
  const onlyOracle = [...want.keys()].filter(k => !got.has(k));
  if (onlyEngine.length > 0) problems.push(`${onlyEngine.length} execution(s) found by the engine but not consistent per the oracle:${show(onlyEngine)}`);
  if (onlyOracle.length > 0) problems.push(`${onlyOracle.length} consistent execution(s) missed by the engine:${show(onlyOracle)}`);
  for (const [k, races] of got) {
    const expected = want.get(k);
    if (expected && races[0] !== expected[0]) problems.push(`races differ in ${k}\n      engine: ${races[0]}\n      oracle: ${expected[0]}`);
  }
  if (p.condition) {
    const witnesses = oracle.filter(g => evalCondition(p.condition!.cond, g.registers ?? [], g.final ?? {})).length;
    const outcome = witnesses === 0 ? 'never' : witnesses === oracle.length ? 'always' : 'sometimes';
    const c = result.condition;
    if (!c || c.witnesses !== witnesses || c.outcome !== outcome) {
      problems.push(`condition: engine ${c ? `${c.outcome} (${c.witnesses} witnesses)` : 'none'}, oracle ${outcome} (${witnesses} of ${oracle.length})`);
    }
  }
  return problems;
}

test(`LKMM engine and axiomatic oracle agree on generated kernel programs (seeds ${LKMM_DIFFERENTIAL_SEEDS.first}..${LKMM_DIFFERENTIAL_SEEDS.last})`, () => {
  const mismatches: Mismatch[] = [];
  const started = Date.now();
  let executions = 0;
  for (let seed = LKMM_DIFFERENTIAL_SEEDS.first; seed <= LKMM_DIFFERENTIAL_SEEDS.last; seed++) {
    const program = generateKernelProgram(seed);
    const problems = compareLkmm(program);
    if (problems.length > 0) mismatches.push({ seed, size: program.threads.reduce((n, t) => n + flatInstrs(t.body).length, 0), program, problems });
    executions++;
  }
  const n = LKMM_DIFFERENTIAL_SEEDS.last - LKMM_DIFFERENTIAL_SEEDS.first + 1;
  if (mismatches.length === 0) {
    console.log(`differential-lkmm: ${n} programs agree (${Date.now() - started} ms)`);
    return;
  }
  mismatches.sort((a, b) => a.size - b.size || a.seed - b.seed);
  const report = mismatches.slice(0, SHOWN).map(m => [
    `seed ${m.seed} (${m.size} instructions):`,
    showProgram(m.program),
    ...m.problems.map(s => `  - ${s}`),
    `  program JSON: ${JSON.stringify(m.program)}`,
  ].join('\n'));
  assert.fail(`${mismatches.length} of ${n} kernel programs disagree; failing seeds (smallest first): ${mismatches.map(m => m.seed).join(', ')}\n\n${report.join('\n\n')}`);
});

test('LKMM engine: a plain write racing with both halves of an RMW is one racing pair', () => {
  // P0: plain z = 2;  P1: r0 = xchg_relaxed(z, 2). The RMW's read and write both race with the
  // plain write, but the instruction pair is one race: listed once per execution.
  const p: Program = {
    name: 'rmw-race-once',
    locations: [{ name: 'z', init: 0, atomic: true }],
    threads: [
      { name: 'P0', body: [{ k: 'store', loc: 'z', val: { k: 'const', v: 2 }, mo: 'na' }] },
      { name: 'P1', body: [{ k: 'rmw', loc: 'z', op: 'xchg', val: { k: 'const', v: 2 }, mo: 'rlx', reg: 'r0' }] },
    ],
  };
  const seen: ExecutionGraph[] = [];
  const result = explore(p, { model: 'lkmm', onExecution: g => seen.push(g) });
  assert.equal(seen.length, 2);
  for (const g of seen) assert.deepEqual(g.races, [['0:0', '1:0']]);
  // The race is reported once, witnessed by both executions (not counted twice in each).
  assert.equal(result.races.length, 1);
  assert.equal(result.races[0].executions, 2);
  assert.equal(compareLkmm(p).length, 0, compareLkmm(p).join('\n'));
});

test('LKMM engine: a read may see a value that only a control-dependent write of its own thread enables', () => {
  // P0: r0 = READ_ONCE(z); assume(r0 != 0); WRITE_ONCE(x, 1)
  // P1: r1 = READ_ONCE(x); z = r1 + 1 (plain)
  // r0 = 2 needs P1 to read x = 1 from P0's store, which exists only because P0 read z != 0. Nothing
  // orders the plain store, so LKMM allows it (a data race): two executions, r0 = 1 and r0 = 2.
  const load = (loc: string, reg: string): Program['threads'][number]['body'][number] => ({ k: 'load', loc, reg, mo: 'rlx' });
  const p: Program = {
    name: 'ctrl-enabled-value',
    locations: [{ name: 'x', init: 0, atomic: true }, { name: 'z', init: 0, atomic: true }],
    threads: [
      { name: 'P0', body: [load('z', 'r0'), { k: 'assume', cond: { k: 'bin', op: '!=', a: { k: 'reg', r: 'r0' }, b: { k: 'const', v: 0 } } }, { k: 'store', loc: 'x', val: { k: 'const', v: 1 }, mo: 'rlx' }] },
      { name: 'P1', body: [load('x', 'r1'), { k: 'store', loc: 'z', val: { k: 'bin', op: '+', a: { k: 'reg', r: 'r1' }, b: { k: 'const', v: 1 } }, mo: 'na' }] },
    ],
    condition: { quantifier: 'exists', cond: { k: 'eqReg', thread: 0, reg: 'r0', v: 2 } },
  };
  const oracle = enumerateLkmm(p);
  assert.deepEqual(oracle.map(g => g.registers![0].r0).sort(), [1, 2]);
  const result = explore(p, { model: 'lkmm' });
  assert.equal(result.executions, 2);
  assert.equal(result.condition?.outcome, 'sometimes');
});

test('LKMM engine and oracle agree execution by execution on the kernel litmus fixtures', () => {
  const dir = path.resolve(__dirname, '../../../test/fixtures/litmus-lkmm');
  const walk = (d: string): string[] => readdirSync(d, { withFileTypes: true }).flatMap(e => (e.isDirectory() ? walk(path.join(d, e.name)) : [path.join(d, e.name)]));
  const files = walk(dir).filter(f => f.endsWith('.litmus')).sort();
  assert.ok(files.length >= 40);
  const problems: string[] = [];
  for (const f of files) {
    const src = readFileSync(f, 'utf8');
    if (!/^\s*\*\s*Result:/m.test(src)) continue;
    const found = compareLkmm(readLitmus(src, f).program);
    if (found.length > 0) problems.push(`${path.relative(dir, f)}:\n  - ${found.join('\n  - ')}`);
  }
  assert.deepEqual(problems, []);
});
