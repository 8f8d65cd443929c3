// Runs reviews in worker threads so an exploration never blocks the LSP request thread.
// One job per key (a document URI): a newer job supersedes the older one, which is aborted
// through a shared flag the engine polls. A worker that crashes, or overruns its time budget and
// does not answer an abort, is terminated and replaced; its job fails with a message, and the
// server keeps serving.
//
// Each review stops itself at its file's time cap (budget.maxMillis, counted in the worker) and
// says so; a review stuck where the engine does not poll is terminated a grace period later. While
// one file runs long the others must not wait for it: when jobs stay queued behind busy workers,
// the pool grows by a worker (up to maxSize), and keeps it.

import { Worker } from 'node:worker_threads';
import type { FileReview } from '../review';
import type { FromWorker, ToWorker } from './workerMessages';

export type ReviewOpts = Extract<ToWorker, { type: 'review' }>['opts'];

export type Outcome =
  /** `capped`: the review reached its time cap and stopped early; what it has is sound but partial. */
  | { kind: 'done'; review: FileReview; elapsedMs: number; capped?: boolean }
  | { kind: 'cancelled' }
  | { kind: 'failed'; message: string }
  /** The review ran past its time cap without stopping and its worker was terminated: no result. */
  | { kind: 'capped'; capMs: number; message: string };

export type Priority = 'interactive' | 'background';

interface Job {
  id: number;
  key: string;
  priority: Priority;
  file: string;
  text: string;
  opts: ReviewOpts;
  abort: Int32Array;
  resolve: (o: Outcome) => void;
  settled: boolean;
}

interface Slot {
  worker: Worker;
  job?: Job;
  /** Fires when the running job overstays its budget (plus grace) or ignores an abort. */
  watchdog?: NodeJS.Timeout;
  dead: boolean;
}

export interface PoolOptions {
  /** Path of the worker script (dist/worker.js next to dist/server.js). */
  script: string;
  size: number;
  /** Workers the pool may grow to when jobs wait behind busy ones (default: size + 2). */
  maxSize?: number;
  /** How long a job may wait with every worker busy before the pool grows (ms). */
  growAfterMs?: number;
  log: (message: string) => void;
  /**
   * Grace beyond a job's time cap before its worker is presumed hung (ms). A review stops itself at
   * the cap but still writes up what it found; on a loaded machine that alone can take seconds, and
   * a terminated worker loses the result and must index the workspace again.
   */
  graceMs?: number;
  /** How long an aborted job may take to stop before its worker is terminated (ms); parsing a big file is not abortable. */
  abortGraceMs?: number;
}

export class ReviewPool {
  private readonly slots: Slot[] = [];
  private readonly queue: Job[] = [];
  private readonly files = new Map<string, string>();
  private nextId = 1;
  private crashTimes: number[] = [];
  private disposed = false;
  /** Pending worker restarts (cleared on dispose). */
  private readonly restarts = new Set<NodeJS.Timeout>();
  /** Armed while jobs wait and every worker is busy; when it fires the pool grows. */
  private growTimer?: NodeJS.Timeout;
  private readonly maxSize: number;
  /** Called whenever the number of queued + running jobs changes. */
  onLoadChange: (pending: number) => void = () => {};
  /**
   * Called when a worker's index caught up; `stale`: the files it reviewed against a partial index
   * meanwhile (each worker has its own index: a worker the pool grew by starts with an empty one).
   */
  onIndexed: (files: number, stale: string[]) => void = () => {};

  constructor(private readonly o: PoolOptions) {
    this.maxSize = Math.max(1, o.size, o.maxSize ?? Math.max(1, o.size) + 2);
    for (let i = 0; i < Math.max(1, o.size); i++) this.slots.push(this.spawn());
  }

  get size(): number {
    return this.slots.length;
  }

  get pending(): number {
    return this.queue.length + this.slots.filter(s => s.job).length;
  }

