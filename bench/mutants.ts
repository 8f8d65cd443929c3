// `npm run mutants`: weakens one ordering (or deletes one fence) at a time at every hand-listed
// reference-count site of the corpus crates, the examples and the fixtures
// (test/corpus/refcount-sites.json), reviews each mutant in memory, and writes docs/mutants.md
// and a JSON report. Usage:
//   node out/bench/mutants.js [--sites FILE] [--only TEXT] [--no-strengthen] [--md FILE|-] [--json FILE|-]
// Exit status: 0 when every site was found and every weakening is classified, 1 otherwise (the
// recall itself does not gate: it is what the report measures).

import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { loadCrateList, locateCrate } from '../test/corpus/corpus';
import { loadLedger } from '../test/corpus/ledger';
import { runWorkspace, workspacesOf, type MutantResult, type RunReport, type SitesFile } from './mutantsRun';
import { renderTable } from './table';

const ROOT = path.resolve(__dirname, '../..');

interface Args { sites: string; only: string | null; strengthen: boolean; md: string | null; json: string | null; verbose: boolean }

function parseArgs(argv: string[]): Args {
  const a: Args = { sites: path.join(ROOT, 'test/corpus/refcount-sites.json'), only: null, strengthen: true, md: path.join(ROOT, 'docs/mutants.md'), json: path.join(ROOT, 'out/mutants.json'), verbose: false };
  for (let i = 0; i < argv.length; i++) {
    const v = argv[i];
    const next = (): string => { const x = argv[++i]; if (x === undefined) throw new Error(`${v} needs a value`); return x; };
    if (v === '--sites') a.sites = path.resolve(next());
    else if (v === '--only') a.only = next();
    else if (v === '--no-strengthen') a.strengthen = false;
    else if (v === '--md') { const x = next(); a.md = x === '-' ? null : path.resolve(x); }
    else if (v === '--json') { const x = next(); a.json = x === '-' ? null : path.resolve(x); }
    else if (v === '--verbose') a.verbose = true;
    else throw new Error(`unknown option ${v}`);
  }
  return a;
}

const pct = (n: number, d: number): string => (d === 0 ? '-' : `${((100 * n) / d).toFixed(0)}%`);

function summarize(results: MutantResult[]): { lines: string[]; realCaught: number; real: number } {
  const real = results.filter(r => r.class === 'real-bug');
  const realCaught = real.filter(r => r.outcome === 'caught').length;
  const benign = results.filter(r => r.class === 'benign');
  const oos = results.filter(r => r.class === 'out-of-scope');
  const strong = results.filter(r => r.class === 'strengthen');
  const caughtFixes = real.filter(r => r.outcome === 'caught');
  const lines = [
    `Real-bug mutants caught: ${realCaught} of ${real.length} (${pct(realCaught, real.length)}); goal 95%.`,
    `On the corpus crates: ${real.filter(r => r.source !== 'repo' && r.outcome === 'caught').length} of ${real.filter(r => r.source !== 'repo').length}; on this repository's examples and fixtures: ${real.filter(r => r.source === 'repo' && r.outcome === 'caught').length} of ${real.filter(r => r.source === 'repo').length}.`,
    `Fixes offered on caught real bugs: ${caughtFixes.filter(r => r.fix === 'restores').length} restore the original, ${caughtFixes.filter(r => r.fix === 'alternative').length} repair it another way (clean on re-review), ${caughtFixes.filter(r => r.fix === 'wrong').length} leave an alarm, ${caughtFixes.filter(r => r.fix === 'none').length} have no fix.`,
    `Benign mutants flagged (false alarms): ${benign.filter(r => r.outcome === 'flagged').length} of ${benign.length}.`,
    `Out-of-scope mutants (not modelled; a catch is incidental): ${oos.filter(r => r.outcome === 'caught').length} of ${oos.length} flagged.`,
    `Strengthening mutants: ${strong.filter(r => r.outcome === 'warned').length} warned (goal 0), ${strong.filter(r => r.outcome === 'clean+hint').length} of ${strong.length} hinted stronger-than-needed.`,
  ];
  const unclassified = results.filter(r => r.class === 'unclassified');
  if (unclassified.length) lines.push(`Unclassified mutants (add a rule to refcount-sites.json): ${unclassified.length}.`);
  return { lines, realCaught, real: real.length };
}

