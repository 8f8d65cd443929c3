// The client's restart policy, inside the extension host: a language server that dies is
// restarted (and serves again); one that keeps dying is given up on after MAX_RESTARTS. Runs last:
// it leaves the server stopped. Finds the server process through /proc (Linux only).

import * as assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';

const RUNNING = 2; // vscode-languageclient State.Running
const STOPPED = 1; // State.Stopped

/** PIDs of this extension host's children running dist/server.js. */
function serverPids(): number[] {
  const out: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid !== process.pid) continue;
      const cmd = readFileSync(`/proc/${name}/cmdline`, 'utf8');
      if (cmd.includes('dist/server.js')) out.push(Number(name));
    } catch { /* exited meanwhile */ }
  }
  return out;
}

function until<T>(what: string, fn: () => T | undefined, ms = 30_000): Promise<T> {
  const t0 = Date.now();
  return new Promise((resolve, reject) => {
    const tick = () => {
      const v = fn();
      if (v !== undefined && v !== null && v !== false) return resolve(v);
      if (Date.now() - t0 > ms) return reject(new Error(`timed out waiting for ${what}`));
      setTimeout(tick, 50); // polling a process table: no event to wait on
    };
    tick();
  });
}

(existsSync('/proc/self/stat') ? suite : suite.skip)('Refcount Review server restarts', () => {
  let client: LanguageClient;
  // A function, so TypeScript does not narrow the state across awaits.
  const state = (): number => client.state;

  suiteSetup(async () => {
    const api = await vscode.extensions.getExtension('refcount-review.refcount-review')!.activate() as { client: LanguageClient };
    client = api.client;
  });

  test('a killed server is restarted and serves again', async () => {
    const [pid] = await until('a running server', () => { const p = serverPids(); return p.length ? p : undefined; });
    process.kill(pid, 'SIGKILL');
    const next = await until('a new server process', () => serverPids().find(p => p !== pid));
    assert.notEqual(next, pid);
    await until('client running', () => state() === RUNNING);
    const r = await vscode.commands.executeCommand<{ files: number }>('refcountReview.checkWorkspace');
    assert.equal(r.files, 4, 'the restarted server answers requests');
  });

  test('a server that keeps dying is given up on', async () => {
    // One restart is used up by the previous test; MAX_RESTARTS (4) more kills are still restarted.
    for (let i = 0; i < 10 && state() !== STOPPED; i++) {
      // Kill a server that finished starting (a crash during start-up is a different path).
      await until('client running', () => state() === RUNNING || state() === STOPPED);
      if (state() === STOPPED) break;
      const pids = serverPids();
      assert.ok(pids.length > 0);
      for (const p of pids) process.kill(p, 'SIGKILL');
      await until('restart or give-up', () => state() === STOPPED || serverPids().some(p => !pids.includes(p)));
    }
    assert.equal(state(), STOPPED);
    assert.deepEqual(serverPids(), [], 'no server left running');
  });
});
