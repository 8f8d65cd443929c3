// Mixed locations (herd's a1-a7 style): one location accessed atomically in one place and plainly
// in another. The reader marks it mixed, the engine keeps each access's own mode, and a pair races
// only when one of its two accesses is plain. The hand-checked outcomes are in the fixtures'
// headers (litmus-fixtures.test.ts runs them); here: the flag, agreement with the axiomatic
// oracle, the printer's round trip, and the engine's checks on the IR.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseLitmus } from '../../server/src/litmus/parse';
import { printLitmus } from '../../server/src/litmus/print';
import { explore, ProgramError, type ExecutionGraph } from '../../server/src/memory/explore';
import { c, type Instr, type Program } from '../../server/src/memory/ir';
import { enumerateExecutions } from './oracle/axiomatic';
import { canonicalExecution } from './oracle/canonical';

const DIR = path.resolve(__dirname, '../../../test/fixtures/litmus');
const files = readdirSync(DIR).filter(f => f.startsWith('mixed+') && f.endsWith('.litmus')).sort();

function straightLine(p: Program): Program {
  const flat = (body: Instr[]): Instr[] => body.flatMap(i => (i.k === 'if' ? flat(i.then) : [i]));
  return { ...p, threads: p.threads.map(t => ({ ...t, body: flat(t.body) })) };
}

test('there are mixed-access fixtures', () => {
  assert.ok(files.length >= 5, files.join(', '));
});

for (const file of files) {
  const program = (): Program => parseLitmus(readFileSync(path.join(DIR, file), 'utf8'), file);

  test(`${file}: x is mixed, the other locations are not`, () => {
    const p = program();
    for (const l of p.locations) {
      assert.equal(!!l.mixed, l.name === 'x', `${l.name}.mixed`);
      if (l.mixed) assert.equal(l.atomic, true);
    }
  });

  test(`${file}: the explorer and the axiomatic oracle find the same executions and races`, () => {
    // As written, and with each branch replaced by its then-part (more accesses, other races).
    for (const p of [program(), straightLine(program())]) {
      const seen: ExecutionGraph[] = [];
      const res = explore(p, { onExecution: g => seen.push(g) });
      const got = seen.map(canonicalExecution).sort();
      const want = enumerateExecutions(p).map(canonicalExecution).sort();
      assert.deepEqual(got, want);
      assert.equal(res.executions, want.length);
    }
  });

  test(`${file}: printed and read back, it stays mixed with the same result`, () => {
    const p = program();
    const again = parseLitmus(printLitmus(p), `${file} (printed)`);
    assert.deepEqual(again.locations.map(l => [l.name, l.atomic, !!l.mixed]), p.locations.map(l => [l.name, l.atomic, !!l.mixed]));
    const a = explore(p), b = explore(again);
    assert.deepEqual([b.executions, b.condition?.outcome, b.races.length, b.states], [a.executions, a.condition?.outcome, a.races.length, a.states]);
  });
}

test('the engine refuses a plain access of an atomic location unless the location is mixed', () => {
  const prog = (mixed: boolean): Program => ({
    name: 'm',
    locations: [{ name: 'x', init: 0, atomic: true, mixed }],
    threads: [
      { name: 'A', body: [{ k: 'store', loc: 'x', val: c(1), mo: 'na' }] },
      { name: 'B', body: [{ k: 'store', loc: 'x', val: c(2), mo: 'rlx' }, { k: 'load', reg: 'r', loc: 'x', mo: 'acq' }] },
    ],
  });
  assert.throws(() => explore(prog(false)), (e: unknown) => e instanceof ProgramError && /non-atomic store of atomic location x/.test(e.message));
  const res = explore(prog(true));
  // mo: the two stores either way; B's acquire load reads its own store or A's later one: 3 executions.
  assert.equal(res.executions, 3);
  // A's plain store races with B's store, and with B's load; two atomic accesses never race.
  assert.deepEqual(res.races.map(r => r.race.labels.join(' / ')).sort(), ['store(x, 1, na) / r = load(x, acq)', 'store(x, 1, na) / store(x, 2, rlx)'].sort());
});
