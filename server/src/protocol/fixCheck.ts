// Checks a planned fix as the compiler's front end would see it, before it is offered: the edits
// are applied to a copy of the file, the copy is re-parsed with tree-sitter, and the fix is
// refused if it adds syntax errors, if an ordering it writes does not resolve (through the file's
// imports and paths, by the same resolver the review uses) to the ordering it means, or if it
// imports a name that does not exist. The protocol side (the race is gone) is checked by
// exploration; this is the "it compiles" side.

import { createHash } from 'node:crypto';
import type { Position, Range, TextEdit } from './finding';
import type { Ordering } from '../rust/site';
import { isKnownOrderingItem, type Family } from './orderings';
import { ParseTimeout, parseRust, reparseRust, type SyntaxNode, type Tree } from '../rust/parser';
import { TreeCache } from '../rust/trees';
import { OrderingResolver } from '../rust/orderings';
import { buildFileScope, enclosingFn, FnScope, type FileScope } from '../rust/scope';
import { useDecls } from './useTrees';

/** An ordering the fix writes: where (in the text before the edits) and what it must resolve to. */
export interface WrittenOrdering { range: Range; to: Ordering; family: Family }

/** A `fence(<to>)` statement the fix inserts (its edits hold one insertion per fence, in order). */
export interface WrittenFence { to: Ordering }

/** Offsets at which the lines of `text` start. */
export function lineStarts(text: string): number[] {
  const starts = [0];
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
  return starts;
}

const offsetIn = (starts: number[], text: string, p: Position): number =>
  Math.min((starts[p.line] ?? text.length) + p.character, text.length);

/** An edit as offsets into the text before it. */
export interface EditSpan { from: number; to: number; newText: string }

/**
 * The text after `edits` (those for this file), and where an offset of the old text lands in it.
 * `starts` are the old text's line starts, when the caller has them.
 */
export function applyTextEdits(text: string, edits: TextEdit[], starts: number[] = lineStarts(text)): { text: string; map: (offset: number, side?: 'before' | 'after') => number; spans: EditSpan[] } | null {
  const spans = edits.map(e => ({ from: offsetIn(starts, text, e.range.start), to: offsetIn(starts, text, e.range.end), newText: e.newText })).sort((a, b) => a.from - b.from || a.to - b.to);
  for (let i = 1; i < spans.length; i++) if (spans[i].from < spans[i - 1].to) return null; // overlapping edits
  let out = '';
  let at = 0;
  for (const s of spans) { out += text.slice(at, s.from) + s.newText; at = s.to; }
  out += text.slice(at);
  // `side`: whether the offset ends up before or after (the default) text inserted exactly at it.
  const map = (offset: number, side: 'before' | 'after' = 'after'): number => {
    let shift = 0;
    for (const s of spans) {
      if (s.to < offset || (s.to === offset && (s.from < s.to || side === 'after'))) shift += s.newText.length - (s.to - s.from);
    }
    return offset + shift;
  };
  return { text: out, map, spans };
}

function countErrors(tree: Tree): number {
  if (!tree.rootNode.hasError) return 0;
  let n = 0;
  const c = tree.walk();
  for (;;) {
    if (c.nodeType === 'ERROR' || c.nodeIsMissing) n++;
    if (c.gotoFirstChild()) continue;
    while (!c.gotoNextSibling()) {
      if (!c.gotoParent()) { c.delete(); return n; }
    }
  }
}

function positionOf(starts: number[], offset: number): { row: number; column: number } {
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) { const mid = (lo + hi + 1) >> 1; if (starts[mid] <= offset) lo = mid; else hi = mid - 1; }
  return { row: lo, column: offset - starts[lo] };
}

/** Imports the edit added that name no existing item (compared with the file before it). */
function madeUpImports(had: Set<string>, after: FileScope): string[] {
  return [...after.imports.values(), ...after.globs].map(i => i.path).filter(p => !had.has(p) && !isKnownOrderingItem(p.split('::')));
}

/**
 * The unedited file a review checks its fixes against, read once per text: its tree (lent by
 * the review, or parsed here), scope, error count and imports. Each fix is then checked on a copy
 * of that tree edited where the fix edits, so tree-sitter re-reads only the edited spans.
 */
