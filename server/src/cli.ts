// The `refcount-review` command. A small subcommand dispatcher: each
// subcommand parses its own options and returns an exit code; nothing here throws to the user
// (a stack trace is never the interface): usage, I/O and parse errors go to stderr with exit 2.

import { readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { dialectModel, LitmusError, readLitmus, type LitmusRead } from './litmus/parse';
import { conditionText, propositionText, valueText } from './litmus/print';
import type { Program } from './memory/ir';
import { explore, ProgramError } from './memory/explore';
import { MODEL_TITLES, type Budget, type ExploreResult, type ModelName, type Outcome, type Race, type Trace } from './memory/result';
import { runCheck, formatJson, formatSarif, formatText } from './check';
import { MODEL_CHOICES, type ModelChoice } from './protocol/memoryModel';
import { readSourceSync } from './sourceFiles';

export interface Io {
  out(s: string): void;
  err(s: string): void;
}

const USAGE = `usage: refcount-review <command> [options]

commands:
  check <file-or-dir>... [--format text|json|sarif] [--model c11]
      review the atomic reference counts in Rust files
  lsp --stdio
      run the language server over stdio (for Neovim, Helix, Emacs, Zed)
  litmus <file.litmus>... [--model auto|c11|lkmm] [--format text|json] [--max-executions N] [--timeout-ms N]
      explore litmus tests in herd's C syntax: C11 ones under RC11, Linux kernel ones under LKMM
      (budget by default: 1000000 executions, 60000 ms; a bounded run's outcome is 'unknown')

options:
  --help, -h       show this help
  --version        print the version

exit codes: 0 ok, 1 findings (check), 2 usage, I/O or parse error`;

/** Every litmus run has a budget: a big or hostile test must end with "unknown", not run forever. */
const LITMUS_BUDGET = { maxExplored: 1_000_000, maxMillis: 60_000 } as const;

const LITMUS_USAGE = `usage: refcount-review litmus <file.litmus>... [--model auto|c11|lkmm] [--format text|json] [--max-executions N] [--timeout-ms N]

Explores every consistent execution of each test under its memory model and reports the condition's
outcome (never / sometimes / always: how many executions satisfy the proposition of
exists/~exists/forall; a test without a condition counts as 'exists (true)') and every data race,
with a witness trace.

  --model auto|c11|lkmm auto (default): C11 tests (atomic_int, *_explicit) under RC11, kernel tests
                        (READ_ONCE, smp_mb, spin_lock, atomic_t, ...) under the Linux kernel memory
                        model (LKMM); c11 or lkmm: every file under that model
  --format text|json    text (default): a herd-like summary; json: one object per file
                        (an array when several files are given)
  --max-executions N    stop after N explored executions (default ${LITMUS_BUDGET.maxExplored})
  --timeout-ms N        stop after N milliseconds (default ${LITMUS_BUDGET.maxMillis})

A run stopped by either budget proves nothing either way: its outcome is 'unknown (bounded)',
never never/sometimes/always, and the JSON carries "outcome": "unknown" with the bounded object.`;

class UsageError extends Error {}

/** Options of the form `--name value` / `--name=value`, plus positional arguments. */
function parseArgs(args: string[], valued: string[], flags: string[] = []): { opts: Map<string, string>; positional: string[] } {
  const opts = new Map<string, string>();
  const positional: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '--') { positional.push(...args.slice(i + 1)); break; }
    if (!a.startsWith('-') || a === '-') { positional.push(a); continue; }
    const eq = a.indexOf('=');
    const name = eq >= 0 ? a.slice(0, eq) : a;
    if (flags.includes(name)) {
      if (eq >= 0) throw new UsageError(`option ${name} takes no value`);
      opts.set(name, '');
      continue;
    }
    if (!valued.includes(name)) throw new UsageError(`unknown option '${name}'`);
    const value = eq >= 0 ? a.slice(eq + 1) : args[++i];
    if (value === undefined) throw new UsageError(`option ${name} needs a value`);
    opts.set(name, value);
  }
  return { opts, positional };
}

function positiveInt(name: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v) || Number(v) <= 0) throw new UsageError(`${name} expects a positive integer, got '${v}'`);
  return Number(v);
}

// ------------------------------------------------------------------ litmus

/** What `litmus --format json` prints per file, plus `file` and `bounded`. */
export interface LitmusReport {
  file: string;
  name: string;
  /** The model the test was explored under, as `--model` names it. */
  model: LitmusModel;
  /** 'unknown' exactly when the run was bounded: an incomplete search decides nothing. */
  outcome: Outcome | 'unknown';
  executions: number;
  witnesses: number;
  races: Race[];
  trace: Trace | null;
  bounded: ExploreResult['bounded'] | null;
  elapsedMs: number;
}

