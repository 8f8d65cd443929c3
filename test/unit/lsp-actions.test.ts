// Finding -> diagnostics and code actions, on hand-made findings (the shapes the pipeline
// produces); the real pipeline's findings go through the same code in test/lsp/seed.test.ts.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TextDocument } from 'vscode-languageserver-textdocument';
import type { Finding, RuleId } from '../../server/src/protocol/finding';
import type { FileReview } from '../../server/src/review';
import { codeActions, combineFixes, FIX_ALL_KIND, resolveFixAll } from '../../server/src/lsp/codeActions';
import { parseSettings } from '../../server/src/lsp/config';
import { toDiagnostics } from '../../server/src/lsp/diagnostics';

const S = parseSettings({}).settings;
const r = (l: number, a: number, b: number) => ({ start: { line: l, character: a }, end: { line: l, character: b } });

function finding(rule: RuleId, line: number, fixText?: string): Finding {
  return {
    file: '/w/a.rs', rule, severity: 'warning', message: `${rule} at ${line}`, range: r(line, 10, 27), role: 'takeover CAS 2 -> 0', ordering: 'Relaxed/Relaxed',
    fix: fixText ? { title: `Use ${fixText}`, edits: [{ range: r(line, 10, 27), newText: fixText }, { range: r(0, 0, 0), newText: 'use core::sync::atomic::fence;\n' }], verified: { scenarios: 1, executions: 4 } } : null,
    related: [{ file: '/w/b.rs', range: r(3, 1, 2), message: 'paired site' }], trace: null,
  };
}

function review(findings: Finding[]): FileReview {
  return { file: '/w/a.rs', findings, scenarios: [], problems: [] };
}

test('diagnostics carry rule code, doc link, related info in URIs, and settings severity', () => {
  const [d] = toDiagnostics([finding('takeover-needs-acquire', 5, 'Ordering::Acquire')], parseSettings({ severity: { 'takeover-needs-acquire': 'error' } }).settings, { docUri: 'file:///ext/docs/rules.md' });
  assert.equal(d.code, 'takeover-needs-acquire');
  assert.equal(d.severity, 1);
  assert.equal(d.codeDescription?.href, 'file:///ext/docs/rules.md#takeover-needs-acquire');
  // A client that names a command gets a command link whose one argument is the rule id.
  const [c] = toDiagnostics([finding('takeover-needs-acquire', 5)], S, { docUri: 'file:///ext/docs/rules.md', command: 'refcountReview.openRule' });
  const href = c.codeDescription!.href;
  assert.ok(href.startsWith('command:refcountReview.openRule?'), href);
  assert.deepEqual(JSON.parse(decodeURIComponent(href.slice(href.indexOf('?') + 1))), ['takeover-needs-acquire']);
  assert.deepEqual(d.relatedInformation, [{ location: { uri: 'file:///w/b.rs', range: r(3, 1, 2) }, message: 'paired site' }]);
  assert.deepEqual(toDiagnostics([finding('takeover-needs-acquire', 5)], parseSettings({ severity: { 'takeover-needs-acquire': 'off' } }).settings, undefined), []);
});

test('only fixes the review supplied are offered; findings without a fix get no action', () => {
  const rv = review([finding('takeover-needs-acquire', 5, 'Ordering::Acquire'), finding('unresolved-ordering', 9)]);
  const diags = toDiagnostics(rv.findings, S, undefined);
  const at5 = codeActions({ uri: 'file:///w/a.rs', version: 3 }, rv, S, r(5, 12, 12), { diagnostics: diags }, true);
  assert.deepEqual(at5.map(a => [a.title, a.kind, a.isPreferred]), [['Use Ordering::Acquire', 'quickfix', true]]);
  assert.deepEqual(at5[0].diagnostics, [diags[0]]);
  assert.deepEqual(at5[0].edit?.documentChanges?.[0], { textDocument: { uri: 'file:///w/a.rs', version: 3 }, edits: rv.findings[0].fix!.edits });
  assert.deepEqual(codeActions({ uri: 'file:///w/a.rs', version: 3 }, rv, S, r(9, 12, 12), { diagnostics: diags }, true), []);
});

