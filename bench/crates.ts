// Review cost on real code: the `check` pipeline (index, sites, review) against a bare tree-sitter
// parse of the same files, on Rust crates that Debian ships as source (`librust-<name>-dev`
// installs them under /usr/share/cargo/registry). Times are CPU time of this process, medians of
// alternated runs (parse, check, parse, check, ...), so a load change hits both alike.

import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { checkTexts, readRustFiles } from '../server/src/check';
import { ScenarioCache } from '../server/src/protocol/fixes';
import { initRustParser, parseRust } from '../server/src/rust/parser';
import { countLines } from './corpus';
import { collectYoung, median } from './stats';

export const DEBIAN_REGISTRY = '/usr/share/cargo/registry';

/** Crate directories (name-version) and the Debian package that installs each. */
export const CRATES: { dir: string; pkg: string }[] = [
  { dir: 'tokio-1.24.2', pkg: 'librust-tokio-dev' },
  { dir: 'crossbeam-epoch-0.9.13', pkg: 'librust-crossbeam-epoch-dev' },
  { dir: 'crossbeam-utils-0.8.12', pkg: 'librust-crossbeam-utils-dev' },
  { dir: 'crossbeam-channel-0.5.6', pkg: 'librust-crossbeam-channel-dev' },
  { dir: 'bytes-1.2.1', pkg: 'librust-bytes-dev' },
  { dir: 'arc-swap-1.5.1', pkg: 'librust-arc-swap-dev' },
  { dir: 'servo_arc-0.1.1', pkg: 'librust-servo-arc-dev' },
  { dir: 'async-task-4.3.0', pkg: 'librust-async-task-dev' },
  { dir: 'event-listener-2.5.3', pkg: 'librust-event-listener-dev' },
  { dir: 'concurrent-queue-2.0.0', pkg: 'librust-concurrent-queue-dev' },
  { dir: 'sharded-slab-0.1.4', pkg: 'librust-sharded-slab-dev' },
  { dir: 'futures-util-0.3.21', pkg: 'librust-futures-util-dev' },
  { dir: 'rayon-core-1.10.1', pkg: 'librust-rayon-core-dev' },
  { dir: 'parking_lot_core-0.9.3', pkg: 'librust-parking-lot-core-dev' },
];

export interface SourceFile { file: string; text: string }

export function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

/**
 * CPU ms of the calling thread alone (Linux: /proc/thread-self/schedstat, in ns), or NaN where
 * that is not available. Process CPU also counts V8's background threads, which compile and
 * re-compile the reader's JavaScript while it runs; the main thread is the work itself.
 */
export function threadCpuMs(): number {
  try {
    return Number(readFileSync('/proc/thread-self/schedstat', 'utf8').split(' ')[0]) / 1e6;
  } catch {
    return NaN;
  }
}

export interface Alternated {
  files: number;
  lines: number;
  /** Median CPU ms of a bare parse of every file (tree freed at once). */
  parseMs: number;
  /** Median CPU ms of checkTexts over the same files, with a cold scenario cache as a new process has. */
  checkMs: number;
  ratio: number;
  /** The same medians on the main thread alone (NaN where threadCpuMs is not available). */
  parseMainMs: number;
  checkMainMs: number;
  runs: number;
  findings: number;
}

/** One parse of every file, then one check of them all: CPU ms of each, and the check's findings. */
interface Timed { parse: number; check: number; parseMain: number; checkMain: number }

async function parseThenCheck(files: SourceFile[]): Promise<Timed & { findings: number }> {
  // A young-generation collection (untimed) before each timed part, so the parse does not pay for
  // the previous check's young garbage. Not a full one: V8 then shrinks the heap, and the next
  // check runs about 1.3x slower than in a process that is already checking (a fresh process).
  collectYoung();
  let t = cpuMs();
  let m = threadCpuMs();
  for (const f of files) parseRust(f.text).delete();
  const parse = cpuMs() - t;
  const parseMain = threadCpuMs() - m;
  collectYoung();
  t = cpuMs();
  m = threadCpuMs();
  const r = await checkTexts(files, {}, { cache: new ScenarioCache() });
  return { parse, check: cpuMs() - t, parseMain, checkMain: threadCpuMs() - m, findings: r.findings.length };
}

