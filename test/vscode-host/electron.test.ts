// `npm run test:vscode`: the extension-host suite through @vscode/test-electron, or through
// code-server when desktop VS Code cannot be downloaded (see runTestElectron.ts).

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runVsCodeSuite } from './runTestElectron';

test('extension-host suite passes (desktop VS Code, or code-server as the fallback)', { timeout: 300_000 }, async t => {
  const o = await runVsCodeSuite();
  t.diagnostic(`route: ${o.route}${o.why ? ` (${o.why})` : ''}`);
  assert.equal(o.exitCode, 0);
});