interface Baseline {
  text: string;
  tree: Tree;
  scope: FileScope;
  /** The tree is the review's (see lendTree), valid only while the review runs. */
  lent: boolean;
  starts: number[];
  errors: number;
  imports: Set<string>;
  /** Doubly bound names, read when a fix first writes a `use` item. */
  twice?: string[];
  /** What the file's imports, globs and consts resolve names to (the fix-check memo's file part). */
  names?: string;
}

/** Trees of unedited texts parsed here (a review that lends none): the next text is parsed incrementally from the last. */
const bases = new TreeCache(1);
const BASE = '<fix check>';
const lent = new Map<string, { tree: Tree; scope: FileScope }>();
let baseline: Baseline | null = null;

/**
 * Lets fix checks of `text` use the review's tree and scope instead of parsing the text again.
 * Call the returned function before the tree may be freed.
 */
export function lendTree(text: string, tree: Tree, scope: FileScope): () => void {
  lent.set(text, { tree, scope });
  return () => {
    if (lent.get(text)?.tree !== tree) return;
    lent.delete(text);
    if (baseline?.lent && baseline.tree === tree) baseline = null;
  };
}

function baselineOf(text: string): Baseline {
  if (baseline?.text === text) return baseline;
  const l = lent.get(text);
  const tree = l?.tree ?? bases.parse(BASE, text);
  const scope = l?.scope ?? buildFileScope(tree.rootNode, text);
  baseline = { text, tree, scope, lent: !!l, starts: lineStarts(text), errors: countErrors(tree), imports: new Set([...scope.imports.values(), ...scope.globs].map(i => i.path)) };
  return baseline;
}

/** Names two `use` leaves of one block bind (rustc's E0252). */
function doubleImports(text: string): string[] {
  const seen = new Map<string, string>();
  const out: string[] = [];
  for (const d of useDecls(text)) {
    for (const l of d.leaves) {
      if (!l.local || l.glob) continue;
      const k = `${d.scope.start}:${l.local}`;
      const path = l.path.join('::');
      if (seen.has(k) && seen.get(k) !== path) out.push(l.local);
      else seen.set(k, path);
    }
  }
  return out;
}

function resolveAt(root: SyntaxNode, scope: FileScope, starts: number[], from: number, to: number): ReturnType<OrderingResolver['resolve']> | null {
  const node = root.descendantForPosition(positionOf(starts, from), positionOf(starts, Math.max(from, to - 1)));
  if (!node) return null;
  let n: SyntaxNode | null = node;
  while (n && n.endIndex - n.startIndex < to - from && n.parent) n = n.parent;
  if (!n) return null;
  const fn = enclosingFn(n);
  return new OrderingResolver(scope).resolve(n, fn ? new FnScope(fn) : null);
}

/** How many fix checks ran, and how many answers were reused from an earlier check of the same function. */
export interface FixCheckCounts { checked: number; reused: number }
const counts: FixCheckCounts = { checked: 0, reused: 0 };

/** Fix checks so far in this process (tests read the difference across a review). */
export function fixCheckCounts(): FixCheckCounts {
  return { ...counts };
}

/** Forgets every answer kept for reuse (tests compare a review with one that reuses nothing). */
export function forgetFixChecks(): void {
  memo.clear();
}

/**
 * Answers of earlier checks, by what they read. A fix whose edits all lie inside one function of
 * a file that parses cleanly reads only that function's text and the names the file's `use`
 * items and consts declare: its answer holds for any text with the same function and the same
 * names, wherever the function now sits. Typing in one function of a big file then re-checks that
 * function's fixes only.
 */
const memo = new Map<string, string | null>();
const MEMO_LIMIT = 4096;

/** Words that declare what the names part of the key holds: a function or an edit that has one is checked afresh. */
const DECLARES = /\b(?:use|const|static)\b/;
/** Edit text that can write a `use` item (and so bind a name twice). */
const WRITES_USE = /[{},;]|\buse\b/;

