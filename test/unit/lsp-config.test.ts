// refcountReview.* settings: valid values kept, invalid ones replaced by defaults with a warning.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_SETTINGS, effectiveSeverity, parseSettings } from '../../server/src/lsp/config';

test('no settings: defaults, no warnings', () => {
  assert.deepEqual(parseSettings(undefined), { settings: { ...DEFAULT_SETTINGS, budget: { ...DEFAULT_SETTINGS.budget }, severity: {} }, warnings: [] });
});

test('valid settings are taken as given, nested or dotted', () => {
  const { settings, warnings } = parseSettings({ enable: false, model: 'c11', budget: { maxExecutions: 10, timeoutMs: 250 }, severity: { 'dec-needs-release': 'error', 'ambiguous-role': 'off' }, hints: true });
  assert.deepEqual(warnings, []);
  assert.deepEqual(settings, { enable: false, model: 'c11', budget: { maxExecutions: 10, timeoutMs: 250 }, severity: { 'dec-needs-release': 'error', 'ambiguous-role': 'off' }, hints: true, orderingComments: { lint: false } });
  const dotted = parseSettings({ 'budget.maxExecutions': 7, 'budget.timeoutMs': 9 });
  assert.deepEqual(dotted.settings.budget, { maxExecutions: 7, timeoutMs: 9 });
});

test('each invalid value falls back alone, with a warning naming it', () => {
  const { settings, warnings } = parseSettings({ enable: 'no', model: 'tso', budget: { maxExecutions: 1.5, timeoutMs: 0 }, severity: { 'dec-needs-release': 'loud', bogus: 'error', 'takeover-needs-acquire': 'hint' }, hints: 'sometimes' });
  assert.equal(settings.enable, true);
  assert.equal(settings.model, 'auto');
  assert.deepEqual(settings.budget, DEFAULT_SETTINGS.budget);
  assert.deepEqual(settings.severity, { 'takeover-needs-acquire': 'hint' }, 'the valid entry survives its invalid neighbours');
  assert.equal(settings.hints, false);
  assert.equal(warnings.length, 7, warnings.join('\n'));
  assert.ok(warnings.some(w => w.includes('"tso"')));
  assert.ok(warnings.some(w => w.includes('unknown rule "bogus"')));
});

test('a non-object is rejected as a whole', () => {
  const r = parseSettings('everything');
  assert.equal(r.warnings.length, 1);
  assert.deepEqual(r.settings.budget, DEFAULT_SETTINGS.budget);
  assert.equal(parseSettings({ budget: 5 }).warnings[0], 'refcountReview.budget: expected an object; using the defaults.');
});

test('effective severity: override, off, and the opt-in hint rule', () => {
  const s = parseSettings({ severity: { 'dec-needs-release': 'error', 'invalid-ordering': 'off' } }).settings;
  assert.equal(effectiveSeverity(s, 'dec-needs-release', 'warning'), 'error');
  assert.equal(effectiveSeverity(s, 'invalid-ordering', 'error'), undefined);
  assert.equal(effectiveSeverity(s, 'takeover-needs-acquire', 'warning'), 'warning');
  assert.equal(effectiveSeverity(s, 'stronger-than-needed', 'hint'), undefined);
  assert.equal(effectiveSeverity(parseSettings({ hints: true }).settings, 'stronger-than-needed', 'hint'), 'hint');
});

test('the ORDERING comment lint is off by default; on nested or dotted, and a bad value warns', () => {
  assert.equal(effectiveSeverity(parseSettings({}).settings, 'stale-ordering-comment', 'info'), undefined);
  assert.equal(effectiveSeverity(parseSettings({ orderingComments: { lint: true } }).settings, 'stale-ordering-comment', 'info'), 'info');
  assert.equal(parseSettings({ 'orderingComments.lint': true }).settings.orderingComments.lint, true);
  const bad = parseSettings({ orderingComments: { lint: 'yes' } });
  assert.equal(bad.settings.orderingComments.lint, false);
  assert.match(bad.warnings[0], /orderingComments\.lint/);
});
