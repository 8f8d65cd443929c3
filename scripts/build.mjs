// Builds everything the extension, the CLI and the tests need:
//   out/   tsc output (type-checked; tests and benchmarks run from here)
//   dist/  esbuild bundles that ship in the .vsix and back the `refcount-review` bin
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, existsSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const require = createRequire(import.meta.url);
const esbuild = require('esbuild');

// Type errors fail the build, but only after the bundles are written, so one broken file does not
// hide what the rest of the tree does.
let typeErrors = false;
// tsc never deletes outputs of removed sources: start from an empty out/ so no stale test runs.
rmSync(path.join(root, 'out'), { recursive: true, force: true });
try {
  execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', root], { stdio: 'inherit', cwd: root });
} catch {
  typeErrors = true;
}

const dist = path.join(root, 'dist');
mkdirSync(dist, { recursive: true });
// web-tree-sitter's ESM build reads import.meta.url; in a CJS bundle that must be supplied.
const nodeCommon = {
  bundle: true, platform: 'node', format: 'cjs', target: 'node20', sourcemap: true, logLevel: 'warning',
  define: { 'import.meta.url': 'importMetaUrl' },
  inject: [path.join(root, 'scripts/import-meta-url.js')],
};
const entries = [
  { in: 'client/src/extension.ts', out: 'extension.js', external: ['vscode'] },
  { in: 'server/src/server.ts', out: 'server.js' },
  { in: 'server/src/worker.ts', out: 'worker.js' },
  { in: 'server/src/cli.ts', out: 'cli.js' },
];
await Promise.all(entries.filter(e => existsSync(path.join(root, e.in))).map(e => esbuild.build({
  ...nodeCommon, entryPoints: [path.join(root, e.in)], outfile: path.join(dist, e.out), external: e.external ?? [],
})));
if (existsSync(path.join(root, 'client/webview/main.ts'))) {
  await esbuild.build({
    bundle: true, platform: 'browser', format: 'iife', target: 'es2022', sourcemap: true, logLevel: 'warning',
    entryPoints: [path.join(root, 'client/webview/main.ts')], outfile: path.join(dist, 'webview.js'),
  });
}
for (const f of [require.resolve('web-tree-sitter/web-tree-sitter.wasm'), path.join(path.dirname(require.resolve('tree-sitter-rust/package.json')), 'tree-sitter-rust.wasm')]) {
  copyFileSync(f, path.join(dist, path.basename(f)));
}
if (typeErrors) {
  console.error('build: TypeScript reported errors (see above)');
  process.exit(1);
}
