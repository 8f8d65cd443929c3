// API-level tests inside a real extension host: activation, commands, diagnostics through
// vscode.languages.getDiagnostics, code actions through vscode.executeCodeActionProvider, code
// lenses, hover, and commands through executeCommand. The workspace is a fresh copy of
// test/e2e/workspace (the block-mq request with the seed bug).

import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';

const EXT_ID = 'refcount-review.refcount-review';
const CAS_RELAXED = 'compare_exchange(2, 0, Ordering::Relaxed, Ordering::Relaxed)';
const CAS_FIXED = 'compare_exchange(2, 0, Ordering::Acquire, Ordering::Relaxed)';

function requestUri(): vscode.Uri {
  const folder = vscode.workspace.workspaceFolders?.[0];
  assert.ok(folder, 'the test workspace is open');
  return vscode.Uri.joinPath(folder.uri, 'src', 'block', 'mq', 'request.rs');
}

function ours(uri: vscode.Uri): vscode.Diagnostic[] {
  return vscode.languages.getDiagnostics(uri).filter(d => d.source === 'refcount-review');
}

/** Resolves when `pred` holds for our diagnostics of `uri` (checked on every change, no sleeps). */
function diagnosticsWhere(uri: vscode.Uri, pred: (d: vscode.Diagnostic[]) => boolean, ms = 30_000): Promise<vscode.Diagnostic[]> {
  return new Promise((resolve, reject) => {
    const check = () => {
      const d = ours(uri);
      if (pred(d)) { sub.dispose(); clearTimeout(timer); resolve(d); }
    };
    const sub = vscode.languages.onDidChangeDiagnostics(e => { if (e.uris.some(u => u.toString() === uri.toString())) check(); });
    const timer = setTimeout(() => { sub.dispose(); reject(new Error(`diagnostics condition not met within ${ms} ms: ${JSON.stringify(ours(uri))}`)); }, ms);
    check();
  });
}

function codeOf(d: vscode.Diagnostic): string | undefined {
  const c = d.code;
  return typeof c === 'object' && c !== null ? String(c.value) : c === undefined ? undefined : String(c);
}

suite('Refcount Review in the extension host', () => {
  test('activates and exposes its API', async () => {
    const ext = vscode.extensions.getExtension(EXT_ID);
    assert.ok(ext, `${EXT_ID} is installed`);
    const api = await ext.activate() as { activationMs: number; client: unknown };
    assert.ok(ext.isActive);
    assert.ok(api.activationMs > 0);
    assert.ok(api.client);
  });

  test('contributes its commands', async () => {
    const all = await vscode.commands.getCommands(true);
    for (const id of ['refcountReview.simulate', 'refcountReview.simulateAtCursor', 'refcountReview.openLitmus', 'refcountReview.checkWorkspace', 'refcountReview.showOutput']) {
      assert.ok(all.includes(id), `${id} is registered`);
    }
  });

  test('the seed bug is a takeover-needs-acquire warning linked to its rule documentation', async () => {
    const doc = await vscode.workspace.openTextDocument(requestUri());
    await vscode.window.showTextDocument(doc);
    const [d] = await diagnosticsWhere(doc.uri, ds => ds.length > 0);
    assert.equal(ours(doc.uri).length, 1);
    assert.equal(codeOf(d), 'takeover-needs-acquire', JSON.stringify(d.code));
    assert.equal(d.severity, vscode.DiagnosticSeverity.Warning);
    // The code links to the rule's section, rendered: a command that opens docs/rules.md in the
    // markdown preview at the rule's heading (its argument is the rule id).
    const target = (d.code as { target: vscode.Uri }).target;
    assert.equal(target.scheme, 'command', target.toString());
    assert.equal(target.path, 'refcountReview.openRule');
    assert.deepEqual(JSON.parse(decodeURIComponent(target.query)), ['takeover-needs-acquire']);
    const line = doc.lineAt(d.range.start.line).text;
    assert.ok(line.includes(CAS_RELAXED), `on the CAS line: ${line}`);
    assert.ok((d.relatedInformation ?? []).length >= 1);
  });

  test('hover on the success ordering explains role and what goes wrong, with links', async () => {
    const doc = await vscode.workspace.openTextDocument(requestUri());
    const at = doc.positionAt(doc.getText().indexOf(CAS_RELAXED) + 'compare_exchange(2, 0, Ordering::'.length);
    const hovers = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', doc.uri, at);
    const text = hovers.flatMap(h => h.contents.map(c => (typeof c === 'string' ? c : (c as vscode.MarkdownString).value))).join('\n');
    assert.match(text, /takeover CAS 2 -> 0/);
    assert.match(text, /\*\*What goes wrong:\*\*/);
    // Sites and the rule are command links the client registered and trusts.
    assert.match(text, /\]\(command:refcountReview\.showLocation\?/);
    assert.match(text, /\]\(command:refcountReview\.openRule\?/);
  });

  test('code lens "Simulate" runs refcountReview.simulate', async () => {
    const doc = await vscode.workspace.openTextDocument(requestUri());
    const lenses = await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', doc.uri);
    const sim = lenses.filter(l => l.command?.command === 'refcountReview.simulate');
    assert.ok(sim.length >= 1, JSON.stringify(lenses.map(l => l.command?.title)));
    assert.match(sim[0].command!.title, /^Simulate/);
  });

  test('the quick fix is preferred, verified, and clears the finding when applied', async () => {
    const doc = await vscode.workspace.openTextDocument(requestUri());
    const [d] = await diagnosticsWhere(doc.uri, ds => ds.length === 1);
    const actions = await vscode.commands.executeCommand<vscode.CodeAction[]>('vscode.executeCodeActionProvider', doc.uri, d.range, vscode.CodeActionKind.QuickFix.value);
    const fix = actions.find(a => a.isPreferred);
    assert.ok(fix, JSON.stringify(actions.map(a => a.title)));
    assert.equal(fix.title, 'Use `Acquire` (success ordering)');
    assert.ok(fix.edit);
    assert.ok(await vscode.workspace.applyEdit(fix.edit));
    assert.ok(doc.getText().includes(CAS_FIXED));
    await diagnosticsWhere(doc.uri, ds => ds.length === 0);
  });

  test('Check Workspace runs through executeCommand and reports the files', async () => {
    const r = await vscode.commands.executeCommand<{ files: number; skipped: unknown[]; cancelled: boolean }>('refcountReview.checkWorkspace');
    assert.equal(r.files, 4);
    assert.equal(r.cancelled, false);
  });
});
