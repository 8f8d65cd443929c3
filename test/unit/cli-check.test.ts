// `refcount-review check` from the outside: exit codes, the three output formats, the fixtures
// through the CLI, and bad input (missing paths, binary, non-UTF-8, huge and deeply nested files).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, readdirSync, readFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const root = path.resolve(__dirname, '../../..');
const bin = path.join(root, 'bin/refcount-review.js');

function run(args: string[]): { code: number; out: string; err: string } {
  const r = spawnSync(process.execPath, [bin, ...args], { cwd: root, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}

interface JsonFinding { file: string; rule: string; severity: string; range: { start: { line: number } }; fix: { title: string; edits: unknown[] } | null; trace: unknown }

test('check examples: the seed bug and the wrong Arc are reported, the right Arc is clean', () => {
  const r = run(['check', 'examples', '--format', 'json']);
  assert.equal(r.code, 1, r.err);
  const report = JSON.parse(r.out) as { version: number; files: number; findings: JsonFinding[] };
  assert.equal(report.version, 1);
  assert.equal(report.files, 3);
  const by = (f: string) => report.findings.filter(x => x.file === path.join('examples', f)).map(x => x.rule).sort();
  assert.deepEqual(by('block_mq_request.rs'), ['takeover-needs-acquire']);
  assert.deepEqual(by('arc_done_right.rs'), []);
  assert.ok(by('arc_done_wrong.rs').length >= 2);
  const takeover = report.findings.find(x => x.rule === 'takeover-needs-acquire')!;
  assert.ok(takeover.fix && takeover.fix.edits.length > 0);
  assert.ok(takeover.trace, 'the counterexample trace is included');
});

test('check: clean file exits 0; text format shows file:line:col, rule and fix', () => {
  assert.equal(run(['check', 'examples/arc_done_right.rs']).code, 0);
  const r = run(['check', 'examples/block_mq_request.rs']);
  assert.equal(r.code, 1);
  // rustc style: the headline on the location line, the reasoning as indented notes, then the fix.
  assert.match(r.out, /^examples\/block_mq_request\.rs:47:37: warning \[takeover-needs-acquire\] `compare_exchange` success ordering should be `Acquire`: [^\n]+\n/);
  const headline = r.out.split('\n')[0].replace(/^.*\] /, '');
  assert.ok(headline.replace(/`/g, '').length <= 100, headline);
  assert.match(r.out, /\n {2}= note: The takeover CAS 2 -> 0 reads the count with Relaxed[^\n]*\n/);
  assert.match(r.out, /\n {2}= note: Checked under the Linux kernel memory model \(LKMM\)[^\n]*\n/);
  assert.match(r.out, /\n {2}fix: Use `Acquire` \(success ordering\) — replace with `Ordering::Acquire`\n/);
  assert.match(r.out, /\n {2}related: examples\/block_mq_request\.rs:76:12: pairs with this `Release` decrement\n/);
});

test('check --format json carries the headline and the explanation; a multi-site fix is one protocol fix', () => {
  const r = run(['check', 'examples', '--format', 'json']);
  const report = JSON.parse(r.out) as { findings: (JsonFinding & { message: string; explanation?: { why: string; notes: string[]; model?: string }; protocolFix?: { title: string; edits: unknown[] } })[] };
  const takeover = report.findings.find(f => f.rule === 'takeover-needs-acquire')!;
  assert.match(takeover.message, /^`compare_exchange` success ordering should be `Acquire`/);
  assert.match(takeover.explanation?.why ?? '', /not visible to the new owner/);
  assert.match(takeover.explanation?.model ?? '', /LKMM/);
  const wrong = report.findings.filter(f => f.file.endsWith('arc_done_wrong.rs'));
  for (const f of wrong) {
    assert.equal(f.protocolFix?.title, 'Fix the protocol: `fetch_sub` → `AcqRel`, `load` → `Acquire` (2 sites)');
    assert.equal(f.protocolFix?.edits.length, 2);
    assert.match(f.fix!.title, /\(1 more finding remains\)$/);
  }
});

test('check --format sarif is SARIF 2.1.0 with rule metadata', () => {
  const r = run(['check', 'examples', '--format', 'sarif']);
  assert.equal(r.code, 1);
  const s = JSON.parse(r.out);
  assert.equal(s.version, '2.1.0');
  const run0 = s.runs[0];
  assert.ok(run0.tool.driver.rules.some((x: { id: string }) => x.id === 'takeover-needs-acquire'));
  const res = run0.results.find((x: { ruleId: string }) => x.ruleId === 'takeover-needs-acquire');
  assert.equal(res.locations[0].physicalLocation.region.startLine, 47);
  assert.ok(res.fixes[0].artifactChanges[0].replacements[0].insertedContent.text.includes('Acquire'));
  // The short headline is the message; the reasoning rides in the result's property bag.
  assert.match(res.message.text, /^`compare_exchange` success ordering should be `Acquire`: [^.]*$/);
  assert.match(res.properties.explanation, /not visible to the new owner.*Checked under the Linux kernel memory model/);
  assert.ok(res.properties.notes.length >= 2);
  assert.deepEqual(res.relatedLocations.map((x: { message: { text: string } }) => x.message.text), ['pairs with this `Release` decrement']);
});

test('check: usage and I/O errors exit 2 with a message', () => {
  for (const args of [['check'], ['check', 'no/such/path.rs'], ['check', 'examples', '--format', 'xml'], ['check', 'examples', '--model', 'tso'], ['check', 'examples', '--bogus']]) {
    const r = run(args);
    assert.equal(r.code, 2, args.join(' '));
    assert.match(r.err, /refcount-review: /);
    assert.doesNotMatch(r.err, /\n\s+at /, 'no stack trace');
  }
});

test('check: bad files are skipped per file with a reason, never a crash', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'rr-bad-'));
  writeFileSync(path.join(dir, 'binary.rs'), Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0, 0, 1, 2, 3]));
  writeFileSync(path.join(dir, 'latin1.rs'), Buffer.from('// caf\xe9\nfn main() {}\n', 'latin1'));
  writeFileSync(path.join(dir, 'huge.rs'), '// filler\n'.repeat(550_000));
  writeFileSync(path.join(dir, 'nested.rs'), `fn f() -> u64 { ${'('.repeat(3000)}1${')'.repeat(3000)} }\n`);
  writeFileSync(path.join(dir, 'not_rust.rs'), '<html><body>Not Rust {{{ ]]] at all</body></html>\n');
  mkdirSync(path.join(dir, 'target'));
  writeFileSync(path.join(dir, 'target', 'skipped.rs'), 'this would fail if read {');
  const r = run(['check', dir, '--format', 'json']);
  assert.equal(r.code, 0, r.err);
  const rep = JSON.parse(r.out) as { files: number; skipped: { file: string; reason: string }[] };
  assert.equal(rep.files, 5, 'target/ is not walked');
  const reasons = Object.fromEntries(rep.skipped.map(s => [path.basename(s.file), s.reason]));
  assert.match(reasons['binary.rs'], /binary/);
  assert.match(reasons['latin1.rs'], /UTF-8/);
  assert.match(reasons['huge.rs'], /over the 2 MB limit/);
});

// A syntax error is worth a note where it can hide an atomic operation. A file whose text names no
// counter, atomic method or helper cannot hold one, broken or not: check does not even parse it.
test('check: syntax errors are reported in files that can hold a site, not in files that cannot', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'rr-syntax-'));
  writeFileSync(path.join(dir, 'counter.rs'), [
    'use std::sync::atomic::{AtomicUsize, Ordering};',
    'pub struct S { c: AtomicUsize }',
    'impl S { fn get(&self) { self.c.fetch_add(1, Ordering::Relaxed) ) ; } }',
    '',
  ].join('\n'));
  writeFileSync(path.join(dir, 'plain.rs'), 'pub fn total(xs: &[u32]) -> u32 { xs.iter().copied().max( }\n');
  const r = run(['check', dir, '--format', 'json']);
  const rep = JSON.parse(r.out) as { files: number; problems: { file: string; message: string }[] };
  assert.equal(rep.files, 2);
  assert.deepEqual([...new Set(rep.problems.map(p => path.basename(p.file)))], ['counter.rs'], r.out);
  assert.match(rep.problems[0].message, /syntax error: atomic operations inside this region may be missed/);
});

// Every Rust fixture through the CLI: the set of flagged (line, rule) pairs equals the markers.
test('check: Rust fixtures through the CLI match their //~ markers', () => {
  const dir = path.join(root, 'test/fixtures/rust');
  const files = readdirSync(dir).filter(f => f.endsWith('.rs')).sort();
  assert.ok(files.length >= 25, `at least 25 fixtures (found ${files.length})`);
  const r = run(['check', 'test/fixtures/rust', '--format', 'json']);
  assert.ok(r.code === 0 || r.code === 1, r.err);
  const rep = JSON.parse(r.out) as { findings: JsonFinding[] };
  const mismatches: string[] = [];
  for (const f of files) {
    const rel = path.join('test/fixtures/rust', f);
    const expected = new Set<string>();
    readFileSync(path.join(dir, f), 'utf8').split('\n').forEach((line, i) => {
      const m = /\/\/~\s*(.+)$/.exec(line);
      if (m) for (const rule of m[1].trim().split(/\s+/)) expected.add(`${i + 1}:${rule}`);
    });
    const actual = new Set(rep.findings.filter(x => x.file === rel).map(x => `${x.range.start.line + 1}:${x.rule}`));
    const missing = [...expected].filter(x => !actual.has(x));
    const extra = [...actual].filter(x => !expected.has(x));
    if (missing.length || extra.length) mismatches.push(`${f}: missing ${JSON.stringify(missing)} extra ${JSON.stringify(extra)}`);
  }
  assert.deepEqual(mismatches, []);
});

test('check: a protocol split across files is paired through the workspace', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'rr-split-'));
  writeFileSync(path.join(dir, 'request.rs'), `use core::sync::atomic::{AtomicU64, Ordering};
pub struct Wrapper { refcount: AtomicU64 }
impl Wrapper { pub fn refcount(&self) -> &AtomicU64 { &self.refcount } }
impl Request {
    pub fn try_set_end(&self) -> bool {
        if self.wrapper().refcount().compare_exchange(2, 0, Ordering::Relaxed, Ordering::Relaxed).is_err() {
            return false;
        }
        true
    }
}
`);
  writeFileSync(path.join(dir, 'aref.rs'), `use core::sync::atomic::Ordering;
impl Request {
    pub fn release_ref(&self) {
        self.wrapper().refcount().fetch_sub(1, Ordering::Release);
    }
}
`);
  const r = run(['check', dir, '--format', 'json']);
  assert.equal(r.code, 1, r.err);
  const rep = JSON.parse(r.out) as { findings: (JsonFinding & { related: { file: string }[] })[] };
  const f = rep.findings.find(x => x.rule === 'takeover-needs-acquire');
  assert.ok(f, 'the takeover in request.rs is flagged against the Release decrement in aref.rs');
  assert.equal(path.basename(f.file), 'request.rs');
  assert.ok(f.related.some(rel => path.basename(rel.file) === 'aref.rs'));
});

test('check --hints reports orderings stronger than the protocol needs, verified weaker', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'rr-hints-'));
  const src = readFileSync(path.join(root, 'examples/arc_done_right.rs'), 'utf8').replace('fetch_sub(1, Ordering::Release)', 'fetch_sub(1, Ordering::SeqCst)');
  writeFileSync(path.join(dir, 'strong.rs'), src);
  assert.equal(run(['check', dir]).code, 0, 'hints are off by default');
  const r = run(['check', dir, '--hints', '--format', 'json']);
  assert.equal(r.code, 1);
  const rep = JSON.parse(r.out) as { findings: JsonFinding[] };
  const hint = rep.findings.find(f => f.rule === 'stronger-than-needed');
  assert.ok(hint, 'the SeqCst decrement is reported');
  assert.equal(hint.severity, 'hint');
  assert.match(JSON.stringify(hint.fix), /Ordering::Release/);
});

test('check: an alternative fix is listed in text, JSON and SARIF after the preferred one', () => {
  const file = 'test/fixtures/rust/arc_drop_fence_alternative.rs';
  assert.match(run(['check', file]).out, /\n {2}fix: Use `AcqRel` — [^\n]*\n {2}or: Add `fence\(Acquire\)` on the last-reference path\n/);
  const json = JSON.parse(run(['check', file, '--format', 'json']).out) as { findings: (JsonFinding & { alternatives?: { title: string; edits: { newText: string }[] }[] })[] };
  const alt = json.findings[0].alternatives?.[0];
  assert.ok(alt && alt.edits.some(e => /fence\(Ordering::Acquire\);/.test(e.newText)), JSON.stringify(json.findings[0]));
  const sarif = JSON.parse(run(['check', file, '--format', 'sarif']).out) as { runs: { results: { fixes?: { description: { text: string } }[] }[] }[] };
  assert.deepEqual(sarif.runs[0].results[0].fixes?.map(f => f.description.text), [json.findings[0].fix!.title, alt.title]);
});

test('check --justify prints an ORDERING justification per clean checked site, none where a finding is', () => {
  const r = run(['check', '--justify', 'examples/arc_done_right.rs']);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /^examples\/arc_done_right\.rs:52:12: ORDERING: `Release` pairs with .*the `Acquire` fence in `drop` \(examples\/arc_done_right\.rs:55\); as `Relaxed`, /m);
  assert.match(r.out, /^examples\/arc_done_right\.rs:45:9: ORDERING: `Relaxed` suffices: no other access is ordered by this operation/m);
  const wrong = run(['check', '--justify', '--format', 'json', 'examples/block_mq_request.rs']);
  const report = JSON.parse(wrong.out) as { findings: JsonFinding[]; justifications: { range: { start: { line: number } }; text: string }[] };
  const flagged = new Set(report.findings.map(f => f.range.start.line));
  assert.ok(report.justifications.every(j => !flagged.has(j.range.start.line)), JSON.stringify(report.justifications.map(j => j.text)));
  // Without the flag, nothing of the kind is printed.
  assert.doesNotMatch(run(['check', 'examples/arc_done_right.rs']).out, /ORDERING:/);
});
