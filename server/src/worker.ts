// Review worker: runs reviewText off the language server's request thread (see lsp/workerPool.ts).
// One review at a time; the main thread cancels a run by setting the shared abort flag, which the
// engine polls through Budget.signal. The worker also holds the workspace index (every Rust
// file's summary and sites) so a review can resolve helpers and pair sites across files.
//
// Indexing a big workspace takes a while, so it runs in short slices between reviews: a review
// never waits for the index. Reviews made while the index was still filling are reported, so the
// server can re-review open files once the index is complete.

import path from 'node:path';
import { parentPort } from 'node:worker_threads';
import { reviewText } from './review';
import { inKernelTree } from './kernelTree';
import { analyzeRustFile } from './rust/extract';
import { RustIndex } from './rust/index';
import { initRustParser } from './rust/parser';
import { TreeCache } from './rust/trees';
import type { Site } from './rust/site';
import type { FromWorker, ToWorker } from './lsp/workerMessages';

const port = parentPort;
if (!port) throw new Error('server/src/worker.ts must run in a worker thread');

const SLICE_MS = 15;

const index = new RustIndex();
/** The last tree of each recently reviewed buffer: typing re-parses only what changed. */
const trees = new TreeCache();
/** path -> newest known text (open buffers overwrite disk versions). */
const texts = new Map<string, string>();
/** path -> that file's sites, read against the index as it was when the file was indexed. */
const sitesByFile = new Map<string, Site[]>();
/** Index work not done yet: files whose summary must be rebuilt (phase 1), then their sites (phase 2). */
const needSummary = new Set<string>();
const needSites = new Set<string>();
/** Files whose text changed through a review: re-indexed before another file's review reads the index. */
const staleIndex = new Set<string>();
let draining = false;
let reviewing = false;
/** Files reviewed while the index was still filling: they may have missed cross-file facts. */
const reviewedWhileIndexing = new Set<string>();
let drainedFiles = 0;

function log(message: string): void {
  post({ type: 'log', message });
}

function summarize(f: string): void {
  const t = texts.get(f);
  if (t === undefined) return;
  try { index.update(analyzeRustFile(f, t).summary); } catch (err) { log(`index: cannot read ${f}: ${(err as Error).message}`); }
}

function readSites(f: string): void {
  const t = texts.get(f);
  if (t === undefined) return;
  try { sitesByFile.set(f, analyzeRustFile(f, t, undefined, { index }).sites); } catch { sitesByFile.delete(f); }
}

/** Does index work for about SLICE_MS, then yields so a waiting review can run. */
function drain(): void {
  if (reviewing) { draining = false; return; } // resumed when the review ends
  const t0 = performance.now();
  while (performance.now() - t0 < SLICE_MS) {
    // Summaries first, so every file's sites are read with every other file's types and helpers.
    const s = needSummary.values().next();
    if (!s.done) { needSummary.delete(s.value); summarize(s.value); needSites.add(s.value); drainedFiles++; continue; }
    const t = needSites.values().next();
    if (!t.done) { needSites.delete(t.value); readSites(t.value); continue; }
    draining = false;
    if (drainedFiles > 1) log(`index: ${drainedFiles} file(s) indexed (${index.size} in the index)`);
    post({ type: 'indexed', files: drainedFiles, reviewedWhileIndexing: [...reviewedWhileIndexing] });
    drainedFiles = 0;
    reviewedWhileIndexing.clear();
    return;
  }
  setImmediate(drain);
}

function scheduleDrain(): void {
  if (draining || reviewing) return;
  if (needSummary.size === 0 && needSites.size === 0) return;
  draining = true;
  setImmediate(drain);
}

const ready = initRustParser().catch(err => { log(`cannot load the Rust parser: ${(err as Error).message}`); });

port.on('message', (m: ToWorker) => {
  if (m.type === 'files') {
    for (const f of m.remove) {
      index.remove(f); texts.delete(f); sitesByFile.delete(f); trees.forget(f);
      needSummary.delete(f); needSites.delete(f); staleIndex.delete(f);
    }
    for (const [f, t] of m.set) { texts.set(f, t); staleIndex.delete(f); needSummary.add(f); }
    void ready.then(scheduleDrain);
    return;
  }
  void ready.then(() => review(m));
});

async function review(m: Extract<ToWorker, { type: 'review' }>): Promise<void> {
  reviewing = true;
  if (needSummary.size || needSites.size) reviewedWhileIndexing.add(m.file);
  const flag = new Int32Array(m.abort);
  const started = performance.now();
  // The file's time cap: every exploration of this review polls the signal, so past the cap the
  // rest of the review runs without exploring and ends soon, saying what it could not check.
  const capAt = started + m.opts.budget.maxMillis;
  let capped = false;
  const signal = {
    get aborted() {
      if (Atomics.load(flag, 0) === 1) return true;
      if (!capped && performance.now() > capAt) capped = true;
      return capped;
    },
  };
  try {
    // The buffer being reviewed is the newest text of that file. Its own review never reads its
    // index entry (the index hides the file under review), so re-indexing it waits until another
    // file is reviewed: typing in one file costs one parse per review, not three.
    if (texts.get(m.file) !== m.text) { texts.set(m.file, m.text); staleIndex.add(m.file); }
    for (const f of [...staleIndex]) if (f !== m.file) { staleIndex.delete(f); summarize(f); readSites(f); }
    const review = await reviewText(m.file, m.text, {
      ...m.opts, budget: { ...m.opts.budget, signal },
      index, otherSites: otherSites(m.file), readFile: f => texts.get(f), trees,
      // Untitled buffers have no place on disk, so no kernel tree around them.
      inKernelTree: path.isAbsolute(m.file) && inKernelTree(m.file),
    });
    // Capped only when the cap cut something short: a review that finished everything past its
    // cap (it found nothing to explore, say) is complete.
    const cut = capped && !!review.bounded?.length;
    post({ type: 'result', id: m.id, review, elapsedMs: performance.now() - started, ...(cut ? { capped: true } : {}) });
  } catch (err) {
    post({ type: 'error', id: m.id, message: err instanceof Error ? err.message : String(err), stack: err instanceof Error ? err.stack : undefined });
  } finally {
    reviewing = false;
    scheduleDrain();
  }
}

function otherSites(file: string): Site[] {
  const out: Site[] = [];
  for (const [f, s] of sitesByFile) if (f !== file) out.push(...s);
  return out;
}

function post(m: FromWorker): void {
  port!.postMessage(m);
}
