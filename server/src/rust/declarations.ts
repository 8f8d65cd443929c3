// What a file can put into the workspace index, read from its text alone, without a parse.
//
// `check` does not parse a file that cannot hold a site (no counter word, no atomic method name, no
// call of a workspace helper): such a file gives the index only its structs, function signatures
// and integer consts (scope.ts), and most of them are never asked about. The index keeps the file
// deferred and parses it the first time a lookup may be answered by it (index.ts), judged here:
//
// - The scope reads an item only from its keyword's text (scope.ts itemsOf), never from a keyword
//   on a line that starts with `//`, and takes the item's name from the tree. In a file that
//   parses, the name is the word right after the keyword (whitespace and comments aside, `ref` and
//   `mut` after `static`, a macro's `$` before it): tree-sitter lexes any word there as the name
//   (`fn where() {}` is a function `where`), and the words that lead elsewhere (`const fn`) make no
//   item of that kind. So the names read here are exactly those, or more (a keyword in a string or
//   a block comment adds the word after it). Whitespace is any that Rust or JavaScript knows,
//   non-ASCII included: tree-sitter still names `const\u200eONE` `ONE` though it flags the file.
// - Where the text does not parse, tree-sitter's error recovery can skip words and take a later one
//   as an item's name (`fn get fence(_mut(..)` is a function `fence`). Such a name is an artefact
//   of the damage, not a declaration, and is not looked for here.
// - Field names are not read from the text: any word of a file with a `struct` keyword may be one.
//
// test/unit/rust-declarations.test.ts checks these names against the scope of real parses.

import { inLineComment } from './scope';
import { containsWord } from './syntax';

/** The kinds of item whose names the index is asked about. */
export type DeclKind = 'struct' | 'fn' | 'const';

export interface DeclaredNames {
  struct: Set<string>;
  fn: Set<string>;
  /** Names of `const` and `static` items. */
  const: Set<string>;
  /** A `struct` keyword occurs where the scope would read it: the file may declare fields. */
  anyStruct: boolean;
}

const KEYWORD = /\b(?:const|static|struct|fn)\b/g;

/** Words after `const` that make a function (`const fn`, `const unsafe fn`, ...), not a const item. */
const CONST_FN_WORDS = new Set(['async', 'const', 'default', 'extern', 'fn', 'unsafe']);

/** An identifier as tree-sitter-rust lexes one (`r#` or a macro's `$` included), at a given index (sticky). */
const IDENTIFIER = /(?:r#|\$)?[\p{XID_Start}_][\p{XID_Continue}]*/uy;

/** Whitespace beyond ASCII: JavaScript's `\s` and Rust's Pattern_White_Space (U+0085, U+200E, U+200F). */
const WIDE_SPACE = /[\s\u0085\u200e\u200f]/;

/** Index of the first character at or after `i` that is not whitespace or a comment (-1: a block comment runs to the end). */
function skipTrivia(text: string, i: number): number {
  for (;;) {
    const c = text.charCodeAt(i);
    if (c === 32 || c === 9 || c === 10 || c === 13 || c === 11 || c === 12) { i++; continue; }
    if (c >= 128 && WIDE_SPACE.test(text[i])) { i++; continue; }
    if (c === 47 && text.charCodeAt(i + 1) === 47) {
      const nl = text.indexOf('\n', i);
      if (nl === -1) return text.length;
      i = nl + 1;
      continue;
    }
    if (c === 47 && text.charCodeAt(i + 1) === 42) {
      // Block comments nest in Rust.
      let depth = 1;
      i += 2;
      while (depth > 0) {
        if (i >= text.length) return -1;
        const d = text.charCodeAt(i);
        if (d === 47 && text.charCodeAt(i + 1) === 42) { depth++; i += 2; } else if (d === 42 && text.charCodeAt(i + 1) === 47) { depth--; i += 2; } else i++;
      }
      continue;
    }
    return i;
  }
}

/** The identifier at `i`, or null. */
function identifierAt(text: string, i: number): string | null {
  if (i < 0) return null;
  IDENTIFIER.lastIndex = i;
  return IDENTIFIER.exec(text)?.[0] ?? null;
}

export function declaredNames(text: string): DeclaredNames {
  const d: DeclaredNames = { struct: new Set(), fn: new Set(), const: new Set(), anyStruct: false };
  for (const m of text.matchAll(KEYWORD)) {
    if (inLineComment(text, m.index!)) continue;
    const word = m[0];
    if (word === 'struct') d.anyStruct = true;
    let at = skipTrivia(text, m.index! + word.length);
    let name = identifierAt(text, at);
    if (word === 'static') {
      // `static ref NAME` (lazy_static's form, which tree-sitter-rust accepts) and `static mut NAME`.
      // The qualifier itself is kept too, in case the parse takes it for the name (`static ref: u8`).
      for (const qualifier of ['ref', 'mut']) {
        if (name !== qualifier) continue;
        d.const.add(name);
        at = skipTrivia(text, at + qualifier.length);
        name = identifierAt(text, at);
      }
    }
    if (name === null || (word === 'const' && CONST_FN_WORDS.has(name))) continue;
    d[word === 'static' ? 'const' : (word as DeclKind)].add(name);
  }
  return d;
}

/**
 * Whether `word` occurs in `text` as a word, erring towards yes: a word next to a non-ASCII letter
 * counts, and so does the empty name a damaged item can have.
 */
export function hasWord(text: string, word: string): boolean {
  return word === '' || containsWord(text, word, true);
}

/** Whether a file with these declared names may declare an item of `kind` named `name`. */
export function mayDeclare(d: DeclaredNames, kind: DeclKind, name: string): boolean {
  return d[kind].has(name);
}

/** Whether a file with this text (and these declared names) may declare a struct field named `field` (tuple fields are named by position). */
export function mayDeclareField(text: string, d: DeclaredNames, field: string): boolean {
  return d.anyStruct && (/^\d+$/.test(field) || hasWord(text, field));
}
