// Review cost on real code: the `check` pipeline (index, sites, review) against a bare tree-sitter
// parse of the same files, on Rust crates that Debian ships as source (`librust-<name>-dev`
// installs them under /usr/share/cargo/registry). Times are CPU time of this process, medians of
// alternated runs (parse, check, parse, check, ...), so a load change hits both alike.

import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { checkTexts, collectRustFiles } from '../server/src/check';
import { ScenarioCache } from '../server/src/protocol/fixes';
import { skipReason } from '../server/src/review';
import { initRustParser, parseRust } from '../server/src/rust/parser';
import { countLines } from './corpus';
import { median } from './stats';

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
  sites?: number;
}

/** Runs parse and check alternately `runs` times over `files`, returning the medians. */
export async function alternate(files: SourceFile[], runs: number): Promise<Alternated> {
  await initRustParser();
  const parse: number[] = [];
  const check: number[] = [];
  let findings = 0;
  for (let i = 0; i < runs; i++) {
    let t = cpuMs();
    for (const f of files) parseRust(f.text).delete();
    parse.push(cpuMs() - t);
    t = cpuMs();
    const r = await checkTexts(files, {}, { cache: new ScenarioCache() });
    check.push(cpuMs() - t);
    findings = r.findings.length;
  }
  const p = median(parse);
  const c = median(check);
  return { files: files.length, lines: files.reduce((s, f) => s + countLines(f.text), 0), parseMs: p, checkMs: c, ratio: c / p, runs, findings };
}

/** The reviewable Rust files of a directory, as `check` would read them. */
export function readTree(dir: string): SourceFile[] {
  return collectRustFiles([dir]).map(file => ({ file, text: readFileSync(file, 'utf8') })).filter(f => !skipReason(f.text));
}

export interface CrateRow { crate: string; missing?: string; result?: Alternated }

/** One row per crate: measured, or why not (not installed). */
export async function measureCrates(root: string, crates: { dir: string; pkg: string }[], runs: number, log: (m: string) => void = () => {}): Promise<CrateRow[]> {
  const present = crates.filter(c => existsSync(path.join(root, c.dir)));
  const sources = new Map(present.map(c => [c.dir, readTree(path.join(root, c.dir))]));
  // One untimed round first, so the JIT and wasm memory are warm for every crate alike.
  if (present.length) await alternate([...sources.values()].flat(), 1);
  const rows: CrateRow[] = [];
  for (const c of crates) {
    const files = sources.get(c.dir);
    if (!files) { rows.push({ crate: c.dir, missing: `not installed (apt-get install ${c.pkg})` }); continue; }
    log(`${c.dir}: ${files.length} files`);
    rows.push({ crate: c.dir, result: await alternate(files, runs) });
  }
  return rows;
}
