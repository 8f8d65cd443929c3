// Differential test on the programs the product really explores: every scenario program (and
// every variant the fix search tries) that reviewing the Rust fixtures under test/fixtures/rust/
// hands to the engine is also run through the axiomatic oracle of the model it was explored
// under (RC11 for std atomics, LKMM for kernel code). Both must find the same executions
// (canonical graphs with their races). Programs too big for the brute-force oracles are skipped,
// but most must be compared.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { reviewText } from '../../server/src/review';
import { ScenarioCache } from '../../server/src/protocol/fixes';
import type { Budget, ExploreResult } from '../../server/src/memory/result';
import type { ModelName, Program } from '../../server/src/memory/ir';
import { enumerateLkmm } from './oracle-lkmm/lkmm';
import { explore, type ExecutionGraph } from '../../server/src/memory/explore';
import { enumerateExecutions } from './oracle/axiomatic';
import { canonicalExecution } from './oracle/canonical';
import { showProgram } from './oracle/show';

const FIXTURES = path.join(__dirname, '..', '..', '..', 'test', 'fixtures', 'rust');

/** A cache that remembers every program the review explores. */
class Recording extends ScenarioCache {
  readonly programs = new Map<string, { program: Program; model: ModelName }>();
  override run(p: Program, budget: Budget, key = JSON.stringify(p)): ExploreResult {
    const model = budget.model ?? 'rc11';
    this.programs.set(`${model} ${JSON.stringify(p)}`, { program: p, model });
    return super.run(p, budget, key);
  }
}

test('engine and oracles agree on every scenario program of the Rust fixtures', async () => {
  const cache = new Recording();
  for (const f of readdirSync(FIXTURES).filter(n => n.endsWith('.rs')).sort()) {
    await reviewText(f, readFileSync(path.join(FIXTURES, f), 'utf8'), { cache });
  }
  const programs = [...cache.programs.values()];
  assert.ok(programs.length >= 20, `${programs.length} scenario programs`);
  let compared = 0;
  const problems: string[] = [];
  const perModel: Record<ModelName, number> = { rc11: 0, lkmm: 0 };
  for (const { program: p, model } of programs) {
    let oracle;
    try {
      oracle = model === 'lkmm' ? enumerateLkmm(p) : enumerateExecutions(p);
    } catch (e) {
      if (/at most \d+|more than \d+ values/.test((e as Error).message)) continue; // too big for brute force
      throw e;
    }
    compared++;
    perModel[model]++;
    const seen: ExecutionGraph[] = [];
    explore(p, { model, onExecution: g => seen.push(g) });
    const want = oracle.map(canonicalExecution).sort();
    const got = seen.map(canonicalExecution).sort();
    if (JSON.stringify(want) !== JSON.stringify(got)) {
      const only = (a: string[], b: string[]): string[] => a.filter(x => !b.includes(x)).slice(0, 3);
      problems.push(`${model}: ${showProgram(p)}\n  explorer only: ${only(got, want).join('\n    ')}\n  oracle only: ${only(want, got).join('\n    ')}`);
    }
  }
  console.log(`differential-scenarios: ${compared} of ${programs.length} scenario programs compared (${perModel.rc11} rc11, ${perModel.lkmm} lkmm)`);
  assert.deepEqual(problems, []);
  assert.ok(compared >= programs.length * 0.6, `only ${compared} of ${programs.length} programs were small enough to compare`);
});