function byRoleTable(results: MutantResult[]): string[][] {
  const roles = [...new Set(results.map(r => r.role))].sort();
  const rows = [['role', 'real bugs', 'caught', 'missed', 'recall', 'benign', 'flagged', 'out of scope', 'flagged (oos)', 'strengthen', 'warned', 'hinted']];
  for (const role of roles) {
    const rs = results.filter(r => r.role === role);
    const real = rs.filter(r => r.class === 'real-bug');
    const caught = real.filter(r => r.outcome === 'caught').length;
    const benign = rs.filter(r => r.class === 'benign');
    const st = rs.filter(r => r.class === 'strengthen');
    const oos = rs.filter(r => r.class === 'out-of-scope');
    rows.push([role, String(real.length), String(caught), String(real.length - caught), pct(caught, real.length), String(benign.length), String(benign.filter(r => r.outcome === 'flagged').length), String(oos.length), String(oos.filter(r => r.outcome === 'caught').length), String(st.length), String(st.filter(r => r.outcome === 'warned').length), String(st.filter(r => r.outcome === 'clean+hint').length)]);
  }
  return rows;
}

function mdTable(rows: string[][]): string {
  const esc = (s: string): string => s.replace(/\|/g, '\\|');
  return [`| ${rows[0].map(esc).join(' | ')} |`, `|${rows[0].map(() => '---').join('|')}|`, ...rows.slice(1).map(r => `| ${r.map(esc).join(' | ')} |`)].join('\n');
}

function markdown(report: RunReport, sitesCount: number, commit: string): string {
  const s = summarize(report.results);
  const perMutant = [['site', 'role', 'mutant', 'class', 'result', 'rules', 'fix']];
  for (const r of report.results) perMutant.push([`${r.site} (${r.file}:${r.line})`, r.role, `\`${r.label}\``, r.class, r.outcome, r.rules.join(', '), r.fix === null ? '' : r.fixText ? `${r.fix}: ${r.fixText}` : r.fix]);
  // Every distinct reason, with the mutants it covers: roles can have several, and sites their own.
  const reasons = new Map<string, Set<string>>();
  for (const r of report.results) {
    if (r.class === 'strengthen' || !r.why) continue;
    const k = `${r.role} / ${r.class}\u0000${r.why}`;
    if (!reasons.has(k)) reasons.set(k, new Set());
    reasons.get(k)!.add(r.label);
  }
  return [
    '# Mutation testing of the reference-count review',
    '',
    'Generated by `npm run mutants` (bench/mutants.ts) from the hand-listed sites in',
    '`test/corpus/refcount-sites.json`; do not edit by hand. Each mutant weakens one ordering',
    'argument of one site along the orderings Rust accepts for that access (or deletes one fence),',
    'or strengthens it by one step; the file is reviewed in memory with its crate as the workspace.',
    'Which mutants are real bugs, benign, or out of the model\'s scope is written by hand per role',
    'and site in that file, never taken from the tool under test.',
    '',
    '- **caught**: a new warning or error at a site of the same protocol (or naming one as related);',
    '  **missed** otherwise. **flagged**: a benign mutant drew a warning (a false alarm).',
    '- **fix** (caught mutants): `restores` when the finding\'s quick fix turns the mutant back into',
    '  the original; `alternative` when it repairs it another way and the result reviews clean;',
    '  `wrong` when an alarm remains; `none` when no fix is offered.',
    '- Strengthenings must stay free of warnings and, with `--hints`, show `stronger-than-needed`.',
    '- To add a site or change a class, edit `test/corpus/refcount-sites.json` and re-run; the run',
    '  exits 1 when a listed line is no longer in its file or a mutant matches no class.',
    '',
    `Sites: ${sitesCount}; mutants: ${report.results.length}; stale sites: ${report.stale.length}; tool commit ${commit}; run time ${(report.millis / 1000).toFixed(0)} s.`,
    '',
    '## Summary',
    '',
    ...s.lines.map(l => `- ${l}`),
    '',
    mdTable(byRoleTable(report.results)),
    '',
    '## Missed real bugs',
    '',
    ...(() => {
      const missed = report.results.filter(r => r.class === 'real-bug' && r.outcome === 'missed');
      return missed.length ? ['With how the tool reads the site as written (its counter and role), to point at the cause:', '', ...missed.map(r => `- ${r.site} (${r.source} ${r.file}:${r.line}): \`${r.label}\` — tool: ${r.toolView ?? '?'}`)] : ['None.'];
    })(),
    '',
    '## Classes and why',
    '',
    mdTable([['role / class', 'mutants', 'why'], ...[...reasons].sort(([a], [b]) => a.localeCompare(b)).map(([k, labels]) => { const [rc, why] = k.split('\u0000'); return [rc, [...labels].sort().map(l => `\`${l}\``).join(', '), why]; })]),
    '',
    '## Every mutant',
    '',
    mdTable(perMutant),
    '',
    ...(report.stale.length ? ['## Sites not found', '', ...report.stale.map(x => `- ${x.site}: ${x.reason}`), ''] : []),
  ].join('\n');
}

