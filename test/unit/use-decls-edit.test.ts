// `use` items of the next text of a buffer, carried over from the previous text's when the edit
// cannot change them (protocol/useTrees.ts useDeclsAfterEdit): every carried-over answer must be
// exactly what a fresh scan of the new text gives, and the typing edits of the LSP benchmark
// (an ordering renamed, a comment line inserted) must be carried over, not read afresh.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { useDecls, useDeclsAfterEdit } from '../../server/src/protocol/useTrees';
import { generateModule } from '../../bench/corpus';

const root = path.resolve(__dirname, '../../..');

/** A small deterministic generator (the edits must be the same on every run). */
function rng(seed: number): () => number {
  let x = seed >>> 0;
  return () => { x = (x * 1664525 + 1013904223) >>> 0; return x / 2 ** 32; };
}

const texts = [
  ...readdirSync(path.join(root, 'test/fixtures/rust')).filter(f => f.endsWith('.rs')).sort().map(f => readFileSync(path.join(root, 'test/fixtures/rust', f), 'utf8')),
  generateModule(11, { lines: 600 }),
];

/** Edits of every kind: renamed words, inserted comment lines, and arbitrary splices that must be read afresh. */
function edits(text: string, random: () => number): string[] {
  const out: string[] = [];
  const words = [...text.matchAll(/\b\w+\b/g)];
  const lineStarts = [0, ...[...text.matchAll(/\n/g)].map(m => m.index! + 1)];
  for (let k = 0; k < 12 && words.length; k++) {
    const w = words[Math.floor(random() * words.length)];
    const to = ['Acquire', 'Relaxed', 'use', 'pub', 'count', 'r', 'x1'][Math.floor(random() * 7)];
    out.push(text.slice(0, w.index!) + to + text.slice(w.index! + w[0].length));
  }
  for (let k = 0; k < 8; k++) {
    const at = lineStarts[Math.floor(random() * lineStarts.length)];
    const line = ['// reviewed\n', '    // SAFETY: checked\n// two\n', '// "quoted"\n', '/* open\n', 'use a::b;\n'][Math.floor(random() * 5)];
    out.push(text.slice(0, at) + line + text.slice(at));
  }
  for (let k = 0; k < 6; k++) {
    const at = Math.floor(random() * text.length);
    out.push(text.slice(0, at) + ['{', '}', '"', ';', ' use ', '\n'][k] + text.slice(at + Math.floor(random() * 3)));
  }
  return out;
}

test('carried-over use items are those a fresh scan finds, for every kind of edit', () => {
  const random = rng(7);
  let carried = 0;
  let total = 0;
  for (const text of texts) {
    const before = useDecls(text);
    for (const next of edits(text, random)) {
      total++;
      const after = useDeclsAfterEdit(text, before, next);
      if (after === null) continue;
      carried++;
      assert.deepEqual(after, useDecls(next), `edit of ${JSON.stringify(text.slice(0, 60))}`);
    }
  }
  assert.ok(carried > total / 4, `${carried} of ${total} edits carried over`);
});

test('the benchmark\'s typing edits carry the use items over', () => {
  const text = generateModule(4242, { lines: 2000 });
  const before = useDecls(text);
  const lines = text.split('\n');
  const comment = [...lines.slice(0, 1000), '// reviewed: edit 1', ...lines.slice(1000)].join('\n');
  const i = text.indexOf('.compare_exchange(2, 0, Ordering::') + '.compare_exchange(2, 0, Ordering::'.length;
  const word = /^\w+/.exec(text.slice(i))![0];
  const flipped = text.slice(0, i) + (word === 'Relaxed' ? 'Acquire' : 'Relaxed') + text.slice(i + word.length);
  // The next comment typed at the same place lands above the first: the texts differ mid-line.
  const again = [...lines.slice(0, 1000), '// reviewed: edit 3', '// reviewed: edit 1', ...lines.slice(1000)].join('\n');
  const carried = useDeclsAfterEdit(comment, useDecls(comment), again);
  assert.ok(carried, 'carried over');
  assert.deepEqual(carried, useDecls(again));
  for (const next of [comment, flipped]) {
    const after = useDeclsAfterEdit(text, before, next);
    assert.ok(after, 'carried over');
    assert.deepEqual(after, useDecls(next));
  }
});
