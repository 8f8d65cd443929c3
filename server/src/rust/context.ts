// Control context of an operation: on which path it succeeded (CAS, cmpxchg, fetch_update), what
// its result is compared with, where a decrement was the last one, and whether an acquiring
// fence or load comes first on that path. When the code does something the reader does not
// follow, the answer is `unknown` with a reason, never a guess.

import { hasWord } from './declarations';
import type { SyntaxNode } from './parser';
import type { AtomicOp, CompareOp, ControlPath, Ordering, PathBarrier, SiteContext, UnknownPath } from './site';
import { isAcquireOrStronger, isReleaseOrStronger } from './site';
import { baseTypeName, blockTail, compact, intLiteral, isComment, pathSegments, peel, rangeOf, statements } from './syntax';
import { pathEffect } from './effects';

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
  /** A direct `fetch_sub` of several references at once (`2 * REF_ONE`, `count * REF_ONE`, `2`). */
  several?: { unit: string; times: number | null; timesText: string };
  /** A direct `swap(true, ..)` of a flag. */
  setsFlag?: boolean;
}

/**
 * The number of references a decrement by a parameter (`fetch_sub(count * REF_ONE)`) is modelled
 * with: any number above one needs the same orderings, and 2 keeps it apart from a single drop.
 */
export const SYMBOLIC_REFS = 2;

export class ContextReader {
  private fnItems: Map<string, SyntaxNode[]> | null = null;
  private heldFns: SyntaxNode[] | null = null;
  private fnSpans: { f: SyntaxNode; start: number; end: number }[] | null = null;

  /** sites sorted by start offset; `root` (the file) lets the reader follow same-file calls. */
  /**
   * `root` (the file) lets the reader follow same-file calls; `external` gives the paths other
   * files take when a call of a function returns true (from the workspace index).
   */
  constructor(
    private readonly sites: SiteRef[],
    private readonly root: SyntaxNode | null = null,
    private readonly external: (name: string) => ControlPath[] = () => [],
    /** The file's function items in document order, when the caller has them (the file scope does). */
    private readonly fnNodes: (() => SyntaxNode[]) | null = null,
  ) {}

