// The file scope finds items from their keywords in the text, one tree lookup each, instead of a
// walk over every node. These tests hold it to what that walk finds: the same functions, impl and
// trait blocks, structs, consts and statics, on every Rust fixture and on text written to mislead
// the keyword search (keywords in comments, strings, macro bodies, types and raw identifiers).

import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import type { Node as SyntaxNode } from 'web-tree-sitter';
import { initRustParser, withRustTree } from '../../server/src/rust/parser';
import { buildFileScope } from '../../server/src/rust/scope';

const FIXTURE_DIRS = ['rust', 'rust-sites'].map(d => path.join(__dirname, '..', '..', '..', 'test', 'fixtures', d));

interface Items { fns: number[]; blocks: number[]; structs: string[]; consts: string[] }

/** Every item node of the tree, by a walk over all of them (the slow, obvious reading). */
function walked(root: SyntaxNode): Items {
  const out: Items = { fns: [], blocks: [], structs: [], consts: [] };
  const c = root.walk();
  for (let more = true; more;) {
    const n = c.currentNode;
    switch (n.type) {
      case 'function_item': out.fns.push(n.startIndex); break;
      case 'impl_item': case 'trait_item': out.blocks.push(n.startIndex); break;
      case 'struct_item': { const name = n.childForFieldName('name')?.text; if (name && n.childForFieldName('body')) out.structs.push(name); break; }
      case 'const_item': case 'static_item': { const name = n.childForFieldName('name')?.text; if (name && n.childForFieldName('value')) out.consts.push(name); break; }
    }
    if (c.gotoFirstChild()) continue;
    while (!c.gotoNextSibling()) if (!c.gotoParent()) { more = false; break; }
  }
  c.delete();
  return out;
}

/** What the file scope found, in the same terms. */
function scoped(root: SyntaxNode, text: string): Items {
  const s = buildFileScope(root, text);
  return {
    fns: s.spans.filter(sp => sp.kind === 'fn').map(sp => sp.start),
    blocks: s.spans.filter(sp => sp.kind === 'impl').map(sp => sp.start),
    structs: [...s.structs.keys()],
    consts: [...s.consts.keys()],
  };
}

function assertSame(text: string, where: string): void {
  withRustTree(text, tree => {
    const a = walked(tree.rootNode);
    const b = scoped(tree.rootNode, text);
    assert.deepEqual(b.fns, a.fns, `${where}: functions`);
    assert.deepEqual(b.blocks, a.blocks, `${where}: impl and trait blocks`);
    assert.deepEqual(new Set(b.structs), new Set(a.structs), `${where}: structs`);
    assert.deepEqual(new Set(b.consts), new Set(a.consts), `${where}: consts and statics`);
  });
}

test('the keyword lookups find the items a walk over every node finds, on every Rust fixture', async () => {
  await initRustParser();
  let files = 0;
  for (const dir of FIXTURE_DIRS) {
    for (const name of readdirSync(dir).filter(n => n.endsWith('.rs'))) {
      assertSame(readFileSync(path.join(dir, name), 'utf8'), name);
      files++;
    }
  }
  assert.ok(files > 50, `fixtures read: ${files}`);
});

test('keywords that are not items are dropped; nested and oddly spaced items are found', async () => {
  await initRustParser();
  const text = [
    '//! fn in_doc() {}  struct InDoc;',
    'use std::sync::atomic::{AtomicUsize, Ordering};',
    '/* impl Foo { fn in_block_comment() {} } */',
    'const fn konst() -> usize { 1 }',
    'pub(crate) static COUNT: AtomicUsize = AtomicUsize::new(0);',
    'const LIMIT: usize = 4; const OTHER: &str = "fn not_a_fn() {} struct S;";',
    'macro_rules! make { () => { fn from_macro() {} struct FromMacro; }; }',
    'struct Holder<\'a> { name: &\'static str, f: fn(usize) -> usize, count: &\'a AtomicUsize }',
    'struct Pair(pub usize, usize);',
    'trait Counted: Sized { const ONE: usize = 1; fn count(&self) -> usize; fn bump(&self) {} }',
    'impl<\'a> Holder<\'a> {',
    '    fn make(f: impl Fn(usize) -> usize) -> impl Fn() { let r#fn = 1; move || { let _ = f(r#fn); } }',
    '    pub   unsafe   fn',
    '      spaced(&self) {',
    '        fn nested() { struct Inner { v: usize } impl Inner { fn get(&self) -> usize { self.v } } }',
    '        const LOCAL: usize = 2;',
    '        let s = "impl Trait for Nothing {}"; let _ = (s, LOCAL);',
    '    }',
    '}',
    'unsafe impl Send for Pair {}',
    'extern "C" { fn ffi_decl(x: usize); static FFI_STATIC: usize; }',
    'fn tail(x: Box<dyn Fn(usize) -> usize>) -> usize { x(1) }',
  ].join('\n');
  assertSame(text, 'snippet');
  withRustTree(text, tree => {
    const s = buildFileScope(tree.rootNode, text);
    const names = s.fns.map(f => f.name);
    // A trait's `fn count(&self) -> usize;` and an extern block's declaration are signatures, not functions.
    assert.deepEqual(names, ['konst', 'bump', 'make', 'spaced', 'nested', 'get', 'tail']);
    assert.deepEqual(s.spans.filter(sp => sp.kind === 'impl').map(sp => sp.implType), ['Counted', 'Holder', 'Inner', 'Pair']);
    // A function nested in a method takes the impl around it, as the methods do.
    assert.deepEqual(s.fns.filter(f => f.implType === 'Holder').map(f => f.name), ['make', 'spaced', 'nested']);
    assert.deepEqual(s.fns.find(f => f.name === 'get')?.implType, 'Inner');
    assert.deepEqual([...s.structs.keys()], ['Holder', 'Pair', 'Inner']);
    assert.deepEqual([...s.structs.get('Pair')!.keys()], ['0', '1']);
    assert.deepEqual([...s.consts.keys()], ['COUNT', 'LIMIT', 'OTHER', 'ONE', 'LOCAL']);
    assert.deepEqual([...s.imports.keys()], ['AtomicUsize', 'Ordering']);
  });
});
