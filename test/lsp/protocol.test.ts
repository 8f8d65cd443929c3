// JSON-RPC over real stdio, byte by byte: the error codes the LSP specification asks for
// (-32002 before initialize, -32600 after shutdown, -32700 for a body that is not JSON, -32602 for
// missing params) and an exit, not a deaf server, when the framing is broken.

import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { pathToFileURL } from 'node:url';
import { test } from 'node:test';
import { FIXTURE_WS, SERVER } from './lspClient';

interface Reply { id: number | string | null; result?: unknown; error?: { code: number; message: string } }

/** A client that writes raw frames and parses the server's frames itself. */
class RawClient {
  readonly proc: ChildProcess;
  private buf = Buffer.alloc(0);
  private replies: Reply[] = [];
  private waiters = new Set<() => void>();
  exitCode: number | null | undefined;
  stderr = '';

  constructor() {
    this.proc = spawn(process.execPath, [SERVER, '--stdio'], { stdio: ['pipe', 'pipe', 'pipe'] });
    this.proc.stdout!.on('data', (d: Buffer) => { this.buf = Buffer.concat([this.buf, d]); this.parse(); });
    this.proc.stderr!.on('data', d => { this.stderr += String(d); });
    this.proc.stdin!.on('error', () => { /* the server may be gone: that is what some tests expect */ });
    this.proc.on('exit', code => { this.exitCode = code; this.poke(); });
  }

  private parse(): void {
    for (;;) {
      const end = this.buf.indexOf('\r\n\r\n');
      if (end < 0) return;
      const m = /Content-Length: (\d+)/i.exec(this.buf.subarray(0, end).toString('ascii'));
      const len = Number(m![1]);
      if (this.buf.length < end + 4 + len) return;
      const msg = JSON.parse(this.buf.subarray(end + 4, end + 4 + len).toString('utf8')) as Reply & { method?: string };
      this.buf = this.buf.subarray(end + 4 + len);
      if (msg.method === undefined) this.replies.push(msg);
      else if ('id' in msg && msg.id !== undefined) this.send({ jsonrpc: '2.0', id: msg.id, result: null }); // server-to-client requests
      this.poke();
    }
  }

  private poke(): void { for (const w of [...this.waiters]) w(); }

  private waitFor<T>(what: string, cond: () => T | undefined, ms = 30_000): Promise<T> {
    return new Promise((resolve, reject) => {
      const check = () => { const v = cond(); if (v !== undefined) { done(); resolve(v); } };
      const timer = setTimeout(() => { done(); reject(new Error(`timed out waiting for ${what}; stderr: ${this.stderr}`)); }, ms);
      const done = () => { clearTimeout(timer); this.waiters.delete(check); };
      this.waiters.add(check);
      check();
    });
  }

  raw(bytes: string): void { this.proc.stdin!.write(bytes); }

  send(msg: object): void {
    const body = Buffer.from(JSON.stringify(msg), 'utf8');
    this.raw(`Content-Length: ${body.length}\r\n\r\n`);
    this.proc.stdin!.write(body);
  }

  reply(id: number | string | null): Promise<Reply> {
    return this.waitFor(`reply to ${id}`, () => this.replies.find(r => r.id === id));
  }

  async request(id: number, method: string, params?: unknown): Promise<Reply> {
    this.send(params === undefined ? { jsonrpc: '2.0', id, method } : { jsonrpc: '2.0', id, method, params });
    return this.reply(id);
  }

  exited(): Promise<number | null> {
    return this.waitFor('server exit', () => (this.exitCode === undefined ? undefined : this.exitCode));
  }

  initialize(id: number): Promise<Reply> {
    return this.request(id, 'initialize', { processId: null, rootUri: pathToFileURL(FIXTURE_WS).href, capabilities: {} });
  }
}

const HOVER = { textDocument: { uri: 'file:///nowhere.rs' }, position: { line: 0, character: 0 } };

