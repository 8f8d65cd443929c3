// The language server's life cycle over stdio: start, capabilities, settings, custom requests,
// shutdown/exit — none of it needs findings.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { REQUEST_RS, ROOT, SERVER, TestClient } from './lspClient';

test('without a transport flag the server prints its usage and exits 2', () => {
  const r = spawnSync(process.execPath, [SERVER], { encoding: 'utf8', timeout: 10_000 });
  assert.equal(r.status, 2);
  assert.match(r.stderr, /usage: refcount-review lsp --stdio/);
});

test('initialize advertises incremental sync, code actions (quickfix + fix all), hover and code lens', async () => {
  const { client, init } = await TestClient.start();
  try {
    const caps = init.capabilities;
    assert.deepEqual(caps.textDocumentSync, { openClose: true, change: 2 });
    assert.equal(caps.hoverProvider, true);
    assert.deepEqual(caps.codeLensProvider, { resolveProvider: false });
    const ca = caps.codeActionProvider as { codeActionKinds: string[]; resolveProvider: boolean };
    assert.deepEqual(ca.codeActionKinds, ['quickfix', 'source.fixAll.refcountReview', 'refactor.rewrite.orderingComment']);
    assert.equal(ca.resolveProvider, true);
    assert.equal(init.serverInfo?.name, 'refcount-review');
    // The workspace index is built at start-up from the workspace folder's .rs files.
    await client.waitFor('workspace index log', () => client.logs.find(l => /^indexed \d+ Rust file/.test(l)));
    const indexed = Number(/^indexed (\d+)/.exec(client.logs.find(l => l.startsWith('indexed'))!)![1]);
    assert.equal(indexed, 4, 'lib.rs, block/mod.rs, block/mq/mod.rs, block/mq/request.rs');
  } finally {
    assert.equal(await client.stop(), 0, 'exit after shutdown is a clean exit');
  }
});

test('`refcount-review lsp --stdio` (the CLI) serves the same protocol', async () => {
  const { client, init } = await TestClient.start({ argv: [path.join(ROOT, 'bin', 'refcount-review.js'), 'lsp', '--stdio'] });
  try {
    assert.equal(init.serverInfo?.name, 'refcount-review');
    const uri = pathToFileURL(REQUEST_RS).href;
    await client.open(uri, readFileSync(REQUEST_RS, 'utf8'));
    assert.ok(Array.isArray(await client.nextDiagnostics(uri, 0)));
  } finally {
    assert.equal(await client.stop(), 0);
  }
});

test('exit without shutdown ends the server with code 1 (LSP spec)', async () => {
  const { client } = await TestClient.start();
  await client.conn.sendNotification('exit');
  await client.waitFor('exit', () => client.exitCode !== undefined);
  assert.equal(client.exitCode, 1);
  client.conn.dispose();
});

test('invalid settings fall back to defaults with a warning per bad value', async () => {
  const { client } = await TestClient.start({
    settings: { enable: 'yes', model: 'tso', budget: { maxExecutions: -3, timeoutMs: 'soon' }, severity: { 'takeover-needs-acquire': 'fatal', 'no-such-rule': 'error' }, hints: 1 },
  });
  try {
    const settingsLog = await client.waitFor('settings log', () => client.logs.find(l => l.startsWith('settings (initialized)')));
    const applied = JSON.parse(settingsLog.slice(settingsLog.indexOf(':') + 1));
    assert.deepEqual(applied, { enable: true, model: 'auto', budget: { maxExecutions: 100000, timeoutMs: 5000 }, severity: {}, hints: false, orderingComments: { lint: false } });
    for (const re of [/refcountReview\.enable/, /refcountReview\.model: "tso"/, /budget\.maxExecutions: -3/, /budget\.timeoutMs: "soon"/, /severity\.takeover-needs-acquire: "fatal"/, /unknown rule "no-such-rule"/, /refcountReview\.hints: 1/]) {
      assert.ok(client.logs.some(l => re.test(l)), `warning matching ${re}`);
    }
  } finally {
    await client.stop();
  }
});

test('custom requests: scenarios for an unknown document says why; bad params are an error, not a crash', async () => {
  const { client } = await TestClient.start();
  try {
    const r = await client.request<{ scenarios: unknown[]; findings: unknown[]; reason?: string }>('refcountReview/scenarios', { uri: 'untitled:Nothing-1' });
    assert.deepEqual(r.scenarios, []);
    assert.match(r.reason ?? '', /not an open or on-disk Rust file/);
    await assert.rejects(client.request('refcountReview/scenarios', { position: { line: 0, character: 0 } }),
      (e: { code?: number; message?: string }) => e.code === -32602 && /refcountReview\/scenarios needs params\.uri/.test(e.message ?? ''));
    // A Rust file on disk that is not open is reviewed from disk.
    const onDisk = await client.request<{ scenarios: unknown[]; reason?: string }>('refcountReview/scenarios', { uri: pathToFileURL(REQUEST_RS).href });
    assert.ok(Array.isArray(onDisk.scenarios));
    // The server still serves after the error.
    const again = await client.request<{ reason?: string }>('refcountReview/scenarios', { uri: 'untitled:Nothing-2' });
    assert.match(again.reason ?? '', /not an open/);
  } finally {
    await client.stop();
  }
});

test('check workspace reviews every .rs file with work-done progress and answers with counts', async () => {
  const { client } = await TestClient.start();
  try {
    const token = 'check-1';
    const r = await client.request<{ files: number; skipped: unknown[]; cancelled: boolean; findings: number }>('refcountReview/checkWorkspace', { workDoneToken: token });
    assert.equal(r.files, 4);
    assert.deepEqual(r.skipped, []);
    assert.equal(r.cancelled, false);
    const mine = client.progress.filter(p => p.token === token).map(p => p.value);
    assert.equal(mine[0].kind, 'begin');
    assert.equal(mine[0].title, 'Refcount Review: checking workspace');
    assert.equal(mine.at(-1)!.kind, 'end');
    const last = mine.filter(v => v.kind === 'report').at(-1)!;
    assert.equal(last.percentage, 100);
    assert.equal(last.message, '4/4 files');
    // Status goes back to idle once the check is over.
    await client.waitFor('idle status', () => client.statuses.at(-1)?.state === 'idle');
  } finally {
    await client.stop();
  }
});

test('refcountReview.enable=false: no reviews, status says disabled, scenarios says why', async () => {
  const { client } = await TestClient.start({ settings: { enable: false } });
  try {
    await client.waitFor('disabled status', () => client.statuses.find(s => s.state === 'disabled'));
    const uri = pathToFileURL(REQUEST_RS).href;
    await client.open(uri, readFileSync(REQUEST_RS, 'utf8'));
    const r = await client.request<{ reason?: string }>('refcountReview/scenarios', { uri });
    assert.match(r.reason ?? '', /disabled/);
    assert.deepEqual(await client.request('textDocument/codeLens', { textDocument: { uri } }), []);
    assert.equal(client.published(uri), 0, 'nothing published for a disabled server');
  } finally {
    await client.stop();
  }
});
