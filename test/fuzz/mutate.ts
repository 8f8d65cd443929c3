// Seeded text mutations for the fuzzer. Everything derives from one 32-bit seed per input, so an
// input is reproduced from (seed, kind, index) alone; the saved failure still carries the text.

/** A small, fast PRNG (mulberry32): plenty for choosing mutations, and identical on every machine. */
export class Rng {
  private s: number;
  constructor(seed: number) { this.s = seed >>> 0; }
  next(): number {
    let t = (this.s = (this.s + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  /** An integer in [lo, hi). */
  int(lo: number, hi: number): number { return lo + Math.floor(this.next() * Math.max(0, hi - lo)); }
  pick<T>(xs: readonly T[]): T { return xs[this.int(0, xs.length)]; }
  chance(p: number): boolean { return this.next() < p; }
  /** Small numbers often, large ones sometimes (sizes, repetition counts). */
  skewed(max: number): number { return Math.floor(Math.pow(this.next(), 3) * max); }
}

/** FNV-1a over a string: the per-input seed is hash(seed, kind, index). */
export function hash32(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) { h ^= s.charCodeAt(i); h = Math.imul(h, 0x01000193); }
  return h >>> 0;
}

export function inputSeed(seed: number, kind: string, index: number): number {
  return hash32(`${seed}:${kind}:${index}`);
}

// Unusual text: combining marks piled on one letter, bidi controls, astral-plane characters, the
// replacement character, lone surrogates (as JS string units, and as Rust escapes), BOM, NUL-free
// control characters, CRLF and lone CR line ends.
const UNICODE: readonly string[] = [
  'e\u0301\u0302\u0303\u0304\u0305\u0306\u0307', '\u202e', '\u202d', '\u200f', '\u2066\u2069', '\u{1f600}', '\u{10ffff}',
  '\u{1d11e}', '\ufffd', '\ud800', '\udfff', '\udc00\ud800', "'\\u{D800}'", '"\\u{DFFF}"', '\ufeff', '\u00a0', '\u2028',
  '\u2029', '\r', '\r\n', '\t', '\u000b', '\u000c', 'é', '变量', 'ǅ', '\u0300'.repeat(64),
];

const RUST_TOKENS: readonly string[] = [
  '{', '}', '(', ')', '[', ']', ';', ',', '::', '.', '&', '*', '!', '?', '->', '=>', '|', "'a", '#[inline]', '#![no_std]',
  'fn', 'impl', 'struct', 'enum', 'trait', 'unsafe', 'let', 'mut', 'match', 'if', 'else', 'loop', 'while', 'return',
  'pub', 'use', 'mod', 'where', 'self', 'Self', 'super', 'crate', 'macro_rules!', 'dyn', 'async', 'await', 'move',
  'Ordering::Relaxed', 'Ordering::Acquire', 'Ordering::Release', 'Ordering::AcqRel', 'Ordering::SeqCst', 'Relaxed',
  'Acquire', 'Release', 'SeqCst', 'core::sync::atomic::Ordering', 'use std::sync::atomic::{AtomicUsize, Ordering};',
  '.fetch_sub(1, Ordering::Release)', '.fetch_add(1, Ordering::Relaxed)', '.load(Ordering::Acquire)',
  '.store(0, Ordering::Release)', '.compare_exchange(1, 0, Ordering::Acquire, Ordering::Relaxed)',
  '.compare_exchange_weak(n, n + 1, Relaxed, Relaxed)', 'fence(Ordering::Acquire);', 'atomic::fence(Acquire)',
  'AtomicUsize::compare_exchange(&self.count, 2, 0, Relaxed, Relaxed)', 'refcount_inc(', 'atomic_dec_and_test(',
  'self.refcount', 'self.inner().strong', '== 1', '!= 0', 'drop_slow()', 'unreachable!()', 'r#"raw"#', "b'\\x00'",
  '/*', '*/', '//', '/// doc', '"unterminated', "'", '0x_ffff_ffff_ffff_ffff_ffff', '1e400', 'usize::MAX',
];

const LITMUS_TOKENS: readonly string[] = [
  '{', '}', '(', ')', ';', ',', '*', '&', '=', '==', '!=', '/\\', '\\/', '~', 'exists', 'forall', 'filter', 'locations',
  'P0', 'P1', 'P2', 'P7', 'P99', 'C', 'LKMM', 'int', 'atomic_int', 'atomic_int*', 'int*', 'r0', 'r9', '0:r0=1', '1:r1=0',
  'x=2', '[x]', '[y] = 1;', 'atomic_load_explicit(x, memory_order_acquire)',
  'atomic_store_explicit(y, 1, memory_order_release);', 'atomic_fetch_add_explicit(x, 1, memory_order_relaxed);',
  'atomic_compare_exchange_strong_explicit(x, &e, 1, memory_order_seq_cst, memory_order_relaxed)',
  'atomic_thread_fence(memory_order_seq_cst);', 'atomic_thread_fence(memory_order_relaxed);', 'memory_order_consume',
  'READ_ONCE(*x)', 'WRITE_ONCE(*y, 1);', 'smp_mb();', 'smp_rmb();', 'smp_wmb();', 'smp_load_acquire(x)',
  'smp_store_release(y, 1);', 'atomic_inc(v);', 'atomic_dec_and_test(v)', 'spin_lock(l);', 'rcu_read_lock();',
  'if (r0 == 1) {', 'while (1) {', 'else', 'goto', '(*', '*)', '"', '99999999999999999999', '-1', '0x7fffffff',
  '2147483648', 'atomic_t', 'spinlock_t',
];

export type Mutation = (r: Rng, text: string) => string;

/** A span [a, b) of `text`: usually short, sometimes long. */
function span(r: Rng, text: string): [number, number] {
  const a = r.int(0, text.length + 1);
  const len = r.chance(0.8) ? r.skewed(64) : r.skewed(text.length);
  return [a, Math.min(text.length, a + len)];
}

/** Positions at line starts and token boundaries make mutations land where parsers decide things. */
function point(r: Rng, text: string): number {
  if (r.chance(0.5) || text.length === 0) return r.int(0, text.length + 1);
  const i = r.int(0, text.length);
  const nl = text.indexOf('\n', i);
  return nl < 0 ? text.length : nl + 1;
}

const insert = (text: string, at: number, s: string): string => text.slice(0, at) + s + text.slice(at);

export const deleteSpan: Mutation = (r, t) => { const [a, b] = span(r, t); return t.slice(0, a) + t.slice(b); };
export const duplicateSpan: Mutation = (r, t) => {
  const [a, b] = span(r, t);
  const copies = r.chance(0.9) ? 1 : r.int(2, 200);
  return insert(t, point(r, t), t.slice(a, b).repeat(copies));
};
export const truncate: Mutation = (r, t) => t.slice(0, r.int(0, t.length + 1));

/** Swaps two lines, or two whole spans (reorders statements, items, threads). */
export const swap: Mutation = (r, t) => {
  if (r.chance(0.5)) {
    const lines = t.split('\n');
    if (lines.length < 2) return t;
    const i = r.int(0, lines.length);
    const j = r.int(0, lines.length);
    [lines[i], lines[j]] = [lines[j], lines[i]];
    return lines.join('\n');
  }
  let [a, b] = span(r, t);
  let [c, d] = span(r, t);
  if (c < a) [a, b, c, d] = [c, d, a, b];
  if (c < b) return t;
  return t.slice(0, a) + t.slice(c, d) + t.slice(b, c) + t.slice(a, b) + t.slice(d);
};

export const unicode: Mutation = (r, t) => {
  let out = t;
  for (let n = r.int(1, 6); n > 0; n--) out = insert(out, r.int(0, out.length + 1), r.pick(UNICODE).repeat(r.chance(0.9) ? 1 : r.int(2, 500)));
  return out;
};

/** One line of tens of thousands of characters. */
export const longLine: Mutation = (r, t) => {
  const unit = r.chance(0.5) ? r.pick(RUST_TOKENS.concat(LITMUS_TOKENS)) + ' ' : r.pick(['x', ' ', 'a + ', '1, ', '((', '/\\ ', '\ufffd']);
  return insert(t, point(r, t), unit.repeat(r.int(1_000, 60_000 / Math.max(1, unit.length) + 1_000)));
};

function tokenInsertion(tokens: readonly string[]): Mutation {
  return (r, t) => {
    let out = t;
    for (let n = r.int(1, 8); n > 0; n--) {
      const tok = r.pick(tokens);
      out = insert(out, point(r, out), r.chance(0.5) ? tok : ` ${tok} `);
    }
    return out;
  };
}

/** Wraps a span in thousands of blocks or parentheses (or opens them and never closes). */
function nesting(open: readonly [string, string][]): Mutation {
  return (r, t) => {
    const [o, c] = r.pick(open);
    const depth = r.chance(0.3) ? r.int(1_000, 5_000) : r.int(1, 300);
    const [a, b] = span(r, t);
    const closed = r.chance(0.85);
    return t.slice(0, a) + o.repeat(depth) + t.slice(a, b) + (closed ? c.repeat(depth) : '') + t.slice(b);
  };
}

const RUST_NESTS: readonly [string, string][] = [['{', '}'], ['(', ')'], ['[', ']'], ['{ ', ' }\n'], ['unsafe { ', ' }'], ['if x { ', ' }'], ['f(', ')'], ['&', ''], ['!', ''], ['<', '>'], ['mod m { ', ' }']];
const LITMUS_NESTS: readonly [string, string][] = [['(', ')'], ['{', '}'], ['~', ''], ['(1:r0=1 /\\ ', ')'], ['if (r0 == 1) { ', ' }'], ['*', '']];

export const RUST_MUTATIONS: readonly { name: string; fn: Mutation }[] = [
  { name: 'delete', fn: deleteSpan }, { name: 'duplicate', fn: duplicateSpan }, { name: 'nest', fn: nesting(RUST_NESTS) },
  { name: 'unicode', fn: unicode }, { name: 'long-line', fn: longLine }, { name: 'truncate', fn: truncate },
  { name: 'swap', fn: swap }, { name: 'token', fn: tokenInsertion(RUST_TOKENS) },
];
export const LITMUS_MUTATIONS: readonly { name: string; fn: Mutation }[] = [
  { name: 'delete', fn: deleteSpan }, { name: 'duplicate', fn: duplicateSpan }, { name: 'nest', fn: nesting(LITMUS_NESTS) },
  { name: 'unicode', fn: unicode }, { name: 'long-line', fn: longLine }, { name: 'truncate', fn: truncate },
  { name: 'swap', fn: swap }, { name: 'token', fn: tokenInsertion(LITMUS_TOKENS) },
];

/** Applies 1–4 mutations (rarely none: the unmutated seed is an input too); returns the text and their names. */
export function mutate(r: Rng, text: string, mutations: readonly { name: string; fn: Mutation }[]): { text: string; applied: string[] } {
  const applied: string[] = [];
  let out = text;
  const n = r.chance(0.03) ? 0 : r.int(1, 5);
  for (let i = 0; i < n; i++) {
    const m = r.pick(mutations);
    // Deep nesting and long lines are costly; more than one per input measures the same thing twice.
    if ((m.name === 'nest' || m.name === 'long-line') && applied.some(a => a === 'nest' || a === 'long-line')) continue;
    out = m.fn(r, out);
    applied.push(m.name);
  }
  return { text: out, applied };
}

/** A random edit of `text` (what a keystroke, a paste or an undo does): replace a span with a few tokens. */
export function randomEdit(r: Rng, text: string): { start: number; end: number; newText: string } {
  let start: number;
  let end: number;
  if (r.chance(0.6)) start = end = r.int(0, text.length + 1);
  else [start, end] = span(r, text);
  let newText = '';
  const k = r.chance(0.3) ? 0 : r.int(1, 4);
  for (let i = 0; i < k; i++) newText += r.chance(0.2) ? r.pick(UNICODE) : r.chance(0.5) ? r.pick(RUST_TOKENS) : r.pick([' ', '\n', 'x', '1', ';', '{', '}', '(', ')']);
  return { start, end, newText };
}
