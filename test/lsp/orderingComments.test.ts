// ORDERING justifications over real LSP messages, on the e2e workspace's block-mq request with its
// takeover CAS made Acquire (clean): the "Insert ORDERING comment" action puts the comment above
// the `if` statement holding the CAS, naming the paired `dec_and_test` by function and
// workspace-relative file:line; the hover has the "Why" section; the comment lint follows its
// setting. On the unfixed file the CAS has a finding, and only its fix is offered.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { TextDocument } from 'vscode-languageserver-textdocument';
import type { CodeAction, Diagnostic, Hover, TextDocumentEdit, TextEdit } from 'vscode-languageserver-protocol';
import { positionOf, REQUEST_RS, TestClient } from './lspClient';

const ORIGINAL = readFileSync(REQUEST_RS, 'utf8');
const RELAXED_CAS = 'compare_exchange(2, 0, Ordering::Relaxed, Ordering::Relaxed)';
const TEXT = ORIGINAL.replace(RELAXED_CAS, 'compare_exchange(2, 0, Ordering::Acquire, Ordering::Relaxed)');
const URI = pathToFileURL(REQUEST_RS).href;
const CAS_AT = positionOf(TEXT, 'compare_exchange(2, 0, Ordering::Acquire', 'compare_exchange(2, 0, '.length + 3);
const lineOf = (text: string, needle: string) => text.split('\n').findIndex(l => l.includes(needle));
const IF_LINE = lineOf(TEXT, 'if this');
const DEC_LINE = lineOf(TEXT, '.dec_and_test()');
const casRange = { start: { line: CAS_AT.line, character: CAS_AT.character }, end: { line: CAS_AT.line, character: CAS_AT.character } };

async function open(client: TestClient, text: string): Promise<Diagnostic[]> {
  const n = client.published(URI);
  await client.open(URI, text);
  return client.nextDiagnostics(URI, n, 1);
}

function actionsAt(client: TestClient, range: typeof casRange, diagnostics: Diagnostic[] = []): Promise<CodeAction[]> {
  return client.request<CodeAction[]>('textDocument/codeAction', { textDocument: { uri: URI }, range, context: { diagnostics, triggerKind: 1 } });
}

