// Small helpers over tree-sitter nodes (LSP ranges, peeling syntactic wrappers, literals) and over
// the text they come from.

import type { SyntaxNode } from './parser';
import type { Range } from './site';

/**
 * web-tree-sitter parses JS strings as UTF-16, so its columns are already UTF-16 code units —
 * exactly LSP's default position encoding (a test pins this with non-ASCII text).
 */
export function rangeOf(n: SyntaxNode): Range {
  return {
    start: { line: n.startPosition.row, character: n.startPosition.column },
    end: { line: n.endPosition.row, character: n.endPosition.column },
  };
}

export function sameNode(a: SyntaxNode | null | undefined, b: SyntaxNode | null | undefined): boolean {
  return !!a && !!b && a.id === b.id;
}

export function contains(outer: SyntaxNode, inner: SyntaxNode): boolean {
  return outer.startIndex <= inner.startIndex && inner.endIndex <= outer.endIndex;
}

/**
 * Drops wrappers that do not change which value an expression denotes: (), &, &mut, *, unsafe { e }, { e }.
 * Each `.type` is a call into wasm, so a node's type is read once.
 */
export function peel(n: SyntaxNode): SyntaxNode {
  for (let i = 0; i < 32; i++) {
    const type = n.type;
    if (type === 'parenthesized_expression' || type === 'reference_expression') {
      const inner = n.childForFieldName('value') ?? n.namedChildren.find(c => c && !isComment(c)) ?? null;
      if (!inner || inner.type === 'mutable_specifier') {
        const last = n.namedChildren[n.namedChildren.length - 1];
        if (!last) return n;
        n = last;
      } else n = inner;
    } else if (type === 'unary_expression' && n.child(0)?.type === '*') {
      const inner = n.namedChildren[0];
      if (!inner) return n;
      n = inner;
    } else if (type === 'unsafe_block' || type === 'block') {
      const block = type === 'unsafe_block' ? n.namedChildren.find(c => c?.type === 'block') : n;
      const tail = block ? blockTail(block) : null;
      if (!block || !tail || block.namedChildren.filter(c => c && !isComment(c)).length !== 1) return n;
      n = tail;
    } else return n;
  }
  return n;
}

/** The tail expression of a block (last named child that is an expression, not a statement). */
export function blockTail(block: SyntaxNode): SyntaxNode | null {
  const kids = block.namedChildren.filter((c): c is SyntaxNode => !!c && !isComment(c));
  const last = kids[kids.length - 1];
  if (!last) return null;
  const type = last.type;
  if (type.endsWith('_statement') || type === 'let_declaration' || type.endsWith('_item')) {
    // `if .. {}` as last statement is wrapped in expression_statement: unwrap when it has no `;`.
    if (type === 'expression_statement' && last.lastChild?.type !== ';') return last.namedChildren[0] ?? null;
    return null;
  }
  return last;
}

export function isComment(n: SyntaxNode): boolean {
  const type = n.type;
  return type === 'line_comment' || type === 'block_comment';
}

/** The statements (named, non-comment children) of a block. */
export function statements(block: SyntaxNode): SyntaxNode[] {
  return block.namedChildren.filter((c): c is SyntaxNode => { if (!c) return false; const type = c.type; return type !== 'line_comment' && type !== 'block_comment' && type !== 'label'; });
}

/** Parses a Rust integer literal (`2`, `0x10`, `1_000`, `2u64`, `0b11`); null if not one or too large. */
export function intLiteral(n: SyntaxNode): number | null {
  const type = n.type;
  if (type === 'unary_expression' && n.child(0)?.type === '-') {
    const inner = n.namedChildren[0];
    const v = inner ? intLiteral(inner) : null;
    return v === null ? null : -v;
  }
  if (type !== 'integer_literal') return null;
  const t = n.text.replace(/_/g, '').replace(/(u|i)(8|16|32|64|128|size)$/, '');
  const v = /^0x/i.test(t) ? parseInt(t.slice(2), 16) : /^0o/i.test(t) ? parseInt(t.slice(2), 8) : /^0b/i.test(t) ? parseInt(t.slice(2), 2) : Number(t);
  return Number.isSafeInteger(v) ? v : null;
}