async function main(): Promise<number> {
  const args = parseArgs(process.argv.slice(2));
  const sitesFile = JSON.parse(readFileSync(args.sites, 'utf8')) as SitesFile;
  const sites = sitesFile.sites.filter(s => !args.only || s.id.includes(args.only) || s.source.includes(args.only) || s.file.includes(args.only));
  const list = loadCrateList();
  const ledger = loadLedger();
  const resolve = (name: string): { root: string; paths: string[] } | null => {
    const spec = list.crates.find(c => c.name === name);
    const c = spec && locateCrate(list, spec, ledger.versions[name]?.version);
    return c ? { root: c.root, paths: spec!.paths ?? ['.'] } : null;
  };
  const wss = await workspacesOf(sites, resolve, ROOT);
  if ('missing' in wss) { console.error(`mutants: sources not installed for ${wss.missing.join(', ')}; run scripts/setup-corpus.sh`); return 2; }
  const total: RunReport = { results: [], stale: [], millis: 0 };
  const timing = [['workspace', 'sites', 'mutants', 'time']];
  for (const { ws, sites: wsSites } of wss) {
    const r = await runWorkspace(ws, sitesFile, wsSites, { strengthen: args.strengthen, log: args.verbose ? s => console.log(s) : undefined });
    total.results.push(...r.results);
    total.stale.push(...r.stale);
    total.millis += r.millis;
    timing.push([ws.source, String(wsSites.length), String(r.results.length), `${(r.millis / 1000).toFixed(1)} s`]);
  }
  let commit = 'unknown';
  try { commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim(); } catch { /* not a checkout */ }
  console.log(renderTable({ title: 'Mutants by workspace', columns: timing[0], rows: timing.slice(1) }));
  for (const l of summarize(total.results).lines) console.log(l);
  const roleRows = byRoleTable(total.results);
  console.log(renderTable({ title: 'By role', columns: roleRows[0], rows: roleRows.slice(1) }));
  const missed = total.results.filter(r => r.class === 'real-bug' && r.outcome === 'missed');
  if (missed.length) console.log(`missed real bugs:\n${missed.map(r => `  ${r.site} (${r.file}:${r.line}) ${r.label} — tool: ${r.toolView ?? '?'}`).join('\n')}`);
  for (const x of total.stale) console.log(`site not found: ${x.site}: ${x.reason}`);
  if (args.md) { mkdirSync(path.dirname(args.md), { recursive: true }); writeFileSync(args.md, markdown(total, sites.length, commit)); console.log(`wrote ${path.relative(ROOT, args.md)}`); }
  if (args.json) { mkdirSync(path.dirname(args.json), { recursive: true }); writeFileSync(args.json, JSON.stringify({ version: 1, commit, sites: sites.length, ...total }, null, 2) + '\n'); console.log(`wrote ${path.relative(ROOT, args.json)}`); }
  const unclassified = total.results.filter(r => r.class === 'unclassified');
  for (const u of unclassified) console.log(`unclassified: ${u.site} ${u.label}`);
  return total.stale.length || unclassified.length ? 1 : 0;
}

if (require.main === module) {
  main().then(code => { process.exitCode = code; }, e => { console.error(e); process.exitCode = 2; });
}
