// Inputs the fuzzer found: broken or absurdly nested `use` text must give a review, not an
// exception (the server reports a thrown review as a failure for the whole file).
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { reviewText } from '../../server/src/review';
import { initRustParser } from '../../server/src/rust/parser';

before(async () => { await initRustParser(); });

test('a use group that the text ends inside, with a fix to check, is reviewed', async () => {
  const rv = await reviewText('/f.rs', 'use x{const PUT_ORDER:g=Ordering::Relaxed if f.fetch_sub(1,PUT_ORDER)==1{drop(B}}');
  assert.ok(Array.isArray(rv.findings));
});

test('5,000 nested use groups are reviewed without exhausting the stack', async () => {
  const rv = await reviewText('/f.rs', `use a::${'{b::'.repeat(5000)}c${'}'.repeat(5000)};\nfn f() {}\n`);
  assert.deepEqual(rv.findings, []);
});
