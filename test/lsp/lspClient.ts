// A minimal LSP client for the tests: spawns the server over stdio, speaks JSON-RPC through
// vscode-jsonrpc, records what the server pushes (diagnostics, logs, status, progress) and lets a
// test wait for a condition instead of sleeping.

import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { createMessageConnection, StreamMessageReader, StreamMessageWriter, type MessageConnection } from 'vscode-jsonrpc/node';
import type { Diagnostic, InitializeResult, PublishDiagnosticsParams } from 'vscode-languageserver-protocol';

export const ROOT = path.resolve(__dirname, '../../..');
export const SERVER = path.join(ROOT, 'dist', 'server.js');
export const FIXTURE_WS = path.join(ROOT, 'test', 'e2e', 'workspace');
export const REQUEST_RS = path.join(FIXTURE_WS, 'src', 'block', 'mq', 'request.rs');

export interface StartOptions {
  /** Root folder (workspace) the server indexes. */
  root?: string;
  /** What workspace/configuration answers for `refcountReview` (undefined: the client has no configuration support). */
  settings?: unknown;
  initializationOptions?: Record<string, unknown>;
  /** Advertise codeAction resolve support (VS Code does). */
  resolveSupport?: boolean;
  /** Command line after `node` (default: dist/server.js --stdio). */
  argv?: string[];
}

export class TestClient {
  readonly diagnostics = new Map<string, PublishDiagnosticsParams[]>();
  readonly logs: string[] = [];
  readonly messages: string[] = [];
  readonly statuses: { state: string; findings: number; pending: number; waiting?: number }[] = [];
  readonly progress: { token: unknown; value: { kind: string; message?: string; percentage?: number; title?: string } }[] = [];
  lensRefreshes = 0;
  stderr = '';
  exitCode: number | null | undefined;
  private waiters = new Set<() => void>();

  private constructor(readonly proc: ChildProcess, readonly conn: MessageConnection, public settings: unknown) {}

  static async start(o: StartOptions = {}): Promise<{ client: TestClient; init: InitializeResult }> {
    const proc = spawn(process.execPath, o.argv ?? [SERVER, '--stdio'], { stdio: ['pipe', 'pipe', 'pipe'] });
    const conn = createMessageConnection(new StreamMessageReader(proc.stdout!), new StreamMessageWriter(proc.stdin!));
    const c = new TestClient(proc, conn, o.settings);
    proc.stderr!.on('data', d => { c.stderr += String(d); });
    proc.on('exit', code => { c.exitCode = code; c.poke(); });
    conn.onNotification('textDocument/publishDiagnostics', (p: PublishDiagnosticsParams) => {
      const list = c.diagnostics.get(p.uri) ?? [];
      list.push(p);
      c.diagnostics.set(p.uri, list);
      c.poke();
    });
    conn.onNotification('window/logMessage', (p: { message: string }) => { c.logs.push(p.message); c.poke(); });
    conn.onNotification('window/showMessage', (p: { message: string }) => { c.messages.push(p.message); c.poke(); });
    conn.onRequest('window/showMessageRequest', (p: { message: string }) => { c.messages.push(p.message); return null; });
    conn.onNotification('refcountReview/status', (p: TestClient['statuses'][number]) => { c.statuses.push(p); c.poke(); });
    conn.onNotification('$/progress', (p: TestClient['progress'][number]) => { c.progress.push(p); c.poke(); });
    conn.onRequest('window/workDoneProgress/create', () => null);
    conn.onRequest('client/registerCapability', () => null);
    conn.onRequest('workspace/codeLens/refresh', () => { c.lensRefreshes++; c.poke(); return null; });
    conn.onRequest('workspace/configuration', (p: { items: { section?: string }[] }) => p.items.map(() => c.settings ?? null));
    conn.listen();
    const root = o.root ?? FIXTURE_WS;
    const init = await conn.sendRequest<InitializeResult>('initialize', {
      processId: process.pid,
      rootUri: pathToFileURL(root).href,
      workspaceFolders: [{ uri: pathToFileURL(root).href, name: path.basename(root) }],
      initializationOptions: o.initializationOptions ?? {},
      capabilities: {
        workspace: { configuration: o.settings !== undefined, codeLens: { refreshSupport: true }, didChangeConfiguration: { dynamicRegistration: true } },
        window: { workDoneProgress: true },
        textDocument: {
          publishDiagnostics: { relatedInformation: true, versionSupport: true, codeDescriptionSupport: true, dataSupport: true },
          codeAction: o.resolveSupport === false ? {} : { resolveSupport: { properties: ['edit'] }, dataSupport: true },
          hover: { contentFormat: ['markdown', 'plaintext'] },
        },
      },
    });
    await conn.sendNotification('initialized', {});
    return { client: c, init };
  }

