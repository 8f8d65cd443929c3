// The fix search's candidate order and its budget. The candidates are generated lazily; their
// order must be the one the search always had (all candidates listed, then sorted by cost and
// number of changes, ties in listing order), or fixes would change. And a counter with hundreds
// of editable sites must end in a bounded verdict that says the fix search stopped.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { reviewText } from '../../server/src/review';
import { initRustParser } from '../../server/src/rust/parser';
import { ScenarioCache } from '../../server/src/protocol/fixes';
import { cheapestChanges, type SlotOptions } from '../../server/src/protocol/fixCandidates';
import { atLeast, STRENGTH, validOrderings, type Access } from '../../server/src/protocol/orderings';
import type { Ordering } from '../../server/src/rust/site';

/** The eager listing the search used before: every candidate of up to `max` changes, sorted. */
function eager(options: SlotOptions<number>[], max: number): string[] {
  const opts = options.filter(o => o.to.length > 0);
  const out: { changed: { o: SlotOptions<number>; to: Ordering }[]; cost: number }[] = [];
  const walk = (i: number, acc: { o: SlotOptions<number>; to: Ordering }[]): void => {
    if (acc.length > 0) {
      const cost = acc.reduce((n, ch) => n + STRENGTH[ch.to] - STRENGTH[ch.o.current] + (ch.o.fence ? 0 : 0.25), 0) + acc.length;
      out.push({ changed: acc.slice(), cost });
    }
    if (acc.length === max) return;
    for (let j = i; j < opts.length; j++) for (const to of opts[j].to) {
      acc.push({ o: opts[j], to });
      walk(j + 1, acc);
      acc.pop();
    }
  };
  walk(0, []);
  out.sort((a, b) => a.cost - b.cost || a.changed.length - b.changed.length);
  return out.map(c => c.changed.map(ch => `${ch.o.slot}:${ch.to}`).join(' '));
}

function lazy(options: SlotOptions<number>[], max: number, limit = Infinity): string[] {
  const out: string[] = [];
  for (const c of cheapestChanges(options, max)) {
    if (out.length === limit) break;
    out.push(c.map(ch => `${ch.slot}:${ch.to}`).join(' '));
  }
  return out;
}

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

const ACCESSES: Access[] = ['load', 'store', 'rmw', 'fence'];

/** Slots as the search sees them: a valid current ordering, and the stronger valid ones (sometimes a shuffled subset). */
function randomSlots(rand: () => number, n: number): SlotOptions<number>[] {
  return Array.from({ length: n }, (_, i) => {
    const access = ACCESSES[Math.floor(rand() * ACCESSES.length)];
    const valid = validOrderings(access);
    const current = valid[Math.floor(rand() * valid.length)];
    let to = valid.filter(o => o !== current && atLeast(o, current));
    if (rand() < 0.3) to = to.filter(() => rand() < 0.6).reverse();
    return { slot: i, current, fence: access === 'fence', to };
  });
}

test('lazy candidates come in the order of the eager listing (random slot sets)', () => {
  const rand = rng(20261130);
  for (let round = 0; round < 300; round++) {
    const n = Math.floor(rand() * 8);
    const max = 1 + Math.floor(rand() * 3);
    const slots = randomSlots(rand, n);
    assert.deepEqual(lazy(slots, max), eager(slots, max), `round ${round}: ${JSON.stringify(slots)} max ${max}`);
  }
});

test('lazy candidates: the first 400 over 30 slots match the eager listing', () => {
  const rand = rng(7);
  for (let round = 0; round < 3; round++) {
    const slots = randomSlots(rand, 30);
    assert.deepEqual(lazy(slots, 3, 400), eager(slots, 3).slice(0, 400));
  }
});

test('lazy candidates over 300 slots: the first ones come without listing the rest', () => {
  const slots = randomSlots(rng(11), 300);
  const first = lazy(slots, 3, 400);
  assert.equal(first.length, 400);
  // Cheapest first: costs never decrease along the sequence.
  const cost = (c: string): number => c.split(' ').reduce((n, ch) => {
    const [i, to] = ch.split(':');
    const o = slots[Number(i)];
    return n + STRENGTH[to as Ordering] - STRENGTH[o.current] + (o.fence ? 0 : 0.25) + 1;
  }, 0);
  for (let i = 1; i < first.length; i++) assert.ok(cost(first[i - 1]) <= cost(first[i]), `${first[i - 1]} before ${first[i]}`);
});

