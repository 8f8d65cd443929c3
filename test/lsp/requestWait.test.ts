// Requests that need the review of the text they are about (code actions, hover, code lens, the
// simulator's scenarios) wait for that review however long it takes, with no clock: until it
// lands, the text moves on, the document closes, or the client cancels the request. The reviews
// are made slow with the debounce a client may set (initializationOptions.debounceMs): the review of
// an edit does not even start until it ends, so a request sent right after the edit must wait. Each
// server works in an empty workspace, so no index completes later and reviews a file again early.

import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { CancellationTokenSource, ResponseError } from 'vscode-jsonrpc/node';
import type { CodeAction, Diagnostic, PublishDiagnosticsParams, Range, TextDocumentEdit, TextEdit } from 'vscode-languageserver-protocol';
import { positionOf, REQUEST_RS, TestClient } from './lspClient';

const SEED = readFileSync(REQUEST_RS, 'utf8');
const CAS = 'compare_exchange(2, 0, Ordering::Relaxed, Ordering::Relaxed)';
const SUCCESS = positionOf(SEED, CAS, 'compare_exchange(2, 0, '.length);
const REQUEST_CANCELLED = -32800;
const ZERO: Range = { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } };
/** An edit that moves every line down by one: a request for the new version must not see the old ranges. */
const ADD_LINE = { range: ZERO, text: '// edited\n' };

function down(r: Range, lines: number): Range {
  return { start: { line: r.start.line + lines, character: r.start.character }, end: { line: r.end.line + lines, character: r.end.character } };
}

function codeActions(c: TestClient, uri: string, range: Range, diagnostics: Diagnostic[], token?: CancellationTokenSource['token']): Promise<CodeAction[]> {
  const params = { textDocument: { uri }, range, context: { diagnostics, triggerKind: 1 } };
  return token ? c.conn.sendRequest<CodeAction[]>('textDocument/codeAction', params, token) : c.request<CodeAction[]>('textDocument/codeAction', params);
}

/** A server whose edits are reviewed `debounceMs` after them, in an empty workspace of its own. */
async function startServer(debounceMs: number): Promise<{ client: TestClient; dir: string; uri: (name: string) => string }> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'rr-lsp-wait-'));
  const { client } = await TestClient.start({ root: dir, initializationOptions: { debounceMs } });
  return { client, dir, uri: name => pathToFileURL(path.join(dir, `${name}.rs`)).href };
}

/** Opens the seed text (reviewed at once: an open has no debounce) and waits for its diagnostics. */
async function openSeed(client: TestClient, uri: string): Promise<Diagnostic[]> {
  await client.open(uri, SEED);
  return client.nextDiagnostics(uri, 0, 1);
}

/** The latest status says this many requests are waiting for a review. */
function waitingIs(c: TestClient, n: number): Promise<unknown> {
  return c.waitFor(`status: ${n} request(s) waiting`, () => c.statuses.at(-1)?.waiting === n);
}

