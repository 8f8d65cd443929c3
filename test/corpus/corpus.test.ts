// Reviews real crates (Debian's packaged sources, installed by scripts/setup-corpus.sh) and holds
// every finding to the ledger (test/corpus/ledger.json): a finding nobody has judged fails the
// test, and so does a judged true positive that disappears. `npm run test:corpus -- --update`
// writes ledger.candidates.json for a person to review instead of failing on differences.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compare, candidates, loadLedger, writeCandidates, candidatesPath, type Comparison, type Ledger } from './ledger';
import { loadCrateList, locateCrate, reviewCrate, type CrateReview, type ObservedFinding } from './corpus';

const update = process.env.REFCOUNT_CORPUS_UPDATE === '1' || process.argv.includes('--update');
const list = loadCrateList();
const ledger = loadLedger();
const reviews: CrateReview[] = [];
const comparisons = new Map<string, Comparison>();

const show = (o: Pick<ObservedFinding, 'path' | 'line' | 'rule' | 'severity'> & { lines?: number[]; count: number }): string =>
  `${o.path}${o.lines ? ':' + o.lines.join(',') : ''}: ${o.severity} [${o.rule}] ${o.line}${o.count > 1 ? ` (x${o.count})` : ''}`;

test('the ledger names only crates of the corpus and has no unreviewed verdicts', () => {
  const names = new Set(list.crates.map(c => c.name));
  assert.deepEqual(ledger.entries.filter(e => !names.has(e.crate)).map(e => e.crate), []);
  assert.deepEqual(Object.keys(ledger.versions).filter(n => !names.has(n)), []);
  const unreviewed = ledger.entries.filter(e => e.verdict === 'unreviewed' || !e.reason.trim());
  assert.deepEqual(unreviewed.map(e => show(e)), [], 'every ledger entry needs a verdict and a reason');
});

for (const spec of list.crates) {
  const pinned = ledger.versions[spec.name];
  test(`${spec.name} ${pinned?.version ?? '(not pinned)'}`, async () => {
    const located = locateCrate(list, spec, pinned?.version);
    assert.ok(located, `${spec.name}: sources not found; install the Debian package ${spec.package} (scripts/setup-corpus.sh does)`);
    const review = await reviewCrate(located);
    reviews.push(review);
    if (!update) {
      assert.ok(pinned, `${spec.name}: the ledger pins no version; run \`npm run test:corpus -- --update\` and review ${candidatesPath}`);
      assert.equal(located.version, pinned.version,
        `${spec.name}: found version ${located.version} (package ${spec.package} ${located.debVersion ?? '?'}, in ${located.root}), ` +
        `but the ledger was reviewed against ${pinned.version} (${pinned.deb ?? '?'}); ` +
        `run \`npm run test:corpus -- --update\`, review the new findings in ledger.candidates.json and replace ledger.json with it`);
    }
    const c = compare(ledger.entries.filter(e => e.crate === spec.name), review.findings);
    comparisons.set(spec.name, c);
    if (update) return;
    const problems: string[] = [
      ...c.unexpected.map(o => `not in the ledger: ${show(o)}`),
      ...c.grown.map(g => `printed ${g.observed.count} times, ledger says ${g.entry.count}: ${show(g.observed)}`),
      ...c.lostTruePositives.map(e => `ledgered true positive no longer reported: ${show(e)}`),
    ];
    assert.deepEqual(problems, [], `${spec.name}: findings differ from the ledger; run \`npm run test:corpus -- --update\` and review ledger.candidates.json`);
  });
}

test('corpus summary', () => {
  const rows: string[][] = [['crate', 'version', 'files', 'lines', 'findings', 'TP', 'FP', 'info', 'new', 'time']];
  let fpWarnings = 0;
  let resolvable = 0;
  for (const r of reviews) {
    const c = comparisons.get(r.crate.spec.name);
    const count = (pred: (v: string, sev: string) => boolean): number =>
      (c?.matched ?? []).filter(m => pred(m.entry.verdict, m.entry.severity)).reduce((n, m) => n + m.observed.count, 0);
    fpWarnings += count((v, s) => v === 'false-positive' && (s === 'warning' || s === 'error'));
    resolvable += count(v => v === 'info-resolvable');
    rows.push([
      r.crate.spec.name, r.crate.version, String(r.files), String(r.lines),
      String(r.findings.reduce((n, f) => n + f.count, 0)),
      String(count(v => v === 'true-positive')), String(count(v => v === 'false-positive')), String(count(v => v.startsWith('info-'))),
      String((c?.unexpected ?? []).reduce((n, f) => n + f.count, 0)),
      `${(r.millis / 1000).toFixed(1)} s`,
    ]);
  }
  const widths = rows[0].map((_, i) => Math.max(...rows.map(r => r[i].length)));
  const lines = rows.map(r => r.map((cell, i) => (i < 2 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join('  '));
  lines.push(`false-positive warnings and errors: ${fpWarnings} (goal: 0)`);
  lines.push(`infos the tool could have decided (info-resolvable): ${resolvable} (goal: 0)`);
  for (const r of reviews) for (const b of r.bounded) lines.push(`bounded (findings may be incomplete): ${r.crate.spec.name} ${b.file}: ${b.message}`);
  // The same finding printed more than once: noise a reviewer has to read past.
  for (const r of reviews) {
    for (const f of r.findings) if (f.count > f.messages.length) lines.push(`duplicate: printed ${f.count} times with ${f.messages.length} distinct message(s): ${r.crate.spec.name} ${show(f)}`);
  }
  for (const [name, c] of comparisons) {
    for (const e of c.gone) lines.push(`${name}: ledgered ${e.verdict} no longer reported (drop it with --update): ${show(e)}`);
    for (const s of c.shrunk) lines.push(`${name}: now printed ${s.observed.count} times, ledger says ${s.entry.count}: ${show(s.observed)}`);
  }
  if (update) {
    const versions: Ledger['versions'] = {};
    for (const r of reviews) versions[r.crate.spec.name] = { version: r.crate.version, deb: r.crate.debVersion };
    const proposed = candidates(ledger, reviews.flatMap(r => r.findings), versions);
    writeCandidates(proposed);
    const fresh = proposed.entries.filter(e => e.verdict === 'unreviewed').length;
    lines.push(`wrote ${candidatesPath}: ${proposed.entries.length} entries, ${fresh} unreviewed, ${proposed.vanished.length} vanished`);
  }
  console.log(lines.join('\n'));
  assert.equal(reviews.length, list.crates.length, 'every crate of the corpus was reviewed');
});
