// LSP message sequences for the fuzzer: a seeded generator of well-framed JSON-RPC messages, and a
// raw client that plays them to the real server over stdio (dist/server.js --stdio), checking that
// every request gets a result or an error, that the server lives until `exit`, and its peak memory.

import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { inputSeed, Rng } from './mutate';
import { litmusDocumentText, ROOT, rustDocumentText } from './inputs';

export const SERVER = path.join(ROOT, 'dist', 'server.js');

/** One client-to-server message; `raw` bodies are sent as they are (well framed, maybe not JSON). */
export type Step = { message: Record<string, unknown> } | { raw: string };

export interface LspInput {
  kind: 'lsp';
  seed: number; index: number;
  /** What `workspace/configuration` answers. */
  settings: unknown;
  steps: Step[];
}

const REQUESTS = ['textDocument/hover', 'textDocument/codeAction', 'textDocument/codeLens', 'refcountReview/scenarios'];

/** Positions inside the document mostly, and out of it (negative, past the end, fractional) sometimes. */
function position(r: Rng, doc: TextDocument | undefined): unknown {
  if (doc && r.chance(0.85)) return doc.positionAt(r.int(0, doc.getText().length + 1));
  return r.pick([{ line: -1, character: 0 }, { line: 1e9, character: 1e9 }, { line: 0, character: -5 }, { line: 1.5, character: 'x' }, null, {}, { line: 2 ** 31, character: 0 }]);
}

function range(r: Rng, doc: TextDocument | undefined): { start: unknown; end: unknown } {
  const a = position(r, doc);
  const b = r.chance(0.7) && doc && a && typeof a === 'object' && 'line' in a ? doc.positionAt(Math.min(doc.getText().length, doc.offsetAt(a as never) + r.skewed(200))) : position(r, doc);
  return { start: a, end: b };
}

/** Generates a sequence; documents are tracked so most edits and positions are valid ones. */
export function lspInput(seed: number, index: number, length: number): LspInput {
  const r = new Rng(inputSeed(seed, 'lsp', index));
  const root = '/fuzz-workspace';
  const uris = [0, 1, 2].map(i => pathToFileURL(path.join(root, `src/f${i}.rs`)).href).concat(pathToFileURL(path.join(root, 't.litmus')).href, 'untitled:Untitled-1', 'file:///nonexistent/%ZZ.rs');
  const docs = new Map<string, TextDocument>();
  const steps: Step[] = [];
  let id = 0;
  const req = (method: string, params: unknown): void => { steps.push({ message: { jsonrpc: '2.0', id: r.chance(0.05) ? `s${++id}` : ++id, method, ...(params === undefined ? {} : { params }) } }); };
  const note = (method: string, params: unknown): void => { steps.push({ message: { jsonrpc: '2.0', method, ...(params === undefined ? {} : { params }) } }); };

  const settings = r.chance(0.1) ? null : { enable: r.chance(0.95), model: r.pick(['auto', 'c11', 'lkmm', 'bogus']), budget: { maxExecutions: r.pick([1, 100, 2_000, -3, 'x']), timeoutMs: r.pick([1, 50, 500, 1_000]) }, hints: r.chance(0.3), severity: r.chance(0.2) ? { 'dec-needs-release': 'off', bogus: 7 } : {} };
  // Requests before initialize must be refused, not served.
  if (r.chance(0.1)) req('textDocument/hover', { textDocument: { uri: uris[0] }, position: { line: 0, character: 0 } });
  req('initialize', { processId: null, rootUri: r.chance(0.8) ? pathToFileURL(root).href : null, capabilities: r.chance(0.8) ? { workspace: { configuration: true }, textDocument: { codeAction: { resolveSupport: { properties: ['edit'] } } } } : {} });
  note('initialized', {});
  while (steps.length < length) {
    const uri = r.pick(uris);
    const doc = docs.get(uri);
    const k = r.next();
    if (k < 0.15 || (!doc && k < 0.4)) {
      const litmus = uri.endsWith('.litmus');
      const text = r.chance(0.05) ? String.fromCharCode(...Array.from({ length: r.int(0, 200) }, () => r.int(0, 0xffff))) : litmus ? litmusDocumentText(r) : rustDocumentText(r);
      const languageId = r.chance(0.9) ? (litmus ? 'litmus' : 'rust') : r.pick(['plaintext', '', 'c']);
      docs.set(uri, TextDocument.create(uri, languageId, 1, text));
      note('textDocument/didOpen', { textDocument: { uri, languageId, version: 1, text } });
    } else if (k < 0.5 && doc) {
      const changes: unknown[] = [];
      for (let n = r.int(1, 4); n > 0; n--) {
        const text = r.pick(['', ' ', '\n', 'x', '}', '{', 'Ordering::Relaxed', '.fetch_sub(1, Release)', '\ud800', '\u{1f600}', '\u202e', 'fn f() {'.repeat(r.int(1, 50))]);
        changes.push(r.chance(0.05) ? { text: text + doc.getText().slice(r.int(0, doc.getText().length)) } : { range: range(r, doc), text });
      }
      const version = doc.version + (r.chance(0.9) ? 1 : r.int(-2, 3));
      try {
        docs.set(uri, TextDocument.update(doc, changes as never, version));
      } catch { /* invalid positions: the model keeps the old text; the server must cope either way */ }
      note('textDocument/didChange', { textDocument: { uri, version }, contentChanges: changes });
    } else if (k < 0.8) {
      const method = r.pick(REQUESTS);
      const target = r.chance(0.9) ? uri : r.pick([uris[0], 'not a uri', '']);
      const p = position(r, doc);
      if (method === 'refcountReview/scenarios') req(method, r.chance(0.5) ? { uri: target } : { uri: target, position: p });
      else if (method === 'textDocument/codeAction') req(method, { textDocument: { uri: target }, range: range(r, doc), context: { diagnostics: [] } });
      else if (method === 'textDocument/codeLens') req(method, { textDocument: { uri: target } });
      else req(method, { textDocument: { uri: target }, position: p });
    } else if (k < 0.86) {
      // Invalid params: wrong shapes for real methods.
      req(r.pick(REQUESTS.concat('codeAction/resolve', 'textDocument/definition')), r.pick([undefined, null, 42, 'str', [], [1, 2], {}, { textDocument: 7 }, { textDocument: { uri: 5 } }, { uri: null }]));
    } else if (k < 0.9) {
      if (r.chance(0.5)) req(r.pick(['foo/bar', '$/unknown', 'refcountReview/nope', 'workspace/executeCommand']), { x: 1 });
      else note(r.pick(['foo/bar', '$/unknown', 'refcountReview/nope', '$/cancelRequest', '$/progress', '$/setTrace']), r.pick([undefined, null, { id: r.int(1, id + 2) }, { token: 'x', value: 1 }, { value: 'verbose' }, 3]));
    } else if (k < 0.93) {
      steps.push({ raw: r.pick(['{', '', 'null', '[]', '{"jsonrpc":"2.0"}', '{"jsonrpc":"2.0","id":99999,"result":null}', '\ufffd']) });
    } else if (k < 0.96) {
      note('workspace/didChangeConfiguration', { settings: { refcountReview: settings } });
    } else if (doc) {
      docs.delete(uri);
      note('textDocument/didClose', { textDocument: { uri } });
    }
  }
  const clean = r.chance(0.9);
  if (clean) req('shutdown', undefined);
  note('exit', undefined);
  return { kind: 'lsp', seed, index, settings, steps };
}

