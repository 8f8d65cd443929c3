// The commands under "Refcount Review": simulate (from a CodeLens), simulate at cursor, open a
// litmus file in the simulator (also a lens on .litmus files), open a rule's documentation, check
// workspace, show output.

import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import {
  checkWorkspaceMethod,
  type CheckWorkspaceResult,
} from '../../server/src/lsp/requests';
import type { OpenArgs, SimulatorHost } from './simulator/api';
import { createSimulatorHost } from './simulator/panel';
import { registerLitmusLens } from './litmusLens';
import { registerRuleDocs } from './rules';
import { registerShowLocation } from './locations';

export function registerCommands(context: vscode.ExtensionContext, client: LanguageClient, output: vscode.OutputChannel): void {
  // Created at activation, not on first use: it registers the panel serializer (restore after a
  // reload) and the cursor listener that selects a site's steps in an open panel.
  const simulator: SimulatorHost = createSimulatorHost(context, client, m => output.appendLine(`[simulator] ${m}`));
  const sim = () => simulator;
  const reg = (id: string, fn: (...args: any[]) => unknown) => context.subscriptions.push(vscode.commands.registerCommand(id, fn));

  reg('refcountReview.showOutput', () => output.show(true));
  registerRuleDocs(context);
  registerShowLocation(context);
  registerLitmusLens(context);

  reg('refcountReview.simulate', async (args?: OpenArgs) => {
    if (!args || typeof args.uri !== 'string') {
      // Invoked from the palette rather than a CodeLens: same as "at cursor".
      return vscode.commands.executeCommand('refcountReview.simulateAtCursor');
    }
    await sim().open(args);
  });

  reg('refcountReview.simulateAtCursor', async () => {
    const editor = vscode.window.activeTextEditor;
    if (!editor || !['rust', 'litmus'].includes(editor.document.languageId)) {
      void vscode.window.showInformationMessage('Refcount Review: put the cursor on an atomic operation in a Rust file (or open a .litmus file) to simulate it.');
      return;
    }
    const p = editor.selection.active;
    await sim().open({ uri: editor.document.uri.toString(), position: { line: p.line, character: p.character } });
  });

  reg('refcountReview.openLitmus', async (uri?: vscode.Uri) => {
    let target = uri instanceof vscode.Uri ? uri : undefined;
    const active = vscode.window.activeTextEditor?.document;
    if (!target && active?.languageId === 'litmus') target = active.uri;
    if (!target) {
      const picked = await vscode.window.showOpenDialog({ canSelectMany: false, filters: { 'C11 litmus test': ['litmus'] }, title: 'Open Litmus File in Simulator' });
      target = picked?.[0];
    }
    if (target) await sim().open({ uri: target.toString() });
  });

  reg('refcountReview.checkWorkspace', async () => {
    // The server reports progress itself (work-done progress, shown by the client library).
    const r = await client.sendRequest<CheckWorkspaceResult>(checkWorkspaceMethod, {});
    const summary = `Refcount Review: checked ${r.files} Rust file${r.files === 1 ? '' : 's'}: ${r.findings} finding${r.findings === 1 ? '' : 's'} in ${r.filesWithFindings} file${r.filesWithFindings === 1 ? '' : 's'}` +
      `${r.skipped.length ? `, ${r.skipped.length} skipped` : ''}${r.cancelled ? ' (cancelled)' : ''}.`;
    output.appendLine(`[client] ${summary}`);
    for (const s of r.skipped) output.appendLine(`[client]   skipped ${s.file}: ${s.reason}`);
    // Not awaited: the message stays until dismissed, and callers (tests, keybindings) want the result now.
    void vscode.window.showInformationMessage(summary, ...(r.findings ? ['Show Problems'] : [])).then(choice => {
      if (choice === 'Show Problems') void vscode.commands.executeCommand('workbench.actions.view.problems');
    });
    return r;
  });
}
