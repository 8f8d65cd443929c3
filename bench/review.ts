// Section 2: review cost. The goal (review <= 1.5x a bare parse) is measured on real code: the
// `check` pipeline over Debian's crate sources (crates.ts). Two generated inputs at two sizes show
// that reading stays linear (one file with many sites, a tree of many small files). Last, the
// generated corpus of earlier measurements, one review per file: bare tree-sitter parse, parse +
// site extraction, and the full review (cold scenario cache, then warm, as the LSP sees it).

import { ScenarioCache } from '../server/src/protocol/fixes';
import { reviewText } from '../server/src/review';
import { analyzeRustFile } from '../server/src/rust/extract';
import { initRustParser, parseRust } from '../server/src/rust/parser';
import { DENSE_SITES_PER_TYPE, denseAtomicFile, generateCorpus, type CorpusFile } from './corpus';
import { alternate, CRATES, DEBIAN_REGISTRY, measureCrates, type Alternated, type CrateRow, type RoundTotal } from './crates';
import type { Section, SectionOptions, SectionResult } from './section';
import { nowMs } from './stats';
import { fixed, type Table } from './table';

export interface Pass {
  name: string;
  ms: number;
  linesPerSec: number;
  /** This pass's time over the bare parse time. */
  ratio: number;
  extra: string;
}

export interface ReviewNumbers {
  files: number;
  lines: number;
  bytes: number;
  passes: Pass[];
  sites: number;
  findings: Record<string, number>;
  cache: { cold: { hits: number; misses: number }; warm: { hits: number; misses: number } };
  parseErrors: number;
}

const GOAL_RATIO = 1.5;

export async function measureReview(corpus: CorpusFile[], log: (m: string) => void = () => {}): Promise<ReviewNumbers> {
  await initRustParser();
  const lines = corpus.reduce((s, f) => s + f.lines, 0);
  const bytes = corpus.reduce((s, f) => s + Buffer.byteLength(f.text), 0);

  // Warm up the wasm parser and the JIT on one file so the first pass is not charged for it.
  parseRust(corpus[0].text).delete();

  log(`parse: ${corpus.length} files, ${lines} lines`);
  let parseErrors = 0;
  let t0 = nowMs();
  for (const f of corpus) {
    const tree = parseRust(f.text);
    if (tree.rootNode.hasError) parseErrors++;
    tree.delete();
  }
  const parseMs = nowMs() - t0;

  log('extract');
  let sites = 0;
  t0 = nowMs();
  for (const f of corpus) sites += analyzeRustFile(f.path, f.text).sites.length;
  const extractMs = nowMs() - t0;

  const findings: Record<string, number> = {};
  const reviewPass = async (cache: ScenarioCache, count: boolean): Promise<number> => {
    const start = nowMs();
    for (const f of corpus) {
      const r = await reviewText(f.path, f.text, { cache });
      if (count) for (const x of r.findings) findings[x.rule] = (findings[x.rule] ?? 0) + 1;
    }
    return nowMs() - start;
  };
  const cache = new ScenarioCache();
  log('review (cold scenario cache)');
  const coldMs = await reviewPass(cache, true);
  const cold = { hits: cache.hits, misses: cache.misses };
  log('review (warm scenario cache)');
  const warmMs = await reviewPass(cache, false);
  const warm = { hits: cache.hits - cold.hits, misses: cache.misses - cold.misses };

  const pass = (name: string, ms: number, extra = ''): Pass => ({ name, ms, linesPerSec: lines / (ms / 1000), ratio: ms / parseMs, extra });
  return {
    files: corpus.length, lines, bytes,
    passes: [
      pass('tree-sitter parse', parseMs, parseErrors ? `${parseErrors} file(s) with syntax errors` : 'no syntax errors'),
      pass('parse + site extraction', extractMs, `${sites} sites`),
      pass('full review, cold cache', coldMs, `scenario cache ${cold.hits} hits / ${cold.misses} misses`),
      pass('full review, warm cache', warmMs, `scenario cache ${warm.hits} hits / ${warm.misses} misses`),
    ],
    sites, findings, cache: { cold, warm }, parseErrors,
  };
}

