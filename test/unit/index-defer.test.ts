// The workspace index holds files that cannot hold a site unread (RustIndex.defer) and reads one
// only when a lookup may be answered by it. These tests hold that to the index with every file read
// up front: the same answers to every lookup, in workspace order, and the same `check` results; and
// they show that the files no lookup needs are not parsed at all.

import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { before, test } from 'node:test';
import { checkTexts, formatJson } from '../../server/src/check';
import { mayHoldSites, summarizeRustFile } from '../../server/src/rust/extract';
import { RustIndex, type FileSummary } from '../../server/src/rust/index';
import { initRustParser, observeParses } from '../../server/src/rust/parser';
import { ScenarioCache } from '../../server/src/protocol/fixes';

before(() => initRustParser());

const REPO = path.join(__dirname, '..', '..', '..');

interface Source { file: string; text: string }

function dir(d: string): Source[] {
  const full = path.join(REPO, d);
  return readdirSync(full).filter(n => n.endsWith('.rs')).sort().map(n => ({ file: path.join(full, n), text: readFileSync(path.join(full, n), 'utf8') }));
}

/** Files with no sites, declaring the same names in different ways and orders, as real crates do. */
const PLAIN: Source[] = [
  { file: 'ws/a.rs', text: 'pub struct Inner { pub state: State, pub next: Option<Box<Inner>> }\npub const LIMIT: usize = 8;\nimpl Inner { pub fn state(&self) -> &State { &self.state } }\n' },
  { file: 'ws/b.rs', text: 'pub struct Inner { pub state: u8 }\npub struct State(pub u64, u32);\npub const LIMIT: usize = 8;\npub fn make() -> Inner { Inner { state: 0 } }\n' },
  { file: 'ws/c.rs', text: 'pub struct Handle { inner: Inner }\nconst SHIFT: u32 = LIMIT as u32 * 2;\nfn state(h: &Handle) -> u8 { h.inner.state }\n' },
  { file: 'ws/d.rs', text: '// struct Inner { state: i64 }\npub fn unrelated(x: u32) -> u32 { x + 1 }\n' },
  { file: 'ws/e.rs', text: 'pub struct Config { pub limit: usize }\npub const LIMIT: usize = 16;\npub const STEP: u32 = 3;\n' },
];

/**
 * Every lookup a reader can make of names in these files (and some no file declares), one group
 * per kind of lookup: each group is asked of a fresh index, so no other kind reads a file first.
 */
function lookups(files: Source[]): ((ix: RustIndex) => unknown)[][] {
  const words = new Set<string>(['Absent', 'absent', '0', '1']);
  for (const f of files) for (const w of f.text.match(/[A-Za-z_][A-Za-z0-9_]*/g) ?? []) words.add(w);
  const owners = ['Inner', 'Handle', 'State', 'Config', 'Absent'];
  const each = (ask: (w: string) => (ix: RustIndex) => unknown) => [...words].map(ask);
  return [
    each(w => ix => ix.fieldTypesByName(w)),
    each(w => ix => ix.fnReturns(null, w)),
    each(w => ix => ix.constInfo(w)),
    each(w => ix => ix.structFiles(w)),
    each(w => ix => owners.map(o => ix.fieldType(o, w))),
    each(w => ix => owners.map(o => ix.fnReturns(o, w))),
  ];
}

function eager(summaries: FileSummary[]): RustIndex {
  const ix = new RustIndex();
  for (const s of summaries) ix.update(s);
  return ix;
}

test('a deferred index answers every lookup as the index with every file read, in workspace order', () => {
  const files = [...dir('test/fixtures/rust').slice(0, 10), ...PLAIN];
  const summaries = files.map(f => summarizeRustFile(f.file, f.text));
  const full = eager(summaries);
  // Each group asked in two orders, so deferred files are read in different orders; a file read
  // later than one after it in the workspace must still answer first.
  for (const group of lookups(files)) {
    for (const order of [group, [...group].reverse()]) {
      const lazy = new RustIndex();
      const reads: string[] = [];
      files.forEach((f, i) => {
        if (mayHoldSites(f.text, [], [])) lazy.update(summaries[i]);
        else lazy.defer(f.file, f.text, () => { reads.push(f.file); return summarizeRustFile(f.file, f.text); });
      });
      assert.ok(lazy.deferredCount >= PLAIN.length, 'the plain files are deferred');
      for (const ask of order) {
        assert.deepEqual(ask(lazy), ask(full));
        for (const ex of ['ws/a.rs', 'ws/b.rs', files[0].file]) assert.deepEqual(lazy.excluding(ex, () => ask(lazy)), full.excluding(ex, () => ask(full)));
      }
      assert.equal(new Set(reads).size, reads.length, 'each deferred file is read at most once');
    }
  }
});