test('fix all: one fix is handed out directly; several are merged and left for resolve', () => {
  const one = review([finding('takeover-needs-acquire', 5, 'Ordering::Acquire')]);
  const [fa] = codeActions({ uri: 'u', version: 1 }, one, S, r(0, 0, 0), { diagnostics: [], only: ['source.fixAll'] }, true);
  assert.equal(fa.kind, FIX_ALL_KIND);
  assert.ok(fa.edit && !fa.data);
  const two = review([finding('takeover-needs-acquire', 5, 'Ordering::Acquire'), finding('dec-needs-release', 8, 'Ordering::Release')]);
  const acts = codeActions({ uri: 'u', version: 1 }, two, S, r(5, 12, 12), { diagnostics: [] }, true);
  assert.deepEqual(acts.map(a => a.kind), ['quickfix', 'quickfix'], 'the fix at the cursor, then fix-all in the quick-fix menu');
  assert.ok(!acts[1].edit && (acts[1].data as { fixAll: boolean }).fixAll);
  assert.deepEqual(codeActions({ uri: 'u', version: 1 }, two, S, r(0, 0, 0), { diagnostics: [], only: ['source.fixAll'] }, false), [], 'no resolve, no unverified combination');
});

test('combined fixes: shared import once, conflicting fix left out', () => {
  const a = finding('takeover-needs-acquire', 5, 'Ordering::Acquire');
  const b = finding('dec-needs-release', 8, 'Ordering::Release');
  const clash = finding('last-dec-needs-acquire', 5, 'Ordering::AcqRel');
  const { edits, included } = combineFixes([a, b, clash]);
  assert.deepEqual(included, [a, b]);
  assert.equal(edits.filter(e => e.newText.startsWith('use ')).length, 1);
  assert.equal(edits.length, 3);
});

test('resolve fix all: the edit is attached only when the re-review confirms it', async () => {
  const rv = review([finding('takeover-needs-acquire', 5, 'Ordering::Acquire'), finding('dec-needs-release', 8, 'Ordering::Release')]);
  const text = Array.from({ length: 10 }, (_, i) => `line ${i} ${'x'.repeat(30)}`).join('\n');
  const apply = (t: string, e: Parameters<typeof TextDocument.applyEdits>[1]) => TextDocument.applyEdits(TextDocument.create('u', 'rust', 1, t), e);
  const data = { fixAll: true as const, uri: 'u', version: 1 };
  const logs: string[] = [];
  let seen = '';
  const ok = await resolveFixAll({ title: 'x', data }, data, rv, S, text, apply, async t => { seen = t; return review([]); }, m => logs.push(m));
  assert.ok(ok.edit);
  assert.ok(seen.includes('Ordering::Acquire') && seen.includes('Ordering::Release'), 'the combined text was re-reviewed');
  const bad = await resolveFixAll({ title: 'x', data }, data, rv, S, text, apply, async () => review([finding('dec-needs-release', 8)]), m => logs.push(m));
  assert.equal(bad.edit, undefined);
  assert.match(logs.at(-1)!, /leave 1 finding/);
});

test('a finding with a counterexample offers "Show the counterexample in the simulator"', () => {
  const f = { ...finding('takeover-needs-acquire', 5, 'Ordering::Acquire'), scenario: 'takeover:a:b' };
  const acts = codeActions({ uri: 'file:///w/a.rs', version: 2 }, review([f]), S, r(5, 12, 12), { diagnostics: [] }, true);
  const sim = acts.find(a => a.command?.command === 'refcountReview.simulate');
  assert.ok(sim, 'simulate action present');
  assert.equal(sim.title, 'Show the counterexample in the simulator');
  assert.deepEqual(sim.command!.arguments, [{ uri: 'file:///w/a.rs', scenarioId: 'takeover:a:b' }]);
  assert.equal(acts[0].isPreferred, true, 'the verified fix stays first and preferred');
});

