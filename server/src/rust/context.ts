// Control context of an operation: on which path it succeeded (CAS, cmpxchg, fetch_update), what
// its result is compared with, where a decrement was the last one, and whether an acquiring
// fence or load comes first on that path. When the code does something the reader does not
// follow, the answer is `unknown` with a reason, never a guess.

import type { SyntaxNode } from './parser';
import type { AtomicOp, CompareOp, ControlPath, Ordering, PathBarrier, SiteContext, UnknownPath } from './site';
import { isAcquireOrStronger, isReleaseOrStronger } from './site';
import { blockTail, intLiteral, isComment, peel, rangeOf, statements } from './syntax';

/** What the context reader needs to know about the other sites of the file. */
export interface SiteRef {
  id: string;
  op: AtomicOp;
  receiver: string;
  ordering: Ordering | null;
  start: number;
  end: number;
  node: SyntaxNode;
}

/** A path as nodes, before it is scanned and turned into a ControlPath. */
interface RawPath {
  how: ControlPath['how'];
  /** null: nothing follows; the path is the empty range at the end of `anchor`. */
  region: SyntaxNode | { start: SyntaxNode; end: SyntaxNode } | null;
  stmts: SyntaxNode[];
  anchor?: SyntaxNode;
}

type Path = RawPath | UnknownPath;

const unknown = (reason: string): UnknownPath => ({ how: 'unknown', reason });
const isUnknown = (p: Path): p is UnknownPath => p.how === 'unknown';

const FN_BOUNDARY = new Set(['function_item', 'closure_expression']);
const LOOPS = new Set(['loop_expression', 'while_expression', 'for_expression']);
const RESULT_OPS = new Set<AtomicOp>(['compare_exchange', 'compare_exchange_weak', 'fetch_update', 'cmpxchg']);
const BOOL_OPS = new Set<AtomicOp>(['try_cmpxchg', 'dec_and_test']);
const CMP_OPS = new Set(['==', '!=', '<', '<=', '>', '>=']);
/** Macros that do not touch the protected object (assertions read the counter at most). */
const INERT_MACROS = /^(debug_assert\w*|assert\w*|pr_\w+|dev_\w+|trace|debug|info|warn|error|log|build_assert)$/;

export interface ContextInput {
  node: SyntaxNode;          // the call (or macro) expression of the site
  op: AtomicOp;
  receiver: string;
  /** For helper calls: what the helper returns, to read comparisons of its result. */
  returns?: 'old' | 'new' | 'result' | 'bool' | 'unknown';
  /** fetch_sub amount / closure effect, to know whether this is a decrement by one. */
  decrementByOne: boolean;
  constValue: (name: string) => number | null;
}

export class ContextReader {
  /** sites sorted by start offset */
  constructor(private readonly sites: SiteRef[]) {}

  read(inp: ContextInput): SiteContext {
    const { node, op } = inp;
    const outer = enclosing(node);
    const ctx: SiteContext = { inLoop: inLoop(outer), resultUse: resultUse(node) };
    if (op === 'fence') return ctx;
    const rel = this.releaseFenceBefore(node, outer);
    if (rel) ctx.releaseFence = rel;
    const returns = inp.returns ?? (RESULT_OPS.has(op) ? 'result' : BOOL_OPS.has(op) ? 'bool' : 'old');
    if (RESULT_OPS.has(op) || op === 'try_cmpxchg') {
      ctx.successPath = this.finish(returns === 'bool' ? truthPath(node, true) : returns === 'result' ? resultOkPath(node) : unknown('the helper does not return the operation\'s result'), inp.receiver);
    }
    const cmp = comparison(node, returns === 'result' && op === 'fetch_update', inp.constValue);
    if (cmp) {
      const eq = cmp.op === '==' ? truthPath(cmp.node, true) : cmp.op === '!=' ? truthPath(cmp.node, false) : null;
      ctx.comparedWith = { op: cmp.op, value: cmp.value, range: rangeOf(cmp.node), ...(eq ? { equalPath: this.finish(eq, inp.receiver) } : {}) };
    }
    if (op === 'dec_and_test') ctx.lastPath = this.finish(truthPath(node, true), inp.receiver);
    else if (inp.decrementByOne) {
      const lastValue = returns === 'new' ? 0 : 1;
      if (ctx.comparedWith && ctx.comparedWith.value === lastValue && ctx.comparedWith.equalPath) ctx.lastPath = ctx.comparedWith.equalPath;
      else if (ctx.resultUse === 'discarded') ctx.lastPath = unknown('the result is discarded: this decrement never acts as the last one');
      else ctx.lastPath = unknown(ctx.comparedWith ? `the result is compared with ${ctx.comparedWith.value}, not the last-reference value` : 'the result is not compared where the reader can follow it');
    }
    return ctx;
  }

