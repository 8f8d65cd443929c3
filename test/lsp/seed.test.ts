// The seed bug over real LSP messages: block-mq `try_set_end` takes the request over with a
// Relaxed 2 -> 0 compare_exchange. Expected: one 'takeover-needs-acquire' warning on the CAS's
// success ordering, a preferred quick fix to Acquire that the review verified, and no finding
// once the fix is applied. Hover, code lens and the simulator's request on the same review.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { TextDocument } from 'vscode-languageserver-textdocument';
import type { CodeAction, CodeLens, Diagnostic, Hover, TextDocumentEdit, TextEdit } from 'vscode-languageserver-protocol';
import { positionOf, REQUEST_RS, TestClient } from './lspClient';

const TEXT = readFileSync(REQUEST_RS, 'utf8');
const URI = pathToFileURL(REQUEST_RS).href;
const CAS = 'compare_exchange(2, 0, Ordering::Relaxed, Ordering::Relaxed)';
const SUCCESS = positionOf(TEXT, CAS, 'compare_exchange(2, 0, '.length);

async function openSeed(client: TestClient, uri = URI, text = TEXT): Promise<Diagnostic[]> {
  const n = client.published(uri);
  await client.open(uri, text);
  return client.nextDiagnostics(uri, n, 1);
}

test('seed: one takeover-needs-acquire warning on the CAS success ordering, with doc link and related site', async () => {
  const { client } = await TestClient.start({ initializationOptions: { rulesDocUri: 'file:///ext/docs/rules.md' } });
  try {
    const diags = await openSeed(client);
    assert.equal(diags.length, 1, JSON.stringify(diags, null, 1));
    const d = diags[0];
    assert.equal(d.code, 'takeover-needs-acquire');
    assert.equal(d.severity, 2 /* Warning */);
    assert.equal(d.source, 'refcount-review');
    assert.equal(d.codeDescription?.href, 'file:///ext/docs/rules.md#takeover-needs-acquire');
    assert.equal(d.range.start.line, SUCCESS.line);
    assert.ok(d.range.start.character <= SUCCESS.character && d.range.end.character >= SUCCESS.character + 'Ordering::'.length,
      `range ${JSON.stringify(d.range)} covers the success ordering at ${JSON.stringify(SUCCESS)}`);
    assert.ok((d.relatedInformation ?? []).length >= 1, 'related information points at the paired decrement');
    // The status bar went through "checking…" and settles on the count.
    assert.ok(client.statuses.some(st => st.state === 'checking' && st.pending > 0));
    const idle = await client.waitFor('idle status', () => client.statuses.at(-1)?.state === 'idle' ? client.statuses.at(-1) : undefined);
    assert.equal(idle.findings, 1);
  } finally {
    await client.stop();
  }
});

test('seed: the preferred quick fix sets Acquire and, applied as an incremental change, clears the finding', async () => {
  const { client } = await TestClient.start();
  try {
    const diags = await openSeed(client);
    assert.equal(diags.length, 1);
    const actions = await client.request<CodeAction[]>('textDocument/codeAction', {
      textDocument: { uri: URI }, range: diags[0].range, context: { diagnostics: diags, triggerKind: 1 },
    });
    const preferred = actions.filter(a => a.isPreferred);
    assert.equal(preferred.length, 1, JSON.stringify(actions, null, 1));
    const fix = preferred[0];
    assert.equal(fix.kind, 'quickfix');
    assert.equal(fix.title, 'Use `Acquire` (success ordering)');
    assert.equal(fix.diagnostics?.[0].code, 'takeover-needs-acquire');
    const change = fix.edit!.documentChanges![0] as TextDocumentEdit;
    assert.equal(change.textDocument.version, 1, 'the edit is tied to the reviewed version');
    const textEdits = change.edits as TextEdit[];
    const fixed = TextDocument.applyEdits(TextDocument.create(URI, 'rust', 1, TEXT), textEdits);
    assert.ok(fixed.includes('compare_exchange(2, 0, Ordering::Acquire, Ordering::Relaxed)'), 'success ordering becomes Acquire, failure stays Relaxed');

    // Send the fix the way an editor does: as incremental changes, in reverse document order.
    const n = client.published(URI);
    const edits = [...textEdits].sort((a, b) => b.range.start.line - a.range.start.line || b.range.start.character - a.range.start.character);
    await client.change(URI, 2, edits.map(e => ({ range: e.range, text: e.newText })));
    assert.deepEqual(await client.nextDiagnostics(URI, n, 2), []);
    // The fixed file's sites are still checked: code lenses stay, and none announces a race.
    const lenses = await client.request<CodeLens[]>('textDocument/codeLens', { textDocument: { uri: URI } });
    assert.ok(lenses.length >= 1);
    assert.ok(lenses.every(l => /^Simulate: no race/.test(l.command?.title ?? '')), JSON.stringify(lenses.map(l => l.command?.title)));
  } finally {
    await client.stop();
  }
});

