// `npm run test:vscode`: runs the extension-host suite (index.ts) in a desktop VS Code through
// @vscode/test-electron, the usual way, wherever VS Code can be downloaded (or VSCODE_EXECUTABLE
// points at one). Where it cannot (no access to Microsoft's servers, like this project's CI), it
// falls back to code-server, whose web workbench runs the same suite through its test payload.

import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { downloadAndUnzipVSCode, runTests } from '@vscode/test-electron';
import { FIXTURE_WS, ROOT } from '../e2e/harness';
import { runHostSuiteInCodeServer } from '../e2e/payload';

export type Route = 'electron' | 'code-server';

export interface Outcome { route: Route; exitCode: number; why?: string }

/** The desktop VS Code to test in, or the reason there is none. */
async function desktopVsCode(): Promise<{ exe: string } | { why: string }> {
  if (process.env.VSCODE_EXECUTABLE) return { exe: process.env.VSCODE_EXECUTABLE };
  try {
    // Pinned to the version the manifest targets (engines.vscode ^1.100.0).
    return { exe: await downloadAndUnzipVSCode({ version: '1.100.3', timeout: 30_000 }) };
  } catch (err) {
    return { why: `VS Code download failed: ${(err as Error).message.split('\n')[0]}` };
  }
}

export async function runVsCodeSuite(): Promise<Outcome> {
  const found = await desktopVsCode();
  if ('why' in found) {
    process.stderr.write(`${found.why}; running the suite in code-server instead\n`);
    const r = await runHostSuiteInCodeServer();
    for (const line of r.log) process.stderr.write(`${line}\n`);
    return { route: 'code-server', exitCode: r.exitCode, why: found.why };
  }
  const ws = mkdtempSync(path.join(os.tmpdir(), 'rr-vscode-ws-'));
  const userData = mkdtempSync(path.join(os.tmpdir(), 'rr-vscode-ud-'));
  try {
    cpSync(FIXTURE_WS, ws, { recursive: true });
    const exitCode = await runTests({
      vscodeExecutablePath: found.exe,
      extensionDevelopmentPath: ROOT,
      extensionTestsPath: path.join(__dirname, 'index.js'),
      launchArgs: [ws, '--disable-extensions', '--disable-workspace-trust', `--user-data-dir=${userData}`],
    }).catch(() => 1);
    return { route: 'electron', exitCode };
  } finally {
    rmSync(ws, { recursive: true, force: true });
    rmSync(userData, { recursive: true, force: true });
  }
}

if (require.main === module) {
  runVsCodeSuite().then(o => {
    process.stdout.write(`extension-host suite via ${o.route}: exit ${o.exitCode}\n`);
    process.exit(o.exitCode);
  }, err => { process.stderr.write(`${(err as Error).stack}\n`); process.exit(1); });
}
