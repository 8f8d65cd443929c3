// Bad input over stdio: binary text, a 5 MB file, broken Rust, a document closed while it is
// being checked, a burst of edits. The server must answer, say what happened, and keep serving.

import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { REQUEST_RS, TestClient } from './lspClient';

const SEED = readFileSync(REQUEST_RS, 'utf8');
let client: TestClient;
let dir: string;

before(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'rr-lsp-bad-'));
  ({ client } = await TestClient.start({ root: dir }));
});
after(async () => {
  const code = await client.stop();
  rmSync(dir, { recursive: true, force: true });
  assert.equal(code, 0, 'the server survived everything and shut down cleanly');
});

/** The server still answers requests (hover on a closed/unknown document is simply null). */
async function stillServing(): Promise<void> {
  const h = await client.request('textDocument/hover', { textDocument: { uri: 'file:///nowhere.rs' }, position: { line: 0, character: 0 } });
  assert.equal(h, null);
}

test('binary-looking text is skipped with a message, not reviewed', async () => {
  const uri = pathToFileURL(path.join(dir, 'blob.rs')).href;
  await client.open(uri, 'fn main() {}\u0000\u0001\u0002\u00ff garbage');
  assert.deepEqual(await client.nextDiagnostics(uri, 0), []);
  await client.waitFor('skip message', () => client.messages.find(m => m.includes('blob.rs') && /NUL bytes/.test(m)));
  await stillServing();
});

test('a U+FFFD in a comment is text: the buffer is reviewed and its race reported', async () => {
  const uri = pathToFileURL(path.join(dir, 'replacement.rs')).href;
  await client.open(uri, `// caf\uFFFD: a replacement character in a comment\n${SEED}`);
  const diags = await client.nextDiagnostics(uri, 0);
  assert.deepEqual(diags.map(d => d.code), ['takeover-needs-acquire']);
  assert.ok(!client.logs.some(l => l.includes('replacement.rs') && /UTF-8/.test(l)));
});

test('a 5 MB Rust file is skipped with a message and the server keeps serving', async () => {
  const uri = pathToFileURL(path.join(dir, 'huge.rs')).href;
  const line = 'pub fn f(x: &AtomicUsize) -> usize { x.fetch_add(1, Ordering::Relaxed) }\n';
  const text = line.repeat(Math.ceil((5 * 1024 * 1024) / line.length));
  await client.open(uri, text);
  assert.deepEqual(await client.nextDiagnostics(uri, 0), []);
  await client.waitFor('size message', () => client.messages.find(m => m.includes('huge.rs') && /5\.0 MB, over the 2 MB limit/.test(m)));
  await stillServing();
  await client.close(uri);
});

test('incremental edits are applied: an edit that makes a file binary is noticed', async () => {
  const uri = pathToFileURL(path.join(dir, 'edited.rs')).href;
  await client.open(uri, 'fn a() {}\nfn b() {}\n');
  await client.nextDiagnostics(uri, 0);
  // Insert a NUL in the middle of line 1 through a ranged (incremental) change.
  await client.change(uri, 2, [{ range: { start: { line: 1, character: 3 }, end: { line: 1, character: 3 } }, text: '\u0000' }]);
  await client.waitFor('skip after edit', () => client.logs.find(l => l.includes('edited.rs') && /NUL bytes/.test(l)));
});

test('broken Rust is reviewed without a crash', async () => {
  const uri = pathToFileURL(path.join(dir, 'broken.rs')).href;
  const broken = SEED.slice(0, Math.floor(SEED.length / 2)) + '\n fn ((( {{{ ] ;; let = ;\n' + SEED.slice(Math.floor(SEED.length / 2) + 40);
  await client.open(uri, broken);
  const diags = await client.nextDiagnostics(uri, 0);
  assert.ok(Array.isArray(diags));
  const lenses = await client.request<unknown[]>('textDocument/codeLens', { textDocument: { uri } });
  assert.ok(Array.isArray(lenses));
  await stillServing();
});

test('a document closed while it is being checked: diagnostics cleared, nothing published after', async () => {
  const uri = pathToFileURL(path.join(dir, 'closing.rs')).href;
  await client.open(uri, SEED);
  await client.close(uri);
  const final = await client.waitFor('the clearing publish', () => client.diagnostics.get(uri)?.find(p => p.diagnostics.length === 0 && p.version === undefined));
  assert.deepEqual(final.diagnostics, []);
  // Give a late review result every chance to (wrongly) land: a full round trip through the worker.
  await client.request('refcountReview/scenarios', { uri: pathToFileURL(REQUEST_RS).href });
  assert.deepEqual(client.diagnostics.get(uri)!.at(-1)!.diagnostics, [], 'no review published after close');
  await stillServing();
});

test('a burst of edits is reviewed once, for the last version only', async () => {
  const uri = pathToFileURL(path.join(dir, 'burst.rs')).href;
  await client.open(uri, SEED);
  await client.nextDiagnostics(uri, 0, 1);
  const n = client.published(uri);
  for (let v = 2; v <= 8; v++) await client.change(uri, v, [{ range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, text: `// edit ${v}\n` }]);
  await client.nextDiagnostics(uri, n, 8);
  const after = client.diagnostics.get(uri)!.slice(n);
  assert.deepEqual(after.map(p => p.version), [8], 'edits within the debounce window coalesce; stale versions are never published');
});

test('a file deleted on disk while open: the open buffer is still served', async () => {
  const file = path.join(dir, 'deleted.rs');
  writeFileSync(file, SEED);
  const uri = pathToFileURL(file).href;
  await client.open(uri, SEED);
  await client.nextDiagnostics(uri, 0);
  rmSync(file);
  await client.conn.sendNotification('workspace/didChangeWatchedFiles', { changes: [{ uri, type: 3 }] });
  const r = await client.request<{ reason?: string; scenarios: unknown[] }>('refcountReview/scenarios', { uri });
  assert.equal(r.reason, undefined, 'the open buffer is the truth, not the disk');
  await client.close(uri);
  // Closed and deleted: the scenarios request says the file is gone.
  const gone = await client.request<{ reason?: string }>('refcountReview/scenarios', { uri });
  assert.match(gone.reason ?? '', /deleted or renamed/);
});
