// Incremental re-parsing must give exactly the tree (and so the sites) a fresh parse gives.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { initRustParser, parseRust } from '../../server/src/rust/parser';
import { TreeCache, diffEdit } from '../../server/src/rust/trees';
import { analyzeRustFile } from '../../server/src/rust/extract';

const root = path.resolve(__dirname, '../../..');

function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => { a = (a + 0x6d2b79f5) >>> 0; let t = a; t = Math.imul(t ^ (t >>> 15), t | 1); t ^= t + Math.imul(t ^ (t >>> 7), t | 61); return ((t ^ (t >>> 14)) >>> 0) / 4294967296; };
}

const SNIPPETS = ['Ordering::Acquire', 'Relaxed', ' ', '\n', '// é😀 note\n', '{', '}', '(', ');', 'fetch_sub(1, Ordering::Release)', 'if x == 1 { return; }', ''];

test('diffEdit finds the changed span and never splits a surrogate pair', () => {
  const e = diffEdit('ab😀cd', 'ab😁cd')!;
  assert.equal(e.startIndex, 2);
  assert.equal(e.oldEndIndex, 4);
  assert.equal(e.newEndIndex, 4);
  assert.equal(diffEdit('same', 'same'), null);
  const multi = diffEdit('a\nbc\nd', 'a\nbXc\nd')!;
  assert.deepEqual(multi.startPosition, { row: 1, column: 1 });
  assert.deepEqual(multi.newEndPosition, { row: 1, column: 2 });
});

test('incremental re-parse equals a fresh parse over random edits (incl. non-ASCII and broken code)', async () => {
  await initRustParser();
  const base = readFileSync(path.join(root, 'examples/block_mq_request.rs'), 'utf8');
  const cache = new TreeCache();
  const r = rng(7);
  let text = base;
  cache.parse('f.rs', text);
  for (let i = 0; i < 300; i++) {
    const at = Math.floor(r() * (text.length + 1));
    const del = r() < 0.5 ? Math.floor(r() * 12) : 0;
    let ins = SNIPPETS[Math.floor(r() * SNIPPETS.length)];
    // Keep surrogate pairs whole in the edited text itself.
    const cut = (k: number): number => (k > 0 && k < text.length && text.charCodeAt(k) >= 0xdc00 && text.charCodeAt(k) <= 0xdfff ? k + 1 : k);
    const a = cut(at), b = cut(Math.min(text.length, at + del));
    if (i % 50 === 49) ins = '';
    text = text.slice(0, a) + ins + text.slice(b);
    if (i % 100 === 99) text = base; // big jump back
    const inc = cache.parse('f.rs', text);
    const fresh = parseRust(text);
    try {
      assert.equal(inc.rootNode.toString(), fresh.rootNode.toString(), `edit ${i}`);
      const s1 = analyzeRustFile('f.rs', text, inc).sites.map(s => `${s.id}|${s.receiver}|${s.orderings.map(o => o.ordering).join(',')}`);
      const s2 = analyzeRustFile('f.rs', text, fresh).sites.map(s => `${s.id}|${s.receiver}|${s.orderings.map(o => o.ordering).join(',')}`);
      assert.deepEqual(s1, s2, `sites after edit ${i}`);
    } finally {
      fresh.delete();
    }
  }
  cache.clear();
});

test('an edit into text whose error recovery depends on reused nodes still gives the fresh tree', async () => {
  // Found by `npm run fuzz`: inserting U+200F before this broken `if let` made the incremental
  // parse recover with two ERROR nodes where a fresh parse has one.
  await initRustParser();
  const cache = new TreeCache();
  const before = 'if let=(){{}{{}}}else{}';
  const after = '\u200f()' + before;
  cache.parse('g.rs', before);
  const inc = cache.parse('g.rs', after);
  const fresh = parseRust(after);
  try {
    assert.equal(inc.rootNode.toString(), fresh.rootNode.toString());
  } finally {
    fresh.delete();
    cache.clear();
  }
});
