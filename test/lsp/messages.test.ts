// What a reviewer sees in the editor, over real LSP messages: the diagnostic's one-line message,
// a hover that explains it without repeating it (what goes wrong, the sites it pairs with as
// links, the rule, the model), and quick fixes whose titles say what they do and what they leave.
// "Fix the protocol" applies every site of a multi-site verified fix in one workspace edit.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { TextDocument } from 'vscode-languageserver-textdocument';
import type { CodeAction, Diagnostic, Hover, TextDocumentEdit, TextEdit } from 'vscode-languageserver-protocol';
import { positionOf, REQUEST_RS, ROOT, TestClient } from './lspClient';

const SEED = readFileSync(REQUEST_RS, 'utf8');
const SEED_URI = pathToFileURL(REQUEST_RS).href;
const ARC = path.join(ROOT, 'examples', 'arc_done_wrong.rs');
const ARC_TEXT = readFileSync(ARC, 'utf8');
const ARC_URI = pathToFileURL(ARC).href;
const COMMANDS = { ruleCommand: 'refcountReview.openRule', locationCommand: 'refcountReview.showLocation' };

async function openAndWait(client: TestClient, uri: string, text: string): Promise<Diagnostic[]> {
  const n = client.published(uri);
  await client.open(uri, text);
  return client.nextDiagnostics(uri, n, 1);
}

async function hoverText(client: TestClient, uri: string, at: { line: number; character: number }): Promise<string> {
  const h = await client.request<Hover | null>('textDocument/hover', { textDocument: { uri }, position: at });
  assert.ok(h, 'a hover on the ordering argument');
  return (h.contents as { value: string }).value;
}

/** The decoded argument list of each `command:<name>?<args>` link in markdown. */
function commandArgs(md: string, name: string): unknown[][] {
  const re = new RegExp(`\\]\\(command:${name.replace(/\./g, '\\.')}\\?([^)]+)\\)`, 'g');
  return [...md.matchAll(re)].map(m => JSON.parse(decodeURIComponent(m[1])) as unknown[]);
}

function applyWorkspaceEdit(uri: string, text: string, a: CodeAction): string {
  const changes = (a.edit?.documentChanges ?? []) as TextDocumentEdit[];
  assert.ok(changes.every(c => c.textDocument.uri === uri), `all edits in ${uri}: ${JSON.stringify(changes.map(c => c.textDocument.uri))}`);
  return TextDocument.applyEdits(TextDocument.create(uri, 'rust', 1, text), changes.flatMap(c => c.edits as TextEdit[]));
}

