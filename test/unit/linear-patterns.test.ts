// Patterns the fuzzer found backtracking quadratically on long input: a counter key of one long
// identifier, and a litmus header padded with spaces. The inputs here are long enough that the
// old patterns ran for minutes; linear reading answers at once (no time is asserted).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { counterNameOf } from '../../server/src/rust/receiver';
import { readLitmus } from '../../server/src/litmus/parse';

test('counterNameOf reads the last identifier of a key, before an accessor call', () => {
  assert.equal(counterNameOf('self.inner().strong'), 'strong');
  assert.equal(counterNameOf('<Request>.refcount()'), 'refcount');
  assert.equal(counterNameOf('<T>.wrapper_ref().refcount_ptr(..)'), 'refcount');
  assert.equal(counterNameOf('x.9bc'), 'bc');
  assert.equal(counterNameOf('(..)'), '(..)');
  assert.equal(counterNameOf('x-'), 'x-');
  // 200k characters that end in a non-identifier: answered at once (the old pattern took minutes).
  const long = 'x'.repeat(200_000) + '-';
  assert.equal(counterNameOf(long), long);
});

test('a litmus header padded with spaces is read, and a comment after the name is cut', () => {
  const body = `{ x = 0; }\nP0(int *x) { WRITE_ONCE(*x, 1); }\nexists (x=1)\n`;
  assert.equal(readLitmus(`C padded${' '.repeat(200_000)}x\n${body}`, 't.litmus').program.name, `padded${' '.repeat(200_000)}x`);
  assert.equal(readLitmus(`C named (* a comment *)\n${body}`, 't.litmus').program.name, 'named');
});