  /** Reviews `text`; a later call with the same key cancels this one (it resolves 'cancelled'). */
  review(key: string, file: string, text: string, opts: ReviewOpts, priority: Priority = 'interactive'): Promise<Outcome> {
    if (this.disposed) return Promise.resolve({ kind: 'cancelled' });
    this.cancel(key);
    return new Promise<Outcome>(resolve => {
      const job: Job = {
        id: this.nextId++, key, priority, file, text, opts,
        abort: new Int32Array(new SharedArrayBuffer(4)), resolve, settled: false,
      };
      // Interactive jobs (open documents) go before background ones (workspace check).
      if (priority === 'interactive') {
        const firstBg = this.queue.findIndex(j => j.priority === 'background');
        this.queue.splice(firstBg < 0 ? this.queue.length : firstBg, 0, job);
      } else {
        this.queue.push(job);
      }
      this.pump();
      this.onLoadChange(this.pending);
    });
  }

  /** Cancels the queued or running job for `key`, if any. */
  cancel(key: string): void {
    const qi = this.queue.findIndex(j => j.key === key);
    if (qi >= 0) {
      const [job] = this.queue.splice(qi, 1);
      this.settle(job, { kind: 'cancelled' });
    }
    for (const slot of this.slots) {
      const job = slot.job;
      if (job && job.key === key && !job.settled) {
        Atomics.store(job.abort, 0, 1);
        this.settle(job, { kind: 'cancelled' });
        // The engine polls the flag; if it does not stop in time, the worker is replaced.
        this.arm(slot, this.o.abortGraceMs ?? 10_000, `an aborted review of ${job.file} did not stop`, { kind: 'cancelled' });
      }
    }
    this.onLoadChange(this.pending);
  }

  /** Workspace files for the workers' cross-file index; remembered so restarted workers get them too. */
  setFiles(set: [string, string][], remove: string[] = []): void {
    for (const [f, t] of set) this.files.set(f, t);
    for (const f of remove) this.files.delete(f);
    const msg: ToWorker = { type: 'files', set, remove };
    for (const s of this.slots) if (!s.dead) s.worker.postMessage(msg);
  }

  async dispose(): Promise<void> {
    this.disposed = true;
    if (this.growTimer) clearTimeout(this.growTimer);
    for (const t of this.restarts) clearTimeout(t);
    this.restarts.clear();
    for (const j of this.queue.splice(0)) this.settle(j, { kind: 'cancelled' });
    await Promise.all(this.slots.map(s => {
      if (s.job) this.settle(s.job, { kind: 'cancelled' });
      s.dead = true;
      if (s.watchdog) clearTimeout(s.watchdog);
      return s.worker.terminate();
    }));
  }

  private spawn(): Slot {
    // A worker that runs out of heap dies alone instead of taking the server with it.
    const worker = new Worker(this.o.script, { resourceLimits: { maxOldGenerationSizeMb: 2048 } });
    const slot: Slot = { worker, dead: false };
    worker.on('message', (m: FromWorker) => this.onMessage(slot, m));
    worker.on('error', err => this.onDeath(slot, `the review worker crashed: ${err instanceof Error ? err.stack ?? err.message : String(err)}`));
    worker.on('exit', code => this.onDeath(slot, `the review worker exited with code ${code}`));
    if (this.files.size) worker.postMessage({ type: 'files', set: [...this.files], remove: [] } satisfies ToWorker);
    return slot;
  }

  private onMessage(slot: Slot, m: FromWorker): void {
    if (m.type === 'log') { this.o.log(m.message); return; }
    if (m.type === 'indexed') { this.onIndexed(m.files, m.reviewedWhileIndexing); return; }
    const job = slot.job;
    if (!job || job.id !== m.id) return; // answer to a job already given up on
    this.finish(slot);
    if (m.type === 'result') this.settle(job, { kind: 'done', review: m.review, elapsedMs: m.elapsedMs, ...(m.capped ? { capped: true } : {}) });
    else {
      this.o.log(`review of ${job.file} failed: ${m.stack ?? m.message}`);
      this.settle(job, { kind: 'failed', message: m.message });
    }
    this.pump();
  }

