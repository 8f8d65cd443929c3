// The LKMM oracle against the kernel's own answers: every kernel litmus fixture (our copies of the
// tests under tools/memory-model/litmus-tests/ and Documentation/litmus-tests/, each stating herd's
// result in a `Result:` line) is read in the kernel dialect and run through the axiomatic oracle,
// whose verdict on the condition must be that result. This checks the oracle against herd, not
// against the engine; the hand-checked tests in oracle-lkmm.test.ts do the same without the reader.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { readLitmus } from '../../server/src/litmus/parse';
import { enumerateLkmm, evalCondition } from './oracle-lkmm/lkmm';

const DIR = path.resolve(__dirname, '../../../test/fixtures/litmus-lkmm');

function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap(e => (e.isDirectory() ? walk(path.join(dir, e.name)) : [path.join(dir, e.name)]));
}
const files = walk(DIR).filter(f => f.endsWith('.litmus')).map(f => path.relative(DIR, f).split(path.sep).join('/')).sort();

test('there are kernel litmus fixtures to check the oracle against', () => {
  assert.ok(files.length >= 40, `${files.length} fixtures`);
});

for (const file of files) {
  const src = readFileSync(path.join(DIR, file), 'utf8');
  const result = /^\s*\*\s*Result:\s*(\S+)\s*$/m.exec(src)?.[1];
  if (!result) continue; // fixtures the reader rejects on purpose
  test(`oracle: ${file} is ${result}`, () => {
    const { program } = readLitmus(src, file);
    const xs = enumerateLkmm(program);
    const k = xs.filter(g => evalCondition(program.condition!.cond, g.registers ?? [], g.final ?? {})).length;
    const got = xs.length === 0 ? 'DEADLOCK' : k === 0 ? 'Never' : k === xs.length ? 'Always' : 'Sometimes';
    assert.equal(got, result, `${k} of ${xs.length} executions satisfy the condition`);
  });
}
