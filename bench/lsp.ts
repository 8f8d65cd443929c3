// Section 3: editing latency through the real language server. Spawns
// `node dist/server.js --stdio`, opens a block-mq style file and a large file, and for each edit
// measures the time from sending didChange to receiving the publishDiagnostics for that version.
// Edits are sent one at a time (each waits for its diagnostics), with the server's debounce set
// to 0, so the numbers are the server's own latency, not the typing debounce.

import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { createMessageConnection, StreamMessageReader, StreamMessageWriter, type MessageConnection } from 'vscode-jsonrpc/node';
import { blockMqFile, generateModule, TAKEOVER_MARKER } from './corpus';
import type { Section, SectionOptions, SectionResult } from './section';
import { median, nowMs, percentile } from './stats';
import { fixed, type Table } from './table';

const GOAL_SMALL_P95_MS = 30;
const GOAL_BIG_P95_MS = 150;
const INIT_TIMEOUT_MS = 15_000;
const DIAG_TIMEOUT_MS = 20_000;

interface Published { uri: string; version?: number; diagnostics: unknown[] }

export interface DocNumbers {
  name: string;
  lines: number;
  openMs: number;
  openDiagnostics: number;
  edits: number;
  timeouts: number;
  latencies: number[];
  p50: number;
  p95: number;
  max: number;
  matchedBy: 'version' | 'arrival';
}

/** A minimal LSP client: enough to open and edit documents and wait for their diagnostics. */
/** The server is missing or does not speak LSP yet: the section is skipped, not failed. */
export class ServerNotReady extends Error {}

class BenchClient {
  private waiters: { uri: string; version: number; resolve: (p: Published) => void }[] = [];
  private lastByUri = new Map<string, Published>();
  stderr = '';
  exited: number | null | undefined;

  constructor(readonly proc: ChildProcess, readonly conn: MessageConnection) {
    proc.stderr!.on('data', d => { this.stderr = (this.stderr + String(d)).slice(-4000); });
    proc.on('exit', code => { this.exited = code; });
    conn.onNotification('textDocument/publishDiagnostics', (p: Published) => {
      this.lastByUri.set(p.uri, p);
      // Servers that send no version: the first diagnostics after the edit are taken as its answer.
      this.waiters = this.waiters.filter(w => {
        if (w.uri !== p.uri || (p.version !== undefined && p.version !== w.version)) return true;
        w.resolve(p);
        return false;
      });
    });
    // Requests a server may send; answering keeps it from waiting on us.
    conn.onRequest('window/workDoneProgress/create', () => null);
    conn.onRequest('client/registerCapability', () => null);
    conn.onRequest('workspace/configuration', (p: { items: unknown[] }) => p.items.map(() => null));
    conn.onRequest('workspace/codeLens/refresh', () => null);
    conn.onNotification('window/logMessage', () => {});
    conn.onNotification(() => {});
    conn.listen();
  }

  static start(serverJs: string): BenchClient {
    const proc = spawn(process.execPath, [serverJs, '--stdio'], { stdio: ['pipe', 'pipe', 'pipe'] });
    const conn = createMessageConnection(new StreamMessageReader(proc.stdout!), new StreamMessageWriter(proc.stdin!));
    conn.onError(() => { /* surfaced as timeouts; the process exit code is reported */ });
    return new BenchClient(proc, conn);
  }

  diagnosticsFor(uri: string, version: number, timeoutMs: number): Promise<Published | null> {
    return new Promise(resolve => {
      const w = { uri, version, resolve: (p: Published | null) => { clearTimeout(t); resolve(p); } };
      const t = setTimeout(() => { this.waiters = this.waiters.filter(x => x !== w); resolve(null); }, timeoutMs);
      this.waiters.push(w);
    });
  }

  async stop(): Promise<void> {
    try {
      await withTimeout(this.conn.sendRequest('shutdown'), 3000);
      await this.conn.sendNotification('exit');
    } catch { /* killed below */ }
    await new Promise<void>(res => {
      if (this.exited !== undefined) return res();
      const t = setTimeout(() => { this.proc.kill(); res(); }, 2000);
      this.proc.on('exit', () => { clearTimeout(t); res(); });
    });
    this.conn.dispose();
  }
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
    p.then(v => { clearTimeout(t); resolve(v); }, e => { clearTimeout(t); reject(e); });
  });
}

export interface Edit { range: { start: { line: number; character: number }; end: { line: number; character: number } }; text: string }

/** The edit number i: even ones flip the takeover's success ordering Relaxed <-> Acquire (or the first such ordering in a file without a takeover), odd ones add a comment line. */
export function nextEdit(lines: string[], i: number): Edit {
  if (i % 2 === 0) {
    const flip = /Ordering::(Relaxed|Acquire)/g;
    const takeover = lines.findIndex(l => l.includes(TAKEOVER_MARKER));
    const line = takeover >= 0 ? takeover : lines.findIndex(l => /Ordering::(Relaxed|Acquire)/.test(l));
    if (line >= 0) {
      flip.lastIndex = takeover >= 0 ? lines[line].indexOf(TAKEOVER_MARKER) : 0;
      const m = flip.exec(lines[line])!;
      const character = m.index + 'Ordering::'.length;
      return { range: { start: { line, character }, end: { line, character: character + m[1].length } }, text: m[1] === 'Relaxed' ? 'Acquire' : 'Relaxed' };
    }
  }
  // A comment line in the middle of the file, as when someone documents what they just read.
  const at = Math.floor(lines.length / 2);
  return { range: { start: { line: at, character: 0 }, end: { line: at, character: 0 } }, text: `// reviewed: edit ${i}\n` };
}