  /** `outcome`: what the job gets when its death was the watchdog's doing (default: failed with `why`). */
  private onDeath(slot: Slot, why: string, outcome?: Outcome): void {
    if (slot.dead) return;
    slot.dead = true;
    if (slot.watchdog) clearTimeout(slot.watchdog);
    if (this.disposed) return;
    const job = slot.job;
    slot.job = undefined;
    this.o.log(job ? `${why} (while reviewing ${job.file}); starting a new worker` : `${why}; starting a new worker`);
    if (job) this.settle(job, outcome ?? { kind: 'failed', message: why });
    // Back off when crashes repeat, so a file that always kills the worker cannot spin the CPU.
    const now = Date.now();
    this.crashTimes = this.crashTimes.filter(t => now - t < 60_000).concat(now);
    const delay = this.crashTimes.length <= 2 ? 0 : Math.min(30_000, 100 * 2 ** (this.crashTimes.length - 2));
    const timer = setTimeout(() => {
      this.restarts.delete(timer);
      if (this.disposed) return;
      const i = this.slots.indexOf(slot);
      if (i >= 0) this.slots[i] = this.spawn();
      this.pump();
    }, delay);
    this.restarts.add(timer);
    this.onLoadChange(this.pending);
  }

  private pump(): void {
    for (const slot of this.slots) {
      if (slot.dead || slot.job) continue;
      const job = this.queue.shift();
      if (!job) break;
      slot.job = job;
      const msg: ToWorker = { type: 'review', id: job.id, file: job.file, text: job.text, opts: job.opts, abort: job.abort.buffer as SharedArrayBuffer };
      slot.worker.postMessage(msg);
      const cap = job.opts.budget.maxMillis;
      this.arm(slot, cap + (this.o.graceMs ?? 15_000), `the review of ${job.file} overran its ${cap} ms time cap`,
        { kind: 'capped', capMs: cap, message: `the review did not stop at its ${cap} ms time cap and was terminated` });
    }
    this.maybeGrow();
    this.onLoadChange(this.pending);
  }

  /**
   * Jobs are waiting and no worker is free: if that is still so a moment later (the running jobs
   * are long ones, not a burst of short ones), start another worker so one slow file does not hold
   * back the diagnostics of every other.
   */
  private maybeGrow(): void {
    if (this.growTimer || this.disposed || this.queue.length === 0 || this.slots.length >= this.maxSize) return;
    if (this.slots.some(s => !s.dead && !s.job)) return;
    this.growTimer = setTimeout(() => {
      this.growTimer = undefined;
      if (this.disposed || this.queue.length === 0 || this.slots.some(s => !s.dead && !s.job)) return;
      if (this.slots.length >= this.maxSize) return;
      this.o.log(`${this.queue.length} review(s) waiting behind ${this.slots.length} busy worker(s); starting another worker`);
      this.slots.push(this.spawn());
      this.pump();
    }, this.o.growAfterMs ?? 250);
    this.growTimer.unref?.();
  }

  private arm(slot: Slot, ms: number, why: string, overrun: Outcome): void {
    if (slot.watchdog) clearTimeout(slot.watchdog);
    slot.watchdog = setTimeout(() => {
      if (slot.dead || !slot.job) return;
      this.o.log(`${why}; terminating its worker`);
      const worker = slot.worker;
      this.onDeath(slot, 'the review worker was terminated', overrun);
      void worker.terminate();
    }, ms);
    slot.watchdog.unref?.();
  }

  private finish(slot: Slot): void {
    slot.job = undefined;
    if (slot.watchdog) clearTimeout(slot.watchdog);
    slot.watchdog = undefined;
  }

  private settle(job: Job, o: Outcome): void {
    if (job.settled) return;
    job.settled = true;
    job.resolve(o);
  }
}