export interface LspRun {
  messages: number;
  requests: number;
  /** Peak resident memory of the server process, in MB (Linux: VmHWM). */
  peakRssMb: number;
  failure?: { what: 'crash' | 'hang' | 'memory'; detail: string };
}

function frame(body: string): Buffer {
  const b = Buffer.from(body, 'utf8');
  return Buffer.concat([Buffer.from(`Content-Length: ${b.length}\r\n\r\n`, 'ascii'), b]);
}

function peakRss(pid: number | undefined): number {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : 0;
  } catch { return 0; }
}

/**
 * Plays `input` to a fresh server. Each request must be answered within `answerMs`; the server
 * must not exit before `exit`, and must exit within `answerMs` after it.
 */
export async function runLsp(input: LspInput, answerMs: number, memoryCapMb: number): Promise<LspRun> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'rr-fuzz-lsp-'));
  mkdirSync(path.join(dir, 'src'));
  writeFileSync(path.join(dir, 'src', 'lib.rs'), readFileSync(path.join(ROOT, 'examples', 'arc_done_wrong.rs')));
  const rootUri = pathToFileURL(dir).href;
  const proc = spawn(process.execPath, [SERVER, '--stdio'], { stdio: ['pipe', 'pipe', 'pipe'] });
  let exited: number | null | undefined;
  let stderr = '';
  const pending = new Map<string, { method: string; timer: NodeJS.Timeout }>();
  const run: LspRun = { messages: 0, requests: 0, peakRssMb: 0 };
  let failure: LspRun['failure'];
  let sentExit = false;
  let wake: () => void = () => {};
  const fail = (f: NonNullable<LspRun['failure']>): void => { failure ??= f; wake(); };

  proc.stderr!.on('data', d => { stderr = (stderr + String(d)).slice(-4000); });
  proc.stdin!.on('error', () => { /* the server is gone; the exit handler reports it */ });
  const exitPromise = new Promise<void>(resolve => proc.on('exit', code => {
    exited = code;
    if (!sentExit) fail({ what: 'crash', detail: `server exited (code ${code}) before exit was sent\n${stderr}` });
    resolve();
    wake();
  }));

  const send = (obj: unknown, raw?: string): void => {
    if (exited !== undefined) return;
    proc.stdin!.write(frame(raw ?? JSON.stringify(obj)));
  };
  let buf = Buffer.alloc(0);
  proc.stdout!.on('data', (d: Buffer) => {
    buf = Buffer.concat([buf, d]);
    for (;;) {
      const head = buf.indexOf('\r\n\r\n');
      if (head < 0) return;
      const m = /Content-Length: (\d+)/i.exec(buf.subarray(0, head).toString('ascii'));
      if (!m) { fail({ what: 'crash', detail: `server sent a bad header: ${buf.subarray(0, head).toString('ascii')}` }); return; }
      const len = Number(m[1]);
      if (buf.length < head + 4 + len) return;
      const body = buf.subarray(head + 4, head + 4 + len).toString('utf8');
      buf = buf.subarray(head + 4 + len);
      let msg: { id?: unknown; method?: string; params?: { items?: unknown[] }; result?: unknown; error?: unknown };
      try { msg = JSON.parse(body); } catch { fail({ what: 'crash', detail: `server sent a body that is not JSON: ${body.slice(0, 200)}` }); return; }
      if (msg.method !== undefined && msg.id !== undefined) {
        // A request from the server: configuration gets the settings, the rest a plain null.
        const result = msg.method === 'workspace/configuration' ? (msg.params?.items ?? []).map(() => input.settings) : null;
        send({ jsonrpc: '2.0', id: msg.id, result });
      } else if (msg.method === undefined && msg.id !== undefined && msg.id !== null) {
        const p = pending.get(JSON.stringify(msg.id));
        if (p) { clearTimeout(p.timer); pending.delete(JSON.stringify(msg.id)); wake(); }
        if (!('result' in msg) && !('error' in msg)) fail({ what: 'crash', detail: `response without result or error: ${body.slice(0, 200)}` });
      }
    }
  });

  const memory = setInterval(() => {
    run.peakRssMb = Math.max(run.peakRssMb, peakRss(proc.pid));
    if (run.peakRssMb > memoryCapMb) fail({ what: 'memory', detail: `server peak RSS ${run.peakRssMb.toFixed(0)} MB over the ${memoryCapMb} MB cap` });
  }, 250);
  try {
    for (const step of input.steps) {
      if (failure || exited !== undefined) break;
      let msg = 'message' in step ? step.message : undefined;
      // The workspace folder is made per run; the recorded sequence names a placeholder for it.
      if (msg && msg.method === 'initialize') msg = { ...msg, params: { ...(msg.params as object), rootUri: (msg.params as { rootUri: unknown }).rootUri === null ? null : rootUri } };
      if (msg && msg.method === 'exit') {
        // Everything asked must be answered before the client leaves.
        await new Promise<void>(resolve => { wake = resolve; if (pending.size === 0 || failure) resolve(); });
        wake = () => {};
        if (failure) break;
        run.peakRssMb = Math.max(run.peakRssMb, peakRss(proc.pid));
        sentExit = true;
      }
      if (msg && 'id' in msg) {
        const key = JSON.stringify(msg.id);
        const method = String(msg.method);
        run.requests++;
        pending.set(key, { method, timer: setTimeout(() => fail({ what: 'hang', detail: `no answer to ${method} (id ${key}) within ${answerMs} ms` }), answerMs) });
      }
      send(msg, 'raw' in step ? step.raw : undefined);
      run.messages++;
      // Editors pipeline requests; sometimes wait for the answers, sometimes not.
      if (msg && 'id' in msg && (msg.id as number) % 3 === 0) {
        await new Promise<void>(resolve => { wake = resolve; if (!pending.has(JSON.stringify(msg!.id)) || failure) resolve(); });
        wake = () => {};
      }
      // Let the pipe drain now and then, as a typing user would.
      if (run.messages % 8 === 0) await new Promise(res => setImmediate(res));
    }
    if (!failure && sentExit) {
      const timer = new Promise<'late'>(res => setTimeout(() => res('late'), answerMs).unref());
      if ((await Promise.race([exitPromise.then(() => 'exited' as const), timer])) === 'late') fail({ what: 'hang', detail: `server still running ${answerMs} ms after exit` });
    }
  } finally {
    clearInterval(memory);
    for (const p of pending.values()) clearTimeout(p.timer);
    if (exited === undefined) { proc.kill('SIGKILL'); await exitPromise; }
    rmSync(dir, { recursive: true, force: true });
  }
  run.failure = failure;
  return run;
}
