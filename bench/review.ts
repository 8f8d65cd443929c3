// Section 2 (issue #3): review throughput on a generated corpus. Three passes over the same text:
// bare tree-sitter parse, parse + site extraction, and the full review (with a cold scenario cache,
// then again with the warm one, as the LSP sees it after the first review of a workspace).

import { ScenarioCache } from '../server/src/protocol/fixes';
import { reviewText } from '../server/src/review';
import { analyzeRustFile } from '../server/src/rust/extract';
import { initRustParser, parseRust } from '../server/src/rust/parser';
import { generateCorpus, type CorpusFile } from './corpus';
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
    title: `Review throughput: ${n.files} files, ${n.lines.toLocaleString('en-US')} lines, ${(n.bytes / 1024 / 1024).toFixed(1)} MB of generated Rust`,
    columns: ['pass', 'ms', 'lines/s', 'x parse', `goal <= ${GOAL_RATIO}x`, 'notes'],
    rows: n.passes.map(p => [p.name, Math.round(p.ms), Math.round(p.linesPerSec), fixed(p.ratio, 2), goal(p), p.extra]),
    notes: [`findings (cold pass): ${byRule || 'none'}`],
  };
}

export const reviewSection: Section = {
  id: 'review',
  title: 'Review throughput (issue #3)',
  async run(o: SectionOptions): Promise<SectionResult> {
    const corpus = o.quick ? generateCorpus(20_000, 24) : generateCorpus(120_000, 120);
    const n = await measureReview(corpus, o.log);
    return { tables: [toTable(n)], data: n };
  },
};
