// `npm run bench`: runs the benchmark sections, prints plain aligned tables, and writes the raw
// numbers to bench/results.json. Usage: node out/bench/run.js [--quick] [--only engine|review|lsp|vscode[,..]]
// A part of a section is named after a colon: `--only review:crates` runs the Debian crate row alone.
//
// Each section runs on its own: if one throws, the error is printed under its heading and the
// others still run; the exit code stays 0 (a benchmark reports, it does not gate).

import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { engineSection } from './engine';
import { lspSection } from './lsp';
import { reviewSection } from './review';
import type { Section, SectionResult } from './section';
import { gcAvailable, nowMs } from './stats';
import { renderTable } from './table';
import { vscodeSection } from './vscode';

export const ROOT = path.resolve(__dirname, '../..');
const SECTIONS: Section[] = [engineSection, reviewSection, lspSection, vscodeSection];

interface Args { quick: boolean; only: Set<Section['id']> | null; parts: Set<string>; respawn: boolean; out: string | null }

export function parseArgs(argv: string[]): Args {
  const a: Args = { quick: false, only: null, parts: new Set(), respawn: true, out: path.join(ROOT, 'bench', 'results.json') };
  const ids = new Set(SECTIONS.map(s => s.id));
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--quick') a.quick = true;
    else if (arg === '--no-respawn') a.respawn = false;
    else if (arg === '--no-write') a.out = null;
    else if (arg === '--only' || arg.startsWith('--only=')) {
      const v = arg.includes('=') ? arg.slice(arg.indexOf('=') + 1) : argv[++i];
      if (!v) throw new Error('--only needs a section name: engine, review, lsp or vscode');
      a.only = new Set();
      for (const item of v.split(',')) {
        const [name, part] = item.split(':');
        if (!ids.has(name as Section['id'])) throw new Error(`unknown section "${name}" (expected one of ${[...ids].join(', ')})`);
        const section = SECTIONS.find(s => s.id === name)!;
        if (part !== undefined && !(section.parts ?? []).includes(part)) throw new Error(`section "${name}" has no part "${part}"${section.parts ? ` (parts: ${section.parts.join(', ')})` : ''}`);
        a.only.add(name as Section['id']);
        if (part !== undefined) a.parts.add(item);
      }
    } else if (arg === '--help' || arg === '-h') {
      throw new Error('usage');
    } else throw new Error(`unknown argument "${arg}"`);
  }
  return a;
}

const USAGE = 'usage: node out/bench/run.js [--quick] [--only engine|review|lsp|vscode|review:crates|review:scaling|review:generated[,...]] [--no-write]';

const HEADER = [
  'Refcount Review benchmarks',
  '  Engine  exhaustive RC11 exploration of scalable program families; "executions" are consistent',
  '          execution graphs (each once), "explored" the search leaves (incl. dead ends), so',
  '          exec/explored near 1 means little wasted search. Heap Δ: heapUsed after - before a run',
  '          (after full GCs) — it should stay flat as executions grow. cpu ms: the process\'s CPU',
  '          time for the run, which a loaded machine inflates far less than the wall time.',
  '  Review  real code: `check` (index, sites, review with exploration and verified fixes) vs a bare',
  '          tree-sitter parse of Debian\'s crate sources, CPU time. Goal: check <= 1.5x parse. Then',
  '          generated inputs at two sizes (linear reading) and the generated corpus of earlier numbers.',
  '  LSP     dist/server.js over stdio: time from didChange to the publishDiagnostics for that',
  '          version (debounce 0). Goals: p50 <= 30 ms, p95 <= 150 ms.',
  '  VS Code numbers recorded by the e2e tests (npm run test:e2e).',
].join('\n');

/** The parts of `s` asked for by name (`--only review:crates`); null runs them all. */
function parts(args: Args, s: Section): Set<string> | null {
  const mine = [...args.parts].filter(p => p.startsWith(`${s.id}:`)).map(p => p.slice(s.id.length + 1));
  return mine.length ? new Set(mine) : null;
}

async function main(): Promise<number> {
  let args: Args;
  try {
    args = parseArgs(process.argv.slice(2));
  } catch (e) {
    const msg = (e as Error).message;
    console.error(msg === 'usage' ? USAGE : `${msg}\n${USAGE}`);
    return msg === 'usage' ? 0 : 2;
  }
  // The heap column needs global.gc; rather than asking every caller for the flag, run again with it.
  if (args.respawn && !gcAvailable()) {
    const r = spawnSync(process.execPath, ['--expose-gc', __filename, ...process.argv.slice(2), '--no-respawn'], { stdio: 'inherit' });
    if (r.error) console.error(`could not re-spawn with --expose-gc (${r.error.message}); continuing without heap numbers`);
    else return r.status ?? 1;
  }

  console.log(HEADER);
  console.log(`\nnode ${process.version}, ${os.cpus().length} CPU(s) (${os.cpus()[0]?.model ?? 'unknown'}), ${os.platform()}${args.quick ? ', --quick' : ''}\n`);
  const results: Record<string, unknown> = {};
  const started = nowMs();
  for (const s of SECTIONS) {
    if (args.only && !args.only.has(s.id)) continue;
    const t0 = nowMs();
    let res: SectionResult;
    try {
      res = await s.run({ quick: args.quick, parts: parts(args, s), log: m => process.stderr.write(`  [${s.id}] ${m}\n`) });
    } catch (e) {
      const err = e as Error;
      console.log(`== ${s.title} ==\nFAILED: ${err.message}\n${(err.stack ?? '').split('\n').slice(1, 4).join('\n')}\n`);
      results[s.id] = { error: err.message };
      continue;
    }
    console.log(`== ${s.title} (${((nowMs() - t0) / 1000).toFixed(1)} s) ==`);
    if (res.skipped) console.log(`skipped: ${res.skipped}`);
    for (const t of res.tables) console.log(renderTable(t) + '\n');
    results[s.id] = res.skipped ? { skipped: res.skipped, ...(res.data as object ?? {}) } : res.data;
  }
  console.log(`total ${((nowMs() - started) / 1000).toFixed(1)} s`);
  if (args.out) {
    const doc = { date: new Date().toISOString(), node: process.version, cpus: os.cpus().length, quick: args.quick, sections: results };
    try {
      writeFileSync(args.out, JSON.stringify(doc, null, 2) + '\n');
      console.log(`raw numbers: ${path.relative(process.cwd(), args.out) || args.out}`);
    } catch (e) {
      console.error(`could not write ${args.out}: ${(e as Error).message}`);
    }
  }
  return 0;
}

if (require.main === module) {
  main().then(code => { process.exitCode = code; }, e => { console.error(e); process.exitCode = 1; });
}
