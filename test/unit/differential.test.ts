// Differential test: the explorer (server/src/memory/explore.ts) against the brute-force axiomatic
// oracle (test/unit/oracle/axiomatic.ts) on thousands of generated small programs, a third of them
// with branches, assume and bounded loops. For every program both must find the same set of
// RC11-consistent executions (as canonical graphs), the same races in each, the same number of
// executions satisfying the litmus condition, and the explorer must count every execution once.
//
// On a mismatch the test prints the smallest failing programs (pseudo-code and JSON) with the
// executions only one side found, so the failure can be replayed and debugged from the log alone.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { explore, type ExecutionGraph } from '../../server/src/memory/explore';
import type { Program } from '../../server/src/memory/ir';
import { enumerateExecutions, evalCond } from './oracle/axiomatic';
import { canonicalGraph, canonicalRaces } from './oracle/canonical';
import { DIFFERENTIAL_SEEDS, flatInstrs, generateProgram } from './oracle/generate';
import { showProgram } from './oracle/show';

const FIRST_SEED = DIFFERENTIAL_SEEDS.first;
const LAST_SEED = DIFFERENTIAL_SEEDS.last;
/** How many failing programs to print in full. */
const SHOWN = 3;
/** How many executions of each side of a symmetric difference to print. */
const DIFF_LINES = 6;

interface Mismatch {
  seed: number;
  size: number;
  program: Program;
  problems: string[];
}

const eventCount = (p: Program): number => p.threads.reduce((n, t) => n + flatInstrs(t.body).length, 0);

/** Canonical graph -> canonical races, keeping every duplicate so double counting shows. */
function index(gs: { events: ExecutionGraph['events']; mo: ExecutionGraph['mo']; races: ExecutionGraph['races'] }[]): Map<string, string[]> {
  const m = new Map<string, string[]>();
  for (const g of gs) {
    const k = canonicalGraph(g);
    m.set(k, [...(m.get(k) ?? []), canonicalRaces(g)]);
  }
  return m;
}

/** Compares one program; returns the problems found (empty when explorer and oracle agree). */
function compare(p: Program): string[] {
  const oracle = enumerateExecutions(p);
  const want = index(oracle);
  const seen: ExecutionGraph[] = [];
  let result;
  try {
    // A budget far above what these programs need: hitting it is itself reported as a problem.
    result = explore(p, { onExecution: g => seen.push(g), maxExplored: 1_000_000, maxMillis: 30_000 });
  } catch (e) {
    return [`explore threw: ${((e as Error).stack ?? String(e)).split('\n').slice(0, 3).join('\n      ')}`];
  }
  const got = index(seen);
  const problems: string[] = [];
  if (result.bounded) problems.push(`explore was bounded: ${result.bounded.message}`);
  if (result.executions !== seen.length) problems.push(`ExploreResult.executions = ${result.executions} but onExecution was called ${seen.length} times`);
  const dups = [...got].filter(([, races]) => races.length > 1);
  if (dups.length > 0) problems.push(`${dups.length} execution(s) reported more than once, e.g.\n      ${dups[0][0]} (x${dups[0][1].length})`);

  const onlyExplorer = [...got.keys()].filter(k => !want.has(k));
  const onlyOracle = [...want.keys()].filter(k => !got.has(k));
  const show = (ks: string[]): string => ks.slice(0, DIFF_LINES).map(k => `\n      ${k}`).join('') + (ks.length > DIFF_LINES ? `\n      ... ${ks.length - DIFF_LINES} more` : '');
  if (onlyExplorer.length > 0) problems.push(`${onlyExplorer.length} execution(s) found by the explorer but not consistent per the oracle:${show(onlyExplorer)}`);
  if (onlyOracle.length > 0) problems.push(`${onlyOracle.length} consistent execution(s) missed by the explorer:${show(onlyOracle)}`);

  for (const [k, races] of got) {
    const expected = want.get(k);
    if (expected && races[0] !== expected[0]) problems.push(`races differ in ${k}\n      explorer: ${races[0]}\n      oracle:   ${expected[0]}`);
  }
  // The litmus condition: how many executions satisfy it, and the verdict that follows.
  if (p.condition) {
    const witnesses = oracle.filter(g => evalCond(p.condition!.cond, g.registers ?? [], g.final ?? {})).length;
    const outcome = witnesses === 0 ? 'never' : witnesses === oracle.length ? 'always' : 'sometimes';
    const got = result.condition;
    if (!got || got.witnesses !== witnesses || got.outcome !== outcome) {
      problems.push(`condition: explorer ${got ? `${got.outcome} (${got.witnesses} witnesses)` : 'none'}, oracle ${outcome} (${witnesses} of ${oracle.length})`);
    }
  }
  // The explorer promises sorted race pairs; check the list as given, not only after canonicalizing.
  for (const g of seen) {
    const flat = JSON.stringify(g.races);
    const sorted = JSON.stringify(g.races.map(([a, b]) => (a <= b ? [a, b] : [b, a])).sort((x, y) => (x[0] === y[0] ? (x[1] < y[1] ? -1 : 1) : x[0] < y[0] ? -1 : 1)));
    if (flat !== sorted) {
      problems.push(`race pairs not sorted: ${flat}`);
      break;
    }
  }
  return problems;
}

test(`explorer and axiomatic oracle agree on generated programs (seeds ${FIRST_SEED}..${LAST_SEED})`, () => {
  const mismatches: Mismatch[] = [];
  const started = Date.now();
  for (let seed = FIRST_SEED; seed <= LAST_SEED; seed++) {
    const program = generateProgram(seed);
    const problems = compare(program);
    if (problems.length > 0) mismatches.push({ seed, size: eventCount(program), program, problems });
  }
  const elapsed = Date.now() - started;
  if (mismatches.length === 0) {
    console.log(`differential: ${LAST_SEED - FIRST_SEED + 1} programs agree (${elapsed} ms)`);
    return;
  }
  // Smallest reproducers first: fewest events, then lowest seed.
  mismatches.sort((a, b) => a.size - b.size || a.seed - b.seed);
  const report = mismatches.slice(0, SHOWN).map(m => [
    `seed ${m.seed} (${m.size} events):`,
    showProgram(m.program),
    ...m.problems.map(s => `  - ${s}`),
    `  program JSON: ${JSON.stringify(m.program)}`,
  ].join('\n'));
  assert.fail(
    `${mismatches.length} of ${LAST_SEED - FIRST_SEED + 1} programs disagree; failing seeds (smallest first): ` +
    `${mismatches.map(m => m.seed).join(', ')}\n\n${report.join('\n\n')}`,
  );
});