  /**
   * Calls whose true branch takes the object (`if self.state().ref_dec() { self.dealloc() }`),
   * for the index: a test returned by that function in another file leads here. Found by text,
   * and only branches that name a way to end an object are judged.
   */
  testCalls(file: string): { callee: string; path: ControlPath }[] {
    if (!this.root) return [];
    const out: { callee: string; path: ControlPath }[] = [];
    const text = this.root.text;
    // A branch is judged only when its text names a way to end an object: a file that names none
    // has no such branch, and its `if`s are not looked up in the tree.
    if (!DESTROY_WORDS.test(text)) return out;
    for (const m of text.matchAll(/\bif\s+[\w.:()&*\s]{0,160}?\b(\w+)\s*\([^(){};]*\)\s*\{/dg)) {
      const at = m.indices?.[1]?.[0];
      const id = at === undefined ? null : this.root.descendantForIndex(at);
      if (!id || (id.type !== 'identifier' && id.type !== 'field_identifier')) continue;
      let call = id.parent;
      if (call?.type === 'scoped_identifier' || call?.type === 'field_expression') call = call.parent;
      if (call?.type !== 'call_expression') continue;
      const raw = truthPath(call, true);
      if (isUnknown(raw) || raw.how !== 'then-block' || !raw.region || !('type' in raw.region) || !DESTROY_WORDS.test(raw.region.text)) continue;
      const got = this.finish(raw, '', true);
      if (got.how === 'unknown' || got.effect?.kind !== 'exclusive') continue;
      const mark = (b: PathBarrier | undefined): PathBarrier | undefined => (b ? { ...b, file } : undefined);
      const path: ControlPath = { ...inCaller(got, call), file, ...(got.fence ? { fence: mark(got.fence) } : {}), ...(got.acquireLoad ? { acquireLoad: mark(got.acquireLoad) } : {}) };
      out.push({ callee: id.text, path });
    }
    return out;
  }

  read(inp: ContextInput): SiteContext {
    const { node, op } = inp;
    const outer = this.enclosing(node);
    const ctx: SiteContext = { inLoop: inLoop(outer), resultUse: resultUse(node) };
    if (op === 'fence') return ctx;
    const trait = implTraitAbove(node, outer);
    if (trait) ctx.implTrait = trait;
    if (INCREMENT_OPS.has(op)) {
      const held = this.fromHeld(node, trait);
      if (held) ctx.fromHeld = held;
      const old = assertedOld(node);
      if (old !== undefined) ctx.assertedOld = old;
    }
    const rel = this.releaseFenceBefore(node, outer);
    if (rel) ctx.releaseFence = rel;
    const returns = inp.returns ?? (RESULT_OPS.has(op) ? 'result' : BOOL_OPS.has(op) ? 'bool' : 'old');
    if (op === 'compare_exchange' || op === 'compare_exchange_weak') {
      const step = packedStep(node);
      if (step) ctx.packedStep = step;
      // The last-guard flag returned when the CAS succeeds (`Ok(_) => return dropping`): its
      // callers in this file test it (`if slot.release() { clear }`), and that branch is the
      // last guard's path. Only this file's callers: the function's name (`release`) is too
      // common to be matched by name in other files.
      const fnItem = step?.lastWhen ? enclosingFnItem(node) : null;
      if (fnItem && returnsFlagOnSuccess(node, step!.lastWhen!)) {
        const path = this.callerPath(fnItem, true, inp.receiver, true);
        if (path.how !== 'unknown') ctx.lastPath = path;
      }
    }
    if (RESULT_OPS.has(op) || op === 'try_cmpxchg') {
      ctx.successPath = this.finish(returns === 'bool' ? truthPath(node, true) : returns === 'result' ? resultOkPath(node) : unknown('the helper does not return the operation\'s result'), inp.receiver);
    }
    // The amount a decrement takes off: `1`, or a named unit of a packed word (`REF_ONE`).
    // A direct call names its amount; a helper's call site passes the atomic first, not the amount.
    const named = inp.returns === undefined && (op === 'fetch_sub' || op === 'sub') ? namedAmount(node, inp.constValue) : null;
    const amount = named && named.value !== 1 ? named : inp.decrementByOne || op === 'load' || op === 'read' ? { text: '1', value: 1 } : null;
    const several = inp.several;
    const cmp = several
      ? countTest(node, false, inp.constValue, several.unit === '1' ? { text: '1', value: 1 } : { text: several.unit, value: inp.constValue(several.unit) }, several.times === null ? several.timesText : undefined)
      : amount && returns !== 'new'
      ? countTest(node, returns === 'result' && op === 'fetch_update', inp.constValue, amount)
      : plainTest(node, returns === 'result' && op === 'fetch_update', inp.constValue);
    const fnItem = !cmp && amount && ctx.resultUse === 'returned' ? enclosingFnItem(node) : null;
    const viaCaller = fnItem ? this.callerTest(fnItem, amount!, inp.constValue, inp.receiver) : null;
    // Returned to callers that all throw it away (`self.dec_ref();`): as good as discarded here.
    if (fnItem && !viaCaller) {
      const calls = this.callsOf(fnItem);
      if (calls.length > 0 && calls.every(c => resultUse(c) === 'discarded')) ctx.callersDiscard = true;
    }
    if (viaCaller) {
      const t = viaCaller.test;
      ctx.comparedWith = { op: t.op, value: t.value, range: rangeOf(t.node), ...(viaCaller.path ? { equalPath: viaCaller.path } : {}) };
      ctx.returnedTest = true;
      if (t.packed && amount && t.value === 1) ctx.packed = { unit: amount.text, test: compact(t.node.text) };
    }
    if (cmp) {
      const eq = cmp.arm ? { how: 'match-arm' as const, region: cmp.arm, stmts: cmp.arm.type === 'block' ? statements(cmp.arm) : [cmp.arm] }
        : cmp.returnedFrom ? null
        : cmp.op === '==' ? truthPath(cmp.node, true) : cmp.op === '!=' ? truthPath(cmp.node, false) : null;
      const equalPath = cmp.returnedFrom && (cmp.op === '==' || cmp.op === '!=') ? this.callerPath(cmp.returnedFrom, cmp.op === '==', inp.receiver) : eq ? this.finish(eq, inp.receiver, COUNT_TEST_OPS.has(op)) : undefined;
      ctx.comparedWith = { op: cmp.op, value: cmp.value, range: rangeOf(cmp.node), ...(equalPath ? { equalPath } : {}), ...(cmp.symbol ? { symbol: cmp.symbol } : {}) };
      if (cmp.returnedFrom) ctx.returnedTest = true;
      if (cmp.packed && amount && cmp.value === 1 && cmp.op !== '<' && cmp.op !== '>') ctx.packed = { unit: amount.text, test: compact(cmp.node.text) };
    }
    if (several) {
      // Several references dropped at once are the last ones when the old count was exactly that
      // many: `prev.ref_count() == 2` after `fetch_sub(2 * REF_ONE)`, `== count` after `count * REF_ONE`.
      const refs = several.times ?? SYMBOLIC_REFS;
      const cw = ctx.comparedWith;
      if (cw && cw.op === '==' && cw.value === refs && (several.times !== null || cw.symbol === several.timesText) && cw.equalPath) {
        ctx.lastPath = cw.equalPath;
        ctx.drops = { refs, amount: several.times === null ? `${several.timesText} references` : `${refs} references`, ...(several.times === null ? { symbol: several.timesText } : {}) };
      }
    } else if (inp.setsFlag) {
      // `if flag.swap(true, ..) { .. }`: the branch where this side found the flag already set.
      if (ctx.resultUse !== 'discarded') ctx.lastPath = this.finish(truthPath(node, true), inp.receiver, true);
    } else if (op === 'dec_and_test') ctx.lastPath = this.finish(truthPath(node, true), inp.receiver, true);
    else if (inp.decrementByOne || ctx.packed) {
      const lastValue = returns === 'new' ? 0 : 1;
      if (ctx.comparedWith && ctx.comparedWith.value === lastValue && ctx.comparedWith.equalPath) ctx.lastPath = ctx.comparedWith.equalPath;
      else if (ctx.resultUse === 'discarded' || ctx.callersDiscard) ctx.lastPath = unknown('the result is discarded: this decrement never acts as the last one');
      else ctx.lastPath = unknown(ctx.comparedWith ? `the result is compared with ${ctx.comparedWith.value}, not the last-reference value` : 'the result is not compared where the reader can follow it');
    }
    return ctx;
  }

  private ancestors: Map<number, Ancestor> | null = null;
  /**
   * The ancestors of a site's node. Climbing is cheapest on real code, where functions are a few
   * levels deep; once a site is found deeper than CLIMB_LIMIT, the ancestors of all sites are
   * indexed at once (see ancestorIndex), as climbing costs more the deeper it starts.
   */
  private enclosing(n: SyntaxNode): Ancestor | null {
    if (!this.ancestors) {
      const near = climb(n, this.root ? CLIMB_LIMIT : Infinity);
      if (near !== 'deep') return near;
      this.ancestors = ancestorIndex(this.root!, this.sites.map(s => s.node));
    }
    const a = this.ancestors.get(n.id);
    return a ? a.up : (climb(n, Infinity) as Ancestor | null);
  }

  /**
   * The innermost function item around `node`, by position among the file's functions: climbing
   * `.parent` costs the node's depth per step, and a chain of thousands of calls makes that cubic.
   */
  private enclosingFn(node: SyntaxNode): SyntaxNode | null {
    if (!this.fnSpans) {
      const all = this.fnNodes?.() ?? this.root?.descendantsOfType('function_item');
      if (!all) return enclosingFnItem(node);
      this.fnSpans = all.map(f => ({ f, start: f.startIndex, end: f.endIndex }));
    }
    const at = node.startIndex;
    let best: { f: SyntaxNode; start: number; end: number } | null = null;
    for (const sp of this.fnSpans) if (sp.start <= at && at < sp.end && (!best || sp.start >= best.start)) best = sp;
    return best ? best.f : null;
  }

  /** Functions of this file by name (first one wins for effect lookups). */
  private fns(): Map<string, SyntaxNode[]> {
    if (!this.fnItems) {
      this.fnItems = new Map();
      // From the file scope when given: a walk of the whole tree costs about a quarter of the parse.
      for (const f of this.fnNodes?.() ?? this.root?.descendantsOfType('function_item') ?? []) {
        const name = f.childForFieldName('name')?.text;
        if (name) this.fnItems.set(name, [...(this.fnItems.get(name) ?? []), f]);
      }
    }
    return this.fnItems;
  }

  private lookupBody = (name: string): SyntaxNode | null => {
    const fs = this.fns().get(name);
    // Same-named functions of different types: the reader cannot tell which one runs.
    return fs && fs.length === 1 ? fs[0].childForFieldName('body') : null;
  };

  /**
   * An increment that starts from a reference already held: in `Clone::clone`, in
   * `AlwaysRefCounted::inc_ref`, or in a `&self` method that one of those calls by name.
   */
  private fromHeld(node: SyntaxNode, trait: string | null): string | undefined {
    // Outside `clone`/`inc_ref` themselves, only a call from one of them counts: a file that
    // declares neither is answered from its text, without reading the function or its callers.
    if (trait !== 'Clone' && trait !== 'AlwaysRefCounted' && !this.declaresHeldFn()) return undefined;
    const fn = this.enclosingFn(node);
    const name = fn?.childForFieldName('name')?.text;
    if (!fn || !name) return undefined;
    if (trait === 'Clone' && name === 'clone') return 'in `Clone::clone`';
    if (trait === 'AlwaysRefCounted' && name === 'inc_ref') return 'in `AlwaysRefCounted::inc_ref`';
    const selfParam = fn.childForFieldName('parameters')?.namedChildren.find(p => p.type === 'self_parameter');
    if (!selfParam || !/^&\s*('\w+\s+)?self$/.test(selfParam.text.trim())) return undefined;
    // By name first (the keys are the functions' names): the trait is read only of those.
    this.heldFns ??= [...this.fns()].filter(([n]) => n === 'clone' || n === 'inc_ref').flatMap(([, fs]) => fs).filter(f => {
      const n = f.childForFieldName('name')?.text;
      const t = implTraitOf(f.childForFieldName('body') ?? f);
      return (t === 'Clone' && n === 'clone') || (t === 'AlwaysRefCounted' && n === 'inc_ref');
    });
    const call = new RegExp(`(\\.|::)\\s*${name}\\s*\\(`);
    const caller = this.heldFns.find(f => f.id !== fn.id && call.test(f.childForFieldName('body')?.text ?? ''));
    return caller ? `in \`${name}\`, called from \`${implTraitOf(caller.childForFieldName('body')!)}::${caller.childForFieldName('name')!.text}\`` : undefined;
  }

  private heldDecl: boolean | null = null;
  /** Start of the file's first fence site (Infinity without one), see releaseFenceBefore. */
  private firstFence: number | null = null;
  /** Whether the file declares a function named `clone` or `inc_ref` (by text, once). */
  private declaresHeldFn(): boolean {
    return (this.heldDecl ??= !!this.root && /\bfn\s+(?:clone|inc_ref)\b/.test(this.root.text));
  }

  /**
   * Where a test returned by `fn` holds (`want`) in its callers of this file: the caller's
   * `if fn() { here }`. Of several callers, the one that takes the object without a barrier
   * decides (the verdict must hold for every caller).
   */
  private callerPath(fn: SyntaxNode, want: boolean, receiver: string, thisFileOnly = false): ControlPath | UnknownPath {
    const paths: ControlPath[] = [];
    for (const call of this.callsOf(fn)) {
      const got = this.finish(truthPath(call, want), receiver, true);
      if (got.how === 'unknown') continue;
      paths.push(inCaller(got, call));
    }
    // No caller here: callers in other files whose true branch takes the object (an acquire load
    // of this counter there cannot be told from another counter's, so only fences count).
    if (paths.length === 0 && !thisFileOnly) paths.push(...this.external(fn.childForFieldName('name')?.text ?? '').map(p => { const { acquireLoad: _, ...rest } = p; return rest; }));
    if (paths.length === 0) return unknown(`the test is returned by \`${fn.childForFieldName('name')?.text ?? '?'}\` and no caller in this file tests it`);
    return worstPath(paths);
  }

  /**
   * The operation's value is returned as is (`fn release(this: &Self) -> usize { .. fetch_sub(..) }`):
   * the test is in a same-file caller (`if Self::release(self) == 1`). Of several callers that
   * test it, the one that takes the object without a barrier decides.
   */
  private callerTest(fn: SyntaxNode, amount: Amount, constValue: (name: string) => number | null, receiver: string): { test: CountTest; path?: ControlPath } | null {
    let best: { test: CountTest; path?: ControlPath } | null = null;
    const paths: ControlPath[] = [];
    for (const call of this.callsOf(fn)) {
      const test = countTest(call, false, constValue, amount);
      if (!test || test.returnedFrom) continue;
      const raw = test.arm ? { how: 'match-arm' as const, region: test.arm, stmts: test.arm.type === 'block' ? statements(test.arm) : [test.arm] }
        : test.op === '==' ? truthPath(test.node, true) : test.op === '!=' ? truthPath(test.node, false) : null;
      const got = raw ? this.finish(raw, receiver, true) : null;
      if (got && got.how !== 'unknown') {
        const path = inCaller(got, call);
        paths.push(path);
        if (worstPath(paths) === path) best = { test, path };
      } else best ??= { test };
    }
    return best;
  }

  /** Same-file calls of `fn` (by name), outside `fn` itself. */
  private callsOf(fn: SyntaxNode): SyntaxNode[] {
    const name = fn.childForFieldName('name')?.text;
    if (!name || !this.root) return [];
    return this.callsNamed(name).filter(p => !(fn.startIndex <= p.startIndex && p.endIndex <= fn.endIndex));
  }

  /**
   * Calls of functions named `name` in the file, found once per name: asked for every site in a
   * function whose result goes to its callers, a scan of the whole file each time was quadratic.
   */
  private readonly calls = new Map<string, SyntaxNode[]>();
  private callsNamed(name: string): SyntaxNode[] {
    let out = this.calls.get(name);
    if (out) return out;
    out = [];
    for (const m of this.root!.text.matchAll(new RegExp(`\\b${name}\\s*\\(`, 'g'))) {
      const id = this.root!.descendantForIndex(m.index!);
      if (!id || (id.type !== 'identifier' && id.type !== 'field_identifier')) continue;
      let p = id.parent;
      if (p?.type === 'scoped_identifier' || p?.type === 'field_expression') p = p.parent;
      if (p?.type === 'call_expression') out.push(p);
    }
    this.calls.set(name, out);
    return out;
  }

  /** Turns a raw path into a ControlPath: range plus the first acquiring fence/load on it. */
  private finish(p: Path, receiver: string, withEffect = false): ControlPath | UnknownPath {
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
      if (!touch && inside.length === 0 && this.mayTouch(st)) touch = st;
    }
    if (withEffect) out.effect = pathEffect(p.stmts, this.lookupBody);
    return out;
  }

  /**
   * Walks back from the operation's statement through the statements of each enclosing block to
   * the function boundary. Only a statement that is itself a fence call counts: a fence inside an
   * `if` before the operation may not have run.
   */
  private releaseFenceBefore(node: SyntaxNode, outer: Ancestor | null): PathBarrier | undefined {
    // The fence is in a statement before the operation's: with none earlier in the file, no walk.
    this.firstFence ??= this.sites.reduce((m, s) => (s.op === 'fence' && s.start < m ? s.start : m), Infinity);
    if (this.firstFence >= node.startIndex) return undefined;
    // The blocks passed on the way out, innermost first, with the index of the statement holding the operation.
    const passed: { block: BlockFences; at: number }[] = [];
    let cur = node;
    for (const { node: p, type } of upTo(outer)) {
      if (FN_BOUNDARY.has(type)) return undefined;
      if (type === 'block') {
        const block = this.blockFences(p);
        const at = block.indexOf(cur.startIndex, cur.endIndex);
        const j = at > 0 ? block.releaseBefore(at) : -1;
        if (j >= 0) {
          // The touching statement nearest the fence, as a scan from the operation back to it
          // would leave it: first after the fence in its block, then outward-in in the inner blocks.
          let touch = block.touchBetween(j + 1, at);
          for (let k = passed.length - 1; k >= 0 && !touch; k--) touch = passed[k].block.touchBetween(0, passed[k].at);
          return barrier(block.fences[j]!, touch);
        }
        if (at > 0) passed.push({ block, at });
      }
      cur = p;
    }
    return undefined;
  }

  /** Per block (by node id): its statements, which are fence calls, and which may touch the object. */
  private readonly blocks = new Map<number, BlockFences>();
  private blockFences(block: SyntaxNode): BlockFences {
    let b = this.blocks.get(block.id);
    if (!b) {
      const stmts = statements(block);
      const fences = stmts.map(st => this.fenceStatement(st));
      b = new BlockFences(stmts, fences, st => this.mayTouch(st));
      this.blocks.set(block.id, b);
    }
    return b;
  }

  /** The fence site a statement consists of (`fence(o);`), if any. */
  private fenceStatement(st: SyntaxNode): SiteRef | null {
    if (!this.fenceSites) {
      this.fenceSites = this.sites.filter(s => s.op === 'fence');
      this.fenceStarts = this.fenceSites.map(s => s.start);
    }
    // Only a statement with a fence site inside it is looked at in the tree.
    const starts = this.fenceStarts!;
    let lo = 0, hi = starts.length;
    while (lo < hi) { const mid = (lo + hi) >> 1; if (starts[mid] < st.startIndex) lo = mid + 1; else hi = mid; }
    if (lo >= starts.length || starts[lo] >= st.endIndex) return null;
    const call = st.type === 'expression_statement' ? peel(st.namedChildren[0]!) : st;
    return this.fenceSites.find(s => s.node.startIndex === call.startIndex && s.node.endIndex === call.endIndex && s.end <= st.endIndex) ?? null;
  }

  private fenceSites: SiteRef[] | null = null;
  private fenceStarts: number[] | null = null;

  /**
   * Could this statement access the protected object? Anything with a call, field, deref, index,
   * assignment. Answered once per statement: the sites of a long function share statements.
   */
  private mayTouch(st: SyntaxNode): boolean {
    let m = this.touches.get(st.id);
    if (m === undefined) {
      const inner = st.type === 'expression_statement' ? st.namedChildren[0] : st;
      m = inner?.type === 'macro_invocation' && INERT_MACROS.test(inner.childForFieldName('macro')?.text ?? '') ? false
        : st.descendantsOfType(TOUCHING_TYPES).length > 0;
      this.touches.set(st.id, m);
    }
    return m;
  }

  private readonly touches = new Map<number, boolean>();

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

const TOUCHING_TYPES = ['call_expression', 'macro_invocation', 'field_expression', 'index_expression', 'assignment_expression', 'compound_assignment_expr', 'unary_expression'];

/**
 * A block's statements for the release-fence scan: which are fence calls, where the nearest
 * Release (or stronger) fence before a statement is, and the first statement after it that may
 * touch the object. Each is worked out once per block, so every site of a long function does
 * not scan the statements before it again.
 */
class BlockFences {
  private prevRelease: number[] | null = null;
  /** firstTouch[i]: the first statement at or after i that is no fence and may touch (stmts.length: none); -2 not yet known. */
  private readonly firstTouch: number[];

  constructor(readonly stmts: SyntaxNode[], readonly fences: (SiteRef | null)[], private readonly touches: (st: SyntaxNode) => boolean) {
    this.firstTouch = new Array<number>(stmts.length + 1).fill(-2);
    this.firstTouch[stmts.length] = stmts.length;
  }

  /** The last statement before `at` that is a Release (or stronger) fence, -1 if none. */
  releaseBefore(at: number): number {
    if (!this.prevRelease) {
      this.prevRelease = new Array<number>(this.stmts.length);
      let last = -1;
      for (let i = 0; i < this.stmts.length; i++) {
        this.prevRelease[i] = last;
        const f = this.fences[i];
        if (f && isReleaseOrStronger(f.ordering)) last = i;
      }
    }
    return this.prevRelease[at];
  }

  /** The index of the statement that holds [s, e), -1 if none does. */
  indexOf(s: number, e: number): number {
    if (!this.starts) {
      this.starts = this.stmts.map(st => st.startIndex);
      this.ends = this.stmts.map(st => st.endIndex);
    }
    let lo = 0, hi = this.starts.length;
    while (lo < hi) { const mid = (lo + hi) >> 1; if (this.starts[mid] <= s) lo = mid + 1; else hi = mid; }
    // Statements do not overlap: only the last one starting at or before s can hold the range.
    return lo > 0 && e <= this.ends![lo - 1] ? lo - 1 : -1;
  }

  private starts: number[] | null = null;
  private ends: number[] | null = null;

  /** The first statement in [from, to) that may touch the object (fence statements aside), or null. */
  touchBetween(from: number, to: number): SyntaxNode | null {
    // Filled forward lazily, to the end of the block or the first touching statement: a run of
    // statements already asked about is not asked again.
    let i = from;
    const seen: number[] = [];
    while (this.firstTouch[i] === -2) {
      if (!this.fences[i] && this.touches(this.stmts[i])) { this.firstTouch[i] = i; break; }
      seen.push(i);
      i++;
    }
    const found = this.firstTouch[i];
    for (const k of seen) this.firstTouch[k] = found;
    return found < to ? this.stmts[found] : null;
  }
}

/** A node on the way up from a site, linked to its own parent: a chain shared by every site below it. */
interface Ancestor { node: SyntaxNode; type: string; up: Ancestor | null }

/**
 * The ancestors of every site node, from one walk down the tree. Climbing with `.parent` costs a
 * search from the root per step (web-tree-sitter keeps no parent links), so climbing from each
 * site was cubic in the nesting depth on long method chains, long sums of loads and deeply
 * nested blocks. The walk enters only nodes that contain a site, and each site gets the linked
 * chain of its ancestors: sites in the same function share the chain above them.
 */
function ancestorIndex(root: SyntaxNode, nodes: SyntaxNode[]): Map<number, Ancestor> {
  const out = new Map<number, Ancestor>();
  if (nodes.length === 0) return out;
  const targets = nodes.map(n => ({ s: n.startIndex, e: n.endIndex })).sort((a, b) => a.s - b.s);
  const ids = new Set(nodes.map(n => n.id));
  // minEnd[i]: the least end of the targets from i on. A node [s, e) holds a target when the
  // targets starting at or after s include one ending by e (it then starts before e as well).
  const minEnd = new Array<number>(targets.length + 1);
  minEnd[targets.length] = Infinity;
  for (let i = targets.length - 1; i >= 0; i--) minEnd[i] = Math.min(targets[i].e, minEnd[i + 1]);
  const holds = (s: number, e: number): boolean => {
    let lo = 0, hi = targets.length;
    while (lo < hi) { const mid = (lo + hi) >> 1; if (targets[mid].s < s) lo = mid + 1; else hi = mid; }
    return minEnd[lo] <= e;
  };
  const top: Ancestor = { node: root, type: root.type, up: null };
  if (ids.has(root.id)) out.set(root.id, top);
  const c = root.walk();
  try {
    if (!c.gotoFirstChild()) return out;
    // The cursor is on a child of `parent.node`; iterative, since nesting can be deeper than the stack.
    let parent = top;
    for (;;) {
      if (holds(c.startIndex, c.endIndex)) {
        const node = c.currentNode;
        const entry: Ancestor = { node, type: node.type, up: parent };
        if (ids.has(node.id)) out.set(node.id, entry);
        if (c.gotoFirstChild()) { parent = entry; continue; }
      }
      while (!c.gotoNextSibling()) {
        if (parent === top) return out;
        c.gotoParent();
        parent = parent.up!;
      }
    }
  } finally {
    c.delete();
  }
}

/** Past this many levels between a site and its function, climbing gives way to ancestorIndex. */
const CLIMB_LIMIT = 48;

/** The ancestors of `n` up to its function or closure, by climbing; 'deep' past `limit` levels. */
function climb(n: SyntaxNode, limit: number): Ancestor | null | 'deep' {
  const chain: { node: SyntaxNode; type: string }[] = [];
  for (let p = n.parent; p; p = p.parent) {
    if (chain.length >= limit) return 'deep';
    const type = p.type;
    chain.push({ node: p, type });
    if (FN_BOUNDARY.has(type)) break;
  }
  let up: Ancestor | null = null;
  for (let i = chain.length - 1; i >= 0; i--) up = { ...chain[i], up };
  return up;
}

/** The ancestors of a site up to its function or closure (included), innermost first. */
function* upTo(first: Ancestor | null): Iterable<Ancestor> {
  for (let a = first; a; a = a.up) {
    yield a;
    if (FN_BOUNDARY.has(a.type)) return;
  }
}

function inLoop(outer: Ancestor | null): boolean {
  for (const { type } of upTo(outer)) {
    if (FN_BOUNDARY.has(type)) return false;
    if (LOOPS.has(type)) return true;
  }
  return false;
}

/** Goes up through parentheses. */
function up(n: SyntaxNode): { node: SyntaxNode; parent: SyntaxNode | null } {
  let cur = n;
  for (;;) {
    const p = cur.parent;
    if (p?.type === 'parenthesized_expression') { cur = p; continue; }
    // `unsafe { bindings::refcount_dec_and_test(..) }` as a value: the block is the expression.
    if (p?.type === 'block' && p.parent?.type === 'unsafe_block' && p.namedChildren.filter(c => !isComment(c)).length === 1 && blockTail(p)?.id === cur.id) { cur = p.parent; continue; }
    return { node: cur, parent: p };
  }
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
  // The words of the block are indexed once: scanning every later statement for each binding
  // was quadratic in a long block of bindings that are never used.
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) return followLetByWalk(parent, name);
  const b = blockWords(block);
  const at = b.words.get(name);
  if (!at) return null;
  let lo = 0, hi = at.length;
  while (lo < hi) { const mid = (lo + hi) >> 1; if (at[mid] < parent.endIndex) lo = mid + 1; else hi = mid; }
  for (let i = lo; i < at.length; i++) {
    const k = b.kidAt(at[i]);
    // `debug_assert!(old > 0)` reads the value without deciding anything: the test comes later.
    if (k < 0 || b.inert(k)) continue;
    // The word in the text is a use only where the tree has an identifier (not a field, string or comment).
    const id = block.descendantForIndex(at[i], at[i] + name.length);
    if (id && id.type === 'identifier' && id.startIndex === at[i] && id.endIndex === at[i] + name.length) return id;
  }
  return null;
}

/** followLet for a name the word index does not hold (a raw identifier): statement by statement. */
function followLetByWalk(decl: SyntaxNode, name: string): SyntaxNode | null {
  for (let s = decl.nextNamedSibling; s; s = s.nextNamedSibling) {
    const e = s.type === 'expression_statement' ? s.namedChildren[0] : s;
    if (e?.type === 'macro_invocation' && INERT_MACROS.test(e.childForFieldName('macro')?.text ?? '')) continue;
    const use = firstIdent(s, name);
    if (use) return use;
  }
  return null;
}

/** A block's named children and where each word of its text occurs (see followLet), once per block. */
class BlockWords {
  readonly words = new Map<string, number[]>();
  private readonly starts: number[];
  private readonly ends: number[];
  private readonly inertKids = new Map<number, boolean>();

  constructor(private readonly kids: SyntaxNode[], text: string, start: number) {
    this.starts = kids.map(k => k.startIndex);
    this.ends = kids.map(k => k.endIndex);
    for (const m of text.matchAll(/[A-Za-z_][A-Za-z0-9_]*/g)) {
      const l = this.words.get(m[0]);
      if (l) l.push(start + m.index!); else this.words.set(m[0], [start + m.index!]);
    }
  }

  /** The child holding offset `p`, -1 if none. */
  kidAt(p: number): number {
    let lo = 0, hi = this.starts.length;
    while (lo < hi) { const mid = (lo + hi) >> 1; if (this.starts[mid] <= p) lo = mid + 1; else hi = mid; }
    return lo > 0 && p < this.ends[lo - 1] ? lo - 1 : -1;
  }

  /** The child is an assertion or logging macro statement. */
  inert(k: number): boolean {
    let v = this.inertKids.get(k);
    if (v === undefined) {
      const s = this.kids[k];
      const e = s.type === 'expression_statement' ? s.namedChildren[0] : s;
      v = e?.type === 'macro_invocation' && INERT_MACROS.test(e.childForFieldName('macro')?.text ?? '');
      this.inertKids.set(k, v);
    }
    return v;
  }
}

const wordsByTree = new WeakMap<object, Map<number, BlockWords>>();
function blockWords(block: SyntaxNode): BlockWords {
  let m = wordsByTree.get(block.tree);
  if (!m) { m = new Map(); wordsByTree.set(block.tree, m); }
  let b = m.get(block.id);
  if (!b) { b = new BlockWords(block.namedChildren.filter((c): c is SyntaxNode => !!c), block.text, block.startIndex); m.set(block.id, b); }
  return b;
}

/**
 * `let prev = x.fetch_add(1, o); debug_assert_eq!(prev, 0);`: the integer the statement right
 * after the binding asserts the operation read (assert_eq!, debug_assert_eq!, or assert!(prev == n)).
 */
function assertedOld(n: SyntaxNode): number | undefined {
  const { parent } = up(n);
  const pat = parent?.type === 'let_declaration' ? parent.childForFieldName('pattern') : null;
  if (!parent || pat?.type !== 'identifier') return undefined;
  let next = parent.nextNamedSibling;
  while (next && isComment(next)) next = next.nextNamedSibling;
  const mac = next?.type === 'expression_statement' ? next.namedChildren[0] : next;
  if (mac?.type !== 'macro_invocation') return undefined;
  const name = mac.childForFieldName('macro')?.text ?? '';
  const args = (mac.namedChildren.find(c => c.type === 'token_tree')?.text ?? '').replace(/\s+/g, '').slice(1);
  const x = pat.text;
  const m = /^(debug_)?assert_eq$/.test(name) ? args.match(/^([\w]+),([\w]+)[,)]/)
    : /^(debug_)?assert$/.test(name) ? args.match(/^([\w]+)==([\w]+)[,)]/) : null;
  if (!m) return undefined;
  const other = m[1] === x ? m[2] : m[2] === x ? m[1] : null;
  return other !== null && /^\d+$/.test(other) ? Number(other) : undefined;
}

