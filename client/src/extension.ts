// Refcount Review extension entry point: output channel, language client, commands, status bar.

import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { statusMethod, type StatusParams } from '../../server/src/lsp/requests';
import { createClient } from './client';
import { registerCommands } from './commands';
import { StatusBar } from './statusBar';

let client: LanguageClient | undefined;

/** What tests and other extensions can read from `extension.exports`. */
export interface RefcountReviewApi {
  client: LanguageClient;
  /** ms from activate() entry to the language server being ready. */
  activationMs: number;
}

export async function activate(context: vscode.ExtensionContext): Promise<RefcountReviewApi> {
  const t0 = performance.now();
  const output = vscode.window.createOutputChannel('Refcount Review', { log: true });
  context.subscriptions.push(output);
  const status = new StatusBar();
  context.subscriptions.push(status);

  const giveUp = (why: string) => {
    status.stopped(why);
    void vscode.window.showErrorMessage(why, 'Show Output').then(c => { if (c) output.show(true); });
  };
  client = createClient(context, output, giveUp);
  context.subscriptions.push(client.onNotification(statusMethod, (s: StatusParams) => status.update(s)));
  registerCommands(context, client, output);
  context.subscriptions.push(vscode.workspace.onDidChangeConfiguration(e => {
    // The server pulls its settings on this notification; the status bar shows the result.
    if (e.affectsConfiguration('refcountReview')) output.appendLine('[client] settings changed');
  }));

  try {
    await client.start();
  } catch (err) {
    const why = `Refcount Review: the language server did not start: ${err instanceof Error ? err.message : String(err)}`;
    output.appendLine(`[client] ${why}`);
    giveUp(why);
  }
  const activationMs = performance.now() - t0;
  output.appendLine(`[client] activated in ${activationMs.toFixed(0)} ms`);
  return { client, activationMs };
}

export async function deactivate(): Promise<void> {
  await client?.stop();
  client = undefined;
}
