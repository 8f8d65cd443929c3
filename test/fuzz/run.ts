// The fuzz runner: generates seeded inputs of each kind, runs them under a per-input time limit and
// a memory cap (Rust and litmus in worker threads it can terminate, LSP sequences against a real
// server process), saves every failing input with its seed, and sums up.

import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { litmusInput, ROOT, rustInput, type Kind, type TextInput } from './inputs';
import { lspInput, runLsp, type LspInput } from './lsp';
import type { WorkerReply } from './worker';

export interface FuzzOptions {
  seed: number;
  /** Inputs per kind (for `lsp`: messages, in sequences of `lspSequence` messages). */
  counts: Partial<Record<Kind, number>>;
  /** Per-input limit (ms); an LSP request gets three times this to be answered (reviews queue). */
  timeLimitMs: number;
  /** Resident memory cap (MB) of the fuzzing process and of the server. */
  memoryCapMb: number;
  lspSequence?: number;
  /** Where failing inputs are saved (null: not saved). */
  failuresDir: string | null;
  progress?: (line: string) => void;
}

export type FailureKind = 'crash' | 'hang' | 'memory';
export interface Failure { kind: Kind; what: FailureKind; seed: number; index: number; detail: string; saved?: string; reproduce: string }

export interface KindSummary {
  inputs: number;
  /** LSP only: sequences (each one server process). */
  sequences?: number;
  notes: Record<string, number>;
  crashes: number; hangs: number; memory: number;
  /** Peak V8 heap of the worker (text kinds) or peak RSS of the server (lsp), MB. */
  peakMb: number;
  elapsedMs: number;
}

export interface FuzzSummary {
  seed: number;
  kinds: Partial<Record<Kind, KindSummary>>;
  failures: Failure[];
  /** Peak RSS of the fuzzing process (workers included), MB. */
  peakRssMb: number;
  elapsedMs: number;
  machine: string;
}

const MB = 1024 * 1024;

/** One worker thread that runs text inputs one at a time, replaced when an input kills or hangs it. */
class TextRunner {
  private worker: Worker | null = null;
  private ready: Promise<void> = Promise.resolve();
  private nextId = 0;
  private waiting: ((r: WorkerReply | { fatal: string; what: FailureKind }) => void) | null = null;
  constructor(private readonly heapCapMb: number) {}

  private start(): Worker {
    const w = new Worker(path.join(__dirname, 'worker.js'), { resourceLimits: { maxOldGenerationSizeMb: this.heapCapMb } });
    // Events of a worker already replaced (terminated after a hang) must not answer the next input.
    const settle = (r: WorkerReply | { fatal: string; what: FailureKind }): void => {
      if (this.worker !== w) return;
      const cb = this.waiting;
      this.waiting = null;
      cb?.(r);
    };
    let onReady: () => void = () => {};
    this.ready = new Promise(res => { onReady = res; });
    w.on('message', (r: WorkerReply | { ready: true }) => { if ('ready' in r) onReady(); else settle(r); });
    w.on('error', (e: Error & { code?: string }) => {
      onReady();
      settle({ fatal: e.stack ?? e.message, what: e.code === 'ERR_WORKER_OUT_OF_MEMORY' ? 'memory' : 'crash' });
      if (this.worker === w) this.worker = null;
    });
    w.on('exit', code => {
      onReady();
      settle({ fatal: `worker exited with code ${code}`, what: 'crash' });
      if (this.worker === w) this.worker = null;
    });
    return w;
  }

  async run(input: TextInput, limitMs: number): Promise<WorkerReply | { fatal: string; what: FailureKind }> {
    this.worker ??= this.start();
    const w = this.worker;
    await this.ready;
    if (this.worker !== w) return { fatal: 'worker failed to start', what: 'crash' };
    const id = ++this.nextId;
    return new Promise(resolve => {
      const timer = setTimeout(() => {
        this.waiting = null;
        this.worker = null;
        void w.terminate();
        resolve({ fatal: `no result within ${limitMs} ms`, what: 'hang' });
      }, limitMs);
      this.waiting = r => { clearTimeout(timer); resolve(r); };
      w.postMessage({ id, input });
    });
  }

  /** Ends the worker (it frees its tree-sitter memory, which only grows while it lives). */
  async recycle(): Promise<void> {
    const w = this.worker;
    this.worker = null;
    if (w) await w.terminate();
  }
}