/** The value of the last `let name = ..;` before `at` in its function (nothing else rebinds it in between that the reader sees). */
function bindingOf(name: string, at: SyntaxNode): SyntaxNode | null {
  const fn = enclosingFnItem(at);
  if (!fn) return null;
  let found: SyntaxNode | null = null;
  for (const d of fn.descendantsOfType('let_declaration')) {
    if (d.startIndex >= at.startIndex) break;
    const pat = d.childForFieldName('pattern');
    const name2 = pat?.type === 'mut_pattern' ? pat.namedChildren[pat.namedChildren.length - 1]?.text : pat?.text;
    if (name2 === name) found = d.childForFieldName('value');
  }
  return found;
}

/** `x?`, `x.unwrap()`, `x.expect(..)`: the value inside. */
function unwrapped(n: SyntaxNode): SyntaxNode {
  const p = peel(n);
  if (p.type === 'try_expression') return peel(p.namedChildren[0] ?? p);
  if (p.type === 'call_expression') {
    const f = p.childForFieldName('function');
    if (f?.type === 'field_expression' && /^(unwrap|expect)$/.test(f.childForFieldName('field')?.text ?? '')) return peel(f.childForFieldName('value') ?? p);
  }
  return p;
}

/** `TypeName(::<..>)?::from_packed(word)` with `word` the expected value: the type name. */
function unpackedFrom(n: SyntaxNode | null, word: string): string | null {
  const p = n ? unwrapped(n) : null;
  if (p?.type !== 'call_expression') return null;
  const f = p.childForFieldName('function');
  const args = p.childForFieldName('arguments')?.namedChildren.filter(a => !isComment(a)) ?? [];
  if (!f || args.length !== 1 || compact(args[0].text) !== word) return null;
  const segs = compact(f.text).replace(/::<[^>]*>/g, '').split('::');
  return segs.length >= 2 && segs[segs.length - 1] === 'from_packed' ? segs[segs.length - 2] : null;
}

