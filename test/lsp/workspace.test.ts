// A big workspace: the index fills in the background while an open file is reviewed at once,
// and open files are reviewed again when the index is complete. Also: build and VCS directories
// are not indexed.

import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { REQUEST_RS, TestClient } from './lspClient';

// The waits below are events (log lines, diagnostics); their time limits are only a last guard
// for a machine loaded far beyond two cores, where indexing 1500 files can take minutes.
test('a review is not held up by indexing a big workspace', { timeout: 600_000 }, async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'rr-lsp-big-'));
  const { client } = await (async () => {
    // 1500 modules of ~120 lines with atomics: seconds of indexing.
    const body = Array.from({ length: 30 }, (_, i) => `pub fn f${i}(c: &AtomicUsize) -> usize {\n    c.fetch_add(1, Ordering::Relaxed)\n}\n`).join('\n');
    for (let d = 0; d < 30; d++) {
      mkdirSync(path.join(dir, `m${d}`), { recursive: true });
      for (let f = 0; f < 50; f++) writeFileSync(path.join(dir, `m${d}`, `f${f}.rs`), `use core::sync::atomic::{AtomicUsize, Ordering};\n\n${body}`);
    }
    // Never indexed: build output and VCS data.
    for (const skip of ['target', '.git', 'node_modules']) {
      mkdirSync(path.join(dir, skip), { recursive: true });
      writeFileSync(path.join(dir, skip, 'x.rs'), 'fn x() {}');
    }
    writeFileSync(path.join(dir, 'request.rs'), readFileSync(REQUEST_RS, 'utf8'));
    return TestClient.start({ root: dir });
  })();
  try {
    const scanned = await client.waitFor('scan log', () => client.logs.find(l => /^indexed \d+ Rust file/.test(l)));
    assert.match(scanned, /^indexed 1501 Rust file/, 'target/, .git/ and node_modules/ are skipped');
    const uri = pathToFileURL(path.join(dir, 'request.rs')).href;
    await client.open(uri, readFileSync(REQUEST_RS, 'utf8'));
    const first = await client.nextDiagnostics(uri, 0, 1, 60_000);
    const indexDoneBefore = client.logs.some(l => /^index: \d+ file\(s\) indexed/.test(l));
    assert.equal(indexDoneBefore, false, 'the review came back while the index was still filling');
    assert.equal(first.length, 1, 'the seed finding does not need the index');
    // Once the index is complete the open file is reviewed again (it may have missed cross-file facts).
    await client.waitFor('index complete', () => client.logs.find(l => /^index complete \(\d+ file\(s\)\); reviewing open files again/.test(l)), 400_000);
    const again = await client.nextDiagnostics(uri, 1, 1, 120_000);
    assert.deepEqual(again.map(d => d.code), ['takeover-needs-acquire']);
  } finally {
    await client.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('Check Workspace publishes findings for files that are not open; deleting the file clears them', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'rr-lsp-ws-'));
  const file = path.join(dir, 'request.rs');
  writeFileSync(file, readFileSync(REQUEST_RS, 'utf8'));
  writeFileSync(path.join(dir, 'empty.rs'), '');
  const { client } = await TestClient.start({ root: dir });
  try {
    const uri = pathToFileURL(file).href;
    const r = await client.request<{ files: number; findings: number; filesWithFindings: number }>('refcountReview/checkWorkspace', {});
    assert.deepEqual([r.files, r.findings, r.filesWithFindings], [2, 1, 1]);
    const published = await client.nextDiagnostics(uri, 0);
    assert.deepEqual(published.map(d => d.code), ['takeover-needs-acquire']);
    await client.waitFor('status counts the closed file', () => client.statuses.at(-1)?.findings === 1);
    rmSync(file);
    const n = client.published(uri);
    await client.conn.sendNotification('workspace/didChangeWatchedFiles', { changes: [{ uri, type: 3 }] });
    assert.deepEqual(await client.nextDiagnostics(uri, n), []);
    await client.waitFor('status back to 0', () => client.statuses.at(-1)?.findings === 0);
  } finally {
    await client.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});