function machine(): string {
  const cpus = os.cpus();
  return `${cpus.length} × ${cpus[0]?.model.trim() ?? 'unknown CPU'}, ${(os.totalmem() / 1024 ** 3).toFixed(0)} GB, Node ${process.version}, load ${os.loadavg()[0].toFixed(1)} at start`;
}

function rssMb(): number {
  return process.memoryUsage().rss / MB;
}

function save(opts: FuzzOptions, f: Failure, input: TextInput | LspInput): void {
  const name = `${f.kind}-${f.what}-seed${f.seed}-${f.index}.json`;
  f.reproduce = `node out/test/fuzz/main.js --replay fuzz-failures/${name}`;
  if (!opts.failuresDir) return;
  mkdirSync(opts.failuresDir, { recursive: true });
  const file = path.join(opts.failuresDir, name);
  writeFileSync(file, JSON.stringify({ failure: { what: f.what, detail: f.detail }, input }, null, 1));
  f.saved = path.relative(ROOT, file);
  f.reproduce = `node out/test/fuzz/main.js --replay ${f.saved}`;
}

async function fuzzText(kind: 'rust' | 'litmus', count: number, opts: FuzzOptions, summary: FuzzSummary, peak: { rss: number }): Promise<void> {
  const s: KindSummary = { inputs: 0, notes: {}, crashes: 0, hangs: 0, memory: 0, peakMb: 0, elapsedMs: 0 };
  summary.kinds[kind] = s;
  const started = Date.now();
  // The worker's V8 heap is capped; its wasm memory and the rest are watched through the RSS.
  const runner = new TextRunner(Math.max(64, Math.floor(opts.memoryCapMb / 2)));
  for (let i = 0; i < count; i++) {
    const input = kind === 'rust' ? rustInput(opts.seed, i) : litmusInput(opts.seed, i);
    const r = await runner.run(input, opts.timeLimitMs);
    s.inputs++;
    const rss = rssMb();
    peak.rss = Math.max(peak.rss, rss);
    let failure: { what: FailureKind; detail: string } | undefined;
    if ('fatal' in r) failure = { what: r.what, detail: r.fatal };
    else {
      s.peakMb = Math.max(s.peakMb, r.heapUsed / MB);
      if (!r.ok) failure = { what: 'crash', detail: r.error };
      else s.notes[r.note] = (s.notes[r.note] ?? 0) + 1;
      if (!failure && rss > opts.memoryCapMb) failure = { what: 'memory', detail: `RSS ${rss.toFixed(0)} MB over the ${opts.memoryCapMb} MB cap` };
    }
    if (failure) {
      if (failure.what === 'crash') s.crashes++; else if (failure.what === 'hang') s.hangs++; else s.memory++;
      const f: Failure = { kind, what: failure.what, seed: opts.seed, index: i, detail: failure.detail, reproduce: '' };
      save(opts, f, input);
      summary.failures.push(f);
      opts.progress?.(`${kind} #${i}: ${failure.what}: ${failure.detail.split('\n')[0]}\n  reproduce: ${f.reproduce}`);
      await runner.recycle();
    } else if (rss > opts.memoryCapMb * 0.75 || i % 2_000 === 1_999) await runner.recycle();
    if (i % 1_000 === 999) opts.progress?.(`${kind}: ${i + 1}/${count} inputs, ${((Date.now() - started) / 1000).toFixed(0)} s`);
  }
  await runner.recycle();
  s.elapsedMs = Date.now() - started;
}

async function fuzzLsp(count: number, opts: FuzzOptions, summary: FuzzSummary): Promise<void> {
  const s: KindSummary = { inputs: 0, sequences: 0, notes: {}, crashes: 0, hangs: 0, memory: 0, peakMb: 0, elapsedMs: 0 };
  summary.kinds.lsp = s;
  const started = Date.now();
  const length = opts.lspSequence ?? 50;
  for (let i = 0; s.inputs < count; i++) {
    const input = lspInput(opts.seed, i, Math.min(length, Math.max(4, count - s.inputs - 2)));
    const run = await runLsp(input, opts.timeLimitMs * 3, opts.memoryCapMb);
    s.inputs += run.messages;
    s.sequences!++;
    s.notes.requests = (s.notes.requests ?? 0) + run.requests;
    s.peakMb = Math.max(s.peakMb, run.peakRssMb);
    if (run.failure) {
      const w = run.failure.what;
      if (w === 'crash') s.crashes++; else if (w === 'hang') s.hangs++; else s.memory++;
      const f: Failure = { kind: 'lsp', what: w, seed: opts.seed, index: i, detail: run.failure.detail, reproduce: '' };
      save(opts, f, input);
      summary.failures.push(f);
      opts.progress?.(`lsp sequence #${i}: ${w}: ${run.failure.detail.split('\n')[0]}\n  reproduce: ${f.reproduce}`);
    }
    if (i % 20 === 19) opts.progress?.(`lsp: ${s.inputs}/${count} messages, ${i + 1} sequences, ${((Date.now() - started) / 1000).toFixed(0)} s`);
  }
  s.elapsedMs = Date.now() - started;
}

