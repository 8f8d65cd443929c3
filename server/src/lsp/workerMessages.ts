// Messages between the server's main thread and its review workers (server/src/worker.ts).

import type { FileReview, ReviewOptions } from '../review';

export type ToWorker =
  /** `abort` is a SharedArrayBuffer holding one Int32: set to 1 by the main thread to cancel the run. */
  | { type: 'review'; id: number; file: string; text: string; opts: Omit<ReviewOptions, 'budget'> & { budget: { maxExplored: number; maxMillis: number } }; abort: SharedArrayBuffer }
  /** Workspace files the cross-file index should know (open buffers win over disk). */
  | { type: 'files'; set: [file: string, text: string][]; remove: string[] };

export type FromWorker =
  /** `capped`: the review reached its time cap (opts.budget.maxMillis) and left work undone (listed in review.bounded). */
  | { type: 'result'; id: number; review: FileReview; elapsedMs: number; capped?: boolean }
  | { type: 'error'; id: number; message: string; stack?: string }
  | { type: 'log'; message: string }
  /** The index caught up with every file sent; `reviewedWhileIndexing`: the files whose review saw a partial index. */
  | { type: 'indexed'; files: number; reviewedWhileIndexing: string[] };
