// Typing in one function of a big file must not re-check the quick fixes of every finding: a fix
// check (and the re-review that confirms an alternative fix) is reused on the next text of the
// file when what it read is unchanged. These tests count the checks through the public counters;
// they never time anything. The findings must stay exactly those of a review that reuses nothing,
// and a fix that would not compile is still refused, reused or not.

import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { reviewText, type FileReview } from '../../server/src/review';
import { fixCheckCounts, forgetFixChecks } from '../../server/src/protocol/fixCheck';
import { confirmationCounts, forgetConfirmations } from '../../server/src/protocol/alternatives';
import { initRustParser } from '../../server/src/rust/parser';
import { TreeCache } from '../../server/src/rust/trees';
import { ScenarioCache } from '../../server/src/protocol/fixes';
import { codeActions } from '../../server/src/lsp/codeActions';
import { parseSettings } from '../../server/src/lsp/config';
import type { Finding, Fix } from '../../server/src/protocol/finding';
import { generateModule } from '../../bench/corpus';

before(() => initRustParser());

/** Check and confirmation counts made while `run` runs. */
async function counted<T>(run: () => Promise<T>): Promise<{ result: T; checked: number; reused: number; rereviewed: number; confirmReused: number }> {
  const f0 = fixCheckCounts();
  const c0 = confirmationCounts();
  const result = await run();
  const f1 = fixCheckCounts();
  const c1 = confirmationCounts();
  return { result, checked: f1.checked - f0.checked, reused: f1.reused - f0.reused, rereviewed: c1.rereviewed - c0.rereviewed, confirmReused: c1.reused - c0.reused };
}

/** The review of `text` with nothing reused: no kept answers, no kept trees. */
async function fresh(file: string, text: string): Promise<FileReview> {
  forgetFixChecks();
  forgetConfirmations();
  return reviewText(file, text, { cache: new ScenarioCache() });
}

/** Lines [first, last] of the top-level item around line `at` (rustfmt'd code: its first line and the `}` at column 0). */
function itemLines(lines: string[], at: number): [number, number] {
  let first = at;
  while (first > 0 && !/^(pub(\(\w+\))? )?(fn|impl)\b/.test(lines[first])) first--;
  let last = at;
  while (last < lines.length - 1 && lines[last] !== '}') last++;
  return [first, last];
}

const fixesOf = (f: Finding): Fix[] => [...(f.fix ? [f.fix] : []), ...(f.alternatives ?? [])];
const within = (fx: Fix, [first, last]: [number, number]): boolean => fx.edits.every(e => !e.file && e.range.start.line > first && e.range.end.line < last);

test('an edit in one function re-checks only the fixes near it; the findings are a fresh review\'s', async () => {
  const file = '/w/module.rs';
  const text = generateModule(11, { lines: 1500 });
  const trees = new TreeCache();
  const cache = new ScenarioCache();
  const first = await reviewText(file, text, { trees, cache });
  const fixes = first.findings.flatMap(fixesOf);
  assert.ok(first.findings.filter(f => f.fix).length >= 2, 'the module has findings with fixes');
  assert.ok(first.findings.some(f => f.alternatives?.length), 'and an alternative fix');

  // A comment line inside the function of a finding with an alternative: everything below it moves.
  const target = first.findings.find(f => f.fix && f.alternatives?.length)!;
  const lines = text.split('\n');
  const at = target.range.start.line + 1;
  const edited = [...lines.slice(0, at), '        // checked against the driver: this may drop the last handle', ...lines.slice(at)];
  const item = itemLines(edited, at);
  const second = await counted(() => reviewText(file, edited.join('\n'), { trees, cache }));

  const found = second.result.findings.flatMap(fixesOf);
  const near = found.filter(fx => within(fx, item)).length;
  assert.equal(found.length, fixes.length, 'the edit changes no verdict');
  assert.ok(near >= 1 && near < found.length, `fixes in the edited item: ${near} of ${found.length}`);
  // The edited item's fixes are checked again, also in the re-reviews that confirm its
  // alternatives (their copies edit it); every other fix's answer is reused.
  assert.ok(second.checked >= 1, 'the edited function\'s fixes are checked again');
  assert.ok(second.checked <= near * (1 + second.rereviewed), `${second.checked} fix checks for ${near} fixes in the edited item`);
  assert.ok(second.reused >= found.length - near, `${second.reused} answers reused for ${found.length - near} fixes elsewhere`);
  // Only alternatives in the edited item are confirmed by a re-review again.
  const alternatives = second.result.findings.flatMap(f => f.alternatives ?? []);
  const nearAlternatives = alternatives.filter(a => within(a, item)).length;
  assert.ok(second.rereviewed >= 1 && second.rereviewed <= nearAlternatives, `${second.rereviewed} re-reviews for ${nearAlternatives} alternatives in the edited item`);
  assert.ok(alternatives.length > nearAlternatives, 'an alternative lies elsewhere');
  assert.equal(second.confirmReused, alternatives.length - second.rereviewed);

  // Reused answers say what checking afresh says, to the letter.
  assert.deepEqual(second.result.findings, (await fresh(file, edited.join('\n'))).findings);
  trees.clear();
});

