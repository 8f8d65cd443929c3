// Review worker: runs reviewText off the language server's request thread (see lsp/workerPool.ts).
// One job at a time; the main thread cancels a run by setting the shared abort flag, which the
// engine polls through Budget.signal. The worker also holds the workspace index (every Rust
// file's summary and sites) so a review can resolve helpers and pair sites across files.

import { parentPort } from 'node:worker_threads';
import { reviewText } from './review';
import { analyzeRustFile } from './rust/extract';
import { RustIndex } from './rust/index';
import { initRustParser } from './rust/parser';
import type { Site } from './rust/site';
import type { FromWorker, ToWorker } from './lsp/workerMessages';

const port = parentPort;
if (!port) throw new Error('server/src/worker.ts must run in a worker thread');

const index = new RustIndex();
/** path -> newest known text (open buffers overwrite disk versions). */
const texts = new Map<string, string>();
/** path -> that file's sites, read against the index as it was when the file last changed. */
const sitesByFile = new Map<string, Site[]>();

function log(message: string): void {
  post({ type: 'log', message });
}

/** Summaries first (so every file sees every other's types and helpers), then the sites. */
function indexFiles(set: [string, string][], remove: string[]): void {
  for (const f of remove) { index.remove(f); texts.delete(f); sitesByFile.delete(f); }
  for (const [f, t] of set) {
    texts.set(f, t);
    try { index.update(analyzeRustFile(f, t).summary); } catch (err) { log(`index: cannot read ${f}: ${(err as Error).message}`); }
  }
  for (const [f, t] of set) {
    try { sitesByFile.set(f, analyzeRustFile(f, t, undefined, { index }).sites); } catch { sitesByFile.delete(f); }
  }
}

function otherSites(file: string): Site[] {
  const out: Site[] = [];
  for (const [f, s] of sitesByFile) if (f !== file) out.push(...s);
  return out;
}

// Messages are handled in order: an index update is applied before any later review starts.
let queue: Promise<void> = initRustParser().catch(err => { log(`cannot load the Rust parser: ${(err as Error).message}`); throw err; });

port.on('message', (m: ToWorker) => {
  queue = queue.then(() => handle(m), () => handle(m));
});

async function handle(m: ToWorker): Promise<void> {
  if (m.type === 'files') {
    const t0 = performance.now();
    indexFiles(m.set, m.remove);
    if (m.set.length > 1) log(`index: ${m.set.length} file(s) read in ${(performance.now() - t0).toFixed(0)} ms (${index.size} in the index)`);
    return;
  }
  const flag = new Int32Array(m.abort);
  const signal = { get aborted() { return Atomics.load(flag, 0) === 1; } };
  const started = performance.now();
  try {
    // The buffer being reviewed is the newest text of that file, for other files' reviews too.
    if (texts.get(m.file) !== m.text) indexFiles([[m.file, m.text]], []);
    const review = await reviewText(m.file, m.text, {
      ...m.opts, budget: { ...m.opts.budget, signal },
      index, otherSites: otherSites(m.file), readFile: f => texts.get(f),
    });
    post({ type: 'result', id: m.id, review, elapsedMs: performance.now() - started });
  } catch (err) {
    post({ type: 'error', id: m.id, message: err instanceof Error ? err.message : String(err), stack: err instanceof Error ? err.stack : undefined });
  }
}

function post(m: FromWorker): void {
  port!.postMessage(m);
}
