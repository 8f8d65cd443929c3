// Runs the in-extension-host test suite (test/vscode-host, the @vscode/test-electron
// `extensionTestsPath` contract) inside code-server: the web workbench reads
// `extensionDevelopmentPath` and `extensionTestsPath` from its `payload` URL parameter and reports
// run()'s outcome through window.codeAutomationExit.

import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { format } from 'node:util';
import { CodeServerSession, ROOT } from './harness';

export const HOST_SUITE = path.join(ROOT, 'out', 'test', 'vscode-host', 'index.js');
/** Where run() leaves its results, in the session's own workspace (see test/vscode-host/index.ts). */
const WORKSPACE_RESULTS = '.vscode-host-results.json';

export interface HostRun {
  exitCode: number;
  log: string[];
  results?: { failures: number; tests: { title: string; state: string; error?: string }[] };
}

/** The extension is loaded unpackaged from the repository (dist/ must be built). */
export async function runHostSuiteInCodeServer(timeoutMs = 180_000): Promise<HostRun> {
  if (!existsSync(HOST_SUITE)) throw new Error(`${HOST_SUITE} missing: compile first (npx tsc -p .)`);
  if (!existsSync(path.join(ROOT, 'dist', 'extension.js'))) throw new Error('dist/extension.js missing: build first (node scripts/build.mjs)');
  const s = await CodeServerSession.start({ name: 'vscode-host' });
  const log: string[] = [];
  try {
    const page = await s.launchBrowser();
    const authority = new URL(s.base).host;
    const payload = [
      ['extensionDevelopmentPath', `vscode-remote://${authority}${ROOT}`],
      ['extensionTestsPath', `vscode-remote://${authority}${HOST_SUITE}`],
    ];
    let exit!: (code: number) => void;
    const exited = new Promise<number>(r => { exit = r; });
    // Both hooks must exist before the workbench loads.
    await page.exposeFunction('codeAutomationExit', (code: number) => exit(code));
    await page.exposeFunction('codeAutomationLog', (type: string, args: unknown[]) => {
      // The workbench forwards console calls as (format, ...args), like console.log itself.
      log.push(`[exthost ${type}] ${format(...(Array.isArray(args) ? args : []))}`);
    });
    await page.goto(s.workbenchUrl({ payload: JSON.stringify(payload) }));
    let timer: NodeJS.Timeout | undefined;
    const exitCode = await Promise.race([
      exited,
      new Promise<number>((_, reject) => { timer = setTimeout(() => reject(new Error(`extension-host tests did not finish within ${timeoutMs} ms\n${log.join('\n')}`)), timeoutMs); }),
    ]).finally(() => clearTimeout(timer));
    await s.screenshot('end');
    const file = path.join(s.workspace, WORKSPACE_RESULTS);
    const results = existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : undefined;
    return { exitCode, log, results };
  } finally {
    await s.close();
  }
}
