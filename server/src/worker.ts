// Review worker: runs reviewText off the language server's request thread (see lsp/workerPool.ts).
// One job at a time; the main thread cancels a run by setting the shared abort flag, which the
// engine polls through Budget.signal.

import { parentPort } from 'node:worker_threads';
import { reviewText } from './review';
import type { FromWorker, ToWorker } from './lsp/workerMessages';

const port = parentPort;
if (!port) throw new Error('server/src/worker.ts must run in a worker thread');

/** Workspace files (path -> text) for the cross-file index; open buffers overwrite disk versions. */
const workspaceFiles = new Map<string, string>();

port.on('message', (m: ToWorker) => {
  if (m.type === 'files') {
    for (const [f, t] of m.set) workspaceFiles.set(f, t);
    for (const f of m.remove) workspaceFiles.delete(f);
    return;
  }
  // The buffer being reviewed is the newest text of that file, for other files' cross-file lookups too.
  workspaceFiles.set(m.file, m.text);
  const flag = new Int32Array(m.abort);
  const signal = { get aborted() { return Atomics.load(flag, 0) === 1; } };
  const started = performance.now();
  reviewText(m.file, m.text, { ...m.opts, budget: { ...m.opts.budget, signal } }).then(
    review => post({ type: 'result', id: m.id, review, elapsedMs: performance.now() - started }),
    (err: unknown) => post({ type: 'error', id: m.id, message: err instanceof Error ? err.message : String(err), stack: err instanceof Error ? err.stack : undefined }),
  );
});

function post(m: FromWorker): void {
  port!.postMessage(m);
}
