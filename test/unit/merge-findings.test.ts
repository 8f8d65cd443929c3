// One finding per site and rule, however many scenarios reach it: a counter with four drop paths
// has six pairs of them, and each used to report both of its sites again.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { reviewText } from '../../server/src/review';
import { initRustParser } from '../../server/src/rust/parser';
import { ScenarioCache } from '../../server/src/protocol/fixes';
import type { TextEdit } from '../../server/src/protocol/finding';

const root = path.resolve(__dirname, '../../..');
const file = path.join(root, 'test/fixtures/rust/four_drop_paths_relaxed.rs');

before(async () => { await initRustParser(); });

function apply(text: string, edits: TextEdit[]): string {
  const lines = text.split('\n');
  const offset = (p: { line: number; character: number }): number => lines.slice(0, p.line).reduce((n, l) => n + l.length + 1, 0) + p.character;
  const sorted = [...edits].sort((a, b) => offset(b.range.start) - offset(a.range.start));
  let out = text;
  for (const e of sorted) out = out.slice(0, offset(e.range.start)) + e.newText + out.slice(offset(e.range.end));
  return out;
}

test('four drop paths: one warning per decrement, every other drop related, and all fixes together review clean', async () => {
  const text = readFileSync(file, 'utf8');
  const rv = await reviewText(file, text, { cache: new ScenarioCache() });
  const warnings = rv.findings.filter(f => f.severity === 'warning');
  const lines = warnings.map(f => f.range.start.line);
  assert.equal(new Set(lines).size, lines.length, `one finding per site: ${warnings.map(f => `${f.range.start.line + 1} ${f.rule}`).join(', ')}`);
  assert.equal(warnings.length, 4);
  for (const w of warnings) {
    const partners = new Set(w.related.filter(r => /^pairs with this /.test(r.message)).map(r => r.range.start.line));
    assert.equal(partners.size, 3, `each drop names the other three: ${w.related.map(r => r.message).join('; ')}`);
    assert.ok(w.fix, 'each keeps its verified fix');
  }
  // Each fix edits its own decrement; together (imports deduplicated by position) they must fix the protocol.
  const edits = new Map<string, TextEdit>();
  for (const w of warnings) for (const e of w.fix!.edits) edits.set(`${e.range.start.line}:${e.range.start.character}`, e);
  const fixed = apply(text, [...edits.values()]);
  const again = await reviewText(file, fixed, { cache: new ScenarioCache() });
  assert.deepEqual(again.findings.filter(f => f.severity === 'warning').map(f => `${f.range.start.line + 1} ${f.rule}`), []);
});
