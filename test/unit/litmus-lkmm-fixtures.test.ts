// Every kernel litmus fixture (our copies of the tests under tools/memory-model/litmus-tests/ and
// Documentation/litmus-tests/ in the kernel tree) states the kernel's answer in a `Result:` line.
// Each is read in the kernel dialect and explored under LKMM, and the outcome of its condition's
// proposition must be that answer, as herd reports it: Never = no execution satisfies it,
// Sometimes = some do and some do not, Always = all do, DEADLOCK = no execution survives at all
// (RM-broken's filter). A fixture with a `Rejected:` line instead must be refused with that message.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { LitmusError, readLitmus } from '../../server/src/litmus/parse';
import { explore } from '../../server/src/memory/explore';

const DIR = path.resolve(__dirname, '../../../test/fixtures/litmus-lkmm');

function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap(e => (e.isDirectory() ? walk(path.join(dir, e.name)) : [path.join(dir, e.name)]));
}
const files = walk(DIR).filter(f => f.endsWith('.litmus')).map(f => path.relative(DIR, f).split(path.sep).join('/')).sort();

interface Header { result?: 'Never' | 'Sometimes' | 'Always' | 'DEADLOCK'; rejected?: string; source: string }

function header(file: string, src: string): Header {
  const source = /^\s*\*\s*Source:\s*(\S+)\s*$/m.exec(src)?.[1];
  assert.ok(source, `${file}: no 'Source:' line`);
  const result = /^\s*\*\s*Result:\s*(\S+)\s*$/m.exec(src)?.[1];
  const rejected = /^\s*\*\s*Rejected:\s*(.+?)\s*$/m.exec(src)?.[1];
  assert.ok(result || rejected, `${file}: neither 'Result:' nor 'Rejected:'`);
  if (result) assert.match(result, /^(Never|Sometimes|Always|DEADLOCK)$/, `${file}: Result must be Never, Sometimes, Always or DEADLOCK`);
  return { result: result as Header['result'], rejected, source };
}

test('one fixture per kernel litmus test, each where its source path says', () => {
  assert.equal(files.length, 55);
  assert.equal(files.filter(f => f.startsWith('tools/memory-model/litmus-tests/')).length, 43);
  assert.equal(files.filter(f => f.startsWith('Documentation/litmus-tests/')).length, 12);
  for (const f of files) assert.equal(header(f, readFileSync(path.join(DIR, f), 'utf8')).source, f);
});

test('every fixture reads as a kernel test with threads and a condition', () => {
  for (const f of files) {
    const read = readLitmus(readFileSync(path.join(DIR, f), 'utf8'), f);
    assert.equal(read.dialect, 'kernel', f);
    assert.ok(read.program.threads.length >= 1, f);
    assert.equal(read.program.condition?.quantifier, 'exists', f);
  }
});

for (const file of files) {
  const src = readFileSync(path.join(DIR, file), 'utf8');
  const want = header(file, src);

  if (want.rejected) {
    test(`${file}: rejected as documented`, () => {
      assert.throws(() => readLitmus(src, file), (e: unknown) => e instanceof LitmusError && e.message.includes(want.rejected!));
    });
    continue;
  }

  test(`${file}: Result ${want.result} under LKMM`, () => {
    const read = readLitmus(src, file);
    assert.equal(read.dialect, 'kernel');
    assert.ok(read.program.condition, `${file}: no condition`);
    const res = explore(read.program, { model: 'lkmm', maxMillis: 60_000 });
    assert.equal(res.bounded, undefined, `${file}: exploration was bounded: ${res.bounded?.message}`);
    assert.ok(res.condition);
    const got = res.executions === 0 ? 'DEADLOCK' : { never: 'Never', sometimes: 'Sometimes', always: 'Always' }[res.condition.outcome];
    assert.equal(got, want.result, `${file}: ${res.condition.witnesses} of ${res.executions} executions satisfy the condition`);
  });
}
