// Review cost on real code: the `check` pipeline (index, sites, review) against a bare tree-sitter
// parse of the same files, on Rust crates that Debian ships as source (`librust-<name>-dev`
// installs them under /usr/share/cargo/registry). Times are CPU time of this process, medians of
// alternated runs (parse, check, parse, check, ...), so a load change hits both alike.

import { existsSync } from 'node:fs';
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

export interface Alternated {
  files: number;
  lines: number;
  /** Median CPU ms of a bare parse of every file (tree freed at once). */
  parseMs: number;
  /** Median CPU ms of checkTexts over the same files, with a cold scenario cache as a new process has. */
  checkMs: number;
  ratio: number;
  runs: number;
  findings: number;
}

/** One parse of every file, then one check of them all: CPU ms of each, and the check's findings. */
async function parseThenCheck(files: SourceFile[]): Promise<{ parse: number; check: number; findings: number }> {
  // A young-generation collection (untimed) before each timed part, so the parse does not pay for
  // the previous check's young garbage. Not a full one: V8 then shrinks the heap, and the next
  // check runs about 1.3x slower than in a process that is already checking (a fresh process).
  collectYoung();
  let t = cpuMs();
  for (const f of files) parseRust(f.text).delete();
  const parse = cpuMs() - t;
  collectYoung();
  t = cpuMs();
  const r = await checkTexts(files, {}, { cache: new ScenarioCache() });
  return { parse, check: cpuMs() - t, findings: r.findings.length };
}

function summarize(files: SourceFile[], parse: number[], check: number[], findings: number): Alternated {
  const p = median(parse);
  const c = median(check);
  return { files: files.length, lines: files.reduce((s, f) => s + countLines(f.text), 0), parseMs: p, checkMs: c, ratio: c / p, runs: parse.length, findings };
}

/** Runs parse and check alternately `runs` times over `files`, returning the medians. */
export async function alternate(files: SourceFile[], runs: number): Promise<Alternated> {
  await initRustParser();
  const parse: number[] = [];
  const check: number[] = [];
  let findings = 0;
  for (let i = 0; i < runs; i++) {
    const r = await parseThenCheck(files);
    parse.push(r.parse);
    check.push(r.check);
    findings = r.findings;
  }
  return summarize(files, parse, check, findings);
}

/** The reviewable Rust files of a directory, as `check` would read them. */
export async function readTree(dir: string): Promise<SourceFile[]> {
  return (await readRustFiles([dir])).filter((f): f is SourceFile => f.text !== undefined);
}

export interface CrateRow { crate: string; missing?: string; result?: Alternated }

/**
 * One row per crate: measured, or why not (not installed). After one untimed round (JIT and wasm
 * tier-up), every round visits every crate, parse then check, so a crate's runs are spread over
 * the whole measurement and a burst of load elsewhere on the machine lands in one run, not all.
 */
export async function measureCrates(root: string, crates: { dir: string; pkg: string }[], runs: number, log: (m: string) => void = () => {}): Promise<CrateRow[]> {
  await initRustParser();
  const present = crates.filter(c => existsSync(path.join(root, c.dir)));
  const sources = new Map<string, SourceFile[]>();
  for (const c of present) sources.set(c.dir, await readTree(path.join(root, c.dir)));
  const times = new Map(present.map(c => [c.dir, { parse: [] as number[], check: [] as number[], findings: 0 }]));
  for (let round = 0; round <= runs; round++) {
    log(round === 0 ? 'warm-up round' : `round ${round} of ${runs}`);
    for (const c of present) {
      const r = await parseThenCheck(sources.get(c.dir)!);
      if (round === 0) continue;
      const t = times.get(c.dir)!;
      t.parse.push(r.parse);
      t.check.push(r.check);
      t.findings = r.findings;
    }
  }
  return crates.map(c => {
    const t = times.get(c.dir);
    if (!t) return { crate: c.dir, missing: `not installed (apt-get install ${c.pkg})` };
    return { crate: c.dir, result: summarize(sources.get(c.dir)!, t.parse, t.check, t.findings) };
  });
}