/** Name of a path-like node's last segment: `a::b::C` -> "C", `C` -> "C". */
export function lastSegment(n: SyntaxNode): string {
  const type = n.type;
  if (type === 'scoped_identifier' || type === 'scoped_type_identifier') return n.childForFieldName('name')?.text ?? n.text;
  return n.text;
}

/** Path segments of a path node: `core::sync::atomic::Ordering` -> ["core","sync","atomic","Ordering"]. */
export function pathSegments(n: SyntaxNode): string[] {
  const text = n.text;
  // Most paths are written without spaces or a leading `::`: split them as they are.
  if (!/[\s]/.test(text) && !text.startsWith('::')) return text.split('::');
  return text.replace(/\s+/g, '').replace(/^::/, '').split('::');
}

/** Innermost enclosing node of one of `types`, or null. */
export function ancestor(n: SyntaxNode, types: readonly string[]): SyntaxNode | null {
  for (let p = n.parent; p; p = p.parent) if (types.includes(p.type)) return p;
  return null;
}

/** Collapses whitespace so keys do not depend on formatting (rustfmt splits long chains). */
export function compact(text: string): string {
  return text.replace(/\/\/[^\n]*|\/\*[\s\S]*?\*\//g, '').replace(/\s+/g, '');
}

/** Strips references, pointers and smart-pointer wrappers from a type, then generics: `&ARef<Request<T>>` -> "Request". */
export function baseTypeName(typeText: string): string {
  let t = typeText.replace(/\s+/g, ' ').trim();
  for (let i = 0; i < 16; i++) {
    const before = t;
    t = t.replace(/^&\s*('\w+\s+)?(mut\s+)?/, '').replace(/^\*\s*(const|mut)\s+/, '').replace(/^dyn\s+/, '').trim();
    const m = /^(?:[\w:]*::)?(ARef|Arc|Rc|Box|Pin|NonNull|ManuallyDrop|UniqueArc|ArcBorrow|Ref)\s*<(.*)>$/.exec(t);
    if (m) t = m[2].trim();
    if (t === before) break;
  }
  t = t.replace(/<.*$/s, '').trim();
  const segs = t.split('::');
  return segs[segs.length - 1];
}

/**
 * The first line of the statement that contains `range` (an item or expression directly in a
 * block or the file), and that line's indentation: where a comment about the statement goes.
 */
export function statementStart(root: SyntaxNode, range: Range, lines: readonly string[]): { line: number; indent: string } {
  let n: SyntaxNode | null = root.descendantForPosition({ row: range.start.line, column: range.start.character }, { row: range.end.line, column: range.end.character });
  while (n && n.parent && n.parent.type !== 'block' && n.parent.type !== 'source_file' && n.parent.type !== 'declaration_list') n = n.parent;
  const line = n && n.parent ? n.startPosition.row : range.start.line;
  return { line, indent: /^\s*/.exec(lines[line] ?? '')![0] };
}

/**
 * Whether `word` occurs in `text` as a whole word. Characters past ASCII are identifier characters
 * (as in Rust), unless `nonAsciiBreaks`: then they end a word, so a word next to a non-ASCII letter
 * counts as present, for tests that must err towards "maybe".
 */
export function containsWord(text: string, word: string, nonAsciiBreaks = false): boolean {
  if (word.length === 0) return false;
  const ident = (c: number) => (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || (c > 127 && !nonAsciiBreaks);
  for (let i = text.indexOf(word); i !== -1; i = text.indexOf(word, i + 1)) {
    if ((i === 0 || !ident(text.charCodeAt(i - 1))) && (i + word.length >= text.length || !ident(text.charCodeAt(i + word.length)))) return true;
  }
  return false;
}
