// JSON-RPC as the LSP specification says, where vscode-languageserver leaves it to the server:
//   - before `initialize`, requests get ServerNotInitialized (-32002) and notifications are dropped
//     (except `exit`); after `shutdown`, requests get InvalidRequest (-32600);
//   - a request without the params its method needs gets InvalidParams (-32602), not an internal
//     error from deep inside a handler;
//   - on stdio, a body that is not JSON gets ParseError (-32700), and a framing error (a missing,
//     negative, non-numeric or absurd Content-Length) ends the process: once the byte stream is out
//     of step nothing later can be trusted, and a server that lives on deaf helps no one.

import { ErrorCodes, Message, ResponseError, type MessageReader, type MessageStrategy, type RequestMessage } from 'vscode-languageserver/node';

/** The request a rejected message is rewritten into, so the library answers it with the original id. */
export const REJECT_METHOD = 'refcountReview/internal/reject';
export interface RejectParams { code: number; message: string }

/** Requests that may come without params; every other one needs a params object. */
const PARAMS_OPTIONAL = new Set(['shutdown', 'refcountReview/checkWorkspace']);

/** Why `params` do not fit `method`, if they do not. */
function badParams(method: string, params: unknown): string | undefined {
  if (PARAMS_OPTIONAL.has(method)) return undefined;
  if (typeof params !== 'object' || params === null || Array.isArray(params)) return `${method} needs a params object`;
  const p = params as { textDocument?: { uri?: unknown }; uri?: unknown };
  if (method.startsWith('textDocument/') && typeof p.textDocument?.uri !== 'string') return `${method} needs params.textDocument.uri`;
  if (method === 'refcountReview/scenarios' && typeof p.uri !== 'string') return `${method} needs params.uri`;
  return undefined;
}

export class LifecycleGuard {
  private state: 'new' | 'running' | 'shut down' = 'new';

  /** Set once `shutdown` was received: an `exit` or a closed input after it is a clean end. */
  get shutdownReceived(): boolean { return this.state === 'shut down'; }

  /** Passed to createConnection: sees every incoming message before its handler does. */
  readonly strategy: MessageStrategy = {
    handleMessage: (message: Message, next: (m: Message) => void) => {
      if (Message.isRequest(message)) {
        const why = this.rejectRequest(message);
        if (why) { next(rewrite(message, why)); return; }
        if (message.method === 'initialize') this.state = 'running';
        else if (message.method === 'shutdown') this.state = 'shut down';
      } else if (Message.isNotification(message)) {
        if (this.state !== 'running' && message.method !== 'exit') return; // dropped, as the spec asks
      }
      next(message);
    },
  };

  private rejectRequest(m: RequestMessage): RejectParams | undefined {
    if (m.method === REJECT_METHOD) return { code: ErrorCodes.MethodNotFound, message: `${m.method} is not a request clients send` };
    if (this.state === 'new' && m.method !== 'initialize') return { code: ErrorCodes.ServerNotInitialized, message: `${m.method}: the server is not initialized yet (send initialize first)` };
    if (this.state === 'shut down') return { code: ErrorCodes.InvalidRequest, message: `${m.method}: the server is shutting down (only exit is accepted)` };
    if (this.state === 'running' && m.method === 'initialize') return { code: ErrorCodes.InvalidRequest, message: 'initialize was already received' };
    const bad = badParams(m.method, m.params);
    return bad ? { code: ErrorCodes.InvalidParams, message: bad } : undefined;
  }
}

function namesRequest(params: unknown): boolean {
  const id = (params as { id?: unknown } | null | undefined)?.id;
  return typeof id === 'number' || typeof id === 'string';
}

/**
 * vscode-jsonrpc reads `params.id` of every `$/cancelRequest` as it arrives, before any strategy
 * sees it; a cancel without a request id throws inside the reader, which the stdio server must
 * treat as a broken stream. A cancel that names no request asks for nothing, so it is dropped here.
 */
export function dropMalformedCancels(reader: MessageReader): MessageReader {
  return {
    onError: reader.onError,
    onClose: reader.onClose,
    onPartialMessage: reader.onPartialMessage,
    listen: callback => reader.listen(m => {
      if (Message.isNotification(m) && m.method === '$/cancelRequest' && !namesRequest(m.params)) return;
      callback(m);
    }),
    dispose: () => reader.dispose(),
  };
}

function rewrite(m: RequestMessage, why: RejectParams): RequestMessage {
  return { jsonrpc: m.jsonrpc, id: m.id, method: REJECT_METHOD, params: why };
}

/** The handler of REJECT_METHOD: answers with the error the guard chose. */
export function rejectHandler(p: RejectParams): ResponseError<void> {
  return new ResponseError(p.code, p.message);
}

/** Bodies above this are treated as a framing error (the editor's 50 MB documents fit well below). */
export const MAX_BODY_BYTES = 512 * 1024 * 1024;
const MAX_HEADER_BYTES = 8 * 1024;

/**
 * Follows the Content-Length framing of a byte stream alongside the message reader, and calls
 * `onBad` at the first header block the reader could not frame. It keeps only header bytes, so a
 * large body costs a counter, not a copy.
 */
export function watchFraming(stream: NodeJS.ReadableStream, onBad: (why: string) => void, maxBody = MAX_BODY_BYTES): void {
  let header = '';
  let bodyLeft = 0;
  let failed = false;
  stream.on('data', (chunk: Buffer) => {
    let i = 0;
    while (i < chunk.length && !failed) {
      if (bodyLeft > 0) {
        const take = Math.min(bodyLeft, chunk.length - i);
        bodyLeft -= take;
        i += take;
        continue;
      }
      header += String.fromCharCode(chunk[i++]);
      if (header.length > MAX_HEADER_BYTES) { failed = true; onBad(`a message header longer than ${MAX_HEADER_BYTES} bytes`); return; }
      if (!header.endsWith('\r\n\r\n')) continue;
      const fields = header.slice(0, -4).split('\r\n');
      header = '';
      const length = fields.map(f => /^content-length\s*:\s*(.*)$/i.exec(f)?.[1]?.trim()).find(v => v !== undefined);
      if (length === undefined) { failed = true; onBad('a message header without Content-Length'); return; }
      if (!/^\d+$/.test(length)) { failed = true; onBad(`Content-Length is not a byte count: ${JSON.stringify(length.slice(0, 40))}`); return; }
      if (Number(length) > maxBody) { failed = true; onBad(`Content-Length ${length} is over the ${maxBody}-byte limit`); return; }
      bodyLeft = Number(length);
    }
  });
}
