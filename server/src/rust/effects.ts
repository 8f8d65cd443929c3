// What the code on one outcome of a count test does with the protected object. A count reaching
// zero only matters to the memory model when the thread that sees it then uses the object alone:
// frees it, drops it, reads it out, or takes `&mut` to it. A wait group or countdown whose zero
// only wakes someone, and a kernel refcount whose zero only panics or warns (the count must never
// get there), hand nothing over, so they are not reference-count drops. The reader decides from
// the calls, macros and writes on the path; calls it cannot place make the answer `unknown`.

import type { SyntaxNode } from './parser';
import type { PathEffect, Range } from './site';
import { pathSegments, rangeOf } from './syntax';

/** Ending an object's life or taking it over: free, drop, deallocate, read the value out. */
const EXCLUSIVE_CALL = /^(drop_in_place|kfree|kvfree|vfree|with_mut|get_mut\w*|assume_init_drop|assume_init_read|release_\w+|\w+_release)$|(^|_)(drop|free|dealloc|deallocate|destroy|dispose|reclaim|delete|finali[sz]e)(_|$)/;
/** Telling someone else: wakers, notifiers, channel close, latch set, flag stores. */
const NOTIFY_CALL = /^(notify\w*|wake\w*|unpark\w*|send\w*|try_send\w*|close\w*|set\w*|signal\w*|tickle\w*|disconnect\w*|cancel\w*|complete\w*|store|swap|fetch_\w+|compare_exchange\w*|schedule\w*|unlock|broadcast\w*|post\w*)$/;
/** Calls that read or convert without handing the object over. */
const NEUTRAL_CALL = /^(unwrap\w*|expect|as_\w+|get|is_\w+|len|iter\w*|into_iter|enumerate|map\w*|ok|err|clone|borrow\w*|lock|read|deref\w*|cast\w*|addr_of\w*|load|from_ptr|into|to_\w+|header|inner|state|ptr|offset|add|sub|wrapping_\w+|checked_\w+|min|max|forget|from)$/;
/** Reaching the code at all is a bug: the path is a debug check, not a hand-over. */
const DEBUG_MACRO = /^(panic|unreachable|todo|unimplemented|bug|BUG|BUG_ON|WARN\w*|warn_on\w*)$/;

/** A same-file function body by name, to follow one or two calls deep. */
export type FnLookup = (name: string) => SyntaxNode | null;

interface Tally { exclusive?: string; at?: Range; unknown: string[]; notify?: string; debug?: string }

/**
 * Classifies the statements of a path. `exclusive` wins over everything (the path does take the
 * object), then `unknown` (a call the reader cannot place might), then `notifies`, then
 * `debug-check`. A path with nothing on it is `unknown`: the caller may do the rest.
 */
export function pathEffect(stmts: SyntaxNode[], lookup: FnLookup, depth = 0, seen = new Set<string>()): PathEffect {
  const t: Tally = { unknown: [] };
  for (const st of stmts) scan(st, t, lookup, depth, seen);
  if (t.exclusive) return { kind: 'exclusive', evidence: t.exclusive, ...(t.at ? { at: t.at } : {}) };
  if (t.unknown.length) return { kind: 'unknown', evidence: `calls ${[...new Set(t.unknown)].slice(0, 3).map(n => `\`${n}\``).join(', ')}` };
  if (t.notify) return { kind: 'notifies', evidence: t.notify };
  if (t.debug) return { kind: 'debug-check', evidence: t.debug };
  // Nothing visible here: the value may go back to a caller that frees (`return true`), or an
  // Acquire fence may stand before drop glue. Not a countdown for sure, so not known.
  return { kind: 'unknown', evidence: 'does nothing visible with the object' };
}

const KINDS = ['call_expression', 'macro_invocation', 'assignment_expression', 'reference_expression'];

function scan(st: SyntaxNode, t: Tally, lookup: FnLookup, depth: number, seen: Set<string>): void {
  const nodes = KINDS.includes(st.type) ? [st, ...st.descendantsOfType(KINDS)] : st.descendantsOfType(KINDS);
  for (const n of nodes) {
    if (t.exclusive) return;
    if (n.type === 'macro_invocation') {
      const name = n.childForFieldName('macro')?.text.split('::').pop() ?? '';
      if (DEBUG_MACRO.test(name)) t.debug ??= `\`${name}!\``;
      continue;
    }
    if (n.type === 'assignment_expression') {
      // `*slot = None` drops the old value in place: only the exclusive owner may do that.
      const left = n.childForFieldName('left');
      if (left?.type === 'unary_expression' && left.child(0)?.type === '*') { t.exclusive = `\`${oneLine(n.text)}\``; t.at = rangeOf(n); }
      continue;
    }
    if (n.type === 'reference_expression') {
      if (n.children.some(c => c?.type === 'mutable_specifier') && derefs(n)) { t.exclusive = `\`${oneLine(n.text)}\``; t.at = rangeOf(n); }
      continue;
    }
    callEffect(n, t, lookup, depth, seen);
  }
}

