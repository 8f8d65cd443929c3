// `check` parses each file once and shares the tree between the index pass, the site pass and the
// review. The findings must be exactly those of reading every file separately for each pass (the
// way check worked before), and the parse counter must show one parse per file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { checkTexts, readRustFiles, type CheckResult } from '../../server/src/check';
import { ScenarioCache } from '../../server/src/protocol/fixes';
import { reviewText } from '../../server/src/review';
import { analyzeRustFile, mayHoldSites, mentionsCounters } from '../../server/src/rust/extract';
import { RustIndex } from '../../server/src/rust/index';
import { initRustParser, observeParses } from '../../server/src/rust/parser';
import type { Site } from '../../server/src/rust/site';
import { denseAtomicFile } from '../../bench/corpus';

const root = path.resolve(__dirname, '../../..');

interface Source { file: string; text: string }

async function read(dir: string): Promise<Source[]> {
  return (await readRustFiles([path.join(root, dir)])).filter((f): f is Source => f.text !== undefined);
}

/** Each pass reads every file on its own (its own parse), and every review sees every other site. */
async function separateReadings(files: Source[]): Promise<Pick<CheckResult, 'findings' | 'problems'>> {
  const index = new RustIndex();
  for (const f of files) index.update(analyzeRustFile(f.file, f.text).summary);
  const sites: Site[] = [];
  for (const f of files) sites.push(...analyzeRustFile(f.file, f.text, undefined, { index }).sites);
  const texts = new Map(files.map(f => [f.file, f.text]));
  const out: Pick<CheckResult, 'findings' | 'problems'> = { findings: [], problems: [] };
  const cache = new ScenarioCache();
  for (const f of files) {
    const rv = await reviewText(f.file, f.text, { index, otherSites: sites, readFile: p => texts.get(p), cache });
    out.findings.push(...rv.findings);
    for (const p of rv.problems) out.problems.push({ file: f.file, message: p.range ? `${p.range.start.line + 1}:${p.range.start.character + 1}: ${p.message}` : p.message });
  }
  return out;
}

/**
 * How often each of the files' texts is parsed while `run` runs. Other parses (a fix is applied
 * to a copy of the file and parsed again to see that it compiles) are not the reading of a file.
 */
async function parsesOf<T>(files: Source[], run: () => Promise<T>): Promise<{ result: T; counts: number[] }> {
  const seen = new Map<string, number>();
  observeParses(text => seen.set(text, (seen.get(text) ?? 0) + 1));
  try {
    const result = await run();
    return { result, counts: files.map(f => seen.get(f.text) ?? 0) };
  } finally {
    observeParses(null);
  }
}

/** Files that an offered fix (or alternative fix) edits. */
function fixedFiles(r: CheckResult): Set<string> {
  return new Set(r.findings.flatMap(x => [x.fix, ...(x.alternatives ?? [])].flatMap(fx => fx?.edits.map(e => e.file ?? x.file) ?? [])));
}

async function sameAsSeparate(files: Source[], expectFindings: boolean): Promise<void> {
  await initRustParser();
  const before = await separateReadings(files);
  const { result: shared, counts } = await parsesOf(files, () => checkTexts(files, {}, { cache: new ScenarioCache() }));
  if (expectFindings) assert.ok(before.findings.length > 0, 'the workspace has findings to compare');
  assert.deepEqual(shared.findings, before.findings);
  assert.deepEqual(shared.problems, before.problems);
  // Read once. Checking that a fix compiles parses the file's text again (with the fix applied
  // too), so only files that no fix touches must have been parsed exactly once. A file that cannot
  // hold a site is parsed only if a lookup may need its declarations (RustIndex.defer): at most once.
  const fixed = fixedFiles(shared);
  const helperNames = helpersOf(files);
  files.forEach((f, i) => {
    const once = mayHoldSites(f.text, helperNames, []) ? counts[i] === 1 : counts[i] <= 1;
    assert.ok(fixed.has(f.file) ? counts[i] >= 1 : once, `${f.file}: parsed ${counts[i]} times`);
  });
  assert.ok(files.some(f => !fixed.has(f.file)), 'some files have no fix, so their count is exact');
}

/** Every helper the files define (as check's index pass finds them). */
function helpersOf(files: Source[]): string[] {
  return files.flatMap(f => analyzeRustFile(f.file, f.text).summary.helpers.map(h => h.fnName));
}

test('the Rust fixtures as one workspace: shared trees give the same findings, one parse per file', async () => {
  await sameAsSeparate(await read('test/fixtures/rust'), true);
});

test('the examples as one workspace: shared trees give the same findings', async () => {
  await sameAsSeparate(await read('examples'), true);
});