/** A `let` name bound to `RefCount::from_packed(word)` (the packed word's reference count). */
function refsOf(name: string, at: SyntaxNode, word: string): boolean {
  return unpackedFrom(bindingOf(name, at), word) === 'RefCount';
}

/** `refs.incr()` / `refs.decr()` on a RefCount unpacked from `word`: the step. */
function refStep(n: SyntaxNode, at: SyntaxNode, word: string): 1 | -1 | null {
  const p = unwrapped(n);
  if (p.type !== 'call_expression') return null;
  const f = p.childForFieldName('function');
  const recv = f?.type === 'field_expression' ? peel(f.childForFieldName('value')!) : null;
  const m = f?.type === 'field_expression' ? f.childForFieldName('field')?.text : null;
  if (!recv || recv.type !== 'identifier' || !refsOf(recv.text, at, word)) return null;
  return m === 'incr' ? 1 : m === 'decr' ? -1 : null;
}

/**
 * `x.pack(rest)`: the step of `x` (a RefCount stepped from `word`, directly or through a `let`),
 * provided `rest` is `word` itself or is built only from fields unpacked from `word` and literals.
 */
function packedWrite(n: SyntaxNode, at: SyntaxNode, word: string): 1 | -1 | null {
  const p = peel(n);
  if (p.type !== 'call_expression') return null;
  const f = p.childForFieldName('function');
  if (f?.type !== 'field_expression' || f.childForFieldName('field')?.text !== 'pack') return null;
  const args = p.childForFieldName('arguments')?.namedChildren.filter(a => !isComment(a)) ?? [];
  if (args.length !== 1 || !keepsFields(args[0], at, word)) return null;
  const recv = peel(f.childForFieldName('value')!);
  if (recv.type === 'identifier') {
    const v = bindingOf(recv.text, at);
    return v ? refStep(v, at, word) : null;
  }
  return refStep(recv, at, word);
}

