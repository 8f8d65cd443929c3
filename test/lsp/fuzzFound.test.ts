// Inputs the fuzzer (`npm run fuzz`) found to break the server, kept as regression tests.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { TestClient } from './lspClient';

let client: TestClient;
let dir: string;

before(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'rr-lsp-fuzzfound-'));
  ({ client } = await TestClient.start({ root: dir }));
});
after(async () => {
  const code = await client.stop();
  rmSync(dir, { recursive: true, force: true });
  assert.equal(code, 0, 'the server lived to the end and shut down cleanly');
});

test('a $/cancelRequest that names no request id is ignored, and the server keeps serving', async () => {
  await client.conn.sendNotification('$/cancelRequest');
  await client.conn.sendNotification('$/cancelRequest', null);
  await client.conn.sendNotification('$/cancelRequest', [1, 2]);
  await client.conn.sendNotification('$/cancelRequest', { id: null });
  await client.conn.sendNotification('$/cancelRequest', { id: 12345 });
  const h = await client.request('textDocument/hover', { textDocument: { uri: 'file:///nowhere.rs' }, position: { line: 0, character: 0 } });
  assert.equal(h, null);
  assert.equal(client.exitCode, undefined, `server exited: ${client.stderr}`);
});