test('files that share counters pair across files the same way', async () => {
  // Two files per counter family: the decrement in one, the clone and the takeover in the other.
  const fixtures = await read('test/fixtures/rust');
  const pick = (name: string): Source => fixtures.find(f => path.basename(f.file) === name)!;
  const files = [pick('blockmq_atomic_helpers.rs'), pick('arc_drop_relaxed_dec.rs'), pick('arc_clone_drop_fence.rs'), pick('lookup_aba.rs'), { file: 'gen/dense.rs', text: denseAtomicFile(20) }];
  await sameAsSeparate(files, true);
});

test('the index pass reads each tree once: the site pass does not parse again', async () => {
  await initRustParser();
  const files = Array.from({ length: 12 }, (_, i) => ({ file: `gen/f${i}.rs`, text: denseAtomicFile(3, i * 3) }));
  const { result: r, counts } = await parsesOf(files, () => checkTexts(files));
  assert.deepEqual(counts, files.map(() => 1));
  assert.equal(r.files, files.length);
  assert.equal(r.findings.length, 0, 'the generated counters are correct');
});

test('past the tree budget, files are parsed again and the findings do not change', async () => {
  await initRustParser();
  const files = (await read('test/fixtures/rust')).slice(0, 12);
  const whole = await checkTexts(files, {}, { cache: new ScenarioCache() });
  const { result: tight, counts } = await parsesOf(files, () => checkTexts(files, {}, { cache: new ScenarioCache(), treeBudgetChars: 1 }));
  // Only the newest tree is kept, so the site pass parses every file again.
  const fixed = fixedFiles(tight);
  files.forEach((f, i) => assert.ok(fixed.has(f.file) ? counts[i] >= 2 : counts[i] === 2, `${f.file}: parsed ${counts[i]} times`));
  assert.deepEqual(tight.findings, whole.findings);
});

test('a file that only declares a counter field is indexed, and a file that names no counter but calls a helper is read with the index', async () => {
  await initRustParser();
  const files: Source[] = [
    // The counter's type is known only from this file: without it, neither call in handle.rs is a site.
    { file: 'ws/inner.rs', text: 'use kernel::sync::Refcount;\n\npub struct Inner {\n    pub refs: Refcount,\n    pub data: u64,\n}\n' },
    { file: 'ws/handle.rs', text: [
      'use crate::inner::Inner;', '', 'pub struct Handle {', '    ptr: *mut Inner,', '}', '',
      'impl Handle {', '    pub fn inner(&self) -> &Inner {', '        unsafe { &*self.ptr }', '    }', '}', '',
      'impl Drop for Handle {', '    fn drop(&mut self) {', '        if self.inner().refs.dec_and_test() {', '            unsafe { drop(Box::from_raw(self.ptr)) };', '        }', '    }', '}', '',
    ].join('\n') },
    { file: 'ws/helpers.rs', text: 'use kernel::sync::Refcount;\n\npub fn get_ref(r: &Refcount) {\n    r.inc();\n}\n' },
    // Names no counter: its site is a call of another file's helper.
    { file: 'ws/user.rs', text: 'use crate::handle::Handle;\n\npub fn keep(h: &Handle) {\n    get_ref(&h.inner().refs);\n}\n' },
    // Nothing to do with counters: read right after its index pass.
    { file: 'ws/plain.rs', text: 'pub fn checksum(bytes: &[u8]) -> u32 {\n    bytes.iter().fold(0u32, |acc, b| acc.wrapping_mul(31).wrapping_add(*b as u32))\n}\n' },
  ];
  assert.equal(mentionsCounters(files[3].text), false, 'user.rs names no counter: it is read because it calls a helper');
  assert.equal(mentionsCounters(files[4].text), false);
  // Same findings as reading every file with the whole index, one parse per file.
  await sameAsSeparate(files, false);
  // plain.rs can hold no site and declares nothing a lookup asks for: it is never parsed.
  const { counts } = await parsesOf(files, () => checkTexts(files, {}, { cache: new ScenarioCache() }));
  assert.deepEqual(counts, [1, 1, 1, 1, 0]);
  const result = await checkTexts(files, {}, { justify: true, cache: new ScenarioCache() });
  const justified = (result.justifications ?? []).map(j => `${j.file}:${j.range.start.line + 1}`).sort();
  // The helper's own call is judged at its caller (user.rs).
  assert.deepEqual(justified, ['ws/handle.rs:15', 'ws/user.rs:4']);
  // The same workspace without the declaring file: the calls are not sites.
  const without = await checkTexts(files.slice(1), {}, { justify: true, cache: new ScenarioCache() });
  assert.ok(!(without.justifications ?? []).some(j => j.file === 'ws/handle.rs'));
});
