// Tokens of herd's C litmus syntax. One lexer serves the three parts of a file (header, C thread
// bodies, final condition) because they share comments and positions; the parser decides what a
// token means in its part (`/\` only makes sense in a condition, `&` only in C).

/** A parse error that knows where it happened; `message` is `file:line:col: what was expected`. */
export class LitmusError extends Error {
  constructor(
    readonly file: string,
    readonly line: number,
    readonly column: number,
    readonly detail: string,
  ) {
    super(`${file}:${line}:${column}: ${detail}`);
    this.name = 'LitmusError';
  }
}

export type TokKind = 'ident' | 'num' | 'str' | 'punct' | 'eof';

export interface Token {
  kind: TokKind;
  text: string;
  /** 1-based. */
  line: number;
  col: number;
  /** Offsets into the source, for statement labels. */
  start: number;
  end: number;
}

// Longest first, so `<=` wins over `<`.
const PUNCT = ['/\\', '\\/', '==', '!=', '<=', '>=', '&&', '||', '{', '}', '(', ')', '[', ']', ';', ',', '=', '<', '>', '!', '+', '-', '*', '&', '|', '^', '~', ':', '.'];

const MAX_TOKENS = 1_000_000;

export function tokenize(src: string, file: string): Token[] {
  const toks: Token[] = [];
  let i = 0;
  let line = 1;
  let lineStart = 0;
  const err = (at: number, msg: string): never => {
    throw new LitmusError(file, lineOf(at), at - lineStartOf(at) + 1, msg);
  };
  // Positions are computed lazily for errors inside comments (rare path).
  const lineOf = (at: number) => src.slice(0, at).split('\n').length;
  const lineStartOf = (at: number) => src.lastIndexOf('\n', at - 1) + 1;

  const advanceNewlines = (from: number, to: number) => {
    for (let k = from; k < to; k++) {
      if (src.charCodeAt(k) === 10) { line++; lineStart = k + 1; }
    }
  };

  while (i < src.length) {
    if (toks.length > MAX_TOKENS) err(i, 'file too large');
    const ch = src[i];
    if (ch === '\n') { line++; lineStart = i + 1; i++; continue; }
    if (ch === ' ' || ch === '\t' || ch === '\r' || ch === '\f' || ch === '\v') { i++; continue; }
    // `//` line comment (C bodies and, in practice, anywhere).
    if (ch === '/' && src[i + 1] === '/') {
      while (i < src.length && src[i] !== '\n') i++;
      continue;
    }
    if (ch === '/' && src[i + 1] === '*') {
      const close = src.indexOf('*/', i + 2);
      if (close < 0) err(i, "unterminated comment '/*'");
      advanceNewlines(i, close + 2);
      i = close + 2;
      continue;
    }
    // herd's OCaml-style `(* ... *)` comments, which nest. `(*x)` (a parenthesised dereference) is
    // C, not a comment: a comment opener is followed by a space, a newline, `*` or `)`.
    if (ch === '(' && src[i + 1] === '*' && (i + 2 >= src.length || /[\s*)]/.test(src[i + 2]))) {
      let depth = 1;
      let k = i + 2;
      while (k < src.length && depth > 0) {
        if (src[k] === '(' && src[k + 1] === '*') { depth++; k += 2; }
        else if (src[k] === '*' && src[k + 1] === ')') { depth--; k += 2; }
        else k++;
      }
      if (depth > 0) err(i, "unterminated comment '(*'");
      advanceNewlines(i, k);
      i = k;
      continue;
    }
    const col = i - lineStart + 1;
    if (/[A-Za-z_]/.test(ch)) {
      let k = i + 1;
      while (k < src.length && /[A-Za-z0-9_]/.test(src[k])) k++;
      toks.push({ kind: 'ident', text: src.slice(i, k), line, col, start: i, end: k });
      i = k;
      continue;
    }
    if (/[0-9]/.test(ch)) {
      let k = i + 1;
      if (ch === '0' && (src[k] === 'x' || src[k] === 'X')) {
        k++;
        while (k < src.length && /[0-9A-Fa-f]/.test(src[k])) k++;
      } else {
        while (k < src.length && /[0-9]/.test(src[k])) k++;
      }
      // Integer suffixes (1u, 2L) carry no meaning for litmus values.
      while (k < src.length && /[uUlL]/.test(src[k])) k++;
      if (k < src.length && /[A-Za-z_.]/.test(src[k])) err(i, `malformed number '${src.slice(i, k + 1)}'`);
      toks.push({ kind: 'num', text: src.slice(i, k), line, col, start: i, end: k });
      i = k;
      continue;
    }
    if (ch === '"') {
      let k = i + 1;
      while (k < src.length && src[k] !== '"') {
        if (src[k] === '\\') k++;
        k++;
      }
      if (k >= src.length) err(i, 'unterminated string');
      toks.push({ kind: 'str', text: src.slice(i + 1, k), line, col, start: i, end: k + 1 });
      advanceNewlines(i, k + 1);
      i = k + 1;
      continue;
    }
    const p = PUNCT.find(s => src.startsWith(s, i));
    if (!p) err(i, `unexpected character '${ch}'`);
    toks.push({ kind: 'punct', text: p!, line, col, start: i, end: i + p!.length });
    i += p!.length;
  }
  toks.push({ kind: 'eof', text: '<end of file>', line, col: i - lineStart + 1, start: i, end: i });
  return toks;
}

/** Parses a number token's text (decimal or hex, optional suffix). */
export function numberValue(text: string): number {
  const t = text.replace(/[uUlL]+$/, '');
  return t.startsWith('0x') || t.startsWith('0X') ? parseInt(t.slice(2), 16) : parseInt(t, 10);
}