  /** Turns a raw path into a ControlPath: range plus the first acquiring fence/load on it. */
  private finish(p: Path, receiver: string): ControlPath | UnknownPath {
    if (isUnknown(p)) return p;
    const region = p.region;
    const end = p.anchor ? rangeOf(p.anchor).end : { line: 0, character: 0 };
    const range = region === null
      ? { start: end, end }
      : 'start' in region ? { start: rangeOf(region.start).start, end: rangeOf(region.end).end } : rangeOf(region);
    const out: ControlPath = { how: p.how, range };
    let touch: SyntaxNode | null = null;
    for (const st of p.stmts) {
      const inside = this.sitesIn(st);
      const fence = inside.find(s => s.op === 'fence' && (s.ordering === null || isAcquireOrStronger(s.ordering)));
      const load = inside.find(s => s.op === 'load' && s.receiver === receiver && isAcquireOrStronger(s.ordering));
      if (fence && !out.fence) out.fence = barrier(fence, touch);
      if (load && !out.acquireLoad) out.acquireLoad = barrier(load, touch);
      if (out.fence) break;
      if (!touch && inside.length === 0 && mayTouch(st)) touch = st;
    }
    return out;
  }

  /**
   * Walks back from the operation's statement through the statements of each enclosing block to
   * the function boundary. Only a statement that is itself a fence call counts: a fence inside an
   * `if` before the operation may not have run.
   */
  private releaseFenceBefore(node: SyntaxNode, outer: Ancestor[]): PathBarrier | undefined {
    // The statements passed over, nearest first. Whether one may touch the object matters only
    // once a fence is found (rarely), so it is asked then, not of every statement before every site.
    const passed: SyntaxNode[] = [];
    for (let i = 0; i < outer.length; i++) {
      const { node: p, type } = outer[i];
      const cur = i === 0 ? node : outer[i - 1].node;
      if (FN_BOUNDARY.has(type)) return undefined;
      if (type !== 'block') continue;
      const stmts = statements(p);
      const at = stmts.findIndex(st => st.startIndex <= cur.startIndex && cur.endIndex <= st.endIndex);
      for (let i = at - 1; i >= 0; i--) {
        const st = stmts[i];
        const inside = this.sitesIn(st);
        const call = inside.some(s => s.op === 'fence') ? (st.type === 'expression_statement' ? peel(st.namedChildren[0]!) : st) : null;
        const fence = call ? inside.find(s => s.op === 'fence' && s.node.startIndex === call.startIndex && s.node.endIndex === call.endIndex) : undefined;
        if (fence) {
          if (isReleaseOrStronger(fence.ordering)) {
            // The touching statement nearest the fence, as a scan from the operation back to it would leave it.
            let touch: SyntaxNode | null = null;
            for (let k = passed.length - 1; k >= 0 && !touch; k--) if (mayTouch(passed[k])) touch = passed[k];
            return barrier(fence, touch);
          }
          continue;
        }
        passed.push(st);
      }
    }
    return undefined;
  }

  private sitesIn(n: SyntaxNode): SiteRef[] {
    const out: SiteRef[] = [];
    // Binary search for the first site starting inside n.
    let lo = 0, hi = this.sites.length;
    while (lo < hi) { const mid = (lo + hi) >> 1; if (this.sites[mid].start < n.startIndex) lo = mid + 1; else hi = mid; }
    for (let i = lo; i < this.sites.length && this.sites[i].start < n.endIndex; i++) if (this.sites[i].end <= n.endIndex) out.push(this.sites[i]);
    return out;
  }
}

function barrier(s: SiteRef, touch: SyntaxNode | null): PathBarrier {
  return { siteId: s.id, ordering: s.ordering, range: rangeOf(s.node), ...(touch ? { afterPossibleTouch: rangeOf(touch) } : {}) };
}