test('seed: source.fixAll returns the same verified edit', async () => {
  const { client } = await TestClient.start();
  try {
    const diags = await openSeed(client);
    const actions = await client.request<CodeAction[]>('textDocument/codeAction', {
      textDocument: { uri: URI }, range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } },
      context: { diagnostics: [], only: ['source.fixAll'], triggerKind: 2 },
    });
    assert.equal(actions.length, 1);
    assert.equal(actions[0].kind, 'source.fixAll.refcountReview');
    assert.equal(actions[0].title, 'Fix all Refcount Review issues in this file');
    const quick = await client.request<CodeAction[]>('textDocument/codeAction', {
      textDocument: { uri: URI }, range: diags[0].range, context: { diagnostics: diags },
    });
    assert.deepEqual(actions[0].edit, quick.find(a => a.isPreferred)!.edit);
  } finally {
    await client.stop();
  }
});

test('seed: hover on the success ordering gives role, what goes wrong, pairing, fix, rule and model', async () => {
  const { client } = await TestClient.start();
  try {
    await openSeed(client);
    const h = await client.request<Hover | null>('textDocument/hover', { textDocument: { uri: URI }, position: { line: SUCCESS.line, character: SUCCESS.character + 3 } });
    assert.ok(h, 'a hover on the ordering argument');
    const md = (h.contents as { value: string }).value;
    for (const part of ['takeover CAS 2 -> 0', '**What goes wrong:**', '**Pairs with:**', '**Verified fix:**', '**Rule:**', '**Model:**', 'takeover-needs-acquire', 'Acquire']) assert.ok(md.includes(part), `hover has ${part}:\n${md}`);
    // Not on an ordering argument: no hover.
    const none = await client.request<Hover | null>('textDocument/hover', { textDocument: { uri: URI }, position: { line: 0, character: 0 } });
    assert.equal(none, null);
  } finally {
    await client.stop();
  }
});

test('seed: code lens "Simulate" above the CAS, and the scenarios request the simulator uses', async () => {
  const { client } = await TestClient.start();
  try {
    await openSeed(client);
    const lenses = await client.request<CodeLens[]>('textDocument/codeLens', { textDocument: { uri: URI } });
    // The site may start at the receiver chain (`if this`, four lines up) or at the method call.
    const atCas = lenses.find(l => l.range.start.line <= SUCCESS.line && l.range.start.line >= SUCCESS.line - 4);
    assert.ok(atCas, `a lens on the CAS statement: ${JSON.stringify(lenses)}`);
    assert.equal(atCas.command?.command, 'refcountReview.simulate');
    assert.equal(atCas.command!.title, 'Simulate: race', 'the seed CAS races');
    const args = atCas.command!.arguments![0] as { uri: string; scenarioId: string };
    assert.equal(args.uri, URI);
    const r = await client.request<{ scenarios: { id: string; sites: unknown[] }[]; findings: { rule: string; trace: unknown }[] }>('refcountReview/scenarios', { uri: URI, position: SUCCESS });
    assert.ok(r.scenarios.some(s => s.id === args.scenarioId), 'the lens scenario is among the scenarios at the CAS');
    assert.equal(r.findings.length, 1);
    assert.equal(r.findings[0].rule, 'takeover-needs-acquire');
    assert.ok(r.findings[0].trace, 'the finding carries its counterexample trace');
  } finally {
    await client.stop();
  }
});

test('seed: severity settings change how the finding is shown, "off" hides it', async () => {
  const { client } = await TestClient.start({ settings: { severity: { 'takeover-needs-acquire': 'error' } } });
  try {
    await client.waitFor('settings applied', () => client.logs.find(l => l.startsWith('settings (initialized)')));
    const diags = await openSeed(client);
    assert.equal(diags[0]?.severity, 1 /* Error */);
    client.settings = { severity: { 'takeover-needs-acquire': 'off' } };
    const n = client.published(URI);
    await client.conn.sendNotification('workspace/didChangeConfiguration', { settings: null });
    // A review already running when the setting changed may still publish under the old one; what
    // must happen is a publish, after the change, that hides the finding.
    await client.waitFor('a publish without the finding', () => (client.diagnostics.get(URI) ?? []).slice(n).find(d => d.diagnostics.length === 0));
    const status = await client.waitFor('status with 0 findings', () => client.statuses.at(-1)?.findings === 0 ? client.statuses.at(-1) : undefined);
    assert.equal(status.findings, 0);
  } finally {
    await client.stop();
  }
});
