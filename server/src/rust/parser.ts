// Loads tree-sitter (WebAssembly, so it runs inside VS Code's own Node with no native module) and
// the Rust grammar once per process. After `initRustParser()` resolves, parsing is synchronous.

import { existsSync } from 'node:fs';
import path from 'node:path';
import { Parser, Language } from 'web-tree-sitter';
import type { Tree } from 'web-tree-sitter';

export type { Tree, Node as SyntaxNode } from 'web-tree-sitter';

const RUNTIME_WASM = 'web-tree-sitter.wasm';
const RUST_WASM = 'tree-sitter-rust.wasm';

/**
 * Where a wasm file lives. The esbuild bundles in dist/ ship copies next to themselves; the tsc
 * build in out/ (tests, benchmarks) finds them in node_modules.
 */
export function locateWasm(name: string): string {
  const beside = path.join(__dirname, name);
  if (existsSync(beside)) return beside;
  // Ids in variables: bundlers must not try to resolve these at build time (dist/ has copies).
  const runtimeId = 'web-tree-sitter/web-tree-sitter.wasm';
  const rustPkg = 'tree-sitter-rust/package.json';
  if (name === RUNTIME_WASM) return require.resolve(runtimeId);
  if (name === RUST_WASM) return path.join(path.dirname(require.resolve(rustPkg)), RUST_WASM);
  throw new Error(`unknown wasm file ${name}`);
}

let parser: Parser | null = null;
let rustLanguage: Language | null = null;
let loading: Promise<void> | null = null;
/** Full and incremental parses since the process started: tests use it to see that a tree was shared. */
let parses = 0;
let observer: ((text: string) => void) | null = null;

/** Loads the runtime and the Rust grammar; concurrent and repeated calls share one load. */
export function initRustParser(): Promise<void> {
  if (!loading) {
    loading = (async () => {
      // `locateFile` is how emscripten modules are told where their .wasm is (the bundled JS
      // otherwise looks relative to import.meta.url, which a CJS bundle does not have).
      await Parser.init({ locateFile: (file: string) => locateWasm(file === RUNTIME_WASM ? RUNTIME_WASM : file) } as never);
      const rust = await Language.load(locateWasm(RUST_WASM));
      const p = new Parser();
      p.setLanguage(rust);
      rustLanguage = rust;
      parser = p;
    })();
    // A failed load must not poison the process forever: the next call retries.
    loading.catch(() => { loading = null; });
  }
  return loading;
}

export function isRustParserReady(): boolean {
  return parser !== null;
}

/** The loaded Rust grammar, for tree-sitter queries. */
export function rustGrammar(): Language {
  if (!rustLanguage) throw new Error('Rust parser not initialised: await initRustParser() first');
  return rustLanguage;
}

/** How many parses (full or incremental) this process has run. */
export function parseCount(): number {
  return parses;
}

/** Calls `fn` with the text of every parse from now on (null stops): tests see which texts were parsed. */
export function observeParses(fn: ((text: string) => void) | null): void {
  observer = fn;
}

/**
 * Parses Rust text. Syntax errors do not throw: tree-sitter recovers and marks ERROR/MISSING
 * nodes, so the intact parts of the file are still usable. The caller owns the tree and should
 * `tree.delete()` it (wasm memory is not garbage collected).
 */
export function parseRust(text: string): Tree {
  if (!parser) throw new Error('Rust parser not initialised: await initRustParser() first');
  parses++;
  observer?.(text);
  return timed(parser, text, null);
}

/**
 * Wall-clock cap on one parse. Real files parse in milliseconds (a 10k-line file in about 0.1 s);
 * tree-sitter's error recovery can take minutes on a few kilobytes of unbalanced punctuation, and
 * the reading cannot go on without a tree, so such a file is given up with a message.
 */
export const PARSE_LIMIT_MS = 5_000;

/** A parse given up at PARSE_LIMIT_MS: the file is reported as unreadable, never half-read. */
export class ParseTimeout extends Error {
  constructor() {
    super(`tree-sitter gave up parsing it after ${PARSE_LIMIT_MS / 1000} s (its syntax errors are too tangled to recover from in time)`);
    this.name = 'ParseTimeout';
  }
}

function timed(p: Parser, text: string, old: Tree | null): Tree {
  const deadline = Date.now() + PARSE_LIMIT_MS;
  // Returning true from the progress callback cancels the parse (it is polled every few hundred steps).
  const tree = p.parse(text, old, { progressCallback: () => Date.now() > deadline });
  if (!tree) {
    // A cancelled parser resumes the cancelled text on its next call unless it is reset.
    p.reset();
    throw new ParseTimeout();
  }
  return tree;
}

/** Parses, runs `fn`, and frees the tree even if `fn` throws. */
export function withRustTree<T>(text: string, fn: (tree: Tree) => T): T {
  const tree = parseRust(text);
  try {
    return fn(tree);
  } finally {
    tree.delete();
  }
}

/** Re-parses after `old.edit(..)`: tree-sitter reuses the unchanged parts of `old`. The caller owns both trees. */
export function reparseRust(text: string, old: Tree): Tree {
  if (!parser) throw new Error('Rust parser not initialised: await initRustParser() first');
  parses++;
  observer?.(text);
  return timed(parser, text, old);
}