/** The rest of a packed word: `word`, a literal, or `field.pack(rest)` with `field` unpacked from `word` (not its count). */
function keepsFields(n: SyntaxNode, at: SyntaxNode, word: string): boolean {
  const p = peel(n);
  if (compact(p.text) === word || intLiteral(p) !== null) return true;
  if (p.type !== 'call_expression') return false;
  const f = p.childForFieldName('function');
  if (f?.type !== 'field_expression' || f.childForFieldName('field')?.text !== 'pack') return false;
  const args = p.childForFieldName('arguments')?.namedChildren.filter(a => !isComment(a)) ?? [];
  let recv = peel(f.childForFieldName('value')!);
  if (recv.type === 'field_expression') recv = peel(recv.childForFieldName('value')!); // `.0`, `.state`
  if (recv.type !== 'identifier' || args.length !== 1) return false;
  const from = unpackedFrom(bindingOf(recv.text, at), word) ?? (() => {
    const v = bindingOf(recv.text, at);
    const inner = v && v.type === 'field_expression' ? v.childForFieldName('value') : null;
    return inner ? unpackedFrom(inner, word) : null;
  })();
  return !!from && from !== 'RefCount' && keepsFields(args[0], at, word);
}

/**
 * A compare-exchange on a packed lifecycle word that changes only its reference count (see
 * SiteContext.packedStep). The new word may be chosen by a flag: `if last { .. } else {
 * refs.decr().pack(cur) }`, where the flag is `refs.value == 1 && ..`: then the other branch runs
 * only for the last guard, which the flag reports.
 */
