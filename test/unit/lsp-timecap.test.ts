// The open-documents layer with the review pool and a scripted worker: a review that stops at the
// time cap keeps its findings and gets the cap note; one that never stops is terminated and the
// file gets the note alone (not the previous version's findings, not silence); a file reviewed
// normally gets no note.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import type { Connection, Diagnostic, PublishDiagnosticsParams } from 'vscode-languageserver';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { parseSettings } from '../../server/src/lsp/config';
import { Documents } from '../../server/src/lsp/documents';
import { TIME_CAP_CODE, TIME_CAP_SETTING } from '../../server/src/lsp/timeCap';
import { ReviewPool } from '../../server/src/lsp/workerPool';

const dir = mkdtempSync(path.join(os.tmpdir(), 'rr-timecap-'));
after(() => rmSync(dir, { recursive: true, force: true }));

// The buffer's text says what the scripted worker does.
const SCRIPT = path.join(dir, 'worker.js');
writeFileSync(SCRIPT, `
const { parentPort } = require('node:worker_threads');
const finding = { file: '', rule: 'dec-needs-release', severity: 'warning', message: 'use Release', range: { start: { line: 2, character: 4 }, end: { line: 2, character: 9 } }, role: 'dec', ordering: 'Relaxed', fix: null, related: [], trace: null };
parentPort.on('message', m => {
  if (m.type !== 'review') return;
  if (m.text.startsWith('hang')) { for (;;) {} }
  const capped = m.text.startsWith('partial');
  parentPort.postMessage({ type: 'result', id: m.id, elapsedMs: 1, ...(capped ? { capped: true } : {}),
    review: { file: m.file, findings: [{ ...finding, file: m.file }], scenarios: [], problems: [] } });
});
`);

function harness(timeoutMs: number) {
  const published: PublishDiagnosticsParams[] = [];
  const waiters = new Set<() => void>();
  const connection = {
    sendDiagnostics: async (p: PublishDiagnosticsParams) => { published.push(p); for (const w of [...waiters]) w(); },
    sendNotification: async () => {},
    window: { showInformationMessage: async () => undefined },
  } as unknown as Connection;
  const pool = new ReviewPool({ script: SCRIPT, size: 1, log: () => {}, graceMs: 300 });
  const docs = new Map<string, TextDocument>();
  const { settings } = parseSettings({ budget: { timeoutMs } });
  const documents = new Documents({ connection, pool, settings: () => settings, ruleLinks: () => ({}), debounceMs: 0, log: () => {}, get: uri => docs.get(uri) });
  const open = (name: string, text: string) => {
    const doc = TextDocument.create(`file:///w/${name}`, 'rust', 1, text);
    docs.set(doc.uri, doc);
    documents.opened(doc);
    return doc.uri;
  };
  /** The first publish for `uri`, waited for as an event. */
  const diagnostics = (uri: string) => new Promise<Diagnostic[]>(resolve => {
    const check = () => { const p = published.find(x => x.uri === uri); if (p) { waiters.delete(check); resolve(p.diagnostics); } };
    waiters.add(check);
    check();
  });
  return { pool, open, diagnostics };
}

test('a review stopped at the cap keeps its findings and gets an info note naming the setting', async () => {
  const h = harness(30_000);
  try {
    const partial = await h.diagnostics(h.open('partial.rs', 'partial\nfn f() {}\n'));
    assert.deepEqual(partial.map(d => d.code), ['dec-needs-release', TIME_CAP_CODE]);
    const note = partial[1];
    assert.equal(note.severity, 3);
    assert.deepEqual(note.range, { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } });
    assert.match(String(note.message), /stopped at its 30000 ms time cap: some orderings were not checked/);
    assert.ok(String(note.message).includes(TIME_CAP_SETTING));
    const normal = await h.diagnostics(h.open('normal.rs', 'fine\n'));
    assert.deepEqual(normal.map(d => d.code), ['dec-needs-release']);
  } finally { await h.pool.dispose(); }
});

test('a review that never stops is terminated past the cap and the file gets the note alone', async () => {
  const h = harness(100);
  try {
    const hung = await h.diagnostics(h.open('hang.rs', 'hang\n'));
    assert.deepEqual(hung.map(d => d.code), [TIME_CAP_CODE]);
    assert.match(String(hung[0].message), /stopped at its 100 ms time cap: nothing was checked/);
    assert.ok(String(hung[0].message).includes(TIME_CAP_SETTING));
  } finally { await h.pool.dispose(); }
});