test('a lookup reads only the deferred files that may declare the name', () => {
  const ix = new RustIndex();
  const reads: string[] = [];
  for (const f of PLAIN) ix.defer(f.file, f.text, () => { reads.push(f.file); return summarizeRustFile(f.file, f.text); });
  assert.deepEqual(ix.constInfo('Absent'), null);
  assert.deepEqual(ix.fnReturns(null, 'unknown_fn'), []);
  assert.deepEqual(reads, [], 'no file declares those names');
  // `Inner` is a struct of a.rs and b.rs; d.rs names it only in a comment.
  assert.equal(ix.fieldType('Inner', 'state'), 'State');
  assert.deepEqual(reads, ['ws/a.rs', 'ws/b.rs']);
  // The answer keeps workspace order: a.rs and e.rs disagree on LIMIT, b.rs agrees with a.rs.
  assert.deepEqual(ix.constInfo('LIMIT'), null);
  assert.deepEqual(reads, ['ws/a.rs', 'ws/b.rs', 'ws/e.rs']);
  assert.deepEqual(ix.fnReturns(null, 'state'), ['&State', 'u8']);
  assert.deepEqual(reads, ['ws/a.rs', 'ws/b.rs', 'ws/e.rs', 'ws/c.rs']);
  assert.equal(ix.deferredCount, 1, 'd.rs is never read');
});

test('a read that fails leaves the file out, and the lookup goes on', () => {
  const ix = new RustIndex();
  ix.defer('ws/bad.rs', 'pub struct Inner { x: u8 }', () => null);
  ix.defer(PLAIN[0].file, PLAIN[0].text, () => summarizeRustFile(PLAIN[0].file, PLAIN[0].text));
  assert.deepEqual(ix.structFiles('Inner'), ['ws/a.rs']);
});

/** Parses of each text while `run` runs. */
async function parsesDuring<T>(files: Source[], run: () => Promise<T>): Promise<{ result: T; counts: Map<string, number> }> {
  const seen = new Map<string, number>();
  observeParses(t => seen.set(t, (seen.get(t) ?? 0) + 1));
  try {
    const result = await run();
    return { result, counts: new Map(files.map(f => [f.file, seen.get(f.text) ?? 0])) };
  } finally {
    observeParses(null);
  }
}

test('check gives the same report with files deferred as with every file read first, on the fixtures and examples', async () => {
  const files = [...dir('test/fixtures/rust'), ...dir('test/fixtures/rust-sites'), ...dir('examples'), ...PLAIN];
  const run = (readAll: boolean) => checkTexts(files, {}, { hints: true, justify: true, readAll, cache: new ScenarioCache() });
  const { result: deferred, counts } = await parsesDuring(files, () => run(false));
  const all = await run(true);
  assert.ok(deferred.findings.length > 20, 'the workspace has findings to compare');
  assert.equal(formatJson(deferred), formatJson(all));
  // ws/d.rs and ws/e.rs declare nothing the fixtures ask about.
  assert.equal(counts.get('ws/d.rs'), 0);
  assert.equal(counts.get('ws/e.rs'), 0);
});

test('a deferred file is read when a site needs its declaration, and only then', async () => {
  // `dec_and_test()` has no ordering argument: it is a site only if its receiver is known to be a
  // Refcount, which takes the return type of `node()`, declared in a file that names no counter.
  const counter = { file: 'ws/node.rs', text: [
    'use kernel::sync::Refcount;',
    'pub struct Node { pub refs: Refcount, pub data: u64 }',
    // Another `refs`, so the field name alone does not tell the type.
    'pub struct Stats { pub refs: u64 }',
    'impl Drop for Handle {',
    '    fn drop(&mut self) {',
    '        if self.node().refs.dec_and_test() {',
    '            unsafe { drop(Box::from_raw(self.ptr)) };',
    '        }',
    '    }',
    '}',
  ].join('\n') };
  const handle = { file: 'ws/handle.rs', text: 'pub struct Handle { pub ptr: *mut Node }\nimpl Handle {\n    pub fn node(&self) -> &Node { unsafe { &*self.ptr } }\n}\n' };
  assert.equal(mayHoldSites(handle.text, [], []), false);
  const files = [counter, handle, ...PLAIN];
  const { result, counts } = await parsesDuring(files, () => checkTexts(files, {}, { justify: true, cache: new ScenarioCache() }));
  assert.equal(counts.get('ws/handle.rs'), 1, 'read for `node`');
  assert.deepEqual(PLAIN.map(f => counts.get(f.file)), [0, 0, 0, 0, 0]);
  assert.deepEqual((result.justifications ?? []).map(j => `${j.file}:${j.range.start.line + 1}`), ['ws/node.rs:6']);
  // Without handle.rs the receiver's type is unknown and the call is no site: the deferred file mattered.
  const without = await checkTexts([counter, ...PLAIN], {}, { justify: true, cache: new ScenarioCache() });
  assert.deepEqual(without.justifications ?? [], []);
  const all = await checkTexts(files, {}, { justify: true, readAll: true, cache: new ScenarioCache() });
  assert.equal(formatJson(result), formatJson(all));
});