function packedStep(call: SyntaxNode): SiteContext['packedStep'] | null {
  const args = call.childForFieldName('arguments')?.namedChildren.filter(a => !isComment(a)) ?? [];
  if (args.length < 2) return null;
  const exp = peel(args[0]);
  if (exp.type !== 'identifier') return null;
  const word = exp.text;
  let des: SyntaxNode | null = peel(args[1]);
  if (des.type === 'identifier') des = bindingOf(des.text, call);
  if (!des) return null;
  des = peel(des);
  const direct = packedWrite(des, call, word);
  if (direct) return { delta: direct };
  if (des.type !== 'if_expression') return null;
  const cond = peel(des.childForFieldName('condition')!);
  const alt = des.childForFieldName('alternative')?.namedChildren.find(c => !isComment(c));
  const elseBody = alt?.type === 'block' ? blockTail(alt) : null;
  if (!elseBody || packedWrite(elseBody, call, word) !== -1) return null;
  // The then-branch must be reachable only when the count read was 1.
  const flag = cond.type === 'identifier' ? bindingOf(cond.text, call) : cond;
  const conj = (n: SyntaxNode): SyntaxNode[] => {
    const q = peel(n);
    return q.type === 'binary_expression' && q.childForFieldName('operator')?.type === '&&' ? [...conj(q.childForFieldName('left')!), ...conj(q.childForFieldName('right')!)] : [q];
  };
  const one = flag && conj(flag).some(t => {
    if (t.type !== 'binary_expression' || t.childForFieldName('operator')?.type !== '==') return false;
    const l = peel(t.childForFieldName('left')!), r = peel(t.childForFieldName('right')!);
    const [cnt, lit] = intLiteral(r) === 1 ? [l, r] : intLiteral(l) === 1 ? [r, l] : [null, null];
    if (!cnt || !lit) return false;
    const base = cnt.type === 'field_expression' && cnt.childForFieldName('field')?.text === 'value' ? peel(cnt.childForFieldName('value')!) : null;
    return !!base && base.type === 'identifier' && refsOf(base.text, call, word);
  });
  return one ? { delta: -1, lastWhen: compact(cond.text) } : null;
}

