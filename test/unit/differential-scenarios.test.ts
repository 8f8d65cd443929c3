// Differential test on the programs the product really explores: every scenario program (and
// every variant the fix search tries) that reviewing the Rust fixtures under test/fixtures/rust/
// hands to the engine is also run through the axiomatic RC11 oracle. Both must find the same
// executions (canonical graphs with their races) and the same condition verdicts. Programs too
// big for the brute-force oracle are skipped, but most must be compared.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { reviewText } from '../../server/src/review';
import { ScenarioCache } from '../../server/src/protocol/fixes';
import type { Budget, ExploreResult } from '../../server/src/memory/result';
import type { Program } from '../../server/src/memory/ir';
import { explore, type ExecutionGraph } from '../../server/src/memory/explore';
import { enumerateExecutions } from './oracle/axiomatic';
import { canonicalExecution } from './oracle/canonical';
import { showProgram } from './oracle/show';

const FIXTURES = path.join(__dirname, '..', '..', '..', 'test', 'fixtures', 'rust');

/** A cache that remembers every program the review explores. */
class Recording extends ScenarioCache {
  readonly programs = new Map<string, Program>();
  override run(p: Program, budget: Budget, key = JSON.stringify(p)): ExploreResult {
    this.programs.set(JSON.stringify(p), p);
    return super.run(p, budget, key);
  }
}

test('explorer and RC11 oracle agree on every scenario program of the Rust fixtures', async () => {
  const cache = new Recording();
  for (const f of readdirSync(FIXTURES).filter(n => n.endsWith('.rs')).sort()) {
    await reviewText(f, readFileSync(path.join(FIXTURES, f), 'utf8'), { cache });
  }
  const programs = [...cache.programs.values()];
  assert.ok(programs.length >= 20, `${programs.length} scenario programs`);
  let compared = 0;
  const problems: string[] = [];
  for (const p of programs) {
    let oracle;
    try {
      oracle = enumerateExecutions(p);
    } catch (e) {
      if (/at most \d+|more than \d+ values/.test((e as Error).message)) continue; // too big for brute force
      throw e;
    }
    compared++;
    const seen: ExecutionGraph[] = [];
    explore(p, { onExecution: g => seen.push(g) });
    const want = oracle.map(canonicalExecution).sort();
    const got = seen.map(canonicalExecution).sort();
    if (JSON.stringify(want) !== JSON.stringify(got)) {
      const only = (a: string[], b: string[]): string[] => a.filter(x => !b.includes(x)).slice(0, 3);
      problems.push(`${showProgram(p)}\n  explorer only: ${only(got, want).join('\n    ')}\n  oracle only: ${only(want, got).join('\n    ')}`);
    }
  }
  console.log(`differential-scenarios: ${compared} of ${programs.length} scenario programs compared`);
  assert.deepEqual(problems, []);
  assert.ok(compared >= programs.length * 0.6, `only ${compared} of ${programs.length} programs were small enough to compare`);
});