/** `--model` words; the engine calls C11's model RC11. */
export type LitmusModel = 'c11' | 'lkmm';
const ENGINE_MODEL: Record<LitmusModel, ModelName> = { c11: 'rc11', lkmm: 'lkmm' };
const LITMUS_MODEL: Record<ModelName, LitmusModel> = { rc11: 'c11', lkmm: 'lkmm' };

export function litmusReport(file: string, program: Program, res: ExploreResult, model: LitmusModel = 'c11'): LitmusReport {
  // No condition: report it as `exists (true)`, so every execution is a witness.
  const outcome: LitmusReport['outcome'] = res.bounded ? 'unknown' : res.condition?.outcome ?? (res.executions > 0 ? 'always' : 'never');
  const witnesses = res.condition?.witnesses ?? res.executions;
  return {
    file,
    name: program.name,
    model,
    outcome,
    executions: res.executions,
    witnesses,
    races: res.races.map(r => r.race),
    trace: res.condition?.trace ?? res.races[0]?.trace ?? null,
    bounded: res.bounded ?? null,
    elapsedMs: res.elapsedMs,
  };
}

function litmusText(read: LitmusRead, res: ExploreResult, rep: LitmusReport): string {
  const { program } = read;
  const lines: string[] = [];
  // Kernel tests hold pointers in registers and locations; show those as the locations' names, as herd does.
  const names = { addresses: read.dialect === 'kernel' };
  const cond = conditionText(program, names);
  // herd's verdict words: the condition as a whole is validated (Ok) or not (No).
  const verdict = res.bounded ? 'Unknown (bounded)' : res.condition ? (res.condition.holds ? 'Ok' : 'No') : 'Ok';
  lines.push(`Test ${program.name} (${rep.file})`);
  lines.push(`Model ${MODEL_TITLES[ENGINE_MODEL[rep.model]]}`);
  lines.push(`States ${Object.keys(res.states).length}`);
  const stateText = (state: string) => (names.addresses ? state.replace(/=(-?\d+)/g, (_, v: string) => `=${valueText(program, Number(v), names)}`) : state);
  for (const [state, n] of Object.entries(res.states).sort()) lines.push(`  ${stateText(state) || '(no observed values)'}${n > 1 ? `    [${n} executions]` : ''}`);
  lines.push(verdict);
  lines.push(`Witnesses`);
  lines.push(`Positive: ${rep.witnesses} Negative: ${rep.executions - rep.witnesses}`);
  lines.push(`Condition ${cond ?? 'exists (true)'}`);
  if (read.filter) lines.push(`Filter (${propositionText(program, read.filter, names)}): ${res.blocked} execution${res.blocked === 1 ? '' : 's'} filtered out`);
  const counted = `${rep.witnesses} of ${rep.executions} execution${rep.executions === 1 ? '' : 's'}`;
  lines.push(res.bounded
    ? `Outcome: unknown (bounded): ${counted} explored so far satisfy the proposition; the search did not finish`
    : `Outcome: ${rep.outcome} (${counted} satisfy the proposition)`);
  if (res.races.length === 0) {
    lines.push(res.bounded ? 'Races: none found before the budget ran out (unknown)' : 'Races: none');
  } else {
    lines.push(`Races: ${res.races.length}`);
    for (const { race, executions } of res.races) {
      lines.push(`  on ${race.loc}: P${race.threads[0]} "${race.labels[0]}" and P${race.threads[1]} "${race.labels[1]}" (in ${executions} execution${executions === 1 ? '' : 's'})`);
      lines.push(`    ${race.explanation}`);
    }
  }
  // The engine's message already reads "bounded: explored N (why)".
  if (res.bounded) lines.push(res.bounded.message);
  lines.push(`Time ${program.name} ${(res.elapsedMs / 1000).toFixed(3)}s`);
  return lines.join('\n');
}