test('Insert ORDERING comment: above the statement holding the CAS, naming the paired dec_and_test', async () => {
  const { client } = await TestClient.start({ settings: { orderingComments: { lint: true } } });
  try {
    await client.waitFor('settings applied', () => client.logs.find(l => l.startsWith('settings (initialized)')));
    assert.deepEqual(await open(client, TEXT), []);
    const actions = await actionsAt(client, casRange);
    const insert = actions.filter(a => a.title === 'Insert ORDERING comment');
    assert.equal(insert.length, 1, JSON.stringify(actions.map(a => a.title)));
    assert.equal(insert[0].kind, 'refactor.rewrite.orderingComment');
    const change = insert[0].edit!.documentChanges![0] as TextDocumentEdit;
    assert.equal(change.textDocument.version, 1);
    const after = TextDocument.applyEdits(TextDocument.create(URI, 'rust', 1, TEXT), change.edits as TextEdit[]);
    const lines = after.split('\n');
    // The comment takes the lines the `if` was on (wrapped at 100 columns); the `if` moved down.
    const ifNow = lines.findIndex((l, i) => i >= IF_LINE && l.trim() === 'if this');
    const added = ifNow - IF_LINE;
    assert.ok(added >= 1 && lines.slice(IF_LINE, ifNow).every(l => l.length <= 100 && /^ {8}\/\//.test(l)), lines.slice(IF_LINE, ifNow).join('\n'));
    const comment = lines.slice(IF_LINE, ifNow).map(l => l.replace(/^\s*\/\/\s*/, '')).join(' ');
    assert.match(comment, /^ORDERING: `Acquire` pairs with the `Release` `dec_and_test` in `dec_ref` \(src\/block\/mq\/request\.rs:(\d+)\); as `Relaxed`, "[^"]+" races with "[^"]+"/);
    // The paired line is where dec_and_test is once the comment is in.
    assert.equal(Number(/request\.rs:(\d+)/.exec(comment)![1]), lineOf(after, '.dec_and_test()') + 1);
    assert.equal(lineOf(after, '.dec_and_test()'), DEC_LINE + added);
    assert.equal(lines[ifNow], TEXT.split('\n')[IF_LINE]);

    // Applied as an editor would: the review of the commented file finds nothing, and the
    // comment (it names the CAS's own ordering) is not reported stale; the action now updates it.
    const n = client.published(URI);
    await client.change(URI, 2, (change.edits as TextEdit[]).map(e => ({ range: e.range, text: e.newText })));
    assert.deepEqual(await client.nextDiagnostics(URI, n, 2), []);
    const again = await actionsAt(client, { start: { line: CAS_AT.line + added, character: CAS_AT.character }, end: { line: CAS_AT.line + added, character: CAS_AT.character } });
    assert.deepEqual(again.filter(a => /ORDERING comment/.test(a.title)).map(a => a.title), ['Update ORDERING comment']);
  } finally {
    await client.stop();
  }
});

test('a site with a finding gets its fix, not an ORDERING comment', async () => {
  const { client } = await TestClient.start();
  try {
    const diags = await open(client, ORIGINAL);
    assert.equal(diags.length, 1);
    const actions = await actionsAt(client, diags[0].range, diags);
    assert.ok(actions.some(a => a.isPreferred), 'the verified fix is offered');
    assert.deepEqual(actions.filter(a => /ORDERING/.test(a.title)), []);
  } finally {
    await client.stop();
  }
});

test('hover on a clean site: "Why `Acquire`:" with the paired site', async () => {
  const { client } = await TestClient.start();
  try {
    await open(client, TEXT);
    const h = await client.request<Hover | null>('textDocument/hover', { textDocument: { uri: URI }, position: CAS_AT });
    const md = (h?.contents as { value: string } | undefined)?.value ?? '';
    assert.match(md, /\*\*Why `Acquire`:\*\* pairs with the `Release` `dec_and_test` in `dec_ref` \(src\/block\/mq\/request\.rs:\d+\)/, md);
  } finally {
    await client.stop();
  }
});

test('the stale ORDERING comment lint: off by default, an info on the comment once turned on', async () => {
  const indent = ' '.repeat(8);
  const stale = TEXT.split('\n');
  stale.splice(IF_LINE, 0, `${indent}// ORDERING: \`Release\` makes the holders' writes visible to the new owner.`);
  const { client } = await TestClient.start({ settings: {} });
  try {
    await client.waitFor('settings applied', () => client.logs.find(l => l.startsWith('settings (initialized)')));
    assert.deepEqual(await open(client, stale.join('\n')), []);
    client.settings = { orderingComments: { lint: true } };
    const n = client.published(URI);
    await client.conn.sendNotification('workspace/didChangeConfiguration', { settings: null });
    // A review that lands while the server is still pulling the new settings publishes under the old
    // ones (the index catching up re-reviews the open file): wait for the first publish that shows the lint.
    const diags = await client.waitFor('the stale ORDERING comment diagnostic', () => (client.diagnostics.get(URI) ?? []).slice(n).map(p => p.diagnostics).find(d => d.length > 0));
    assert.equal(diags.length, 1, JSON.stringify(diags));
    assert.equal(diags[0].code, 'stale-ordering-comment');
    assert.equal(diags[0].severity, 3 /* Information */);
    assert.equal(diags[0].range.start.line, IF_LINE);
    assert.equal(stale[IF_LINE].slice(diags[0].range.start.character, diags[0].range.end.character), 'Release');
    assert.match(String(diags[0].message), /names Release, but `compare_exchange` below it uses Acquire/);
  } finally {
    await client.stop();
  }
});
