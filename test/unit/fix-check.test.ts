// The textual check every quick fix passes before it is offered (server/src/protocol/fixCheck.ts):
// broken edits are refused with a reason, sound ones pass.

import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { fixProblem } from '../../server/src/protocol/fixCheck';
import { initRustParser } from '../../server/src/rust/parser';
import type { Range, TextEdit } from '../../server/src/protocol/finding';

before(() => initRustParser());

const KERNEL = [
  'use crate::{',
  '    bindings,',
  '    sync::{atomic::Relaxed, Refcount},',
  '};',
  'fn end(r: &Refcount) -> bool { r.as_atomic().cmpxchg(2, 0, Relaxed).is_ok() }',
].join('\n');

/** The range of the `n`-th occurrence of `needle` on `line`. */
function at(text: string, line: number, needle: string, n = 0): Range {
  const l = text.split('\n')[line];
  let c = -1;
  for (let i = 0; i <= n; i++) c = l.indexOf(needle, c + 1);
  assert.ok(c >= 0, `${needle} on line ${line}`);
  return { start: { line, character: c }, end: { line, character: c + needle.length } };
}

const insert = (r: Range, newText: string): TextEdit => ({ range: { start: r.end, end: r.end }, newText });

test('importing a marker into the wrong group is refused: there is no `crate::sync::Acquire`', () => {
  const arg = at(KERNEL, 4, 'Relaxed');
  const edits = [{ range: arg, newText: 'Acquire' }, insert(at(KERNEL, 2, 'Refcount'), ', Acquire')];
  assert.match(fixProblem(KERNEL, edits, [{ range: arg, to: 'Acquire', family: 'kernel' }]) ?? '', /import `crate::sync::Acquire`, which does not exist/);
});

test('the same change with Acquire beside atomic::Relaxed passes', () => {
  const arg = at(KERNEL, 4, 'Relaxed');
  const edits = [{ range: arg, newText: 'Acquire' }, { range: at(KERNEL, 2, 'Relaxed'), newText: '{Relaxed, Acquire}' }];
  assert.equal(fixProblem(KERNEL, edits, [{ range: arg, to: 'Acquire', family: 'kernel' }]), null);
});

test('a bare name with no import, a std name in kernel code, and a syntax error are refused', () => {
  const arg = at(KERNEL, 4, 'Relaxed');
  assert.match(fixProblem(KERNEL, [{ range: arg, newText: 'Acquire' }], [{ range: arg, to: 'Acquire', family: 'kernel' }]) ?? '', /would not resolve/);
  assert.match(fixProblem(KERNEL, [{ range: arg, newText: 'core::sync::atomic::Ordering::Acquire' }], [{ range: arg, to: 'Acquire', family: 'kernel' }]) ?? '', /std's Acquire, not the kernel's Acquire/);
  assert.match(fixProblem(KERNEL, [{ range: arg, newText: 'Relaxed)' }], [{ range: arg, to: 'Relaxed', family: 'kernel' }]) ?? '', /does not parse/);
});

test('an inserted fence must resolve to std\'s fence and ordering', () => {
  const src = 'use core::sync::atomic::{AtomicUsize, Ordering};\nfn drop_ref(c: &AtomicUsize) {\n    if c.fetch_sub(1, Ordering::Release) == 1 {\n        free();\n    }\n}\n';
  const body = at(src, 2, '{');
  const good = [insert(body, '\n        fence(Ordering::Acquire);'), insert(at(src, 0, 'Ordering'), ', fence')];
  assert.equal(fixProblem(src, good, [], [{ to: 'Acquire' }]), null);
  assert.match(fixProblem(src, [good[0]], [], [{ to: 'Acquire' }]) ?? '', /`fence` would not resolve to the atomic fence/);
  const weak = [insert(body, '\n        fence(Ordering::Release);'), good[1]];
  assert.match(fixProblem(src, weak, [], [{ to: 'Acquire' }]) ?? '', /would not resolve to std's Acquire/);
});

test('a second import of a name already in scope is refused (E0252)', () => {
  const src = 'use crate::sync::Ordering;\nconst ORD: Ordering = Ordering::Relaxed;\nfn f(c: &AtomicUsize) { c.fetch_sub(1, ORD); }';
  const arg = at(src, 2, 'ORD');
  const edits = [{ range: arg, newText: 'Ordering::Release' }, insert(at(src, 0, 'use crate::sync::Ordering;'), '\nuse core::sync::atomic::Ordering;')];
  assert.match(fixProblem(src, edits, [{ range: arg, to: 'Release', family: 'std' }]) ?? '', /import `Ordering` twice/);
});