function toTable(n: ReviewNumbers): Table {
  const goal = (p: Pass): string => (p.name.startsWith('full review') ? (p.ratio <= GOAL_RATIO ? 'ok' : 'OVER') : '');
  const byRule = Object.entries(n.findings).sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ${v}`).join(', ');
  return {
    title: `Generated code (not real code): ${n.files} files, ${n.lines.toLocaleString('en-US')} lines, ${(n.bytes / 1024 / 1024).toFixed(1)} MB of generated Rust, one review per file without a workspace index (wall time)`,
    columns: ['pass', 'ms', 'lines/s', 'x parse', `goal <= ${GOAL_RATIO}x`, 'notes'],
    rows: n.passes.map(p => [p.name, Math.round(p.ms), Math.round(p.linesPerSec), fixed(p.ratio, 2), goal(p), p.extra]),
    notes: [`findings (cold pass): ${byRule || 'none'}`],
  };
}

export function cratesTable(measuredCrates: { rows: CrateRow[]; rounds: RoundTotal[] }, runs: number): Table {
  const { rows, rounds } = measuredCrates;
  const measured = rows.filter(r => r.result).map(r => r.result!);
  const sum = (f: (a: Alternated) => number): number => measured.reduce((s, a) => s + f(a), 0);
  const total = measured.length ? sum(a => a.checkMs) / sum(a => a.parseMs) : NaN;
  const totalMain = measured.length ? sum(a => a.checkMainMs) / sum(a => a.parseMainMs) : NaN;
  const verdict = (x: number): string => (x <= GOAL_RATIO ? 'ok' : 'OVER');
  const warmups = rounds.filter(r => r.warmup);
  const roundRatios = (rs: RoundTotal[]): string => rs.map(r => fixed(r.checkMs / r.parseMs, 2)).join(', ');
  return {
    title: `Real code: \`check\` on Debian's crate sources (${DEBIAN_REGISTRY}), CPU time, median of ${runs} rounds after ${warmups.length} warm-up round${warmups.length === 1 ? '' : 's'}; each round runs parse then check on every crate`,
    columns: ['crate', 'files', 'lines', 'parse ms', 'check ms', 'x parse', `goal <= ${GOAL_RATIO}x`, 'x parse (main thread)', 'findings'],
    rows: [
      ...rows.map(r => r.result
        ? [r.crate, r.result.files, r.result.lines, Math.round(r.result.parseMs), Math.round(r.result.checkMs), fixed(r.result.ratio, 2), verdict(r.result.ratio), fixed(r.result.checkMainMs / r.result.parseMainMs, 2), r.result.findings]
        : [r.crate, null, null, null, null, null, 'skipped', null, r.missing]),
      ...(measured.length ? [['all crates', sum(a => a.files), sum(a => a.lines), Math.round(sum(a => a.parseMs)), Math.round(sum(a => a.checkMs)), fixed(total, 2), verdict(total), fixed(totalMain, 2), sum(a => a.findings)]] : []),
    ],
    notes: [
      'check = the CLI\'s pipeline on texts already read: workspace index, sites, review with exploration and fix search;',
      'each file is parsed once (the parse is inside check ms). A cold scenario cache per run, as a new process has.',
      'CPU time is the whole process\'s, V8\'s background compiler threads included (the goal is judged on it);',
      '"main thread" leaves them out: the work of reading and reviewing itself.',
      ...(rounds.length ? [`all crates, check / parse per round: warm-up ${roundRatios(warmups) || 'none'}; measured ${roundRatios(rounds.filter(r => !r.warmup))}`] : []),
    ],
  };
}

export interface ScalingRow { name: string; unit: 'site' | 'file'; units: number; sites: number; result: Alternated }

/**
 * Generated inputs at two sizes, to see that reading stays linear: one file with many sites, and
 * a tree of many small files. Each type has its own counter, so nothing pairs across files.
 */
export async function measureScaling(o: { quick: boolean; runs: number; log?: (m: string) => void }): Promise<ScalingRow[]> {
  const rows: ScalingRow[] = [];
  const types = o.quick ? [100, 400] : [500, 2000];
  for (const t of types) {
    o.log?.(`one file, ${t * DENSE_SITES_PER_TYPE} sites`);
    const files = [{ file: 'gen/dense.rs', text: denseAtomicFile(t) }];
    rows.push({ name: 'one generated file', unit: 'site', units: t * DENSE_SITES_PER_TYPE, sites: t * DENSE_SITES_PER_TYPE, result: await alternate(files, o.runs) });
  }
  const counts = o.quick ? [500, 2000] : [5000, 20000];
  for (const n of counts) {
    o.log?.(`${n} small files`);
    const files = Array.from({ length: n }, (_, i) => ({ file: `gen/m${Math.floor(i / 100)}/f${i}.rs`, text: denseAtomicFile(1, i) }));
    rows.push({ name: 'tree of small generated files', unit: 'file', units: n, sites: n * DENSE_SITES_PER_TYPE, result: await alternate(files, o.runs) });
  }
  return rows;
}

export function scalingTable(rows: ScalingRow[], runs: number): Table {
  const notes: string[] = [];
  for (const name of new Set(rows.map(r => r.name))) {
    const [a, b] = rows.filter(r => r.name === name);
    if (!a || !b) continue;
    const size = b.units / a.units;
    notes.push(`${name}: ${fixed(size, 0)}x the ${a.unit}s -> ${fixed(b.result.checkMs / a.result.checkMs, 1)}x the check time (parse ${fixed(b.result.parseMs / a.result.parseMs, 1)}x); linear means about ${fixed(size, 0)}x`);
  }
  return {
    title: `Scaling on generated code (not real code): CPU time, median of ${runs} alternated runs`,
    columns: ['input', 'files', 'sites', 'lines', 'parse ms', 'check ms', 'x parse', 'check us/site'],
    rows: rows.map(r => [r.name, r.result.files, r.sites, r.result.lines, Math.round(r.result.parseMs), Math.round(r.result.checkMs), fixed(r.result.ratio, 2), fixed((r.result.checkMs * 1000) / r.sites, 1)]),
    notes,
  };
}

export const reviewSection: Section = {
  id: 'review',
  title: 'Review cost',
  parts: ['crates', 'scaling', 'generated'],
  async run(o: SectionOptions): Promise<SectionResult> {
    const runs = o.quick ? 3 : 5;
    const want = (part: string): boolean => !o.parts || o.parts.has(part);
    const tables: Table[] = [];
    const data: Record<string, unknown> = {};
    if (want('crates')) {
      o.log('Debian crate corpus');
      const crates = await measureCrates(DEBIAN_REGISTRY, CRATES, runs, o.log);
      tables.push(cratesTable(crates, runs));
      data.crates = crates;
    }
    if (want('scaling')) {
      const scaling = await measureScaling({ quick: o.quick, runs: 3, log: o.log });
      tables.push(scalingTable(scaling, 3));
      data.scaling = scaling;
    }
    if (want('generated')) {
      o.log('generated corpus');
      const corpus = o.quick ? generateCorpus(20_000, 24) : generateCorpus(120_000, 120);
      const n = await measureReview(corpus, o.log);
      tables.push(toTable(n));
      data.generated = n;
    }
    return { tables, data };
  },
};