/** Could this statement access the protected object? Anything with a call, field, deref, index, assignment. */
function mayTouch(st: SyntaxNode): boolean {
  const inner = st.type === 'expression_statement' ? st.namedChildren[0] : st;
  if (inner?.type === 'macro_invocation' && INERT_MACROS.test(inner.childForFieldName('macro')?.text ?? '')) return false;
  return st.descendantsOfType(['call_expression', 'macro_invocation', 'field_expression', 'index_expression', 'assignment_expression', 'compound_assignment_expr', 'unary_expression', 'method_call_expression']).length > 0;
}

interface Ancestor { node: SyntaxNode; type: string }

/**
 * The ancestors of `n` up to its function or closure (included), innermost first, read once per
 * site: each `.parent` and `.type` is a call into the parser (and `.parent` searches down from
 * the root), and the loop test and the release-fence scan both climb the same chain.
 */
function enclosing(n: SyntaxNode): Ancestor[] {
  const out: Ancestor[] = [];
  for (let p = n.parent; p; p = p.parent) {
    const type = p.type;
    out.push({ node: p, type });
    if (FN_BOUNDARY.has(type)) break;
  }
  return out;
}

function inLoop(outer: Ancestor[]): boolean {
  for (const { type } of outer) {
    if (FN_BOUNDARY.has(type)) return false;
    if (LOOPS.has(type)) return true;
  }
  return false;
}

/** Goes up through parentheses. */
function up(n: SyntaxNode): { node: SyntaxNode; parent: SyntaxNode | null } {
  let cur = n;
  while (cur.parent && cur.parent.type === 'parenthesized_expression') cur = cur.parent;
  return { node: cur, parent: cur.parent };
}

function resultUse(n: SyntaxNode): SiteContext['resultUse'] {
  let { node, parent } = up(n);
  // `x.op(..)?;` and `x.op(..).unwrap();` still discard the value.
  while (parent && (parent.type === 'try_expression' || (parent.type === 'field_expression' && /^(unwrap|expect|ok)$/.test(parent.childForFieldName('field')?.text ?? '') && parent.parent?.type === 'call_expression'))) {
    ({ node, parent } = up(parent.type === 'field_expression' ? parent.parent! : parent));
  }
  if (!parent) return 'used';
  if (parent.type === 'expression_statement' && parent.lastChild?.type === ';') return 'discarded';
  if (parent.type === 'let_declaration' && /^_\w*$/.test(parent.childForFieldName('pattern')?.text ?? '')) return 'discarded';
  if (parent.type === 'return_expression') return 'returned';
  if (parent.type === 'block' && blockTail(parent)?.id === node.id && parent.parent?.type === 'function_item') return 'returned';
  if (parent.type === 'expression_statement' && parent.parent?.type === 'block' && parent.parent.parent?.type === 'function_item' && blockTail(parent.parent)?.id === node.id) return 'returned';
  return 'used';
}

/** If `n` is the value of `let name = n;`, the first later use of `name` in the same block. */
function followLet(n: SyntaxNode): SyntaxNode | null {
  const { parent } = up(n);
  if (parent?.type !== 'let_declaration' || parent.childForFieldName('alternative')) return null;
  const pat = parent.childForFieldName('pattern');
  const name = pat?.type === 'mut_pattern' ? pat.namedChildren[pat.namedChildren.length - 1]?.text : pat?.type === 'identifier' ? pat.text : null;
  const block = parent.parent;
  if (!name || block?.type !== 'block') return null;
  return firstIdentIn(block, parent.endIndex, name);
}

/**
 * The first `name` identifier in `block` after offset `from`, which is the first one in the
 * statements that follow. Found from the name's occurrences in the text, each checked against
 * the tree (comments, strings and longer names are not it), instead of walking every statement.
 */
function firstIdentIn(block: SyntaxNode, from: number, name: string): SyntaxNode | null {
  const text = block.text;
  const base = block.startIndex;
  // A real occurrence is never glued to an ASCII word character (it would be a longer token).
  const word = /[A-Za-z0-9_]/;
  for (let i = text.indexOf(name, from - base); i !== -1; i = text.indexOf(name, i + 1)) {
    if ((i > 0 && word.test(text[i - 1])) || word.test(text[i + name.length] ?? '')) continue;
    const id = block.descendantForIndex(base + i);
    if (id && id.type === 'identifier' && id.startIndex === base + i && id.text === name) return id;
  }
  return null;
}