const SLOT = [
  'use std::sync::atomic::{fence, AtomicUsize, Ordering};',
  'use std::sync::atomic::Ordering::*;',
  '',
  'pub struct Slot {',
  '    refs: AtomicUsize,',
  '    data: core::cell::UnsafeCell<u64>,',
  '}',
  '',
  'impl Slot {',
  '    pub fn get(&self) {',
  '        self.refs.fetch_add(1, Relaxed);',
  '    }',
  '',
  '    pub fn put(&self) {',
  '        // SHADOW',
  '        if self.refs.fetch_sub(1, Relaxed) == 1 {',
  '            unsafe { *self.data.get() = 0 };',
  '        }',
  '    }',
  '}',
  '',
  'fn log(level: u32) {',
  '    let _ = level;',
  '}',
  '',
].join('\n');

/** A local binding named like the ordering the fix writes: the bare `AcqRel` would name it, not the ordering. */
const SHADOWED = SLOT.replace('        // SHADOW', '        let AcqRel = self.level();\n        log(AcqRel);');

const lastDrop = (rv: FileReview): Finding => {
  const f = rv.findings.find(x => x.rule === 'last-dec-needs-acquire');
  assert.ok(f, `a last-dec finding in ${JSON.stringify(rv.findings.map(x => x.rule))}`);
  return f;
};

test('a fix whose edit would not compile is refused when checked and when its answer is reused, and no code action offers it', async () => {
  const file = '/w/slot.rs';
  const trees = new TreeCache();
  const cache = new ScenarioCache();
  forgetFixChecks();
  const first = await counted(() => reviewText(file, SHADOWED, { trees, cache }));
  assert.ok(first.checked >= 1);
  const refused = lastDrop(first.result);
  assert.equal(refused.fix, null);
  assert.ok(refused.explanation?.notes.some(n => /No quick fix is offered: .*`AcqRel` would not resolve to an ordering/.test(n)), JSON.stringify(refused.explanation));

  // Editing another function reuses the refusal: no check runs, the answer is the same.
  const edited = SHADOWED.replace('    let _ = level;\n', '    // levels above 2 are traced\n    let _ = level;\n');
  assert.notEqual(edited, SHADOWED);
  const second = await counted(() => reviewText(file, edited, { trees, cache }));
  assert.equal(second.checked, 0);
  assert.ok(second.reused >= 1);
  const still = lastDrop(second.result);
  assert.equal(still.fix, null);
  assert.equal(still.message, refused.message);
  assert.deepEqual(still.explanation, refused.explanation);
  const actions = codeActions({ uri: 'file:///w/slot.rs', version: 2 }, second.result, parseSettings({}).settings, still.range, { diagnostics: [] }, true);
  assert.ok(!actions.some(a => a.isPreferred || a.title.includes('AcqRel')), `no action writes the refused fix: ${JSON.stringify(actions.map(a => a.title))}`);
  trees.clear();
});

test('an edit that breaks a fix in its own function is checked again, not answered from before', async () => {
  const file = '/w/slot2.rs';
  const trees = new TreeCache();
  const cache = new ScenarioCache();
  forgetFixChecks();
  const first = await reviewText(file, SLOT, { trees, cache });
  const offered = lastDrop(first);
  assert.ok(offered.fix, 'without the shadowing binding the fix is offered');
  const second = await counted(() => reviewText(file, SHADOWED, { trees, cache }));
  assert.ok(second.checked >= 1, 'the edited function\'s fix is checked again');
  assert.equal(lastDrop(second.result).fix, null);
  // And back: the first answer is still right for the first text.
  assert.ok(lastDrop(await reviewText(file, SLOT, { trees, cache })).fix);
  trees.clear();
});
