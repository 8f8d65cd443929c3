// Small statistics and timing helpers shared by the benchmark sections.

export function median(xs: number[]): number {
  return percentile(xs, 50);
}

/** Nearest-rank percentile (p in 0..100) of a sample; NaN for an empty one. */
export function percentile(xs: number[], p: number): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * s.length);
  return s[Math.min(s.length - 1, Math.max(0, rank - 1))];
}

export function nowMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

/** Runs a full GC when the process was started with --expose-gc (run.ts re-spawns itself with it). */
export function collect(): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc) { gc(); gc(); }
}

/** A young-generation (scavenge) collection, when the process was started with --expose-gc. */
export function collectYoung(): void {
  const gc = (globalThis as { gc?: (o?: { type: 'minor' | 'major' }) => void }).gc;
  if (gc) gc({ type: 'minor' });
}

export function gcAvailable(): boolean {
  return typeof (globalThis as { gc?: unknown }).gc === 'function';
}

export function heapUsedMb(): number {
  return process.memoryUsage().heapUsed / (1024 * 1024);
}
