// The per-file time cap (refcountReview.budget.timeoutMs) over LSP: a file whose review has work
// left at the cap stops there and says so in an info diagnostic on its first line, naming the
// setting; another open file is reviewed and published as usual. The cap is forced with a 1 ms
// setting, so the test holds however fast the review becomes: the many-counter file always has
// explorations left, and the other file has nothing to explore, so the cap cuts nothing there.
// (That one long review does not hold back the others is shown in lsp-workerpool.test.ts, with a
// job that runs until it is cancelled.)

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { TestClient } from './lspClient';

const CAP_MS = 1;

/** Many independent hand-rolled shared pointers, each a counter with scenarios to explore. */
function manyCounters(n: number): string {
  const out = ['use std::ptr::NonNull;', 'use std::sync::atomic::{fence, AtomicUsize, Ordering};', ''];
  for (let i = 0; i < n; i++) {
    out.push(
      `struct Inner${i}<T> { refs: AtomicUsize, value: T }`,
      `pub struct Handle${i}<T> { ptr: NonNull<Inner${i}<T>> }`,
      `impl<T> Handle${i}<T> {`,
      `    fn inner(&self) -> &Inner${i}<T> { unsafe { self.ptr.as_ref() } }`,
      '}',
      `impl<T> Clone for Handle${i}<T> {`,
      '    fn clone(&self) -> Self {',
      '        self.inner().refs.fetch_add(1, Ordering::Relaxed);',
      `        Handle${i} { ptr: self.ptr }`,
      '    }',
      '}',
      `impl<T> Drop for Handle${i}<T> {`,
      '    fn drop(&mut self) {',
      '        if self.inner().refs.fetch_sub(1, Ordering::Relaxed) != 1 {',
      '            return;',
      '        }',
      '        fence(Ordering::Acquire);',
      '        unsafe { drop(Box::from_raw(self.ptr.as_ptr())) };',
      '    }',
      '}',
      '',
    );
  }
  return out.join('\n');
}

/** A flag, not a reference count: its invalid ordering is an error found without exploring anything. */
const FLAG = [
  'use std::sync::atomic::{AtomicBool, Ordering};',
  '',
  'static READY: AtomicBool = AtomicBool::new(false);',
  '',
  'pub fn is_ready() -> bool {',
  '    READY.load(Ordering::Release)',
  '}',
  '',
].join('\n');

let client: TestClient;
let dir: string;

before(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'rr-lsp-cap-'));
  ({ client } = await TestClient.start({ root: dir, settings: { budget: { timeoutMs: CAP_MS } } }));
  await client.waitFor('settings applied', () => client.logs.find(l => l.startsWith('settings (initialized)')));
});
after(async () => {
  const code = await client.stop();
  rmSync(dir, { recursive: true, force: true });
  assert.equal(code, 0, 'the server shut down cleanly');
});

test('a file with work left at the cap gets the cap note; the other file is published as usual', async () => {
  const slow = pathToFileURL(path.join(dir, 'slow.rs')).href;
  const normal = pathToFileURL(path.join(dir, 'normal.rs')).href;
  await client.open(slow, manyCounters(50));
  await client.open(normal, FLAG);

  const normalDiags = await client.nextDiagnostics(normal, 0, 1);
  assert.deepEqual(normalDiags.map(d => d.code), ['invalid-ordering']);

  const slowDiags = await client.nextDiagnostics(slow, 0, 1);
  const note = slowDiags.find(d => d.code === 'review-time-cap');
  assert.ok(note, `a time-cap note among ${JSON.stringify(slowDiags.map(d => d.code))}`);
  assert.equal(note.severity, 3, 'information');
  assert.deepEqual(note.range.start, { line: 0, character: 0 });
  assert.match(String(note.message), new RegExp(`stopped at its ${CAP_MS} ms time cap`));
  assert.match(String(note.message), /refcountReview\.budget\.timeoutMs/);
  assert.equal(note.source, 'refcount-review');
  assert.ok(client.logs.some(l => /slow\.rs v1: the review stopped at its 1 ms time cap/.test(l)), client.logs.join('\n'));
});