/** Runs every kind asked for, side by side (each kind is one worker or one server at a time). */
export async function fuzz(opts: FuzzOptions): Promise<FuzzSummary> {
  const started = Date.now();
  const summary: FuzzSummary = { seed: opts.seed, kinds: {}, failures: [], peakRssMb: 0, elapsedMs: 0, machine: machine() };
  const peak = { rss: rssMb() };
  const jobs: Promise<void>[] = [];
  if (opts.counts.rust) jobs.push(fuzzText('rust', opts.counts.rust, opts, summary, peak));
  if (opts.counts.litmus) jobs.push(fuzzText('litmus', opts.counts.litmus, opts, summary, peak));
  if (opts.counts.lsp) jobs.push(fuzzLsp(opts.counts.lsp, opts, summary));
  await Promise.all(jobs);
  summary.peakRssMb = Math.max(peak.rss, process.resourceUsage().maxRSS / 1024);
  summary.elapsedMs = Date.now() - started;
  return summary;
}

/** Replays one saved input; returns the failure it shows now, if any. */
export async function replay(input: TextInput | LspInput, opts: Pick<FuzzOptions, 'timeLimitMs' | 'memoryCapMb'>): Promise<{ what: FailureKind; detail: string } | { note: string }> {
  if (input.kind === 'lsp') {
    const run = await runLsp(input, opts.timeLimitMs * 3, opts.memoryCapMb);
    return run.failure ?? { note: `${run.messages} messages, ${run.requests} requests answered, server peak RSS ${run.peakRssMb.toFixed(0)} MB` };
  }
  const runner = new TextRunner(Math.max(64, Math.floor(opts.memoryCapMb / 2)));
  try {
    const r = await runner.run(input, opts.timeLimitMs);
    if ('fatal' in r) return { what: r.what, detail: r.fatal };
    return r.ok ? { note: r.note } : { what: 'crash', detail: r.error };
  } finally {
    await runner.recycle();
  }
}

export function formatSummary(s: FuzzSummary): string {
  const lines = [`fuzz seed ${s.seed} on ${s.machine}`];
  lines.push('kind     inputs  crashes  hangs  memory  peak MB  elapsed  notes');
  for (const [kind, k] of Object.entries(s.kinds) as [Kind, KindSummary][]) {
    const inputs = kind === 'lsp' ? `${k.inputs} messages in ${k.sequences} sequences` : `${k.inputs}`;
    const peakWhat = kind === 'lsp' ? 'server RSS' : 'worker heap';
    const notes = Object.entries(k.notes).sort().map(([n, c]) => `${n} ${c}`).join(', ');
    lines.push(`${kind.padEnd(7)} ${String(k.inputs).padStart(7)}  ${String(k.crashes).padStart(7)}  ${String(k.hangs).padStart(5)}  ${String(k.memory).padStart(6)}  ${k.peakMb.toFixed(0).padStart(7)}  ${(k.elapsedMs / 1000).toFixed(0).padStart(6)} s  ${notes}${kind === 'lsp' ? `; ${inputs}` : ''} (peak = ${peakWhat})`);
  }
  const total = Object.values(s.kinds).reduce((n, k) => n + k!.inputs, 0);
  const crashes = Object.values(s.kinds).reduce((n, k) => n + k!.crashes, 0);
  const hangs = Object.values(s.kinds).reduce((n, k) => n + k!.hangs, 0);
  const memory = Object.values(s.kinds).reduce((n, k) => n + k!.memory, 0);
  lines.push(`total ${total} inputs: ${crashes} crashes, ${hangs} hangs, ${memory} over the memory cap; fuzzer peak RSS ${s.peakRssMb.toFixed(0)} MB; ${(s.elapsedMs / 1000).toFixed(0)} s`);
  for (const f of s.failures) lines.push(`${f.kind} ${f.what} (input ${f.index}): ${f.detail.split('\n')[0]}\n  ${f.reproduce}`);
  return lines.join('\n');
}