/** Path where the Result (or Option via .ok()) produced at `n` is Ok/Some. */
function resultOkPath(n: SyntaxNode, hops = 0): Path {
  const { node, parent } = up(n);
  if (!parent) return unknown('no enclosing expression');
  if (parent.type === 'field_expression' && parent.parent?.type === 'call_expression') {
    const m = parent.childForFieldName('field')?.text ?? '';
    const call = parent.parent;
    if (m === 'is_ok' || m === 'is_some') return truthPath(call, true);
    if (m === 'is_err' || m === 'is_none') return truthPath(call, false);
    if (m === 'ok' || m === 'map' || m === 'map_err' || m === 'inspect' || m === 'inspect_err') return resultOkPath(call, hops);
    if (m === 'unwrap' || m === 'expect' || m === 'unwrap_unchecked') return restAfter(call, 'after-unwrap');
    return unknown(`the result goes through \`.${m}()\``);
  }
  if (parent.type === 'try_expression') return restAfter(parent, 'after-question-mark');
  if (parent.type === 'match_expression' && parent.childForFieldName('value')?.id === node.id) return matchArm(parent, /^(Ok|Some)\b/);
  if (parent.type === 'let_condition' && parent.childForFieldName('value')?.id === node.id) {
    const pat = parent.childForFieldName('pattern')?.text ?? '';
    const ok = /^(Ok|Some)\b/.test(pat);
    const err = /^(Err|None)\b/.test(pat);
    const owner = parent.parent;
    if (!owner || (!ok && !err)) return unknown(`pattern \`${pat}\``);
    return condPath(owner, ok);
  }
  if (parent.type === 'let_declaration' && parent.childForFieldName('value')?.id === node.id) {
    const alt = parent.childForFieldName('alternative');
    const pat = parent.childForFieldName('pattern')?.text ?? '';
    if (alt && /^(Ok|Some)\b/.test(pat)) return restAfter(parent, 'let-else');
    const use = hops === 0 ? followLet(node) : null;
    if (use) return resultOkPath(use, hops + 1);
    return unknown('the result is bound and not tested where the reader can follow it');
  }
  if (parent.type === 'if_expression' && parent.childForFieldName('condition')?.id === node.id) return condPath(parent, true); // kernel cmpxchg used as a bool
  if (parent.type === 'return_expression' || parent.type === 'block') return unknown('the result is returned to the caller');
  return unknown(`the result is used in a \`${parent.type.replace(/_/g, ' ')}\``);
}

function matchArm(m: SyntaxNode, okPat: RegExp): Path {
  const body = m.childForFieldName('body');
  for (const arm of body?.namedChildren ?? []) {
    if (arm.type !== 'match_arm') continue;
    const pat = arm.childForFieldName('pattern')?.text ?? '';
    if (!okPat.test(pat)) continue;
    const v = arm.childForFieldName('value');
    if (!v) break;
    return { how: 'match-arm', region: v, stmts: v.type === 'block' ? statements(v) : [v] };
  }
  return unknown('no Ok arm in the match');
}

/** Path where a boolean expression `n` evaluates to `want`. */
function truthPath(n: SyntaxNode, want: boolean): Path {
  const { node, parent } = up(n);
  if (!parent) return unknown('no enclosing expression');
  if (parent.type === 'unary_expression' && parent.child(0)?.type === '!') return truthPath(parent, !want);
  if (parent.type === 'binary_expression' && parent.childForFieldName('operator')?.type === '&&' && want) return truthPath(parent, true);
  if (parent.type === 'binary_expression' && parent.childForFieldName('operator')?.type === '||' && !want) return truthPath(parent, false);
  if ((parent.type === 'if_expression' || parent.type === 'while_expression') && parent.childForFieldName('condition')?.id === node.id) return condPath(parent, want);
  if (parent.type === 'let_declaration') {
    const use = followLet(node);
    if (use) return truthPath(use, want);
  }
  return unknown(`the test is used in a \`${parent.type.replace(/_/g, ' ')}\``);
}

/** Path where the condition of an if/while holds (`want`) or does not. */
function condPath(owner: SyntaxNode, want: boolean): Path {
  const then = owner.childForFieldName(owner.type === 'while_expression' ? 'body' : 'consequence');
  if (owner.type === 'while_expression') {
    if (want) return then ? { how: 'then-block', region: then, stmts: statements(then) } : unknown('no loop body');
    return restAfter(owner, 'after-loop');
  }
  if (want) return then ? { how: 'then-block', region: then, stmts: statements(then) } : unknown('no then block');
  const alt = owner.childForFieldName('alternative');
  const elseBody = alt?.namedChildren.find(c => !isComment(c));
  if (elseBody) return { how: 'else-block', region: elseBody, stmts: elseBody.type === 'block' ? statements(elseBody) : [elseBody] };
  if (then && diverges(then)) return restAfter(owner, 'after-early-exit');
  return unknown('the other branch falls through to the same code');
}

