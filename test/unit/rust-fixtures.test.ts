// The Rust fixtures under test/fixtures/rust/ pin the expected answers of the review. Each fixture
// marks the lines that must be flagged with a trailing `//~ <rule-id> [<rule-id>...]` comment;
// every other line must be free of findings of any severity, and a fixture without markers must
// be entirely clean. Beyond the (line, rule) sets, every fix offered for a warning (the preferred
// one and each alternative) is applied and checked from outside: the file still parses, imports
// only items that exist, keeps its ordering arguments resolved, and re-reviews without the finding.

import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { reviewText, type FileReview } from '../../server/src/review';
import { initRustParser, withRustTree } from '../../server/src/rust/parser';
import { buildFileScope } from '../../server/src/rust/scope';
import { RULES } from '../../server/src/protocol/rules';
import type { Finding, Fix, RuleId, TextEdit } from '../../server/src/protocol/finding';

// Compiled to out/test/unit: the fixtures are read from the source tree, not copied.
const FIXTURES = path.join(__dirname, '..', '..', '..', 'test', 'fixtures', 'rust');

const MARKER = /\/\/~\s*([a-z][a-z-]*(?:\s+[a-z][a-z-]*)*)\s*$/;

export interface Expected { line: number; rule: RuleId }

/** The (line, rule) pairs a fixture's `//~` markers demand; unknown rule ids are fixture bugs. */
export function markers(text: string): Expected[] {
  const out: Expected[] = [];
  text.split('\n').forEach((raw, line) => {
    const m = MARKER.exec(raw.replace(/\r$/, ''));
    if (!m) {
      assert.ok(!raw.includes('//~'), `line ${line + 1}: malformed marker: ${raw.trim()}`);
      return;
    }
    for (const rule of m[1].split(/\s+/)) {
      assert.ok(rule in RULES, `line ${line + 1}: marker names unknown rule '${rule}'`);
      out.push({ line, rule: rule as RuleId });
    }
  });
  return out;
}

const key = (e: Expected): string => `${e.line + 1}:${e.rule}`;

/** Offset of an LSP position (UTF-16 code units, which is what JS string indices are). */
function offsetOf(lineStarts: number[], pos: { line: number; character: number }): number {
  return lineStarts[pos.line] + pos.character;
}

function lineStartsOf(text: string): number[] {
  const starts = [0];
  for (let i = 0; i < text.length; i++) if (text[i] === '\n') starts.push(i + 1);
  return starts;
}

/**
 * Applies same-file edits (edits for another file, i.e. a helper elsewhere, are skipped) and maps
 * an original line to its line in the new text, since an added import shifts what follows.
 */
export function applyEdits(text: string, edits: TextEdit[], line: number): { text: string; line: number } {
  const starts = lineStartsOf(text);
  const spans = edits.filter(e => !e.file).map(e => ({ from: offsetOf(starts, e.range.start), to: offsetOf(starts, e.range.end), newText: e.newText }));
  spans.sort((a, b) => b.from - a.from);
  for (let i = 1; i < spans.length; i++) assert.ok(spans[i].to <= spans[i - 1].from, 'fix edits overlap');
  let out = text;
  let shift = 0;
  const lineStart = starts[line];
  for (const s of spans) {
    out = out.slice(0, s.from) + s.newText + out.slice(s.to);
    if (s.to <= lineStart) shift += (s.newText.match(/\n/g)?.length ?? 0) - (text.slice(s.from, s.to).match(/\n/g)?.length ?? 0);
  }
  return { text: out, line: line + shift };
}

function describe(f: Finding): string {
  return `${f.range.start.line + 1}:${f.rule} (${f.severity}) ${f.message}`;
}

function nameOnly(r: { sites?: { orderings: { resolution: string }[] }[] }): number {
  return (r.sites ?? []).reduce((n, s) => n + s.orderings.filter(o => o.resolution === 'name-only').length, 0);
}

const fixtureFiles = readdirSync(FIXTURES).filter(n => n.endsWith('.rs')).sort();

before(() => initRustParser());

test('the fixture set is large enough and has both flagged and clean files', () => {
  assert.ok(fixtureFiles.length >= 28, `only ${fixtureFiles.length} fixtures`);
  const flagged = fixtureFiles.filter(n => markers(readFileSync(path.join(FIXTURES, n), 'utf8')).length > 0);
  assert.ok(flagged.length >= 10 && fixtureFiles.length - flagged.length >= 10, `${flagged.length} flagged of ${fixtureFiles.length}`);
});

test('applyEdits maps lines past inserted imports', () => {
  const text = 'use a::{X};\nfn f() {\n    g(X);\n}\n';
  const edits: TextEdit[] = [
    { range: { start: { line: 2, character: 6 }, end: { line: 2, character: 7 } }, newText: 'Y' },
    { range: { start: { line: 1, character: 0 }, end: { line: 1, character: 0 } }, newText: 'use a::Y;\n' },
  ];
  const r = applyEdits(text, edits, 2);
  assert.equal(r.text, 'use a::{X};\nuse a::Y;\nfn f() {\n    g(Y);\n}\n');
  assert.equal(r.line, 3);
});

