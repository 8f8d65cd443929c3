// Which files `check` and `litmus` read: only regular files, size checked before reading, each real
// file once however many symlinks reach it; everything else is skipped at once with a reason. Also
// the formats' side of it: SARIF URIs are percent-encoded, a bounded exploration is announced.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { readSource, readSourceSync } from '../../server/src/sourceFiles';

const root = path.resolve(__dirname, '../../..');
const bin = path.join(root, 'bin/refcount-review.js');
const BUGGY = path.join(root, 'examples/block_mq_request.rs');

// A hang is the failure these tests look for: the time limit turns it into a failed assertion
// (status null) instead of a stuck suite; it is never a measure of speed.
function run(args: string[], cwd = root): { code: number | null; out: string; err: string } {
  const r = spawnSync(process.execPath, [bin, ...args], { cwd, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, timeout: 120_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

interface Report { files: number; findings: { file: string; rule: string }[]; skipped: { file: string; reason: string }[]; bounded: { file: string; message: string }[] }

const fresh = (tag: string) => mkdtempSync(path.join(tmpdir(), `rr-files-${tag}-`));

function mkfifo(p: string): void {
  const r = spawnSync('mkfifo', [p]);
  assert.equal(r.status, 0, `mkfifo ${p}: ${r.stderr}`);
}

test('check /dev/zero and litmus /dev/zero stop at once: not a regular file, exit 2', () => {
  const c = run(['check', '/dev/zero']);
  assert.equal(c.code, 2, c.err);
  assert.match(c.err, /\/dev\/zero: a character device, not a regular file/);
  assert.match(c.err, /nothing could be read/);
  const l = run(['litmus', '/dev/zero']);
  assert.equal(l.code, 2, l.err);
  assert.match(l.err, /\/dev\/zero: cannot read: a character device, not a regular file/);
});

test('check dir: a FIFO named x.rs, a symlink to /dev/zero and a broken link are skipped with reasons; the rest is reviewed', () => {
  const dir = fresh('odd');
  copyFileSync(BUGGY, path.join(dir, 'request.rs'));
  mkfifo(path.join(dir, 'x.rs'));
  symlinkSync('/dev/zero', path.join(dir, 'zero.rs'));
  symlinkSync(path.join(dir, 'gone.rs'), path.join(dir, 'dangling.rs'));
  const r = run(['check', dir, '--format', 'json']);
  assert.equal(r.code, 1, 'exit by findings: the readable file has the takeover race');
  const rep = JSON.parse(r.out) as Report;
  const reasons = Object.fromEntries(rep.skipped.map(s => [path.basename(s.file), s.reason]));
  assert.match(reasons['x.rs'], /a FIFO, not a regular file/);
  assert.match(reasons['zero.rs'], /a character device, not a regular file/);
  assert.match(reasons['dangling.rs'], /broken symlink/);
  assert.deepEqual([...new Set(rep.findings.map(f => path.basename(f.file)))], ['request.rs']);
});

test('check: a FIFO given by name is skipped, the other files still decide the exit code', () => {
  const dir = fresh('fifo');
  mkfifo(path.join(dir, 'pipe.rs'));
  const alone = run(['check', path.join(dir, 'pipe.rs')]);
  assert.equal(alone.code, 2, 'nothing at all could be read');
  assert.match(alone.err, /pipe\.rs: a FIFO, not a regular file/);
  const mixed = run(['check', path.join(dir, 'pipe.rs'), 'no/such/file.rs', 'examples/arc_done_right.rs']);
  assert.equal(mixed.code, 0, mixed.err);
  assert.match(mixed.out, /pipe\.rs: skipped: a FIFO/);
  assert.match(mixed.out, /no\/such\/file\.rs: skipped: cannot read: no such file/);
});

test('check: directory symlink loops review each real file once (two loops, no blow-up)', () => {
  const dir = fresh('loops');
  mkdirSync(path.join(dir, 'a', 'deep'), { recursive: true });
  mkdirSync(path.join(dir, 'b'));
  copyFileSync(BUGGY, path.join(dir, 'a', 'deep', 'request.rs'));
  writeFileSync(path.join(dir, 'b', 'plain.rs'), 'fn plain() {}\n');
  symlinkSync(dir, path.join(dir, 'a', 'deep', 'up'));
  symlinkSync(dir, path.join(dir, 'b', 'up'));
  symlinkSync(path.join(dir, 'a'), path.join(dir, 'b', 'to_a'));
  symlinkSync(path.join(dir, 'a', 'deep', 'request.rs'), path.join(dir, 'b', 'again.rs'));
  const r = run(['check', dir, '--format', 'json']);
  assert.equal(r.code, 1, r.err);
  const rep = JSON.parse(r.out) as Report;
  assert.equal(rep.files, 2, 'request.rs and plain.rs, each once');
  const files = new Set(rep.findings.map(f => f.file));
  assert.deepEqual([...files], [path.join(dir, 'a', 'deep', 'request.rs')]);
});

test('a valid UTF-8 file with U+FFFD in a comment is reviewed; invalid bytes are still skipped', () => {
  const dir = fresh('fffd');
  writeFileSync(path.join(dir, 'request.rs'), `// A replacement character \uFFFD in a comment is text.\n${readFileSync(BUGGY, 'utf8')}`);
  writeFileSync(path.join(dir, 'latin1.rs'), Buffer.from('// caf\xe9\nfn main() {}\n', 'latin1'));
  const r = run(['check', dir, '--format', 'json']);
  assert.equal(r.code, 1, r.err);
  const rep = JSON.parse(r.out) as Report;
  assert.ok(rep.findings.some(f => f.rule === 'takeover-needs-acquire' && path.basename(f.file) === 'request.rs'), JSON.stringify(rep.skipped));
  assert.deepEqual(rep.skipped.map(s => [path.basename(s.file), /not valid UTF-8/.test(s.reason)]), [['latin1.rs', true]]);
});

test('SARIF artifact URIs are percent-encoded: spaces, non-ASCII and newlines; absolute paths are file: URLs', () => {
  const dir = fresh('sarif');
  const sub = path.join(dir, 'crate dir', 'überweisung\nzeile');
  mkdirSync(sub, { recursive: true });
  copyFileSync(BUGGY, path.join(sub, 'request #1.rs'));
  const abs = JSON.parse(run(['check', dir, '--format', 'sarif']).out);
  const uriAbs = abs.runs[0].results[0].locations[0].physicalLocation.artifactLocation.uri as string;
  assert.equal(uriAbs, pathToFileURL(path.join(sub, 'request #1.rs')).href);
  assert.match(uriAbs, /^file:\/\/\/.*crate%20dir\/%C3%BCberweisung%0Azeile\/request%20%231\.rs$/);
  const rel = JSON.parse(run(['check', '.', '--format', 'sarif'], dir).out);
  const uriRel = rel.runs[0].results[0].locations[0].physicalLocation.artifactLocation.uri as string;
  assert.equal(uriRel, 'crate%20dir/%C3%BCberweisung%0Azeile/request%20%231.rs');
  assert.equal(decodeURIComponent(uriRel), path.join('crate dir', 'überweisung\nzeile', 'request #1.rs'));
});

test('check: a bounded exploration is announced in text, JSON and SARIF; it is never a clean verdict', () => {
  const args = ['check', 'examples/block_mq_request.rs', '--max-executions', '1'];
  const text = run(args);
  assert.match(text.out, /block_mq_request\.rs: warning: exploration bounded, verdict unknown/);
  assert.match(text.out, /1 bounded \(verdict unknown\)/);
  assert.match(text.err, /warning: examples\/block_mq_request\.rs: exploration bounded/);
  const json = JSON.parse(run([...args, '--format', 'json']).out) as Report;
  assert.equal(json.bounded.length, 1);
  assert.equal(json.bounded[0].file, 'examples/block_mq_request.rs');
  assert.match(json.bounded[0].message, /RequestDataWrapper\.refcount: bounded/);
  const sarif = JSON.parse(run([...args, '--format', 'sarif']).out);
  const notes = sarif.runs[0].invocations[0].toolExecutionNotifications as { level: string; message: { text: string } }[];
  assert.ok(notes.some(n => n.level === 'warning' && /exploration bounded, verdict unknown/.test(n.message.text)), JSON.stringify(notes));
  // Unbounded, the same file has its finding and no bounded entry.
  const full = JSON.parse(run(['check', 'examples/block_mq_request.rs', '--format', 'json']).out) as Report;
  assert.deepEqual(full.bounded, []);
  assert.ok(full.findings.length > 0);
});

test('the stat size is a hint, not a bound: a size-0 procfs file is read whole, a big one refused before reading', async () => {
  for (const r of [readSourceSync('/proc/self/status'), await readSource('/proc/self/status')]) {
    assert.ok('text' in r, JSON.stringify(r));
    assert.match(r.text, /^Name:.*\n[\s\S]*State:/);
  }
  const dir = fresh('limit');
  const big = path.join(dir, 'big.rs');
  writeFileSync(big, Buffer.alloc(300, 0x20));
  const over = readSourceSync(big, 299);
  assert.ok('skipped' in over && /over the/.test(over.skipped), JSON.stringify(over));
  const exact = readSourceSync(big, 300);
  assert.ok('text' in exact && exact.text.length === 300);
});
