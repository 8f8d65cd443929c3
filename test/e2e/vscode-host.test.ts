// The extension-host (mocha) suite of test/vscode-host, run inside code-server through the
// workbench's test payload, so the @vscode/test-electron style tests run here too.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runHostSuiteInCodeServer } from './payload';

test('extension-host API tests pass inside code-server', { timeout: 240_000 }, async () => {
  const r = await runHostSuiteInCodeServer();
  const failed = r.results?.tests.filter(t => t.state !== 'passed') ?? [];
  assert.equal(r.exitCode, 0, `exit ${r.exitCode}; failed:\n${failed.map(t => `${t.title}\n${t.error}`).join('\n\n')}\n--- log ---\n${r.log.join('\n')}`);
  assert.ok(r.results, 'run() wrote its results file');
  assert.equal(r.results.failures, 0);
  assert.equal(r.results.tests.length, 9, 'every test of the suite ran');
});