/** A block whose last statement leaves it: return, break, continue, panic-like macros. */
function diverges(block: SyntaxNode): boolean {
  const st = statements(block);
  const last = st[st.length - 1];
  if (!last) return false;
  const e = peel(last.type === 'expression_statement' ? last.namedChildren[0] ?? last : last);
  if (e.type === 'return_expression' || e.type === 'break_expression' || e.type === 'continue_expression') return true;
  if (e.type === 'macro_invocation') return /^(panic|unreachable|todo|unimplemented|bug|BUG)$/.test(e.childForFieldName('macro')?.text ?? '');
  if (e.type === 'if_expression') {
    const t = e.childForFieldName('consequence');
    const a = e.childForFieldName('alternative')?.namedChildren[0];
    return !!t && !!a && diverges(t) && (a.type === 'block' ? diverges(a) : a.type === 'if_expression' && diverges(a));
  }
  return false;
}

/**
 * The code after the statement containing `n`, in its block; when that block is itself a plain
 * statement (`unsafe { .. }` or `{ .. }`) of an outer block, the outer rest follows.
 */
function restAfter(n: SyntaxNode, how: ControlPath['how']): Path {
  let stmt: SyntaxNode = n;
  while (stmt.parent && stmt.parent.type !== 'block') {
    if (FN_BOUNDARY.has(stmt.parent.type)) return unknown('not inside a block');
    stmt = stmt.parent;
  }
  const stmts: SyntaxNode[] = [];
  let first: SyntaxNode | null = null;
  let last: SyntaxNode | null = null;
  for (let depth = 0; depth < 4 && stmt.parent?.type === 'block'; depth++) {
    const block = stmt.parent;
    for (let s = stmt.nextNamedSibling; s; s = s.nextNamedSibling) {
      if (isComment(s)) continue;
      stmts.push(s);
      first ??= s;
      last = s;
    }
    // Continue outward only out of plain/unsafe blocks used as statements.
    let outer: SyntaxNode | null = block.parent;
    if (outer?.type === 'unsafe_block') outer = outer.parent;
    if (outer?.type !== 'expression_statement' && outer?.type !== 'block') break;
    stmt = outer.type === 'expression_statement' ? outer : block.parent!;
  }
  return { how, region: first && last ? { start: first, end: last } : null, stmts, anchor: stmt };
}

/**
 * The result compared with a constant: `x.fetch_sub(1, Release) == 1`, `1 != ..`, through
 * `.unwrap()` for fetch_update, or via `let old = ..; if old == 1`.
 */
function comparison(n: SyntaxNode, unwrapFirst: boolean, constValue: (name: string) => number | null, hops = 0): { op: CompareOp; value: number; node: SyntaxNode } | null {
  let { node, parent } = up(n);
  if (unwrapFirst && parent?.type === 'field_expression' && /^(unwrap|expect|unwrap_or_else|unwrap_or)$/.test(parent.childForFieldName('field')?.text ?? '') && parent.parent?.type === 'call_expression') {
    ({ node, parent } = up(parent.parent));
  }
  if (parent?.type === 'binary_expression') {
    const op = parent.childForFieldName('operator')?.type ?? '';
    if (!CMP_OPS.has(op)) return null;
    const l = parent.childForFieldName('left');
    const r = parent.childForFieldName('right');
    const other = l?.id === node.id ? r : l;
    if (!other) return null;
    const p = peel(other);
    const v = intLiteral(p) ?? (p.type === 'identifier' || p.type === 'scoped_identifier' ? constValue(p.text.split('::').pop()!) : null);
    if (v === null) return null;
    const flipped: Record<string, CompareOp> = { '<': '>', '>': '<', '<=': '>=', '>=': '<=', '==': '==', '!=': '!=' };
    return { op: l?.id === node.id ? (op as CompareOp) : flipped[op], value: v, node: parent };
  }
  if (hops === 0 && parent?.type === 'let_declaration') {
    const use = followLet(node);
    if (use) return comparison(use, false, constValue, 1);
  }
  return null;
}