function litmusCommand(args: string[], io: Io): number {
  const { opts, positional } = parseArgs(args, ['--format', '--model', '--max-executions', '--timeout-ms'], ['--help', '-h']);
  if (opts.has('--help') || opts.has('-h')) { io.out(LITMUS_USAGE + '\n'); return 0; }
  const format = opts.get('--format') ?? 'text';
  if (format !== 'text' && format !== 'json') throw new UsageError(`--format must be text or json, got '${format}'`);
  const modelOpt = opts.get('--model') ?? 'auto';
  if (modelOpt !== 'auto' && modelOpt !== 'c11' && modelOpt !== 'lkmm') throw new UsageError(`--model must be auto, c11 or lkmm, got '${modelOpt}'`);
  const budget: Budget = {
    maxExplored: positiveInt('--max-executions', opts.get('--max-executions')) ?? LITMUS_BUDGET.maxExplored,
    maxMillis: positiveInt('--timeout-ms', opts.get('--timeout-ms')) ?? LITMUS_BUDGET.maxMillis,
  };
  if (positional.length === 0) throw new UsageError('litmus: no input files');

  // Read and parse everything first: a typo in the third file should not cost the first two's
  // exploration time, and the output is either complete or absent.
  const programs: { file: string; read: LitmusRead; model: LitmusModel }[] = [];
  let failed = false;
  for (const file of positional) {
    // Only a regular file of bounded size is read: `litmus /dev/zero` must fail at once.
    const got = readSourceSync(file);
    if ('skipped' in got) {
      io.err(`${file}: ${got.skipped.startsWith('cannot read') ? got.skipped : `cannot read: ${got.skipped}`}\n`);
      failed = true;
      continue;
    }
    const src = got.text;
    try {
      const read = readLitmus(src, file);
      programs.push({ file, read, model: modelOpt === 'auto' ? LITMUS_MODEL[dialectModel(read.dialect)] : modelOpt });
    } catch (e) {
      if (!(e instanceof LitmusError)) throw e;
      io.err(e.message + '\n');
      failed = true;
    }
  }
  if (failed) return 2;

  const reports: LitmusReport[] = [];
  const texts: string[] = [];
  for (const { file, read, model } of programs) {
    const { program } = read;
    let res: ExploreResult;
    try {
      res = explore(program, { ...budget, model: ENGINE_MODEL[model] });
    } catch (e) {
      // The reader accepts what the engine can run; a ProgramError here is still a property of
      // the input file (e.g. a condition on a register a thread never sets), so exit 2.
      if (isStackOverflow(e)) {
        // The explorer recurses once per event of a thread; past the stack that is a limit of the
        // tool, said as such, not an internal error.
        const longest = Math.max(...program.threads.map(t => t.body.length));
        io.err(`${file}: the test is too large to explore: the search ran out of stack (the longest thread has ${longest} statements); split it into smaller tests\n`);
        return 2;
      }
      if (!(e instanceof ProgramError)) throw e;
      io.err(`${file}: ${e.message}\n`);
      return 2;
    }
    const rep = litmusReport(file, program, res, model);
    reports.push(rep);
    if (format === 'text') texts.push(litmusText(read, res, rep));
  }
  if (format === 'json') io.out(JSON.stringify(reports.length === 1 ? reports[0] : reports, null, 2) + '\n');
  else io.out(texts.join('\n\n') + '\n');
  return 0;
}

function isStackOverflow(e: unknown): boolean {
  return e instanceof RangeError && /call stack/i.test(e.message);
}

// ------------------------------------------------------------------ check

const CHECK_USAGE = `usage: refcount-review check <file-or-dir>... [--format text|json|sarif] [--model auto|c11|lkmm] [--hints] [--justify] [--max-executions N] [--timeout-ms N]

Reviews the atomic reference counts in Rust files (directories are walked, skipping target/,
.git/ and node_modules/). --hints also reports orderings stronger than the protocol needs.
--justify also prints, for each clean checked site, the ORDERING justification the explored
scenarios support (what its ordering pairs with, and the race without it).
--model auto (the default) checks kernel code (it uses the kernel crate, or lies in a tree with
rust/kernel/) under the Linux kernel memory model (LKMM) and other Rust under C11/RC11.
Only regular files are read (FIFOs, devices and files over 2 MB are skipped with the reason);
symlinks are followed once each. A file whose exploration hits the budget is reported as bounded:
its verdict is unknown, not clean.
Exit 0: no findings; 1: findings; 2: usage error, or nothing at all could be read.`;

