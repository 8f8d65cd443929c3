import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { initRustParser } from '../../server/src/rust/parser';
import { extractSites } from '../../server/src/rust/extract';

const FIXTURES = path.join(__dirname, '..', '..', '..', 'test', 'fixtures', 'rust-sites');

before(() => initRustParser());

test('every spelling of an ordering resolves, with how it was resolved', () => {
  const text = readFileSync(path.join(FIXTURES, 'orderings.rs'), 'utf8');
  const { sites, problems } = extractSites('orderings.rs', text);
  const lines = text.split('\n');
  const got = sites.map(s => {
    const o = s.orderings[0];
    return [lines[s.range.start.line].trim(), o.ordering, o.resolution];
  });
  assert.deepEqual(got, [
    ['self.n.load(O::Acquire);', 'Acquire', 'alias'],
    ['self.n.load(atomic::Ordering::SeqCst);', 'SeqCst', 'path'],
    ['self.n.load(core::sync::atomic::Ordering::Relaxed);', 'Relaxed', 'path'],
    ['self.n.store(1, Rel);', 'Release', 'import'],
    ['self.n.fetch_add(1, AcqRel);', 'AcqRel', 'import'],
    ['self.n.fetch_sub(1, SeqCst);', 'SeqCst', 'glob'],
    ['self.n.store(0, PUBLISH);', 'Release', 'const'],
    ['self.n.store(0, ALIAS_OF_CONST);', 'Release', 'const'],
    ['self.n.load(Self::READ);', 'Acquire', 'const'],
    ['self.n.load(o);', 'Acquire', 'let'],
    ['self.n.load(dynamic);', null, 'unresolved'],
    ['self.n.load(pick_ordering());', null, 'unresolved'],
    ['atomic::fence(Acquire);', 'Acquire', 'glob'],
  ]);
  // compiler_fence is not a thread fence: no site.
  assert.ok(!sites.some(s => lines[s.range.start.line].includes('compiler_fence')));
  // Unresolvable arguments are named in a problem, never passed silently.
  assert.deepEqual(problems.map(p => [p.kind, lines[p.range.start.line].slice(p.range.start.character, p.range.end.character)]), [
    ['unresolved-ordering', 'dynamic'],
    ['unresolved-ordering', 'pick_ordering()'],
  ]);
  assert.match(problems[0].message, /cannot resolve the ordering `dynamic` of `load`/);
  assert.match(problems[0].detail ?? '', /parameter/);
});

test('kernel markers: imported, by module path, glob, Full -> SeqCst', () => {
  const { sites } = extractSites('k.rs', `use kernel::sync::atomic::ordering::*;
use kernel::sync::atomic;
fn f(a: &Atomic<u32>) {
    a.load(Acquire);
    a.store(1, atomic::Release);
    a.fetch_add(1, Full);
    a.load(atomic::ordering::Relaxed);
}`);
  assert.deepEqual(sites.map(s => [s.op, s.api, s.orderings[0].ordering, s.orderings[0].family]), [
    ['load', 'kernel-atomic', 'Acquire', 'kernel'],
    ['store', 'kernel-atomic', 'Release', 'kernel'],
    ['fetch_add', 'kernel-atomic', 'SeqCst', 'kernel'],
    ['load', 'kernel-atomic', 'Relaxed', 'kernel'],
  ]);
  assert.ok(sites[2].orderings[0].note);
});

test('a let shadowed later in the function uses the binding in scope at the call', () => {
  const { sites } = extractSites('s.rs', `use std::sync::atomic::Ordering;
fn f(c: &AtomicU32) {
    let o = Ordering::Relaxed;
    c.load(o);
    let o = Ordering::SeqCst;
    c.load(o);
}`);
  assert.deepEqual(sites.map(s => s.orderings[0].ordering), ['Relaxed', 'SeqCst']);
});
