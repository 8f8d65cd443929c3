// Incremental parsing for the language server: keeps the last tree of each recently reviewed file
// and re-parses an edited text from it. The edit is recovered by diffing the old and new text
// (common prefix and suffix), so callers only pass whole texts. tree-sitter then re-reads only
// what the edit touched; on a 10k-line file that is the difference between ~60 ms and ~5 ms.
// Text with syntax errors is the exception: it is always parsed afresh (see `parse`).

import type { Edit, Node as SyntaxNode, Point, Tree } from 'web-tree-sitter';
import { parseRust, reparseRust } from './parser';

interface Entry { text: string; tree: Tree }

const derived = new WeakMap<Tree, Map<string, unknown>>();

/**
 * What is read from a tree alone (file scope, candidate calls), computed once per tree: the
 * index pass and the site pass of `check` read the same tree, and so does a re-review of an
 * unchanged buffer. Entries go with the tree object.
 */
export function perTree<T>(tree: Tree, key: string, make: () => T): T {
  let m = derived.get(tree);
  if (!m) { m = new Map(); derived.set(tree, m); }
  if (m.has(key)) return m.get(key) as T;
  const v = make();
  m.set(key, v);
  return v;
}

/** The root node of a tree, made once: each `tree.rootNode` is a call into wasm and a new node. */
export function rootOf(tree: Tree): SyntaxNode {
  return perTree(tree, 'root', () => tree.rootNode);
}

/** Where index `i` (UTF-16 code units, as web-tree-sitter counts) falls, as a row/column point. */
function pointAt(text: string, i: number): Point {
  let row = 0;
  let lineStart = 0;
  for (let k = text.indexOf('\n'); k !== -1 && k < i; k = text.indexOf('\n', k + 1)) { row++; lineStart = k + 1; }
  return { row, column: i - lineStart };
}

const isHigh = (c: number): boolean => c >= 0xd800 && c <= 0xdbff;
const isLow = (c: number): boolean => c >= 0xdc00 && c <= 0xdfff;

/** The single edit that turns `before` into `after` (null when they are equal). */
export function diffEdit(before: string, after: string): Edit | null {
  if (before === after) return null;
  const min = Math.min(before.length, after.length);
  let p = 0;
  while (p < min && before.charCodeAt(p) === after.charCodeAt(p)) p++;
  // Never split a surrogate pair: the edit must start and end on whole characters.
  if (p > 0 && isHigh(before.charCodeAt(p - 1))) p--;
  let s = 0;
  while (s < min - p && before.charCodeAt(before.length - 1 - s) === after.charCodeAt(after.length - 1 - s)) s++;
  if (s > 0 && isLow(after.charCodeAt(after.length - s))) s--;
  const oldEnd = before.length - s;
  const newEnd = after.length - s;
  return {
    startIndex: p, oldEndIndex: oldEnd, newEndIndex: newEnd,
    startPosition: pointAt(before, p), oldEndPosition: pointAt(before, oldEnd), newEndPosition: pointAt(after, newEnd),
  } as Edit;
}

export class TreeCache {
  private readonly entries = new Map<string, Entry>();
  private chars = 0;
  /**
   * Keeps at most `limit` trees and, as a bound on wasm memory, trees of at most `maxChars`
   * characters of text in all; the least recently used go first.
   */
  constructor(private readonly limit = 16, private readonly maxChars = Infinity) {}

  /** A tree for `text`, reusing the file's previous tree when there is one. The cache owns it: do not delete. */
  parse(file: string, text: string): Tree {
    const old = this.entries.get(file);
    let tree: Tree;
    if (old && old.text === text) tree = old.tree;
    else if (old) {
      const edit = diffEdit(old.text, text)!;
      old.tree.edit(edit);
      tree = reparseRust(text, old.tree);
      old.tree.delete();
      // tree-sitter's error recovery can settle differently when it reuses old nodes (an unexpected
      // character before `if let=...` gave two ERROR nodes where a fresh parse gives one). Broken
      // text is parsed afresh, so the editor reviews the tree the command line would.
      if (tree.rootNode.hasError) { tree.delete(); tree = parseRust(text); }
    } else tree = parseRust(text);
    if (old) this.chars -= old.text.length;
    this.entries.delete(file);
    this.entries.set(file, { text, tree });
    this.chars += text.length;
    this.evict();
    return tree;
  }

  /**
   * Makes a copy of `tree` (a tree of `text` the caller keeps) `file`'s last tree, so that the
   * next text of `file` is parsed incrementally from it: an edited copy of a file starts from the
   * file's own tree.
   */
  adopt(file: string, text: string, tree: Tree): void {
    this.forget(file);
    this.entries.set(file, { text, tree: tree.copy() });
    this.chars += text.length;
    this.evict();
  }

  private evict(): void {
    // The newest tree stays even when it alone is over the budget: the caller is using it.
    while (this.entries.size > this.limit || (this.chars > this.maxChars && this.entries.size > 1)) {
      const [k, e] = this.entries.entries().next().value!;
      e.tree.delete();
      this.chars -= e.text.length;
      this.entries.delete(k);
    }
  }

  forget(file: string): void {
    const e = this.entries.get(file);
    if (e) { e.tree.delete(); this.chars -= e.text.length; this.entries.delete(file); }
  }

  clear(): void {
    for (const e of this.entries.values()) e.tree.delete();
    this.entries.clear();
    this.chars = 0;
  }
}