/** The innermost function of the unedited file that strictly contains every offset range. */
function functionAround(scope: FileScope, ranges: { from: number; to: number }[]): { start: number; end: number } | null {
  if (ranges.length === 0) return null;
  const lo = Math.min(...ranges.map(r => r.from));
  const hi = Math.max(...ranges.map(r => r.to));
  let best: { start: number; end: number } | null = null;
  for (const sp of scope.spans) {
    if (sp.start > lo) break; // spans are in document order
    if (sp.kind === 'fn' && sp.start < lo && hi < sp.end && (!best || sp.start >= best.start)) best = sp;
  }
  return best;
}

/** What a file's names resolve to (imports, globs, consts), as text: a key part for answers that read only those. */
export function scopeNames(scope: FileScope): string {
  return JSON.stringify([
    [...scope.imports].map(([k, v]) => [k, v.path]),
    scope.globs.map(g => g.path),
    [...scope.consts].map(([k, c]) => [k, c.type, c.value.text]),
  ]);
}

/**
 * The function all edits lie in, when the check reads nothing else of the file but its names: the
 * file parses cleanly, and neither the function nor the edits declare a name (`use`, `const`,
 * `static`) or open or close a block. Such edits leave every item outside the function as it was.
 */
function localFunction(base: Baseline, spans: EditSpan[], writes: { from: number; to: number }[]): { start: number; text: string } | null {
  if (base.errors > 0 || spans.some(s => DECLARES.test(s.newText) || /[{}]/.test(s.newText))) return null;
  const fn = functionAround(base.scope, [...spans, ...writes]);
  if (!fn) return null;
  const text = base.text.slice(fn.start, fn.end);
  return DECLARES.test(text) ? null : { start: fn.start, text };
}

/**
 * Why the fix would not compile (or would not say what it means), or null when it passes.
 * `edits` are the fix's edits for this file only.
 */
export function fixProblem(before: string, edits: TextEdit[], writes: WrittenOrdering[], fences: WrittenFence[] = []): string | null {
  const base = baselineOf(before);
  const applied = applyTextEdits(before, edits, base.starts);
  if (!applied) return 'its edits overlap';
  const at = writes.map(w => ({ from: offsetIn(base.starts, before, w.range.start), to: offsetIn(base.starts, before, w.range.end), w }));
  const fn = localFunction(base, applied.spans, at);
  let key: string | null = null;
  if (fn !== null) {
    const { start } = fn;
    key = createHash('sha1').update(JSON.stringify([
      (base.names ??= scopeNames(base.scope)), fn.text,
      applied.spans.map(s => [s.from - start, s.to - start, s.newText]),
      at.map(x => [x.from - start, x.to - start, x.w.to, x.w.family]),
      fences.map(f => f.to),
    ])).digest('base64');
    if (memo.has(key)) {
      const answer = memo.get(key)!;
      // Most recently used last: the oldest answers go first.
      memo.delete(key);
      memo.set(key, answer);
      counts.reused++;
      return answer;
    }
  }
  counts.checked++;
  const answer = check(base, applied, at, fences, fn !== null);
  if (key !== null) {
    memo.set(key, answer);
    if (memo.size > MEMO_LIMIT) memo.delete(memo.keys().next().value!);
  }
  return answer;
}

/** The unedited tree, copied and edited where the fix edits, re-read by tree-sitter there only. */
function editedTree(base: Baseline, spans: EditSpan[], text: string): Tree {
  const copy = base.tree.copy();
  // Last edit first: the positions of the earlier ones stay those of the unedited text.
  for (let i = spans.length - 1; i >= 0; i--) {
    const s = spans[i];
    const start = positionOf(base.starts, s.from);
    const nl = s.newText.lastIndexOf('\n');
    const rows = nl < 0 ? 0 : s.newText.split('\n').length - 1;
    copy.edit({
      startIndex: s.from, oldEndIndex: s.to, newEndIndex: s.from + s.newText.length,
      startPosition: start, oldEndPosition: positionOf(base.starts, s.to),
      newEndPosition: { row: start.row + rows, column: nl < 0 ? start.column + s.newText.length : s.newText.length - nl - 1 },
    } as Parameters<Tree['edit']>[0]);
  }
  const tree = reparseRust(text, copy);
  copy.delete();
  // As the review's own trees: broken text is parsed afresh (error recovery can settle otherwise on reused nodes).
  if (!tree.rootNode.hasError) return tree;
  tree.delete();
  return parseRust(text);
}