  private poke(): void {
    for (const w of [...this.waiters]) w();
  }

  /** Resolves when `cond()` returns a truthy value (re-checked on every server message), or rejects after `ms`. */
  // The limit is only a last guard (tests wait for events); it is sized for a machine loaded well beyond its cores.
  waitFor<T>(what: string, cond: () => T | undefined | false | null, ms = 120_000): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const check = () => {
        let v: T | undefined | false | null;
        try { v = cond(); } catch (err) { cleanup(); reject(err); return; }
        if (v) { cleanup(); resolve(v); }
      };
      const timer = setTimeout(() => { cleanup(); reject(new Error(`timed out after ${ms} ms waiting for ${what}\nlogs:\n${this.logs.slice(-20).join('\n')}\nstderr:\n${this.stderr.slice(-2000)}`)); }, ms);
      const cleanup = () => { clearTimeout(timer); this.waiters.delete(check); };
      this.waiters.add(check);
      check();
    });
  }

  /** The next publishDiagnostics for `uri` after the current count (optionally for a given version). */
  async nextDiagnostics(uri: string, after: number, version?: number, ms?: number): Promise<Diagnostic[]> {
    const p = await this.waitFor(`publishDiagnostics #${after + 1} for ${uri}${version !== undefined ? ` v${version}` : ''}`, () => {
      const list = this.diagnostics.get(uri) ?? [];
      return list.slice(after).find(d => version === undefined || d.version === undefined || d.version === version);
    }, ms);
    return p.diagnostics;
  }

  published(uri: string): number {
    return (this.diagnostics.get(uri) ?? []).length;
  }

  open(uri: string, text: string, languageId = 'rust', version = 1): Promise<void> {
    return this.conn.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId, version, text } });
  }

  change(uri: string, version: number, changes: ({ range: { start: { line: number; character: number }; end: { line: number; character: number } }; text: string } | { text: string })[]): Promise<void> {
    return this.conn.sendNotification('textDocument/didChange', { textDocument: { uri, version }, contentChanges: changes });
  }

  close(uri: string): Promise<void> {
    return this.conn.sendNotification('textDocument/didClose', { textDocument: { uri } });
  }

  request<R>(method: string, params: unknown): Promise<R> {
    return this.conn.sendRequest<R>(method, params);
  }

  /**
   * shutdown + exit, then waits for the process to end. A server that never answers or never exits
   * is killed after a last-guard wait (sized for a loaded machine: a slow shutdown is not a hang).
   */
  async stop(): Promise<number | null> {
    if (this.exitCode === undefined) {
      try {
        let answered = false;
        const settle = () => { answered = true; this.poke(); };
        this.conn.sendRequest('shutdown').then(settle, settle);
        await this.waitFor('shutdown answer', () => answered || this.exitCode !== undefined, 60_000).catch(() => {});
        await this.conn.sendNotification('exit');
      } catch { /* already gone */ }
      try { await this.waitFor('server exit', () => this.exitCode !== undefined, 60_000); } catch { this.proc.kill('SIGKILL'); }
    }
    this.conn.dispose();
    return this.exitCode ?? null;
  }
}

/** Position of the first occurrence of `needle` in `text` (0-based line/character), plus `offset` characters. */
export function positionOf(text: string, needle: string, offset = 0): { line: number; character: number } {
  const i = text.indexOf(needle);
  if (i < 0) throw new Error(`${JSON.stringify(needle)} not in text`);
  const before = text.slice(0, i + offset);
  const line = before.split('\n').length - 1;
  return { line, character: before.length - before.lastIndexOf('\n') - 1 };
}