test('the lifecycle: -32002 before initialize, -32602 for missing params, -32600 after shutdown', async () => {
  const c = new RawClient();
  try {
    assert.equal((await c.request(1, 'textDocument/hover', HOVER)).error?.code, -32002);
    assert.equal((await c.request(2, 'shutdown')).error?.code, -32002, 'shutdown is a request too');
    // A notification before initialize is dropped: opening a document publishes nothing.
    c.send({ jsonrpc: '2.0', method: 'textDocument/didOpen', params: { textDocument: { uri: 'file:///early.rs', languageId: 'rust', version: 1, text: 'fn f() {}' } } });
    const init = await c.initialize(3);
    assert.equal(init.error, undefined);
    c.send({ jsonrpc: '2.0', method: 'initialized', params: {} });
    assert.equal((await c.request(4, 'textDocument/hover', { textDocument: { uri: 'file:///early.rs' }, position: { line: 0, character: 0 } })).result, null);
    for (const [id, method, params] of [
      [5, 'textDocument/hover', undefined],
      [6, 'textDocument/codeLens', {}],
      [7, 'refcountReview/scenarios', undefined],
      [8, 'refcountReview/scenarios', { position: { line: 0, character: 0 } }],
      [9, 'codeAction/resolve', undefined],
    ] as const) {
      const r = await c.request(id, method, params);
      assert.equal(r.error?.code, -32602, `${method} ${JSON.stringify(params)}: ${JSON.stringify(r)}`);
    }
    assert.equal((await c.request(10, 'initialize', { processId: null, capabilities: {} })).error?.code, -32600, 'initialize only once');
    assert.equal((await c.request(11, 'textDocument/hover', HOVER)).result, null, 'still serving');
    assert.equal((await c.request(12, 'shutdown')).error, undefined);
    assert.equal((await c.request(13, 'textDocument/hover', HOVER)).error?.code, -32600);
    c.send({ jsonrpc: '2.0', method: 'exit' });
    assert.equal(await c.exited(), 0);
  } finally {
    c.proc.kill();
  }
});

test('a body that is not JSON gets -32700 with id null, and the server keeps serving', async () => {
  const c = new RawClient();
  try {
    await c.initialize(1);
    const bad = '{"jsonrpc": "2.0", "id": 2, "method": "textDocument/hover", ';
    c.raw(`Content-Length: ${Buffer.byteLength(bad)}\r\n\r\n${bad}`);
    const err = await c.reply(null);
    assert.equal(err.error?.code, -32700);
    assert.equal((await c.request(3, 'textDocument/hover', HOVER)).result, null);
    await c.request(4, 'shutdown');
    c.send({ jsonrpc: '2.0', method: 'exit' });
    assert.equal(await c.exited(), 0);
  } finally {
    c.proc.kill();
  }
});

for (const [what, frame] of [
  ['a non-numeric Content-Length', 'Content-Length: twelve\r\n\r\n{"jsonrpc":"2.0","id":2,"method":"shutdown"}'],
  ['a negative Content-Length', 'Content-Length: -4\r\n\r\n{"jsonrpc":"2.0","id":2,"method":"shutdown"}'],
  ['a header without Content-Length', 'Content-Type: application/vscode-jsonrpc\r\n\r\n{"jsonrpc":"2.0","id":2,"method":"shutdown"}'],
  ['a Content-Length of 2 GB', 'Content-Length: 2000000000\r\n\r\n{"jsonrpc":"2.0","id":2,"method":"shutdown"}'],
  // Too short: the rest of the body is read as the next header, which has no Content-Length.
  ['a Content-Length too short for its body', 'Content-Length: 9\r\n\r\n{"jsonrpc":"2.0","id":2,"method":"shutdown"}Content-Length: 2\r\n\r\n{}'],
] as const) {
  test(`${what} ends the server with a non-zero code and a message`, async () => {
    const c = new RawClient();
    try {
      await c.initialize(1);
      c.raw(frame);
      const code = await c.exited();
      assert.notEqual(code, 0);
      assert.notEqual(code, null);
      assert.match(c.stderr, /unrecoverable error on the LSP input/);
    } finally {
      c.proc.kill();
    }
  });
}
