// Checks a planned fix as the compiler's front end would see it, before it is offered: the edits
// are applied to a copy of the file, the copy is re-parsed with tree-sitter, and the fix is
// refused if it adds syntax errors, if an ordering it writes does not resolve (through the file's
// imports and paths, by the same resolver the review uses) to the ordering it means, or if it
// imports a name that does not exist. The protocol side (the race is gone) is checked by
// exploration; this is the "it compiles" side.

import type { Position, Range, TextEdit } from './finding';
import type { Ordering } from '../rust/site';
import { isKnownOrderingItem, type Family } from './orderings';
import type { SyntaxNode, Tree } from '../rust/parser';
import { TreeCache } from '../rust/trees';
import { OrderingResolver } from '../rust/orderings';
import { buildFileScope, enclosingFn, FnScope, type FileScope } from '../rust/scope';
import { useDecls } from './useTrees';

/** An ordering the fix writes: where (in the text before the edits) and what it must resolve to. */
export interface WrittenOrdering { range: Range; to: Ordering; family: Family }

/** A `fence(<to>)` statement the fix inserts (its edits hold one insertion per fence, in order). */
export interface WrittenFence { to: Ordering }

function lineStarts(text: string): number[] {
  const starts = [0];
  for (let i = 0; i < text.length; i++) if (text[i] === '\n') starts.push(i + 1);
  return starts;
}

const offsetIn = (starts: number[], text: string, p: Position): number =>
  Math.min((starts[p.line] ?? text.length) + p.character, text.length);

/** The text after `edits` (those for this file), and where an offset of the old text lands in it. */
export function applyTextEdits(text: string, edits: TextEdit[]): { text: string; map: (offset: number, side?: 'before' | 'after') => number; spans: { from: number; to: number; newText: string }[] } | null {
  const starts = lineStarts(text);
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
 * The trees of the file under check and of its edited copies. A review checks many fixes against
 * one text, and each copy differs from it by a small edit: parsed incrementally from the previous
 * tree, a copy of a 10k-line file costs milliseconds instead of a full parse each.
 */
const copies = new TreeCache(1);
const COPY = '<fix check>';

/** The unedited file's error count, import paths and doubly bound names: a review checks several fixes against one text. */
let baseline: { text: string; errors: number; imports: Set<string>; twice: string[] } | null = null;

function baselineOf(text: string): { errors: number; imports: Set<string>; twice: string[] } {
  if (baseline?.text !== text) {
    const tree = copies.parse(COPY, text);
    const scope = buildFileScope(tree.rootNode);
    baseline = { text, errors: countErrors(tree), imports: new Set([...scope.imports.values(), ...scope.globs].map(i => i.path)), twice: doubleImports(text) };
  }
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

/**
 * Why the fix would not compile (or would not say what it means), or null when it passes.
 * `edits` are the fix's edits for this file only.
 */
export function fixProblem(before: string, edits: TextEdit[], writes: WrittenOrdering[], fences: WrittenFence[] = []): string | null {
  const applied = applyTextEdits(before, edits);
  if (!applied) return 'its edits overlap';
  const base = baselineOf(before);
  const newTree = copies.parse(COPY, applied.text);
  {
    if (countErrors(newTree) > base.errors) return 'the edited file does not parse';
    const newScope = buildFileScope(newTree.rootNode);
    const bogus = madeUpImports(base.imports, newScope);
    if (bogus.length) return `it would import \`${bogus[0]}\`, which does not exist`;
    // Only an edit that writes a `use` item can bind a name twice; replacing an ordering argument cannot.
    const touchesUse = applied.spans.some(sp => /[{},;]|\buse\b/.test(sp.newText));
    const twice = touchesUse ? doubleImports(applied.text).filter(n => !base.twice.includes(n)) : [];
    if (twice.length) return `it would import \`${twice[0]}\` twice`;
    const starts = lineStarts(applied.text);
    const oldStarts = lineStarts(before);
    for (const w of writes) {
      const from = offsetIn(oldStarts, before, w.range.start);
      const to = offsetIn(oldStarts, before, w.range.end);
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