async function checkCommand(args: string[], io: Io): Promise<number> {
  const { opts, positional } = parseArgs(args, ['--format', '--model', '--max-executions', '--timeout-ms'], ['--help', '-h', '--hints', '--justify']);
  if (opts.has('--help') || opts.has('-h')) { io.out(CHECK_USAGE + '\n'); return 0; }
  const format = opts.get('--format') ?? 'text';
  if (!['text', 'json', 'sarif'].includes(format)) throw new UsageError(`--format expects text, json or sarif, got '${format}'`);
  const model = opts.get('--model') ?? 'auto';
  if (!(MODEL_CHOICES as readonly string[]).includes(model)) throw new UsageError(`--model expects auto, c11 or lkmm, got '${model}'`);
  if (positional.length === 0) throw new UsageError('check needs at least one file or directory');
  const budget = { maxExplored: positiveInt('--max-executions', opts.get('--max-executions')), maxMillis: positiveInt('--timeout-ms', opts.get('--timeout-ms')) };
  const result = await runCheck(positional, Object.fromEntries(Object.entries(budget).filter(([, v]) => v !== undefined)), { hints: opts.has('--hints'), justify: opts.has('--justify'), model: model as ModelChoice });
  if (format === 'json') io.out(formatJson(result) + '\n');
  else if (format === 'sarif') io.out(formatSarif(result, version()) + '\n');
  else io.out(formatText(result) + '\n');
  // Unreadable entries are skipped with their reason; only a run that read nothing at all failed.
  if (result.files > 0 && result.skipped.length >= result.files) {
    for (const s of result.skipped) io.err(`refcount-review: ${s.file}: ${s.reason}\n`);
    io.err('refcount-review: nothing could be read\n');
    return 2;
  }
  for (const b of result.bounded) io.err(`refcount-review: warning: ${b.file}: exploration bounded, verdict unknown: ${b.message}\n`);
  return result.findings.length > 0 ? 1 : 0;
}

// ------------------------------------------------------------------ dispatch

/** `refcount-review lsp --stdio`: the language server for any LSP editor (Neovim, Helix, Emacs, Zed). */
function lspCommand(args: string[], io: Io): number | Promise<number> {
  if (!args.includes('--stdio')) {
    io.err('usage: refcount-review lsp --stdio\n');
    return 2;
  }
  // The server bundle sits next to this file (dist/ and out/server/src/ alike) and reads --stdio from argv.
  if (!process.argv.includes('--stdio')) process.argv.push('--stdio');
  require(path.join(__dirname, 'server.js'));
  return new Promise<number>(() => { /* the server owns the process until the client says exit */ });
}

const COMMANDS: Record<string, (args: string[], io: Io) => number | Promise<number>> = {
  lsp: lspCommand,
  litmus: litmusCommand,
  check: checkCommand,
};

function version(): string {
  // dist/cli.js and out/server/src/cli.js sit at different depths below the package root.
  for (const rel of ['..', '../../..']) {
    const p = path.join(__dirname, rel, 'package.json');
    if (existsSync(p)) {
      try {
        const pkg = JSON.parse(readFileSync(p, 'utf8')) as { name?: string; version?: string };
        if (pkg.name === 'refcount-review' && pkg.version) return pkg.version;
      } catch { /* fall through */ }
    }
  }
  return 'unknown';
}

export async function main(argv: string[], io: Io): Promise<number> {
  try {
    const [cmd, ...rest] = argv;
    if (cmd === undefined || cmd === '--help' || cmd === '-h' || cmd === 'help') {
      (cmd === undefined ? io.err : io.out)(USAGE + '\n');
      return cmd === undefined ? 2 : 0;
    }
    if (cmd === '--version' || cmd === '-V') { io.out(`refcount-review ${version()}\n`); return 0; }
    const run = COMMANDS[cmd];
    if (!run) throw new UsageError(`unknown command '${cmd}' (expected one of: ${Object.keys(COMMANDS).join(', ')})`);
    return await run(rest, io);
  } catch (e) {
    if (e instanceof UsageError) {
      io.err(`refcount-review: ${e.message}\nTry 'refcount-review --help'.\n`);
      return 2;
    }
    io.err(`refcount-review: internal error: ${e instanceof Error ? e.message : String(e)}\n`);
    return 2;
  }
}

if (require.main === module || isBundledEntry()) {
  // `refcount-review litmus ... | head` closes the pipe early; that is not an error.
  process.stdout.on('error', e => { if ((e as NodeJS.ErrnoException).code !== 'EPIPE') throw e; });
  void main(process.argv.slice(2), {
    out: s => { process.stdout.write(s); },
    err: s => { process.stderr.write(s); },
  }).then(code => {
    // exitCode, not exit(): let large JSON output drain to a pipe.
    process.exitCode = code;
  });
}

/** In the esbuild bundle required by bin/refcount-review.js, `require.main` is the bin script. */
function isBundledEntry(): boolean {
  const main = require.main?.filename ?? '';
  return path.basename(main) === 'refcount-review.js';
}