// ------------------------------------------------------------------ the budget, from the CLI

const root = path.resolve(__dirname, '../../..');
const bin = path.join(root, 'bin/refcount-review.js');

/**
 * One counter with `n` uniqueness tests that read it Relaxed and a Relaxed drop: every test races
 * with the drop, each fix needs its own test changed, and no three changes fix them all.
 */
function manyUniquenessTests(n: number): string {
  const lines = [
    'use std::ptr::NonNull;',
    'use std::sync::atomic::{AtomicUsize, Ordering};',
    '',
    'struct Block<T> { count: AtomicUsize, payload: T }',
    'pub struct SharedBuf<T> { block: NonNull<Block<T>> }',
    '',
    'impl<T> SharedBuf<T> {',
    '    fn block(&self) -> &Block<T> { unsafe { self.block.as_ref() } }',
  ];
  for (let i = 0; i < n; i++) {
    lines.push(`    pub fn get_mut${i}(&mut self) -> Option<&mut T> { if self.block().count.load(Ordering::Relaxed) == 1 { Some(unsafe { &mut (*self.block.as_ptr()).payload }) } else { None } }`);
  }
  lines.push('}');
  lines.push('impl<T> Clone for SharedBuf<T> { fn clone(&self) -> Self { self.block().count.fetch_add(1, Ordering::Relaxed); SharedBuf { block: self.block } } }');
  lines.push('impl<T> Drop for SharedBuf<T> { fn drop(&mut self) { if self.block().count.fetch_sub(1, Ordering::Relaxed) != 1 { return; } unsafe { drop(Box::from_raw(self.block.as_ptr())) }; } }');
  return lines.join('\n') + '\n';
}

test('check: a counter with 255 Relaxed uniqueness tests ends with a bounded fix search, never "unfixable"', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'rr-fix-search-'));
  const file = path.join(dir, 'many_tests.rs');
  writeFileSync(file, manyUniquenessTests(255));
  const r = spawnSync(process.execPath, [bin, 'check', file, '--format', 'json', '--max-executions', '100000', '--timeout-ms', '20000'], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  assert.equal(r.status, 1, r.stderr);
  const report = JSON.parse(r.stdout) as { findings: { rule: string; message: string; fix: unknown; range: { start: { line: number } } }[]; bounded: { message: string }[] };
  assert.equal(report.bounded.length, 1);
  assert.match(report.bounded[0].message, /fix search (stopped|cancelled)/);
  assert.match(r.stderr, /exploration bounded, verdict unknown/);
  // Every uniqueness test is reported (with a verified fix, or saying the search stopped) ...
  const tests = report.findings.filter(f => f.rule === 'unique-load-needs-acquire');
  assert.equal(new Set(tests.map(f => f.range.start.line)).size, 255);
  for (const f of tests) assert.ok(f.fix || /fix search stopped at its budget/.test(f.message), f.message);
  assert.ok(tests.some(f => !f.fix), 'the search stops before every race has its fix');
  // ... and none is declared beyond any change of orderings.
  for (const f of report.findings) assert.doesNotMatch(f.message, /no change of the orderings|needs another look/);
});

// A remembered fix search is stored by slot key: several scenarios hold their own Slot object for
// one site, and a lookup by object identity once stored -1 and crashed the next review of the same
// protocol shape (typing above the counter in the editor reuses one cache across edits).
test('a remembered fix search survives a re-review of the same shape with shifted lines', async () => {
  await initRustParser();
  const file = path.join(__dirname, '..', '..', '..', 'test', 'fixtures', 'rust', 'four_drop_paths_relaxed.rs');
  const text = readFileSync(file, 'utf8');
  const cache = new ScenarioCache();
  const first = await reviewText(file, text, { cache });
  const second = await reviewText(file, `// moved down one line\n${text}`, { cache });
  assert.ok(first.findings.length > 0);
  assert.deepEqual(second.findings.map(f => [f.rule, f.range.start.line - 1, f.fix?.edits.map(e => e.newText)]),
    first.findings.map(f => [f.rule, f.range.start.line, f.fix?.edits.map(e => e.newText)]));
});
