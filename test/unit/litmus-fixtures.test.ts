// Every litmus fixture carries its hand-checked RC11 expectation in a header comment
// `(* expect: outcome=never races=0 executions=3 *)`; this runs each through the engine and
// compares. The expectations were derived from the RC11 axioms by hand, not from the engine.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseLitmus } from '../../server/src/litmus/parse';
import { explore } from '../../server/src/memory/explore';

const DIR = path.resolve(__dirname, '../../../test/fixtures/litmus');
const files = readdirSync(DIR).filter(f => f.endsWith('.litmus')).sort();

interface Expectation { outcome: string; races: { exact?: number; positive?: true }; executions?: number }

function readExpectation(file: string, src: string): Expectation {
  const m = /\(\*\s*expect:([^*]*)\*\)/.exec(src);
  assert.ok(m, `${file}: missing '(* expect: ... *)' header`);
  const fields = new Map<string, string>();
  for (const part of m[1].trim().split(/\s+/)) {
    const kv = /^(outcome|races|executions)(=|>)(.+)$/.exec(part);
    assert.ok(kv, `${file}: malformed expectation field '${part}'`);
    fields.set(kv[1], kv[2] + kv[3]);
  }
  const outcome = fields.get('outcome');
  assert.ok(outcome && /^=(never|sometimes|always)$/.test(outcome), `${file}: outcome must be never|sometimes|always`);
  const races = fields.get('races');
  assert.ok(races === '>0' || /^=\d+$/.test(races ?? ''), `${file}: races must be =N or >0`);
  const ex = fields.get('executions');
  return {
    outcome: outcome.slice(1),
    races: races === '>0' ? { positive: true } : { exact: Number(races!.slice(1)) },
    executions: ex ? Number(ex.slice(1)) : undefined,
  };
}

test('the fixture set covers the required shapes', () => {
  assert.ok(files.length >= 34, `only ${files.length} fixtures`);
  for (const shape of ['mp+', 'sb+', 'lb+', 'iriw+', '2+2w+', 'r+', 's+', 'wrc+', 'isa2+', 'corr', 'corw', 'cowr', 'coww', 'rmw+', 'release-seq+', 'race+', 'refcount-takeover+', 'arc-drop+']) {
    assert.ok(files.some(f => f.startsWith(shape)), `no fixture for ${shape}`);
  }
});

for (const file of files) {
  test(`fixture ${file}`, () => {
    const src = readFileSync(path.join(DIR, file), 'utf8');
    const want = readExpectation(file, src);
    const program = parseLitmus(src, file);
    const res = explore(program, { maxMillis: 30_000 });
    assert.equal(res.bounded, undefined, `${file}: exploration was bounded: ${res.bounded?.message}`);
    assert.ok(res.condition, `${file}: no condition result`);
    assert.equal(res.condition.outcome, want.outcome, `${file}: outcome`);
    if (want.races.exact !== undefined) assert.equal(res.races.length, want.races.exact, `${file}: distinct races`);
    else assert.ok(res.races.length > 0, `${file}: expected a race`);
    if (want.executions !== undefined) assert.equal(res.executions, want.executions, `${file}: executions`);
    // A race is reported with a trace that contains both racing steps.
    for (const r of res.races) {
      assert.ok(r.trace.steps[r.race.a] && r.trace.steps[r.race.b], `${file}: race trace lacks its steps`);
      assert.equal(r.trace.steps[r.race.a].loc, r.race.loc);
    }
  });
}