test('a code action asked right after an edit waits for the review of that edit and gets its fix', async () => {
  // The edit's review starts 2.5 s after it: longer than any fixed window a request could be given
  // on a quiet machine, so the fix can only come from waiting for that review.
  const { client, dir, uri } = await startServer(2500);
  const seedUri = uri('request');
  try {
    const [finding] = await openSeed(client, seedUri);
    assert.equal(finding?.code, 'takeover-needs-acquire');

    const n = client.published(seedUri);
    await client.change(seedUri, 2, [ADD_LINE]);
    const moved = { ...finding, range: down(finding.range, 1) };
    let publishedAtAnswer: PublishDiagnosticsParams[] = [];
    const actions = await codeActions(client, seedUri, moved.range, [moved]).then(a => {
      publishedAtAnswer = (client.diagnostics.get(seedUri) ?? []).slice(n);
      return a;
    });

    // The answer came after the review of version 2 was published, and is of version 2.
    assert.ok(publishedAtAnswer.some(p => p.version === 2), `the v2 diagnostics came before the answer: ${JSON.stringify(publishedAtAnswer.map(p => p.version))}`);
    const fix = actions.find(a => a.isPreferred);
    assert.ok(fix, `a preferred fix among ${JSON.stringify(actions.map(a => a.title))}`);
    assert.equal(fix.title, 'Use `Acquire` (success ordering)');
    const change = fix.edit!.documentChanges![0] as TextDocumentEdit;
    assert.equal(change.textDocument.version, 2);
    const edits = change.edits as TextEdit[];
    assert.ok(edits.some(e => e.range.start.line === SUCCESS.line + 1 && e.newText.includes('Acquire')), `the edit is on the moved line: ${JSON.stringify(edits)}`);
    await waitingIs(client, 0);
  } finally {
    await client.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a request still waiting at shutdown is answered, with nothing', async () => {
  const { client, dir, uri } = await startServer(3_600_000);
  try {
    await openSeed(client, uri('request'));
    await client.change(uri('request'), 2, [ADD_LINE]);
    const answer = codeActions(client, uri('request'), down(ZERO, SUCCESS.line + 1), []);
    await waitingIs(client, 1);
    const stopped = client.stop();
    assert.deepEqual(await answer, []);
    assert.equal(await stopped, 0);
  } finally {
    await client.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

// The edits below are reviewed only after an hour: while a test runs, the review of the version a
// request asks about stays pending, whatever the machine's load.
describe('with reviews that stay pending', () => {
  let server: Awaited<ReturnType<typeof startServer>>;
  let client: TestClient;
  before(async () => {
    server = await startServer(3_600_000);
    client = server.client;
  });
  after(async () => {
    assert.equal(await client.stop(), 0, 'the server shut down cleanly');
    rmSync(server.dir, { recursive: true, force: true });
  });

  /** Opens the seed text under `name`, then edits it; the edit's review stays pending. */
  async function editedDoc(name: string): Promise<string> {
    const uri = server.uri(name);
    await openSeed(client, uri);
    await client.change(uri, 2, [ADD_LINE]);
    return uri;
  }

  test('a cancelled code action request ends with RequestCancelled and leaves no waiter', async () => {
    const uri = await editedDoc('cancelled');
    const source = new CancellationTokenSource();
    const answer = codeActions(client, uri, down(ZERO, SUCCESS.line + 1), [], source.token).then(a => ({ a }), (err: unknown) => ({ err }));
    await waitingIs(client, 1);
    source.cancel();
    const r = await answer;
    assert.ok('err' in r && r.err instanceof ResponseError, `rejected with a response error: ${JSON.stringify(r)}`);
    assert.equal(r.err.code, REQUEST_CANCELLED);
    await waitingIs(client, 0);
    // The review itself was not cancelled: the document still waits for it.
    assert.ok((client.statuses.at(-1)?.pending ?? 0) >= 1);
    await client.close(uri);
  });

  test('a code action for a document closed while it waits answers with nothing', async () => {
    const uri = await editedDoc('closed');
    const answer = codeActions(client, uri, down(ZERO, SUCCESS.line + 1), []);
    await waitingIs(client, 1);
    await client.close(uri);
    assert.deepEqual(await answer, []);
    await waitingIs(client, 0);
  });

  test('a code action whose text moved on while it waits answers with nothing, not with stale ranges', async () => {
    const uri = await editedDoc('superseded');
    const answer = codeActions(client, uri, down(ZERO, SUCCESS.line + 1), []);
    await waitingIs(client, 1);
    await client.change(uri, 3, [ADD_LINE]);
    assert.deepEqual(await answer, []);
    await waitingIs(client, 0);
    await client.close(uri);
  });

  test('the simulator\'s scenarios request waits too, and says "ask again" when the text moved on', async () => {
    const uri = await editedDoc('scenarios');
    const answer = client.request<{ scenarios: unknown[]; reason?: string; pending?: boolean }>('refcountReview/scenarios', { uri });
    await waitingIs(client, 1);
    await client.change(uri, 3, [ADD_LINE]);
    const r = await answer;
    assert.deepEqual(r.scenarios, []);
    assert.equal(r.pending, true, JSON.stringify(r));
    await waitingIs(client, 0);
    await client.close(uri);
  });

  test('hover and code lens wait the same way and are cancelled the same way', async () => {
    const uri = await editedDoc('hover-lens');
    const hoverSource = new CancellationTokenSource();
    const lensSource = new CancellationTokenSource();
    const hover = client.conn.sendRequest('textDocument/hover', { textDocument: { uri }, position: { line: SUCCESS.line + 1, character: SUCCESS.character + 3 } }, hoverSource.token)
      .then(a => ({ a }), (err: unknown) => ({ err }));
    const lens = client.conn.sendRequest('textDocument/codeLens', { textDocument: { uri } }, lensSource.token)
      .then(a => ({ a }), (err: unknown) => ({ err }));
    await waitingIs(client, 2);
    hoverSource.cancel();
    lensSource.cancel();
    for (const r of [await hover, await lens]) {
      assert.ok('err' in r && r.err instanceof ResponseError && r.err.code === REQUEST_CANCELLED, `cancelled: ${JSON.stringify(r)}`);
    }
    await waitingIs(client, 0);
    await client.close(uri);
  });
});