function callEffect(call: SyntaxNode, t: Tally, lookup: FnLookup, depth: number, seen: Set<string>): void {
  let f = call.childForFieldName('function');
  if (f?.type === 'generic_function') f = f.childForFieldName('function');
  if (!f) return;
  const path = f.type === 'field_expression' ? null : pathSegments(f);
  const name = f.type === 'field_expression' ? f.childForFieldName('field')?.text ?? '' : path![path!.length - 1];
  const owner = path && path.length >= 2 ? path[path.length - 2] : '';
  if (path && path.length === 1 && /^[A-Z]/.test(name)) return; // tuple-struct or variant constructor
  if (/^(is|has|can)_/.test(name)) return; // a predicate (`is_free()`) reads, whatever its noun
  const take = (): void => { t.exclusive = `\`${oneLine(call.text)}\``; t.at = rangeOf(call); };
  // Library calls that end or take the object, whatever the file defines.
  if ((name === 'from_raw' && /^(Box|Arc|Rc|Vec|String|KBox|KVec|ARef)$/.test(owner))
    || (name === 'read' && owner === 'ptr')
    || ((name === 'take' || name === 'drop') && owner === 'ManuallyDrop')
    || (f.type !== 'field_expression' && (name === 'drop' || name === 'drop_in_place' || name === 'dealloc'))) return take();
  // A function of this file is judged by its body, before any name rule.
  const body = depth < 2 && !seen.has(name) ? lookup(name) : null;
  if (body) {
    seen.add(name);
    const inner = pathEffect([body], lookup, depth + 1, seen);
    if (inner.kind === 'exclusive') { t.exclusive = `\`${name}()\`, which does ${inner.evidence}`; t.at = rangeOf(call); }
    else if (inner.kind === 'unknown') t.unknown.push(name);
    else if (inner.kind === 'notifies') t.notify ??= `\`${name}()\``;
    else t.debug ??= `\`${name}()\``;
    return;
  }
  // `T::release(obj)` is a kref-style destructor; a method `sem.release()` hands back a permit.
  if ((name === 'release' && f.type !== 'field_expression') || EXCLUSIVE_CALL.test(name)) return take();
  // Emptying the object's own state in place on the path itself (`self.queue.clear()`,
  // `self.slot.take()`), as only its sole owner may; inside helpers such calls are their business.
  const recv = f.type === 'field_expression' ? f.childForFieldName('value') : null;
  if (depth === 0 && recv?.type === 'field_expression' && recv.childForFieldName('value')?.type === 'self' && /^(clear|drain\w*|truncate|take|reset)$/.test(name)) return take();
  if (name === 'abort' || name === 'panic_any') { t.debug ??= `\`${name}()\``; return; }
  if (NOTIFY_CALL.test(name) || name === 'release') { t.notify ??= `\`${name}()\``; return; }
  if (NEUTRAL_CALL.test(name)) return;
  t.unknown.push(name);
}

/** `&mut *p`, `&mut (*this.ptr()).data`: a mutable borrow through a raw pointer. */
function derefs(n: SyntaxNode): boolean {
  return n.descendantsOfType('unary_expression').some(u => u.child(0)?.type === '*');
}

function oneLine(s: string): string {
  const t = s.replace(/\s+/g, ' ').trim();
  return t.length > 60 ? t.slice(0, 57) + '...' : t;
}