test('hover: explains the finding without repeating its message; pairs-with and rule are command links; the model is named', async () => {
  const { client } = await TestClient.start({ initializationOptions: COMMANDS });
  try {
    const [d] = await openAndWait(client, SEED_URI, SEED);
    const message = d.message as string;
    assert.match(message, /^`compare_exchange` success ordering should be `Acquire`: /);
    assert.ok(message.replace(/`/g, '').length <= 100, message);
    assert.deepEqual(d.relatedInformation?.map(r => r.message), ['pairs with this `Release` decrement']);
    const at = positionOf(SEED, 'compare_exchange(2, 0, Ordering::Relaxed', 'compare_exchange(2, 0, '.length + 3);
    const md = await hoverText(client, SEED_URI, at);
    assert.ok(!md.includes(message), `the hover does not repeat the message:\n${md}`);
    for (const part of ['**What goes wrong:**', '**Pairs with:**', '**Rule:**', '**Model:**']) assert.ok(md.includes(part), `hover has ${part}:\n${md}`);
    assert.match(md, /\*\*What goes wrong:\*\* [^\n]*not visible to the new owner/);
    assert.match(md, /\*\*Model:\*\* Checked under the (Linux kernel memory model \(LKMM\)|C11\/Rust memory model \(RC11\))/);
    // Each sentence of the explanation appears once.
    const why = md.match(/\*\*What goes wrong:\*\* ([^\n]+)/)![1];
    assert.equal(md.split(why).length, 2);
    // The paired decrement is a link that opens it.
    const [loc] = commandArgs(md, COMMANDS.locationCommand);
    assert.ok(loc, `a location link:\n${md}`);
    const target = loc[0] as { uri: string; range: { start: { line: number } } };
    assert.equal(target.uri, SEED_URI);
    assert.match(SEED.split('\n')[target.range.start.line], /dec_and_test/);
    assert.deepEqual(commandArgs(md, COMMANDS.ruleCommand), [['takeover-needs-acquire']]);
  } finally {
    await client.stop();
  }
});

test('hover: a client without the location command gets file links to the line', async () => {
  const { client } = await TestClient.start();
  try {
    await openAndWait(client, SEED_URI, SEED);
    const md = await hoverText(client, SEED_URI, positionOf(SEED, 'compare_exchange(2, 0, Ordering::Relaxed', 'compare_exchange(2, 0, '.length + 3));
    const line = SEED.split('\n').findIndex(l => l.includes('dec_and_test')) + 1;
    assert.ok(md.includes(`](${SEED_URI}#L${line},`), `a file link to line ${line}:\n${md}`);
    assert.ok(!md.includes('command:'), md);
  } finally {
    await client.stop();
  }
});

test('code actions: short titles; "Fix the protocol" edits both sites and the re-review is clean; a single fix leaves the finding it says', async () => {
  const { client } = await TestClient.start({ initializationOptions: COMMANDS });
  try {
    const diags = await openAndWait(client, ARC_URI, ARC_TEXT);
    assert.equal(diags.length, 2, JSON.stringify(diags.map(x => x.message)));
    const load = diags.find(x => x.code === 'unique-load-needs-acquire')!;
    const dec = diags.find(x => x.code === 'last-dec-needs-acquire')!;
    const actionsAt = (d: Diagnostic) => client.request<CodeAction[]>('textDocument/codeAction', { textDocument: { uri: ARC_URI }, range: d.range, context: { diagnostics: [d] } });
    // Two holders running the same decrement race with each other: the hover says so, and links the racing access.
    const decMd = await hoverText(client, ARC_URI, dec.range.start);
    assert.match(decMd, /\*\*Pairs with:\*\* another thread running this same call/);
    assert.match(decMd, /\*\*See also:\*\*\n- \[changed with it: `load` → `Acquire`\]\(command:refcountReview\.showLocation\?[^)]+\) \(arc_done_wrong\.rs:23\)/);
    assert.match(decMd, /\[the racing access to the object\]\(command:/);
    assert.match(decMd, /\*\*Verified fix:\*\* Fix the protocol: /);
    const atLoad = await actionsAt(load);
    const atDec = await actionsAt(dec);
    const protocolTitle = 'Fix the protocol: `fetch_sub` → `AcqRel`, `load` → `Acquire` (2 sites)';
    assert.deepEqual(atLoad.filter(a => a.edit).map(a => [a.title, !!a.isPreferred]), [[protocolTitle, true], ['Use `Acquire` (1 more finding remains)', false]]);
    assert.deepEqual(atDec.filter(a => a.edit).map(a => a.title), [
      protocolTitle,
      'Use `AcqRel` (1 more finding remains)',
      'Use `Release` + `fence(Acquire)` on the last-reference path (1 more finding remains)',
    ]);

    // Each fix applied and re-reviewed by the server: the protocol fix leaves nothing, the others one finding each.
    let version = 1;
    const reviewAfter = async (a: CodeAction): Promise<Diagnostic[]> => {
      const n = client.published(ARC_URI);
      version++;
      await client.change(ARC_URI, version, [{ text: applyWorkspaceEdit(ARC_URI, ARC_TEXT, a) }]);
      return client.nextDiagnostics(ARC_URI, n, version);
    };
    const protocol = atLoad.find(a => a.title === protocolTitle)!;
    const edited = applyWorkspaceEdit(ARC_URI, ARC_TEXT, protocol);
    assert.match(edited, /fetch_sub\(1, Ordering::AcqRel\)/);
    assert.match(edited, /refs\.load\(Ordering::Acquire\)/);
    assert.deepEqual(await reviewAfter(protocol), []);
    assert.deepEqual((await reviewAfter(atLoad[1])).map(x => x.code), ['last-dec-needs-acquire']);
    // The fence alternative writes Release and inserts the fence: only the load's finding is left.
    const fence = atDec.find(a => a.title.includes('fence(Acquire)'))!;
    const withFence = applyWorkspaceEdit(ARC_URI, ARC_TEXT, fence);
    assert.match(withFence, /fetch_sub\(1, Ordering::Release\)/);
    assert.match(withFence, /fence\(Ordering::Acquire\)/);
    assert.deepEqual((await reviewAfter(fence)).map(x => x.code), ['unique-load-needs-acquire']);
  } finally {
    await client.stop();
  }
});
