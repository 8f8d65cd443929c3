// The extension manifest under Workspace Trust: an untrusted folder's .vscode/settings.json must
// not be able to raise what a review may spend (CPU time, memory), so every such setting is a
// restricted configuration.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(__dirname, '../../..');
const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as {
  capabilities: { untrustedWorkspaces: { supported: boolean | 'limited'; description?: string; restrictedConfigurations?: string[] } };
  contributes: { configuration: { properties: Record<string, unknown> } };
};

/** Settings that decide how much work a review does. */
const RESOURCE = /^refcountReview\.(budget\.|hints$)/;

test('budgets and other resource settings are restricted in untrusted workspaces', () => {
  const trust = pkg.capabilities.untrustedWorkspaces;
  assert.equal(trust.supported, 'limited', "restrictedConfigurations only apply with supported: 'limited'");
  assert.ok(trust.description && trust.description.length > 20);
  const settings = Object.keys(pkg.contributes.configuration.properties);
  const resource = settings.filter(s => RESOURCE.test(s));
  assert.ok(resource.includes('refcountReview.budget.timeoutMs') && resource.includes('refcountReview.budget.maxExecutions'));
  const restricted = trust.restrictedConfigurations ?? [];
  assert.deepEqual(resource.filter(s => !restricted.includes(s)), [], 'every resource setting is restricted');
  assert.deepEqual(restricted.filter(s => !settings.includes(s)), [], 'every restricted name is a real setting');
});
