// The commands under "Refcount Review": simulate (from a CodeLens), simulate at cursor, open a
// litmus file in the simulator, check workspace, show output.

import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import {
  checkWorkspaceMethod, scenariosMethod,
  type CheckWorkspaceResult, type ScenariosParams, type ScenariosResult,
} from '../../server/src/lsp/requests';
import type { SimulatorHost } from './simulator/api';

type OpenArgs = Parameters<SimulatorHost['open']>[0];

/**
 * The simulator panel when it is part of the build (client/src/simulator/panel.ts); otherwise a
 * stand-in that shows the scenario and its counterexample trace as JSON.
 */
function loadSimulator(context: vscode.ExtensionContext, client: LanguageClient, output: vscode.OutputChannel): SimulatorHost {
  let mod: { createSimulatorHost?: (c: vscode.ExtensionContext, l: LanguageClient, log: (m: string) => void) => SimulatorHost } | undefined;
  try {
    // A literal path inside try: esbuild bundles it when the module exists and leaves it out otherwise.
    mod = require('./simulator/panel');
  } catch {
    mod = undefined;
  }
  if (mod?.createSimulatorHost) return mod.createSimulatorHost(context, client, m => output.appendLine(`[simulator] ${m}`));
  output.appendLine('[client] simulator panel not available in this build; scenarios open as JSON');
  return {
    async open(args: OpenArgs) {
      if (/\.litmus$/i.test(args.uri)) {
        await vscode.window.showTextDocument(vscode.Uri.parse(args.uri));
        return;
      }
      const r = await client.sendRequest<ScenariosResult>(scenariosMethod, { uri: args.uri, position: args.position } satisfies ScenariosParams);
      const scenarios = args.scenarioId ? r.scenarios.filter(s => s.id === args.scenarioId) : r.scenarios;
      if (scenarios.length === 0) {
        void vscode.window.showInformationMessage(`Refcount Review: nothing to simulate here${r.reason ? ` (${r.reason})` : ''}.`);
        return;
      }
      const ids = new Set(scenarios.map(s => s.id));
      const findings = r.findings.filter(f => f.scenario === undefined || ids.has(f.scenario));
      const doc = await vscode.workspace.openTextDocument({ language: 'json', content: JSON.stringify({ scenarios, findings }, null, 2) });
      await vscode.window.showTextDocument(doc, { viewColumn: vscode.ViewColumn.Beside, preview: true });
    },
  };
}

export function registerCommands(context: vscode.ExtensionContext, client: LanguageClient, output: vscode.OutputChannel): void {
  let simulator: SimulatorHost | undefined;
  const sim = () => (simulator ??= loadSimulator(context, client, output));
  const reg = (id: string, fn: (...args: any[]) => unknown) => context.subscriptions.push(vscode.commands.registerCommand(id, fn));

  reg('refcountReview.showOutput', () => output.show(true));

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