for (const name of fixtureFiles) {
  test(`fixture ${name}`, async () => {
    const file = path.join(FIXTURES, name);
    const text = readFileSync(file, 'utf8');
    const expected = markers(text);
    const review = await reviewText(file, text);
    assert.equal(review.skipped, undefined, `fixture was skipped: ${review.skipped}`);

    // Hints are off by default, so every finding the review returns must be marked.
    const actual = review.findings.map(f => ({ line: f.range.start.line, rule: f.rule }));
    const want = [...new Set(expected.map(key))].sort();
    const got = [...new Set(actual.map(key))].sort();
    assert.deepEqual(got, want, `findings differ from the markers.\nactual findings:\n  ${review.findings.map(describe).join('\n  ') || '(none)'}\ncounters:\n  ${(review.counters ?? []).map(c => `${c.key}: ${c.isRefcount ? 'refcount' : 'not refcount'} (${c.why}) ${c.sites.map(s => `${s.id}=${s.role}`).join(', ')}`).join('\n  ') || '(none)'}`);

    for (const f of review.findings) {
      if (f.severity !== 'warning' && f.severity !== 'error') continue;
      if (f.rule === 'invalid-ordering') continue; // a Rust run-time error, reported without a protocol fix
      assert.ok(f.fix && f.fix.edits.length > 0, `${describe(f)}: no fix with edits`);
      // Every offered fix, preferred or alternative, must compile and remove the finding.
      for (const fix of [f.fix, ...(f.alternatives ?? [])]) await checkFix(file, text, review, f, fix);
    }
  });
}

const KERNEL_ORDERING_ITEM = /^(kernel|crate)::sync::atomic(::ordering)?::(Relaxed|Acquire|Release|Full)$/;
const STD_ITEM = /^(core|std)::sync::atomic(::(Ordering(::(Relaxed|Acquire|Release|AcqRel|SeqCst))?|fence))?$/;

/** ERROR and MISSING nodes of a parse: what a fix must not add. */
function syntaxErrors(text: string): number {
  return withRustTree(text, tree => {
    let n = 0;
    const c = tree.walk();
    for (;;) {
      if (c.nodeType === 'ERROR' || c.nodeIsMissing) n++;
      if (c.gotoFirstChild()) continue;
      while (!c.gotoNextSibling()) if (!c.gotoParent()) return n;
    }
  });
}

/** Every `use` path of the text, flattened (`a::{b, c::d}` gives a::b and a::c::d). */
function usePaths(text: string): string[] {
  return withRustTree(text, tree => {
    const scope = buildFileScope(tree.rootNode);
    return [...scope.imports.values(), ...scope.globs].map(i => i.path);
  });
}

/** Resolved ordering arguments per family, counted over the review's sites. */
function resolvedByFamily(r: FileReview): Record<string, number> {
  const out: Record<string, number> = {};
  for (const s of r.sites ?? []) for (const o of s.orderings) if (!o.implied && o.ordering && o.resolution !== 'name-only') out[o.family] = (out[o.family] ?? 0) + 1;
  return out;
}

/**
 * Applies one fix and checks it from outside: the edited file parses as well as before, imports
 * only items that exist, keeps every ordering argument resolved in its own vocabulary (a fix that
 * names an ordering the imports do not bring in makes its site vanish, which would also make the
 * finding "go away"), never writes std vocabulary into kernel marker arguments, and on re-review
 * leaves no finding of the same rule at that site.
 */
async function checkFix(file: string, text: string, review: FileReview, f: Finding, fix: Fix): Promise<void> {
  const fixed = applyEdits(text, fix.edits, f.range.start.line);
  assert.ok(syntaxErrors(fixed.text) <= syntaxErrors(text), `the fix "${fix.title}" adds syntax errors:\n${fixed.text}`);
  const before = new Set(usePaths(text));
  for (const p of usePaths(fixed.text)) {
    if (before.has(p)) continue;
    assert.ok(KERNEL_ORDERING_ITEM.test(p) || STD_ITEM.test(p), `the fix "${fix.title}" imports \`${p}\`, which is not an item`);
  }
  const kernelArgs = (review.sites ?? []).some(s => s.orderings.some(o => o.family === 'kernel' && !o.implied));
  if (kernelArgs) {
    for (const e of fix.edits) assert.ok(!/\b(AcqRel|SeqCst)\b|std::sync::atomic/.test(e.newText), `the fix "${fix.title}" writes std vocabulary into kernel code: ${e.newText}`);
  }
  const again = await reviewText(file, fixed.text);
  const still = again.findings.filter(g => g.rule === f.rule && g.range.start.line === fixed.line);
  assert.equal(still.length, 0, `after applying "${fix.title}" the finding remains:\n  ${still.map(describe).join('\n  ')}`);
  assert.equal(again.findings.filter(g => g.severity === 'error').length, 0, `the fix "${fix.title}" introduced errors`);
  assert.ok(nameOnly(again) <= nameOnly(review), `the fix "${fix.title}" writes an ordering name the file does not import`);
  const had = resolvedByFamily(review);
  const has = resolvedByFamily(again);
  for (const fam of Object.keys(had)) assert.ok((has[fam] ?? 0) >= had[fam], `after "${fix.title}", ${had[fam] - (has[fam] ?? 0)} ${fam} ordering argument(s) no longer resolve`);
}