function check(base: Baseline, applied: NonNullable<ReturnType<typeof applyTextEdits>>, writes: { from: number; to: number; w: WrittenOrdering }[], fences: WrittenFence[], local: boolean): string | null {
  let newTree: Tree;
  try {
    newTree = editedTree(base, applied.spans, applied.text);
  } catch (e) {
    if (e instanceof ParseTimeout) return 'the edited file could not be parsed in time';
    throw e;
  }
  try {
    if (countErrors(newTree) > base.errors) return 'the edited file does not parse';
    // Edits inside one function that declare nothing leave the file's names as they were: its
    // scope is the unedited file's (only its imports, globs and consts are read below), and
    // they import nothing, once or twice.
    const newScope = local ? base.scope : buildFileScope(newTree.rootNode, applied.text);
    const bogus = local ? [] : madeUpImports(base.imports, newScope);
    if (bogus.length) return `it would import \`${bogus[0]}\`, which does not exist`;
    // Only an edit that writes a `use` item can bind a name twice; replacing an ordering argument cannot.
    const touchesUse = !local && applied.spans.some(sp => WRITES_USE.test(sp.newText));
    const twice = touchesUse ? doubleImports(applied.text).filter(n => !(base.twice ??= doubleImports(base.text)).includes(n)) : [];
    if (twice.length) return `it would import \`${twice[0]}\` twice`;
    const starts = lineStarts(applied.text);
    for (const { from, to, w } of writes) {
      const own = applied.spans.find(s => s.from === from && s.to === to);
      const nFrom = applied.map(from, 'before');
      const nTo = own ? nFrom + own.newText.length : applied.map(to, 'before');
      const r = resolveAt(newTree.rootNode, newScope, starts, nFrom, nTo);
      const written = applied.text.slice(nFrom, nTo).trim();
      if (!r || r.ordering === null || r.resolution === 'name-only' || r.resolution === 'unresolved') return `\`${written}\` would not resolve to an ordering through the file's imports`;
      if (r.ordering !== w.to || r.family !== w.family) return `\`${written}\` would resolve to ${r.family === 'kernel' ? 'the kernel\'s' : 'std\'s'} ${r.ordering}, not ${w.family === 'kernel' ? 'the kernel\'s' : 'std\'s'} ${w.to}`;
    }
    const inserts = applied.spans.filter(sp => sp.from === sp.to && /\bfence\(/.test(sp.newText));
    for (const [i, f] of fences.entries()) {
      // The statement the planner inserted for this fence (one insertion per fence, in region order).
      const sp = inserts[i];
      if (!sp) return 'the fence was not inserted';
      const at = applied.text.indexOf('fence(', applied.map(sp.from, 'before'));
      const node = newTree.rootNode.descendantForPosition(positionOf(starts, at));
      let call: SyntaxNode | null = node;
      while (call && call.type !== 'call_expression') call = call.parent;
      const callee = call?.childForFieldName('function');
      const arg = call?.childForFieldName('arguments')?.namedChildren[0];
      if (!call || !callee || !arg) return 'the inserted fence is not a call';
      if (!calleeIsFence(callee, newScope)) return `\`${callee.text}\` would not resolve to the atomic fence`;
      const fn = enclosingFn(call);
      const r = new OrderingResolver(newScope).resolve(arg, fn ? new FnScope(fn) : null);
      if (!r || r.ordering !== f.to || r.family !== 'std' || r.resolution === 'name-only' || r.resolution === 'unresolved') return `\`${arg.text}\` would not resolve to std's ${f.to}`;
    }
    return null;
  } finally {
    newTree.delete();
  }
}

/** `fence` imported from std's atomic module, `atomic::fence` with `atomic` imported, or the full path. */
function calleeIsFence(callee: SyntaxNode, scope: FileScope): boolean {
  const segs = callee.text.replace(/\s+/g, '').split('::');
  if (segs[segs.length - 1] !== 'fence') return false;
  const head = scope.imports.get(segs[0]);
  const full = segs.length === 1 ? head?.path.split('::') : head ? [...head.path.split('::'), ...segs.slice(1)] : segs;
  return !!full && isKnownOrderingItem(full) && full.length >= 2 && full[full.length - 2] === 'atomic';
}
