// `npm test` runs everything: build, unit tests (engine, litmus, Rust review, CLI), LSP tests over
// stdio, the real-code corpus against its ledger, and the tests in a real VS Code (code-server +
// Chromium). `npm test -- unit` (or `npm run test:unit`, `test:corpus`, `test:e2e`, `test:vscode`)
// runs one group; `npm run test:corpus -- --update` writes test/corpus/ledger.candidates.json.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const args = process.argv.slice(2);
const groups = args.filter(a => !a.startsWith('--'));
const flags = args.filter(a => a.startsWith('--'));
const unknown = flags.filter(f => f !== '--update');
if (unknown.length) { console.error(`unknown option ${unknown.join(' ')} (known: --update, with the corpus group)`); process.exit(2); }
const want = g => groups.length === 0 || groups.includes(g);

function run(args, opts = {}) {
  const r = spawnSync(process.execPath, args, { stdio: 'inherit', cwd: root, ...opts });
  if (r.status !== 0) process.exit(r.status ?? 1);
}
function testFiles(dir) {
  const abs = path.join(root, dir);
  if (!existsSync(abs)) return [];
  const out = [];
  for (const name of readdirSync(abs)) {
    const p = path.join(abs, name);
    if (statSync(p).isDirectory()) out.push(...testFiles(path.join(dir, name)));
    else if (name.endsWith('.test.js')) out.push(path.join(dir, name));
  }
  return out.sort();
}

run(['scripts/build.mjs']);
const nodeTests = [];
if (want('unit')) nodeTests.push(...testFiles('out/test/unit'));
if (want('lsp')) nodeTests.push(...testFiles('out/test/lsp'));
if (want('corpus')) nodeTests.push(...testFiles('out/test/corpus'));
if (want('e2e')) nodeTests.push(...testFiles('out/test/e2e'));
// The extension-host suite already runs inside code-server from test/e2e; `test:vscode` runs it
// through @vscode/test-electron (falling back to code-server) on its own.
if (groups.includes('vscode')) nodeTests.push(...testFiles('out/test/vscode-host'));
if (nodeTests.length === 0) { console.error('no test files found'); process.exit(1); }
// The real-VS-Code tests need code-server and Chromium: install them once, before the test files
// start in parallel (the script is idempotent and also guards itself with a lock).
if (want('e2e') || groups.includes('vscode')) {
  const r = spawnSync('bash', [path.join(root, 'scripts', 'setup-e2e.sh')], { stdio: 'inherit', cwd: root });
  if (r.status !== 0) { console.error(`scripts/setup-e2e.sh failed (exit ${r.status})`); process.exit(r.status ?? 1); }
}
// The corpus is Debian's packaged crate sources: install the missing packages first (idempotent).
if (want('corpus')) {
  const r = spawnSync('bash', [path.join(root, 'scripts', 'setup-corpus.sh')], { stdio: 'inherit', cwd: root });
  if (r.status !== 0) { console.error(`scripts/setup-corpus.sh failed (exit ${r.status})`); process.exit(r.status ?? 1); }
}
const env = { ...process.env, ...(flags.includes('--update') ? { REFCOUNT_CORPUS_UPDATE: '1' } : {}) };
// One `node --test` run so CI sees a single summary line.
run(['--test', '--test-concurrency=2', ...nodeTests], { env });
