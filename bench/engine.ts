// Section 1: raw engine throughput on families whose size grows with n, with the GenMC numbers
// quoted in the issue for comparison. Memory: the explorer stores nothing per execution, so the
// heap after a run should be where it was before (measured after a full GC when available).

import os from 'node:os';
import { explore } from '../server/src/memory/explore';
import type { ExploreResult } from '../server/src/memory/result';
import { FAMILIES, type Family } from './engineFamilies';
import type { Section, SectionOptions, SectionResult } from './section';
import { collect, gcAvailable, heapUsedMb, median, nowMs } from './stats';
import { fixed, type Cell, type Table } from './table';

/** Runs shorter than this are repeated and the median of 3 reported. */
const REPEAT_BELOW_MS = 1000;
/** Stop growing a family once one size took longer than this (the next would take much longer). */
const GROW_LIMIT_MS = 4000;
/** Hard cap per run: a regression must not hang the benchmark. */
const RUN_BUDGET_MS = 60_000;

/** GenMC wall times for n threads doing fetch_add, as quoted in the issue. */
const GENMC_FETCH_ADD_S: Record<number, number> = { 8: 2.56, 9: 23.95 };
/** GenMC 0.10.3 wall times for the SeqCst families at one size each, as quoted in the issue. */
const GENMC_SC_S: Record<string, { n: number; s: number }> = { 'SB ring sc': { n: 16, s: 1.6 }, 'IRIW sc': { n: 9, s: 1.4 } };

export interface EngineRow {
  family: string;
  n: number;
  executions: number;
  explored: number;
  ratio: number;
  wallMs: number;
  /** CPU time of the process over the same runs (median): on a loaded machine, closer to what the run costs than the wall time. */
  cpuMs: number;
  runs: number;
  execPerSec: number;
  heapDeltaMb: number | null;
  check: string;
  expected?: number;
  bounded?: string;
}

function checkText(r: ExploreResult): string {
  const parts: string[] = [];
  if (r.condition) parts.push(`exists: ${r.condition.outcome}`);
  if (r.races.length) parts.push(`${r.races.length} race pair(s)`);
  else if (!r.condition) parts.push('race-free');
  if (r.bounded) parts.push(r.bounded.message);
  return parts.join(', ');
}

export function measure(f: Family, n: number, repeatBelowMs = REPEAT_BELOW_MS): EngineRow {
  const program = f.build(n);
  const walls: number[] = [];
  const cpus: number[] = [];
  let res: ExploreResult | undefined;
  let heapDelta: number | null = null;
  for (let i = 0; i < 3; i++) {
    collect();
    const before = heapUsedMb();
    const cpu0 = process.cpuUsage();
    const t0 = nowMs();
    res = explore(program, { maxMillis: RUN_BUDGET_MS, model: f.model });
    walls.push(nowMs() - t0);
    const cpu = process.cpuUsage(cpu0);
    cpus.push((cpu.user + cpu.system) / 1000);
    // Measured with the result still referenced, so what remains is what the result holds plus
    // anything the explorer leaked — the number should not grow with the execution count.
    collect();
    if (i === 0 && gcAvailable()) heapDelta = heapUsedMb() - before;
    if (walls[0] >= repeatBelowMs) break;
  }
  const r = res!;
  const wallMs = median(walls);
  return {
    family: f.name, n, executions: r.executions, explored: r.explored,
    ratio: r.explored ? r.executions / r.explored : 0,
    wallMs, cpuMs: median(cpus), runs: walls.length,
    execPerSec: wallMs > 0 ? (r.executions / wallMs) * 1000 : NaN,
    heapDeltaMb: heapDelta,
    check: checkText(r),
    expected: f.expected?.(n),
    bounded: r.bounded?.message,
  };
}

export function runFamily(f: Family, sizes: number[], log: (m: string) => void, growLimitMs = GROW_LIMIT_MS): EngineRow[] {
  const rows: EngineRow[] = [];
  for (const n of sizes) {
    log(`engine: ${f.name} n=${n}`);
    const row = measure(f, n);
    rows.push(row);
    if (row.bounded || row.wallMs > growLimitMs) break;
  }
  return rows;
}