function summarize(files: SourceFile[], runs: Timed[], findings: number): Alternated {
  const p = median(runs.map(r => r.parse));
  const c = median(runs.map(r => r.check));
  return {
    files: files.length, lines: files.reduce((s, f) => s + countLines(f.text), 0), parseMs: p, checkMs: c, ratio: c / p,
    parseMainMs: median(runs.map(r => r.parseMain)), checkMainMs: median(runs.map(r => r.checkMain)), runs: runs.length, findings,
  };
}

/** Runs parse and check alternately `runs` times over `files`, returning the medians. */
export async function alternate(files: SourceFile[], runs: number): Promise<Alternated> {
  await initRustParser();
  const timed: Timed[] = [];
  let findings = 0;
  for (let i = 0; i < runs; i++) {
    const r = await parseThenCheck(files);
    timed.push(r);
    findings = r.findings;
  }
  return summarize(files, timed, findings);
}

/** The reviewable Rust files of a directory, as `check` would read them. */
export async function readTree(dir: string): Promise<SourceFile[]> {
  return (await readRustFiles([dir])).filter((f): f is SourceFile => f.text !== undefined);
}

export interface CrateRow { crate: string; missing?: string; result?: Alternated }

/** Untimed rounds before the measured ones (see measureCrates). */
export const WARMUP_ROUNDS = 2;

/** One round over every crate: process CPU of all the parses and of all the checks. */
export interface RoundTotal { warmup: boolean; parseMs: number; checkMs: number }

/**
 * One row per crate: measured, or why not (not installed), and each round's totals. Every round
 * visits every crate, parse then check, so a crate's runs are spread over the whole measurement
 * and a burst of load elsewhere on the machine lands in one run, not all. The first rounds are
 * not timed: V8 is still optimizing (and, on new shapes, re-optimizing) the reader then, and a
 * round costs up to 1.7x the parse where later ones settle near 1.4x; their totals are kept in
 * `rounds` so the table can show them.
 */
export async function measureCrates(root: string, crates: { dir: string; pkg: string }[], runs: number, log: (m: string) => void = () => {}, warmups = WARMUP_ROUNDS): Promise<{ rows: CrateRow[]; rounds: RoundTotal[] }> {
  await initRustParser();
  const present = crates.filter(c => existsSync(path.join(root, c.dir)));
  const sources = new Map<string, SourceFile[]>();
  for (const c of present) sources.set(c.dir, await readTree(path.join(root, c.dir)));
  const times = new Map(present.map(c => [c.dir, { timed: [] as Timed[], findings: 0 }]));
  const rounds: RoundTotal[] = [];
  for (let round = 0; round < warmups + runs; round++) {
    const warmup = round < warmups;
    log(warmup ? `warm-up round ${round + 1} of ${warmups}` : `round ${round - warmups + 1} of ${runs}`);
    const total: RoundTotal = { warmup, parseMs: 0, checkMs: 0 };
    for (const c of present) {
      const r = await parseThenCheck(sources.get(c.dir)!);
      total.parseMs += r.parse;
      total.checkMs += r.check;
      if (warmup) continue;
      const t = times.get(c.dir)!;
      t.timed.push(r);
      t.findings = r.findings;
    }
    rounds.push(total);
  }
  const rows = crates.map(c => {
    const t = times.get(c.dir);
    if (!t) return { crate: c.dir, missing: `not installed (apt-get install ${c.pkg})` };
    return { crate: c.dir, result: summarize(sources.get(c.dir)!, t.timed, t.findings) };
  });
  return { rows, rounds };
}