function firstIdent(n: SyntaxNode, name: string): SyntaxNode | null {
  for (const id of n.descendantsOfType('identifier')) if (id.text === name) return id;
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

/** The comparison the reader found on an operation's result, normalised to the old count in references. */
interface CountTest {
  op: CompareOp;
  /** The value the old count is compared with, in references (`prev.ref_count() == 1` -> 1). */
  value: number;
  /** The comparison (or the match) node. */
  node: SyntaxNode;
  /** A `match` on the count: the arm taken for `value`. */
  arm?: SyntaxNode;
  /** The count was read through an accessor, a mask or a shift (a packed state word). */
  packed: boolean;
  /** The comparison is the return value of this function (a query such as `is_unique`). */
  returnedFrom?: SyntaxNode;
  /** Compared with the parameter that says how many references the operation took off (`== count`); `value` is then SYMBOLIC_REFS. */
  symbol?: string;
}

interface Amount { text: string; value: number | null }

/** Accessors that read the reference count out of a packed word: `ref_count()`, `count()`, `refs()`. */
const COUNT_ACCESSOR = /^(ref_?count|refcount|count|refs|ref_cnt|strong_count|num_refs)$/;

/** `fetch_sub(REF_ONE, ..)`: a named constant amount, which a later masked test may show is one reference. */
function namedAmount(call: SyntaxNode, constValue: (name: string) => number | null): Amount | null {
  const arg = call.childForFieldName('arguments')?.namedChildren.find(a => !isComment(a));
  const p = arg ? peel(arg) : null;
  if (!p || (p.type !== 'identifier' && p.type !== 'scoped_identifier')) return null;
  return { text: compact(p.text), value: constValue(pathSegments(p).pop()!) };
}

function sameAmount(n: SyntaxNode, a: Amount): boolean {
  const p = peel(n);
  return compact(p.text) === a.text || (a.value !== null && intLiteral(p) === a.value);
}

/**
 * Follows the value an operation returned (the old count) to the test that decides "last
 * reference" or "unique": through `let` bindings (skipping assertions that read it), a newtype
 * wrapper (`Snapshot(..)`), a count accessor (`.ref_count()`), a mask or shift of a packed word,
 * `old - UNIT` (the new count), and on to a comparison or a `match`. The compared value is
 * turned back into references of the old count, so `new & !(REFERENCE - 1) == 0` after
 * `fetch_sub(REFERENCE)` reads as `old == 1`. Anything else: null.
 */
function countTest(n: SyntaxNode, unwrapFirst: boolean, constValue: (name: string) => number | null, amount: Amount, times?: string): CountTest | null {
  let node = n;
  let isNew = false;
  let units = amount.value === 1;
  let masked = false;
  let hops = 0;
  if (unwrapFirst) {
    const { node: cur, parent } = up(node);
    if (parent?.type === 'field_expression' && /^(unwrap|expect|unwrap_or_else|unwrap_or)$/.test(parent.childForFieldName('field')?.text ?? '') && parent.parent?.type === 'call_expression') node = parent.parent;
    else node = cur;
  }
  const oldUnits = (value: number | null, text: string): number | null => {
    let v: number | null;
    if (units) v = value;
    else if (value === 0) v = 0;
    else if (text === amount.text || (amount.value !== null && value === amount.value)) v = 1;
    else v = amount.value && value !== null && value % amount.value === 0 ? value / amount.value : null;
    return v === null ? null : isNew ? v + 1 : v;
  };
  for (let guard = 0; guard < 16; guard++) {
    const { node: cur, parent } = up(node);
    node = cur;
    if (!parent) return null;
    if (parent.type === 'arguments' && parent.parent?.type === 'call_expression') {
      // A newtype around the word (`Snapshot(prev)`) keeps the value.
      const f = parent.parent.childForFieldName('function');
      const args = parent.namedChildren.filter(a => !isComment(a));
      if (f && (f.type === 'identifier' || f.type === 'scoped_identifier') && /^[A-Z]/.test(pathSegments(f).pop()!) && args.length === 1 && !/^(Some|Ok|Err)$/.test(f.text)) { node = parent.parent; continue; }
      return null;
    }
    if (parent.type === 'field_expression' && parent.childForFieldName('value')?.id === node.id) {
      const field = parent.childForFieldName('field')?.text ?? '';
      if (field === '0') { node = parent; continue; } // `.0` of the newtype
      const call = parent.parent;
      const noArgs = call?.type === 'call_expression' && (call.childForFieldName('arguments')?.namedChildren.filter(a => !isComment(a)).length ?? 1) === 0;
      if (call && noArgs && COUNT_ACCESSOR.test(field)) { units = true; masked = true; node = call; continue; }
      return null;
    }
    if (parent.type === 'binary_expression') {
      const op = parent.childForFieldName('operator')?.type ?? '';
      const l = parent.childForFieldName('left');
      const r = parent.childForFieldName('right');
      const other = l?.id === node.id ? r : l;
      if (!other) return null;
      if (CMP_OPS.has(op)) {
        const p = peel(other);
        const v = intLiteral(p) ?? (p.type === 'identifier' || p.type === 'scoped_identifier' ? constValue(pathSegments(p).pop()!) : null);
        const bySymbol = v === null && times !== undefined && p.type === 'identifier' && p.text === times;
        const value = bySymbol ? (units ? SYMBOLIC_REFS : null) : oldUnits(v, compact(p.text));
        if (value === null) return null;
        const flipped: Record<string, CompareOp> = { '<': '>', '>': '<', '<=': '>=', '>=': '<=', '==': '==', '!=': '!=' };
        const fnItem = resultUse(parent) === 'returned' ? enclosingFnItem(parent) : null;
        return { op: l?.id === node.id ? (op as CompareOp) : flipped[op], value, node: parent, packed: masked || amount.value !== 1, ...(fnItem ? { returnedFrom: fnItem } : {}), ...(bySymbol ? { symbol: times } : {}) };
      }
      if (op === '-' && l?.id === node.id && !isNew && sameAmount(other, amount)) { isNew = true; node = parent; continue; }
      // Masks and shifts only make sense on a word that holds a count in units of a named amount;
      // on a plain counter or a load they would turn flag tests into count tests.
      if (op === '&' && amount.value !== 1) { masked = true; node = parent; continue; }
      if ((op === '>>' || op === '/') && amount.value !== 1 && l?.id === node.id) { units = true; masked = true; node = parent; continue; }
      return null;
    }
    if (parent.type === 'match_expression' && parent.childForFieldName('value')?.id === node.id) {
      for (const arm of parent.childForFieldName('body')?.namedChildren ?? []) {
        if (arm.type !== 'match_arm') continue;
        const pat = arm.childForFieldName('pattern');
        const lit = pat?.namedChildren.find(c => !isComment(c)) ?? null;
        if (!lit || pat!.childForFieldName('condition')) continue;
        const v = intLiteral(lit) ?? (lit.type === 'identifier' || lit.type === 'scoped_identifier' ? constValue(pathSegments(lit).pop()!) : null);
        if (oldUnits(v, compact(lit.text)) !== 1) continue;
        const value = arm.childForFieldName('value');
        if (!value) return null;
        return { op: '==', value: 1, node: parent, arm: value, packed: masked || amount.value !== 1 };
      }
      return null;
    }
    if (parent.type === 'let_declaration' && hops < 3) {
      const use = followLet(node);
      if (!use) return null;
      node = use;
      hops++;
      continue;
    }
    return null;
  }
  return null;
}

/** A comparison of a value that is not known to be an old count (a CAS result, a helper's new count): read as written. */
function plainTest(n: SyntaxNode, unwrapFirst: boolean, constValue: (name: string) => number | null): CountTest | null {
  return countTest(n, unwrapFirst, constValue, { text: '1', value: 1 });
}

/** Increments: whether a reference is already held decides an unless-zero update's role and whether a clone hint may be given. */
const INCREMENT_OPS = new Set<AtomicOp>(['fetch_update', 'fetch_add', 'add', 'inc']);
/** Operations whose test decides a last drop or exclusive access: only their paths need an effect. */
const COUNT_TEST_OPS = new Set<AtomicOp>(['fetch_sub', 'sub', 'fetch_update', 'dec_and_test', 'load', 'read']);

/** `impl Clone for Arc<T>` -> "Clone"; null outside a trait impl. */
function implTraitOf(n: SyntaxNode): string | null {
  for (let p = n.parent; p; p = p.parent) {
    if (p.type === 'impl_item') {
      const t = p.childForFieldName('trait');
      return t ? baseTypeName(t.text) : null;
    }
  }
  return null;
}

/** implTraitOf(n), going on from the ancestors `enclosing(n)` has already read. */
function implTraitAbove(n: SyntaxNode, outer: Ancestor | null): string | null {
  let last: Ancestor | null = null;
  for (let a = outer; a; a = a.up) {
    if (a.type === 'impl_item') {
      const t = a.node.childForFieldName('trait');
      return t ? baseTypeName(t.text) : null;
    }
    last = a;
  }
  // A chain read by climbing stops at the function: the rest is climbed from there.
  return implTraitOf(last ? last.node : n);
}

/** Words that name a way to end or take an object; branches without one are not judged for the index. */
const DESTROY_WORDS = /drop|free|dealloc|destroy|from_raw|ptr::read|release|dispose|reclaim|delete|finali[sz]e|get_mut|with_mut|&mut \*/;

/**
 * Whether ContextReader.testCalls could find, in this text, a branch on a call of one of `names`
 * that takes the object: it needs a destroy word and the callee's name as a word (see hasWord).
 */
export function mayTestCallOf(text: string, names: Iterable<string>): boolean {
  if (!DESTROY_WORDS.test(text)) return false;
  for (const n of names) if (hasWord(text, n)) return true;
  return false;
}

/** A path found in a caller, marked as such. */
function inCaller(p: ControlPath, call: SyntaxNode): ControlPath {
  const caller = enclosingFnItem(call)?.childForFieldName('name')?.text;
  return { ...p, how: 'in-caller', ...(caller ? { caller } : {}) };
}

/** Of several callers' paths, the one a verdict must hold for: it takes the object and has no barrier. */
function worstPath(paths: ControlPath[]): ControlPath {
  const taking = paths.filter(p => p.effect?.kind === 'exclusive');
  return taking.find(p => !p.fence && !p.acquireLoad) ?? taking[0] ?? paths[0];
}

/**
 * The success arm of a compare-exchange returns the flag that names the last guard
 * (`Ok(_) => return dropping`, or `dropping` as the arm's value at the end of the function).
 */
function returnsFlagOnSuccess(cas: SyntaxNode, flag: string): boolean {
  if (!/^\w+$/.test(flag)) return false;
  const ok = resultOkPath(cas);
  if (isUnknown(ok) || !ok.region || !('type' in ok.region)) return false;
  const region = ok.region as SyntaxNode;
  const returned = (e: SyntaxNode | null | undefined): boolean => !!e && peel(e).type === 'identifier' && peel(e).text === flag;
  if (region.descendantsOfType('return_expression').some(r => returned(r.namedChildren.find(c => !isComment(c))))) return true;
  return returned(region.type === 'block' ? blockTail(region) : region);
}

function enclosingFnItem(n: SyntaxNode): SyntaxNode | null {
  for (let p = n.parent; p; p = p.parent) if (p.type === 'function_item') return p;
  return null;
}