/** Applies a single-range edit to a line array (what the server's TextDocument does). */
export function applyEdit(lines: string[], e: Edit): string[] {
  const text = lines.join('\n');
  const offset = (p: { line: number; character: number }): number => {
    let o = 0;
    for (let l = 0; l < p.line; l++) o += lines[l].length + 1;
    return o + p.character;
  };
  return (text.slice(0, offset(e.range.start)) + e.text + text.slice(offset(e.range.end))).split('\n');
}

async function measureDoc(client: BenchClient, dir: string, name: string, text: string, edits: number, log: (m: string) => void): Promise<DocNumbers> {
  const uri = pathToFileURL(path.join(dir, name)).href;
  let lines = text.split('\n');
  let version = 1;
  log(`open ${name} (${lines.length} lines)`);
  let t0 = nowMs();
  const opened = client.diagnosticsFor(uri, version, DIAG_TIMEOUT_MS);
  await client.conn.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'rust', version, text } });
  const first = await opened;
  const openMs = nowMs() - t0;
  if (!first) throw new Error(`no diagnostics for ${name} within ${DIAG_TIMEOUT_MS} ms of didOpen${client.exited !== undefined ? ` (server exited with ${client.exited})` : ''}`);
  const latencies: number[] = [];
  let timeouts = 0;
  let matchedBy: DocNumbers['matchedBy'] = first.version === undefined ? 'arrival' : 'version';
  for (let i = 0; i < edits; i++) {
    const e = nextEdit(lines, i);
    lines = applyEdit(lines, e);
    version++;
    const answered = client.diagnosticsFor(uri, version, DIAG_TIMEOUT_MS);
    t0 = nowMs();
    await client.conn.sendNotification('textDocument/didChange', { textDocument: { uri, version }, contentChanges: [e] });
    const p = await answered;
    if (!p) { timeouts++; continue; }
    if (p.version === undefined) matchedBy = 'arrival';
    latencies.push(nowMs() - t0);
  }
  await client.conn.sendNotification('textDocument/didClose', { textDocument: { uri } });
  return {
    name, lines: text.split('\n').length, openMs, openDiagnostics: first.diagnostics.length, edits, timeouts, latencies,
    p50: median(latencies), p95: percentile(latencies, 95), max: latencies.length ? Math.max(...latencies) : NaN, matchedBy,
  };
}

export interface LspRunOptions {
  edits: number;
  /** Sizes of the block-mq style file and of the large file, in lines. */
  smallLines: number;
  bigLines: number;
  log(m: string): void;
}

export async function measureLsp(serverJs: string, o: LspRunOptions): Promise<DocNumbers[]> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'refcount-bench-'));
  const client = BenchClient.start(serverJs);
  try {
    await withTimeout(client.conn.sendRequest('initialize', {
      processId: process.pid,
      rootUri: pathToFileURL(dir).href,
      workspaceFolders: [{ uri: pathToFileURL(dir).href, name: 'bench' }],
      capabilities: { textDocument: { publishDiagnostics: { versionSupport: true } } },
      initializationOptions: { debounceMs: 0 },
    }), INIT_TIMEOUT_MS).catch(e => {
      throw new ServerNotReady(`server did not answer initialize: ${(e as Error).message}${client.stderr ? `; stderr: ${client.stderr.trim().split('\n').slice(-3).join(' | ')}` : ''}`);
    });
    await client.conn.sendNotification('initialized', {});
    const docs: DocNumbers[] = [];
    docs.push(await measureDoc(client, dir, 'request.rs', blockMqFile(o.smallLines), o.edits, o.log));
    docs.push(await measureDoc(client, dir, 'big.rs', generateModule(4242, { lines: o.bigLines }), o.edits, o.log));
    return docs;
  } finally {
    await client.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

function toTable(docs: DocNumbers[]): Table {
  const ok = (v: number, goal: number): string => (Number.isNaN(v) ? '' : v <= goal ? 'ok' : 'OVER');
  return {
    title: 'LSP latency: didChange -> publishDiagnostics (dist/server.js, debounce 0)',
    // The latency goals: p95 <= 30 ms for the ~300-line file, <= 150 ms for the 10k-line one.
    columns: ['document', 'lines', 'open ms', 'edits', 'timeouts', 'p50 ms', 'p95 ms', 'p95 goal', 'met', 'max ms', 'diags', 'matched by'],
    rows: docs.map(d => {
      const goal = d.lines < 1000 ? GOAL_SMALL_P95_MS : GOAL_BIG_P95_MS;
      return [d.name, d.lines, Math.round(d.openMs), d.edits, d.timeouts, fixed(d.p50, 1), fixed(d.p95, 1), `<= ${goal}`, ok(d.p95, goal), fixed(d.max, 1), d.openDiagnostics, d.matchedBy];
    }),
    notes: [
      'edits alternate: flip the takeover CAS success ordering Relaxed <-> Acquire, insert a comment line',
      'open ms includes the server loading tree-sitter and starting its workers; in the editor add the debounce (default 150 ms)',
    ],
  };
}

export const lspSection: Section = {
  id: 'lsp',
  title: 'LSP latency',
  async run(o: SectionOptions): Promise<SectionResult> {
    const serverJs = path.resolve(__dirname, '../../dist/server.js');
    if (!existsSync(serverJs)) return { tables: [], data: {}, skipped: `${serverJs} not found: run node scripts/build.mjs (npm run bench does)` };
    let docs: DocNumbers[];
    try {
      docs = await measureLsp(serverJs, { edits: o.quick ? 10 : 30, smallLines: 285, bigLines: o.quick ? 3000 : 10_000, log: o.log });
    } catch (e) {
      if (e instanceof ServerNotReady) return { tables: [], data: {}, skipped: `LSP server not ready: ${e.message}` };
      throw e;
    }
    return { tables: [toTable(docs)], data: { docs } };
  },
};
