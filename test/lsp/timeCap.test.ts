// A file whose review runs long is stopped at the per-file time cap (refcountReview.budget.timeoutMs)
// and says so in an info diagnostic on its first line, while another open file gets its
// diagnostics meanwhile instead of waiting behind it.

import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { ROOT, TestClient } from './lspClient';

const CAP_MS = 15_000;
const FIXTURE = path.join(ROOT, 'test', 'fixtures', 'rust', 'arc_drop_relaxed_dec.rs');

/**
 * Hundreds of independent hand-rolled shared pointers: each counter is explored and its fix
 * searched on its own, so reviewing them all takes far longer than the cap on any machine.
 */
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

test('a slow file stops at the time cap with a note, and another file is served meanwhile', async () => {
  const slow = pathToFileURL(path.join(dir, 'slow.rs')).href;
  const normal = pathToFileURL(path.join(dir, 'normal.rs')).href;
  // The slow file first: with one worker it would hold the queue until its cap.
  await client.open(slow, manyCounters(800));
  await client.open(normal, readFileSync(FIXTURE, 'utf8'));

  const normalDiags = await client.nextDiagnostics(normal, 0, 1);
  assert.deepEqual(normalDiags.map(d => d.code), ['dec-needs-release']);
  // The slow review cannot end before its cap, so it has published nothing yet: the normal file did not wait for it.
  assert.equal(client.published(slow), 0, 'the normal file\'s diagnostics came while the slow file was still under review');

  const slowDiags = await client.nextDiagnostics(slow, 0, 1);
  const note = slowDiags.find(d => d.code === 'review-time-cap');
  assert.ok(note, `a time-cap note among ${JSON.stringify(slowDiags.map(d => d.code))}`);
  assert.equal(note.severity, 3, 'information');
  assert.deepEqual(note.range.start, { line: 0, character: 0 });
  assert.match(String(note.message), new RegExp(`stopped at its ${CAP_MS} ms time cap`));
  assert.match(String(note.message), /refcountReview\.budget\.timeoutMs/);
  assert.equal(note.source, 'refcount-review');
  // The normal file carries no such note.
  assert.ok(!normalDiags.some(d => d.code === 'review-time-cap'));
});
