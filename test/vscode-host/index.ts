// Entry point of the in-extension-host tests (the @vscode/test-electron `extensionTestsPath`
// contract: export run(), resolve on success, reject on failure). Runs the mocha suites in
// this folder inside VS Code's extension host, where `require('vscode')` is the real API.

import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import Mocha from 'mocha';
import * as vscode from 'vscode';

export const RESULTS_FILE = path.resolve(__dirname, '../../../test-results/e2e/vscode-host.json');
/** Name of the results file in the test workspace's root. */
export const WORKSPACE_RESULTS = '.vscode-host-results.json';

export function run(): Promise<void> {
  const mocha = new Mocha({ ui: 'tdd', color: false, timeout: 60_000, reporter: 'spec' });
  mocha.addFile(path.join(__dirname, 'extension.suite.js'));
  // Last: it leaves the language server stopped.
  mocha.addFile(path.join(__dirname, 'restart.suite.js'));
  const results: { title: string; state: string; error?: string; ms?: number }[] = [];
  return new Promise<void>((resolve, reject) => {
    const runner = mocha.run(failures => {
      // Results also go to a file: the launcher reads it from the run's own (temporary) workspace,
      // so runs in parallel never read each other's; a copy lands in test-results/ for humans.
      const json = JSON.stringify({ failures, tests: results }, null, 2) + '\n';
      const ws = vscode.workspace.workspaceFolders?.[0]?.uri;
      if (ws?.scheme === 'file') writeFileSync(path.join(ws.fsPath, WORKSPACE_RESULTS), json);
      mkdirSync(path.dirname(RESULTS_FILE), { recursive: true });
      writeFileSync(RESULTS_FILE, json);
      if (failures > 0) reject(new Error(`${failures} extension-host test(s) failed`));
      else resolve();
    });
    runner.on('pass', t => results.push({ title: t.fullTitle(), state: 'passed', ms: t.duration }));
    runner.on('fail', (t, err: Error) => results.push({ title: t.fullTitle(), state: 'failed', error: err?.stack ?? String(err) }));
  });
}