test('a fix that edits a helper in another file targets that file', () => {
  const f = finding('dec-needs-release', 5, 'Ordering::Release');
  f.fix!.edits = [{ range: r(30, 10, 27), newText: 'Ordering::Release', file: '/w/helpers.rs' }];
  const [fix] = codeActions({ uri: 'file:///w/a.rs', version: 4 }, review([f]), S, r(5, 12, 12), { diagnostics: [] }, true);
  const changes = fix.edit!.documentChanges as { textDocument: { uri: string; version: number | null }; edits: unknown[] }[];
  assert.deepEqual(changes.map(c => [c.textDocument.uri, c.textDocument.version, c.edits.length]), [['file:///w/a.rs', 4, 0], ['file:///w/helpers.rs', null, 1]]);
});

test('alternative fixes follow the preferred one as quick fixes that are not preferred', () => {
  const f = finding('last-dec-needs-acquire', 5, 'Ordering::AcqRel');
  f.alternatives = [{ title: 'Add fence(Acquire) at the start of the last-reference path', edits: [{ range: r(6, 0, 0), newText: '        fence(Ordering::Acquire);\n' }], verified: { scenarios: 1, executions: 2 } }];
  const rv = review([f]);
  const acts = codeActions({ uri: 'file:///w/a.rs', version: 2 }, rv, S, r(5, 12, 12), { diagnostics: toDiagnostics(rv.findings, S, undefined) }, true);
  assert.deepEqual(acts.map(a => [a.title, a.isPreferred ?? false]), [['Use Ordering::AcqRel', true], ['Add fence(Acquire) at the start of the last-reference path', false]]);
  assert.deepEqual(acts[1].edit?.documentChanges?.[0], { textDocument: { uri: 'file:///w/a.rs', version: 2 }, edits: f.alternatives[0].edits });
  assert.equal(acts[1].diagnostics?.length, 1);
});

test('"Fix the protocol": one preferred action editing every site, in other files through their URIs; the per-site fix is not preferred', () => {
  const f = finding('last-dec-needs-acquire', 5, 'Ordering::AcqRel');
  f.fix!.title = 'Use `AcqRel` (1 more finding remains)';
  f.protocolFix = {
    title: 'Fix the protocol: `fetch_sub` → `AcqRel`, `load` → `Acquire` (2 sites)',
    edits: [{ range: r(5, 10, 27), newText: 'Ordering::AcqRel' }, { range: r(3, 20, 37), newText: 'Ordering::Acquire', file: '/w/b.rs' }],
    verified: { scenarios: 2, executions: 4 },
  };
  // A second finding on the same line shares the protocol fix: it is offered once.
  const g: Finding = { ...finding('last-dec-needs-acquire', 5, 'Ordering::AcqRel'), protocolFix: f.protocolFix };
  const rv = review([f, g]);
  const acts = codeActions({ uri: 'file:///w/a.rs', version: 7 }, rv, S, r(5, 12, 12), { diagnostics: toDiagnostics(rv.findings, S, undefined) }, true);
  const protocol = acts.filter(a => a.title.startsWith('Fix the protocol'));
  assert.equal(protocol.length, 1, JSON.stringify(acts.map(a => a.title)));
  assert.equal(protocol[0].isPreferred, true);
  assert.deepEqual(protocol[0].edit?.documentChanges, [
    { textDocument: { uri: 'file:///w/a.rs', version: 7 }, edits: [{ range: r(5, 10, 27), newText: 'Ordering::AcqRel' }] },
    { textDocument: { uri: 'file:///w/b.rs', version: null }, edits: [{ range: r(3, 20, 37), newText: 'Ordering::Acquire' }] },
  ]);
  const single = acts.find(a => a.title === 'Use `AcqRel` (1 more finding remains)');
  assert.ok(single && !single.isPreferred, 'applying one site alone is offered, but not preferred');
});
