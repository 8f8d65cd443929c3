// The language server reads files from disk by the same rules as the CLI: only regular files,
// size checked first, symlinks followed once each and only inside the workspace. A FIFO, a link to
// /dev/zero or a symlink loop in the workspace, in a watched-file event or in a scenarios request
// gets a reason at once, and the server keeps serving.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { REQUEST_RS, TestClient } from './lspClient';

let client: TestClient;
let dir: string;
let outside: string;
const uriOf = (...p: string[]) => pathToFileURL(path.join(dir, ...p)).href;

before(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'rr-lsp-files-'));
  outside = mkdtempSync(path.join(os.tmpdir(), 'rr-lsp-outside-'));
  writeFileSync(path.join(outside, 'far.rs'), 'fn far() {}\n');
  mkdirSync(path.join(dir, 'src'));
  writeFileSync(path.join(dir, 'src', 'request.rs'), readFileSync(REQUEST_RS, 'utf8'));
  assert.equal(spawnSync('mkfifo', [path.join(dir, 'src', 'pipe.rs')]).status, 0, 'mkfifo');
  symlinkSync('/dev/zero', path.join(dir, 'src', 'zero.rs'));
  // Two loops back to the root, and a link leaving the workspace.
  symlinkSync(dir, path.join(dir, 'src', 'up'));
  symlinkSync(path.join(dir, 'src'), path.join(dir, 'src', 'again'));
  symlinkSync(outside, path.join(dir, 'src', 'elsewhere'));
  ({ client } = await TestClient.start({ root: dir }));
});
after(async () => {
  const code = await client.stop();
  rmSync(dir, { recursive: true, force: true });
  rmSync(outside, { recursive: true, force: true });
  assert.equal(code, 0, 'the server shut down cleanly');
});

test('the workspace index reads the one regular file once and says why the rest was left out', async () => {
  const indexed = await client.waitFor('index log', () => client.logs.find(l => /^indexed \d+ Rust file/.test(l)));
  assert.match(indexed, /^indexed 1 Rust file/);
  assert.ok(client.logs.some(l => l.includes('pipe.rs') && /a FIFO, not a regular file/.test(l)), client.logs.join('\n'));
  // /dev/zero is outside the workspace: the link is not even followed.
  assert.ok(client.logs.some(l => l.includes('zero.rs') && /symlink to \/dev\/zero, outside the workspace/.test(l)));
  assert.ok(client.logs.some(l => l.includes('elsewhere') && /outside the workspace; not followed/.test(l)));
});

test('scenarios requests for a FIFO or a link to /dev/zero answer with the reason', async () => {
  const fifo = await client.request<{ reason?: string; scenarios: unknown[] }>('refcountReview/scenarios', { uri: uriOf('src', 'pipe.rs') });
  assert.match(fifo.reason ?? '', /a FIFO, not a regular file/);
  const zero = await client.request<{ reason?: string }>('refcountReview/scenarios', { uri: uriOf('src', 'zero.rs') });
  assert.match(zero.reason ?? '', /a character device, not a regular file/);
  const real = await client.request<{ reason?: string; findings: unknown[] }>('refcountReview/scenarios', { uri: uriOf('src', 'request.rs') });
  assert.equal(real.findings.length, 1);
});

test('watched-file events for special files are skipped with a reason', async () => {
  const before = client.logs.length;
  await client.conn.sendNotification('workspace/didChangeWatchedFiles', { changes: [{ uri: uriOf('src', 'pipe.rs'), type: 1 }, { uri: uriOf('src', 'zero.rs'), type: 2 }] });
  await client.waitFor('skip logs', () => {
    const fresh = client.logs.slice(before);
    return fresh.some(l => l.includes('pipe.rs') && /FIFO/.test(l)) && fresh.some(l => l.includes('zero.rs') && /character device/.test(l));
  });
});

test('Check Workspace reviews each real file once and lists what it skipped', async () => {
  const r = await client.request<{ files: number; findings: number; skipped: { file: string; reason: string }[] }>('refcountReview/checkWorkspace', {});
  assert.deepEqual([r.files, r.findings], [1, 1]);
  const names = r.skipped.map(s => path.basename(s.file)).sort();
  assert.deepEqual(names, ['elsewhere', 'pipe.rs', 'zero.rs']);
});