function toTable(rows: EngineRow[], gc: boolean): Table {
  const cells: Cell[][] = rows.map(r => [
    r.family, r.n, r.executions, r.explored, fixed(r.ratio, 3),
    fixed(r.wallMs, 1), fixed(r.cpuMs, 1), r.runs === 1 ? '1' : `med ${r.runs}`, Math.round(r.execPerSec),
    r.heapDeltaMb === null ? null : fixed(r.heapDeltaMb, 2),
    r.expected !== undefined && r.expected !== r.executions ? `${r.check}; EXPECTED ${r.expected}` : r.check,
  ]);
  const notes: string[] = [];
  const genmc = rows.filter(r => r.family === 'fetch_add' && GENMC_FETCH_ADD_S[r.n] !== undefined);
  for (const r of genmc) {
    const g = GENMC_FETCH_ADD_S[r.n] * 1000;
    notes.push(`fetch_add n=${r.n}: ${r.wallMs.toFixed(0)} ms here vs GenMC ${g.toLocaleString('en-US')} ms (from the issue) -> ${(g / r.wallMs).toFixed(1)}x`);
  }
  if (!genmc.length) notes.push(`GenMC reference (from the issue): fetch_add n=8 2.56 s, n=9 23.95 s (not run in --quick)`);
  // SeqCst: the SC axiom is checked while graphs are built, so explored / executions shows how many
  // graphs it still let the search finish in vain (goal: at most 1.05).
  for (const [family, ref] of Object.entries(GENMC_SC_S)) {
    const fam = rows.filter(r => r.family === family && r.executions > 0);
    if (!fam.length) continue;
    const worst = Math.max(...fam.map(r => r.explored / r.executions));
    const at = fam.find(r => r.n === ref.n);
    notes.push(`${family}: explored / executions at most ${worst.toFixed(3)} over n=${fam[0].n}..${fam[fam.length - 1].n}` +
      (at ? `; n=${ref.n}: ${at.wallMs.toFixed(0)} ms wall (${at.cpuMs.toFixed(0)} ms CPU, machine load ${os.loadavg()[0].toFixed(1)}) here vs GenMC 0.10.3 ${(ref.s * 1000).toLocaleString('en-US')} ms (from the issue)` : ` (GenMC 0.10.3: n=${ref.n} in ${ref.s} s, not reached here)`));
  }
  if (rows.some(r => r.family.startsWith('LKMM'))) notes.push('LKMM rows: explored = candidates (thread paths x rf x co) checked against the cat axioms plus path combinations pruned early');
  if (!gc) notes.push('heap delta not measured: run with --expose-gc (run.js re-spawns itself with it unless --no-respawn)');
  return {
    title: 'Engine: exhaustive exploration (RC11, and LKMM families marked LKMM)',
    columns: ['family', 'n', 'executions', 'explored', 'exec/explored', 'wall ms', 'cpu ms', 'runs', 'exec/s', 'heap Δ MB', 'check'],
    rows: cells,
    notes,
  };
}

export const engineSection: Section = {
  id: 'engine',
  title: 'Engine',
  async run(o: SectionOptions): Promise<SectionResult> {
    const rows: EngineRow[] = [];
    for (const f of FAMILIES) {
      try {
        rows.push(...runFamily(f, o.quick ? f.quickSizes : f.sizes, o.log));
      } catch (e) {
        // One family failing (e.g. a program the engine rejects) must not hide the others.
        o.log(`engine: ${f.name} failed: ${(e as Error).message}`);
        rows.push({ family: f.name, n: NaN, executions: 0, explored: 0, ratio: 0, wallMs: NaN, cpuMs: NaN, runs: 0, execPerSec: NaN, heapDeltaMb: null, check: `FAILED: ${(e as Error).message}` });
      }
    }
    return { tables: [toTable(rows, gcAvailable())], data: { rows, genmcFetchAddSeconds: GENMC_FETCH_ADD_S, genmcSeqCstSeconds: GENMC_SC_S } };
  },
};
