import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { initRustParser, isRustParserReady, locateWasm, parseRust, withRustTree } from '../../server/src/rust/parser';

test('the wasm files are found and concurrent inits share one load', async () => {
  assert.ok(existsSync(locateWasm('web-tree-sitter.wasm')));
  assert.ok(existsSync(locateWasm('tree-sitter-rust.wasm')));
  assert.throws(() => locateWasm('nope.wasm'), /unknown wasm/);
  await Promise.all([initRustParser(), initRustParser()]);
  assert.equal(isRustParserReady(), true);
});

test('syntax errors do not throw; the tree marks them and keeps the rest', async () => {
  await initRustParser();
  const tree = parseRust('fn a( { }\nfn b() { x.load(Ordering::Acquire); }');
  try {
    assert.equal(tree.rootNode.hasError, true);
    assert.ok(tree.rootNode.descendantsOfType('call_expression').some(c => c.text.includes('load')));
  } finally {
    tree.delete();
  }
  // Not Rust at all is still a tree, never an exception.
  assert.equal(withRustTree('\u0000\u0001 <html> ]]]', t => t.rootNode.type), 'source_file');
});
