// The LanguageClient: the bundled server (dist/server.js) over IPC, Rust and litmus documents,
// a file watcher for the workspace index, and the restart policy (a few restarts, then a message).

import * as vscode from 'vscode';
import {
  CloseAction, ErrorAction, LanguageClient, TransportKind,
  type CloseHandlerResult, type ErrorHandlerResult, type LanguageClientOptions, type ServerOptions,
} from 'vscode-languageclient/node';
import type { InitializationOptions } from '../../server/src/lsp/requests';
import { MAX_RESTARTS, RESTART_WINDOW_MS, rawSettings, SECTION } from './config';
import { OPEN_RULE_COMMAND } from './rules';
import { SHOW_LOCATION_COMMAND } from './locations';

export function createClient(context: vscode.ExtensionContext, output: vscode.LogOutputChannel, onGiveUp: (why: string) => void): LanguageClient {
  const serverModule = vscode.Uri.joinPath(context.extensionUri, 'dist', 'server.js').fsPath;
  const serverOptions: ServerOptions = {
    run: { module: serverModule, transport: TransportKind.ipc },
    debug: { module: serverModule, transport: TransportKind.ipc, options: { execArgv: ['--nolazy', '--inspect=6010'] } },
  };
  const initializationOptions: InitializationOptions = {
    // A file: URI into the installed extension: diagnostic links work offline.
    rulesDocUri: vscode.Uri.joinPath(context.extensionUri, 'docs', 'rules.md').toString(),
    // Diagnostic links run this command: the rule's section rendered beside the editor.
    ruleCommand: OPEN_RULE_COMMAND,
    // Sites named in hovers link through this command (it opens the site with its range selected).
    locationCommand: SHOW_LOCATION_COMMAND,
    settings: rawSettings(),
  };
  const restarts: number[] = [];
  const clientOptions: LanguageClientOptions = {
    documentSelector: [
      { scheme: 'file', language: 'rust' },
      { scheme: 'untitled', language: 'rust' },
      { scheme: 'file', language: 'litmus' },
    ],
    synchronize: {
      // Keeps the server's workspace index current (helpers and paired sites in other files).
      fileEvents: vscode.workspace.createFileSystemWatcher('**/*.rs'),
    },
    initializationOptions,
    // Hover links are command: URIs; the markdown is trusted for these two commands and no other.
    markdown: { isTrusted: { enabledCommands: [OPEN_RULE_COMMAND, SHOW_LOCATION_COMMAND] } },
    outputChannel: output,
    errorHandler: {
      error: (_error, _message, count): ErrorHandlerResult => ({ action: (count ?? 0) <= 3 ? ErrorAction.Continue : ErrorAction.Shutdown }),
      closed: (): CloseHandlerResult => {
        const now = Date.now();
        restarts.push(now);
        while (restarts.length && now - restarts[0] > RESTART_WINDOW_MS) restarts.shift();
        if (restarts.length > MAX_RESTARTS) {
          const why = `The Refcount Review server stopped ${restarts.length} times in the last ${RESTART_WINDOW_MS / 60000} minutes and will not be restarted. See the "Refcount Review" output for its log; reload the window to try again.`;
          output.appendLine(`[client] ${why}`);
          onGiveUp(why);
          return { action: CloseAction.DoNotRestart, handled: true };
        }
        output.appendLine(`[client] the server stopped; restarting it (${restarts.length}/${MAX_RESTARTS})`);
        return { action: CloseAction.Restart, handled: true };
      },
    },
  };
  return new LanguageClient(SECTION, 'Refcount Review', serverOptions, clientOptions);
}