// A helper that performs the operation for its caller gets the finding on the helper's
// ordering (the text to edit), and the finding must also point at the call site that made it a
// decrement, or the reader cannot tell which use of the helper is at fault.
test('a finding on a helper\'s ordering points at the calling decrement too', async () => {
  const name = 'blockmq_atomic_helpers.rs';
  const file = path.join(FIXTURES, name);
  const text = readFileSync(file, 'utf8');
  const lines = text.split('\n');
  const helperLine = lines.findIndex(l => l.includes('fn atomic_relaxed_op_return')) + 1;
  const callLine = lines.findIndex(l => l.includes('= atomic_relaxed_op_return(refcount'));
  assert.ok(helperLine > 0 && callLine > 0, 'fixture shape changed');
  const review = await reviewText(file, text);
  const dec = review.findings.find(f => f.range.start.line === helperLine);
  assert.ok(dec, `no finding on the helper's ordering (line ${helperLine + 1})`);
  assert.ok(dec.related.some(r => r.range.start.line === callLine),
    `related information lacks the call site in dec_ref (line ${callLine + 1}): ${JSON.stringify(dec.related.map(r => [r.range.start.line + 1, r.message]))}`);
});

/** The fixture's single finding, with the text after its preferred fix. */
async function fixedBy(name: string): Promise<{ text: string; finding: Finding; fixed: string }> {
  const file = path.join(FIXTURES, name);
  const text = readFileSync(file, 'utf8');
  const review = await reviewText(file, text);
  assert.equal(review.findings.length, 1, review.findings.map(describe).join('\n'));
  const finding = review.findings[0];
  assert.ok(finding.fix, `${describe(finding)}: no fix`);
  return { text, finding, fixed: applyEdits(text, finding.fix.edits, 0).text };
}

test('kernel v6.18 request: Acquire joins `atomic::Relaxed` in its nested group, never `sync::{..}`', async () => {
  const { finding, fixed } = await fixedBy('blockmq_v618_marker_import.rs');
  assert.match(fixed, /^ {4}sync::\{atomic::\{Relaxed, Acquire\}, Refcount\},$/m);
  assert.match(fixed, /\.cmpxchg\(2, 0, Acquire\)/);
  assert.equal(finding.alternatives, undefined, 'no std fence is offered in kernel code');
});

test('kernel code spelled through the module path or a glob needs no new import; a renamed marker gets a sibling', async () => {
  const path1 = await fixedBy('blockmq_v618_module_path.rs');
  assert.match(path1.fixed, /cmpxchg\(2, 0, atomic::Acquire\)/);
  assert.equal(path1.finding.fix!.edits.length, 1);
  const glob = await fixedBy('kernel_marker_glob_import.rs');
  assert.equal(glob.finding.fix!.edits.length, 1);
  assert.match(glob.fixed, /cmpxchg\(2, 0, Acquire\)/);
  const renamed = await fixedBy('kernel_marker_renamed_import.rs');
  assert.match(renamed.fixed, /^use kernel::sync::atomic::\{Relaxed as Rlx, Acquire\};$/m);
});

test('an Arc-like drop is offered fence(Acquire) on the last-reference path as a second, re-reviewed fix', async () => {
  const { text, finding } = await fixedBy('arc_drop_fence_alternative.rs');
  assert.equal(finding.rule, 'last-dec-needs-acquire');
  const alt = finding.alternatives?.[0];
  assert.ok(alt, `no alternative: ${describe(finding)}`);
  assert.ok(alt.verified.executions > 0, 'the alternative was not explored');
  const edited = applyEdits(text, alt.edits, 0).text;
  assert.match(edited, /^use core::sync::atomic::\{AtomicUsize, Ordering, fence\};$/m);
  // Before the SAFETY comment, so the comment stays on its unsafe block.
  assert.match(edited, /return;\n {8}\}\n {8}fence\(Ordering::Acquire\);\n {8}\/\/ SAFETY/);
  assert.match(edited, /fetch_sub\(1, Ordering::Release\)/);
});

test('kernel v6.11 request: the decrement that never reaches zero gets Release under dec-needs-release, not AcqRel', async () => {
  const file = path.join(FIXTURES, 'blockmq_v611_debug_zero_check.rs');
  const text = readFileSync(file, 'utf8');
  const review = await reviewText(file, text);
  const helperLine = text.split('\n').findIndex(l => l.includes('fn atomic_relaxed_op_return')) + 1;
  const dec = review.findings.find(f => f.range.start.line === helperLine);
  assert.ok(dec, review.findings.map(describe).join('\n'));
  assert.equal(dec.rule, 'dec-needs-release');
  assert.deepEqual(dec.fix!.edits.map(e => e.newText), ['Ordering::Release']);
  const take = review.findings.find(f => f.rule === 'takeover-needs-acquire');
  assert.deepEqual(take?.fix?.edits.map(e => e.newText), ['Ordering::Acquire']);
});
