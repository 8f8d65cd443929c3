// `npm run fuzz`: seeded, bounded fuzzing of the Rust review, the litmus reader and engine, and the
// language server. Usage:
//   npm run fuzz -- [--seed N] [--inputs N | KIND=N,...] [--kinds rust,litmus,lsp] [--time-limit MS]
//                   [--memory-cap MB] [--lsp-sequence N]
//   node out/test/fuzz/main.js --replay fuzz-failures/<file>.json
// --inputs is the total over the kinds asked for (25% Rust, 65% litmus, 10% LSP messages), or
// counts per kind: --inputs rust=6000,litmus=84000,lsp=10000.

import { readFileSync } from 'node:fs';
import path from 'node:path';
import { KINDS, ROOT, type Kind } from './inputs';
import { formatSummary, fuzz, replay } from './run';

const DEFAULT_INPUTS = 100_000;
const SHARE: Record<Kind, number> = { rust: 0.25, litmus: 0.65, lsp: 0.1 };

function usage(msg: string): never {
  console.error(`${msg}\nusage: npm run fuzz -- [--seed N] [--inputs N | rust=N,litmus=N,lsp=N] [--kinds rust,litmus,lsp] [--time-limit MS] [--memory-cap MB] [--lsp-sequence N] | --replay FILE`);
  process.exit(2);
}

async function main(argv: string[]): Promise<number> {
  const opt = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('--')) usage(`unexpected argument ${a}`);
    const [k, v] = a.includes('=') ? [a.slice(2, a.indexOf('=')), a.slice(a.indexOf('=') + 1)] : [a.slice(2), argv[++i]];
    if (v === undefined) usage(`--${k} needs a value`);
    opt.set(k, v);
  }
  const num = (k: string, d: number): number => {
    const v = opt.has(k) ? Number(opt.get(k)) : d;
    if (!Number.isInteger(v) || v < 0) usage(`--${k} must be a non-negative integer`);
    return v;
  };
  for (const k of opt.keys()) if (!['seed', 'inputs', 'kinds', 'time-limit', 'memory-cap', 'lsp-sequence', 'replay'].includes(k)) usage(`unknown option --${k}`);
  const timeLimitMs = num('time-limit', 20_000);
  const memoryCapMb = num('memory-cap', 1_536);

  if (opt.has('replay')) {
    const saved = JSON.parse(readFileSync(opt.get('replay')!, 'utf8'));
    const r = await replay(saved.input, { timeLimitMs, memoryCapMb });
    if ('note' in r) { console.log(`no failure now: ${r.note}`); return 0; }
    console.log(`${r.what}: ${r.detail}`);
    return 1;
  }

  const kinds = (opt.get('kinds') ?? KINDS.join(',')).split(',').filter(Boolean) as Kind[];
  for (const k of kinds) if (!KINDS.includes(k)) usage(`unknown kind ${k}`);
  const counts: Partial<Record<Kind, number>> = {};
  const spec = opt.get('inputs') ?? String(DEFAULT_INPUTS);
  if (spec.includes('=')) {
    // Per kind: --inputs rust=6000,litmus=84000,lsp=10000 (kinds not named are not run).
    for (const part of spec.split(',')) {
      const [k, v] = part.split('=');
      if (!kinds.includes(k as Kind) || !/^\d+$/.test(v ?? '')) usage(`bad --inputs part ${part}`);
      counts[k as Kind] = Number(v);
    }
  } else {
    const total = num('inputs', DEFAULT_INPUTS);
    const share = kinds.reduce((n, k) => n + SHARE[k], 0);
    for (const k of kinds) counts[k] = Math.round((total * SHARE[k]) / share);
  }
  const seed = num('seed', Math.floor(Math.random() * 2 ** 31));
  console.log(`fuzz: seed ${seed}, ${Object.entries(counts).map(([k, n]) => `${k} ${n}`).join(', ')}; time limit ${timeLimitMs} ms per input, memory cap ${memoryCapMb} MB`);
  const summary = await fuzz({
    seed, counts, timeLimitMs, memoryCapMb, lspSequence: num('lsp-sequence', 50),
    failuresDir: path.join(ROOT, 'fuzz-failures'),
    progress: line => console.log(line),
  });
  console.log(formatSummary(summary));
  return summary.failures.length ? 1 : 0;
}

main(process.argv.slice(2)).then(code => process.exit(code), e => { console.error(e); process.exit(2); });
