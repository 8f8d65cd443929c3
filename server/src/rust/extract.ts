// Finds the atomic operations of a Rust file: std/core atomics, fences, kernel `Atomic<T>` with
// marker orderings, kernel `Refcount`, the `acquire!` fence macro of Arc-like code, and calls to
// helper functions that perform an operation on an atomic passed to them. Three passes:
//   1. direct sites (method calls / fence calls / acquire!) with receivers and orderings;
//   2. helper summaries: direct sites whose receiver is a parameter of the enclosing function;
//   3. call sites of helpers (this file's, then the workspace index's) become `via` sites;
// then the control context of every site, which needs all fences to be known.

import type { SyntaxNode, Tree } from './parser';
import { parseRust } from './parser';
import type { AtomicApi, AtomicOp, Extraction, OrderingArg, OrderingSlot, Problem, Site, ValueArg } from './site';
import { buildFileScope, fileScopeOf, fnScopeIn, implTypeIn } from './scope';
import type { FnScope } from './scope';
import type { FileScope } from './scope';
import { OrderingResolver } from './orderings';
import { perTree } from './trees';
import type { ResolvedOrdering } from './orderings';
import { classifyType, counterNameOf, ReceiverReader } from './receiver';
import type { TypeFacts } from './receiver';
import { closureEffect, closureShape } from './closure';
import type { ArgShape } from './closure';
import { ContextReader } from './context';
import type { SiteRef } from './context';
import type { FileSummary, HelperOp, RustIndex } from './index';
import { compact, intLiteral, isComment, pathSegments, peel, rangeOf } from './syntax';

type Slot = 'v' | 'f' | `o:${OrderingSlot}`;
interface OpSpec { op: AtomicOp; slots: Slot[]; kind: 'shared' | 'kernel' | 'refcount' }

const SHARED_RMW = ['fetch_add', 'fetch_sub', 'fetch_and', 'fetch_or', 'fetch_xor', 'fetch_max', 'fetch_min', 'swap'] as const;

/** Method name -> accepted shapes. `shared` names exist in std and in kernel Atomic<T>. */
const METHODS = new Map<string, OpSpec[]>([
  ['load', [{ op: 'load', slots: ['o:single'], kind: 'shared' }]],
  ['store', [{ op: 'store', slots: ['v', 'o:single'], kind: 'shared' }]],
  ...SHARED_RMW.map(m => [m, [{ op: m as AtomicOp, slots: ['v', 'o:single'], kind: 'shared' }]] as [string, OpSpec[]]),
  ['compare_exchange', [{ op: 'compare_exchange', slots: ['v', 'v', 'o:success', 'o:failure'], kind: 'shared' }]],
  ['compare_exchange_weak', [{ op: 'compare_exchange_weak', slots: ['v', 'v', 'o:success', 'o:failure'], kind: 'shared' }]],
  ['fetch_update', [{ op: 'fetch_update', slots: ['o:set', 'o:fetch', 'f'], kind: 'shared' }]],
  ['xchg', [{ op: 'xchg', slots: ['v', 'o:single'], kind: 'kernel' }]],
  ['cmpxchg', [{ op: 'cmpxchg', slots: ['v', 'v', 'o:success'], kind: 'kernel' }]],
  ['try_cmpxchg', [{ op: 'try_cmpxchg', slots: ['v', 'v', 'o:success'], kind: 'kernel' }]],
  ['add', [{ op: 'add', slots: ['v', 'o:single'], kind: 'kernel' }]],
  ['sub', [{ op: 'sub', slots: ['v', 'o:single'], kind: 'kernel' }]],
  ['inc', [{ op: 'inc', slots: [], kind: 'refcount' }]],
  ['dec', [{ op: 'dec', slots: [], kind: 'refcount' }]],
  ['dec_and_test', [{ op: 'dec_and_test', slots: [], kind: 'refcount' }]],
  ['set', [{ op: 'set', slots: ['v'], kind: 'refcount' }]],
  ['read', [{ op: 'read', slots: [], kind: 'refcount' }]],
]);

/** Orderings fixed by kernel::sync::Refcount (refcount.h's contract). */
const REFCOUNT_IMPLIED: Partial<Record<AtomicOp, { which: OrderingSlot; ordering: 'Relaxed' | 'Release' | 'Acquire'; how: string }[]>> = {
  inc: [{ which: 'single', ordering: 'Relaxed', how: 'Refcount::inc is relaxed (refcount_inc)' }],
  dec: [{ which: 'single', ordering: 'Release', how: 'Refcount::dec is a release (refcount_dec)' }],
  dec_and_test: [
    { which: 'single', ordering: 'Release', how: 'Refcount::dec_and_test decrements with release' },
    { which: 'success', ordering: 'Acquire', how: 'Refcount::dec_and_test acquires when it reaches zero' },
  ],
  set: [{ which: 'single', ordering: 'Relaxed', how: 'Refcount::set is a relaxed store (refcount_set)' }],
  read: [{ which: 'single', ordering: 'Relaxed', how: 'Refcount::read is a relaxed load (refcount_read)' }],
};

/** A site during extraction: the public Site plus the syntax it came from. */
interface Raw {
  site: Site;
  node: SyntaxNode;
  receiverNode: SyntaxNode | null;
  fn: FnScope | null;
  closureNode?: SyntaxNode;
  returns?: HelperOp['returns'];
  decrementByOne: boolean;
}

export interface AnalyzeOptions {
  /** Workspace index: types, signatures and helpers of the other files. */
  index?: RustIndex;
}

export interface FileAnalysis extends Extraction {
  /** What the index should hold for this file. */
  summary: FileSummary;
}

/**
 * Sites of one file. Pass `tree` to reuse a parse (it is not deleted); without it the text is
 * parsed and the tree freed. The parser must be initialised (`initRustParser`).
 */
export function extractSites(file: string, text: string, tree?: Tree, index?: RustIndex): Extraction {
  const { sites, problems } = analyzeRustFile(file, text, tree, { index });
  return { sites, problems };
}

/**
 * The summary the workspace index holds for a file, read without the workspace index. Only what
 * the summary holds is read: the file scope and the operations on a function's parameters
 * (helpers); their control context is not, since other files use a helper's site only for its
 * op, orderings, arguments and range.
 */
export function summarizeRustFile(file: string, text: string, tree?: Tree): FileSummary {
  const own = tree ? null : parseRust(text);
  try {
    const t = tree ?? own!;
    return new FileReader(file, text, t.rootNode, null, fileScopeOf(t, text), t).summarize();
  } finally {
    own?.delete();
  }
}

/** Sites, problems and index summary in one parse: what the language server calls on each change. */
export function analyzeRustFile(file: string, text: string, tree?: Tree, opts: AnalyzeOptions = {}): FileAnalysis {
  const own = tree ? null : parseRust(text);
  try {
    const t = tree ?? own!;
    const root = t.rootNode;
    const scope = fileScopeOf(t, text);
    const idx = opts.index;
    return idx ? idx.excluding(file, () => new FileReader(file, text, root, idx, scope, t).run()) : new FileReader(file, text, root, null, scope, t).run();
  } finally {
    own?.delete();
  }
}

class FileReader {
  private readonly scope: FileScope;
  private readonly facts: TypeFacts;
  private readonly orderings: OrderingResolver;
  private readonly raws: Raw[] = [];
  private readonly problems: Problem[] = [];
  private readonly ids = new Set<string>();
  /** Reading for the index only: direct operations on a parameter of their function. */
  private helpersOnly = false;

  constructor(private readonly file: string, private readonly text: string, private readonly root: SyntaxNode, private readonly index: RustIndex | null, fileScope?: FileScope, private readonly tree?: Tree) {
    this.scope = fileScope ?? buildFileScope(root, text);
    this.orderings = new OrderingResolver(this.scope);
    const scope = this.scope;
    this.facts = {
      fieldType: (owner, field) => scope.structs.get(owner)?.get(field) ?? index?.fieldType(owner, field) ?? null,
      fieldTypesByName: field => {
        const local = [...scope.structs.values()].map(f => f.get(field)).filter((t): t is string => !!t);
        return local.length ? local : index?.fieldTypesByName(field) ?? [];
      },
      fnReturns: (implType, name) => {
        const local = scope.fns.filter(f => f.name === name && f.returnType && (implType === null || f.implType === implType)).map(f => f.returnType!);
        return local.length ? local : index?.fnReturns(implType, name) ?? [];
      },
    };
  }

  run(): FileAnalysis {
    this.syntaxProblems();
    for (const c of this.directCandidates()) this.callSite(c);
    for (const m of this.candidateMacros('acquire')) this.macroSite(m);
    const helpers = this.helperOps();
    const direct = new Set(this.raws.map(r => r.node.id));
    const helperNames = new Set([...helpers.map(h => h.fnName), ...(this.index?.helperNames() ?? [])]);
    for (const c of this.candidates([...helperNames])) if (!direct.has(c.id)) this.helperCallSites(c, helpers);
    this.contexts();
    const sites = this.raws.map(r => r.site).sort((a, b) => a.range.start.line - b.range.start.line || a.range.start.character - b.range.start.character);
    return { sites, problems: this.problems, summary: this.summary(helpers) };
  }

  summarize(): FileSummary {
    this.helpersOnly = true;
    for (const c of this.directCandidates()) this.callSite(c);
    return this.summary(this.helperOps());
  }

  private summary(helpers: HelperOp[]): FileSummary {
    return {
      file: this.file,
      structs: Object.fromEntries([...this.scope.structs].map(([k, v]) => [k, Object.fromEntries(v)])),
      fns: this.scope.fns,
      helpers,
    };
  }

  /** Calls of atomic methods and fences (the same for every reading of a tree). */
  private directCandidates(): SyntaxNode[] {
    const names = [...METHODS.keys(), 'fence'];
    return this.tree ? perTree(this.tree, 'direct-calls', () => this.candidates(names)) : this.candidates(names);
  }

  /**
   * Call expressions whose function or method is one of `names`. Found by scanning the text and
   * asking the tree only at the matches: walking every node through the wasm boundary costs far
   * more than the parse itself, and most calls in a file are not atomic operations.
   */
  private candidates(names: string[]): SyntaxNode[] {
    if (names.length === 0) return [];
    const re = callPattern(names);
    const out: SyntaxNode[] = [];
    const seen = new Set<number>();
    for (const m of this.text.matchAll(re)) {
      const id = this.root.descendantForIndex(m.index!);
      if (!id || (id.type !== 'identifier' && id.type !== 'field_identifier')) continue; // in a comment or string
      let p = id.parent;
      if (p?.type === 'scoped_identifier' || p?.type === 'field_expression' || p?.type === 'generic_function') {
        if (p.type === 'generic_function') p = p.parent;
        else if (p.parent?.type === 'generic_function') p = p.parent.parent;
        else p = p.parent;
      }
      if (p?.type === 'call_expression' && !seen.has(p.id)) {
        seen.add(p.id);
        out.push(p);
      }
    }
    return out;
  }

  private candidateMacros(name: string): SyntaxNode[] {
    const out: SyntaxNode[] = [];
    for (const m of this.text.matchAll(new RegExp(`\\b${escapeRe(name)}\\s*!`, 'g'))) {
      const p = this.root.descendantForIndex(m.index!)?.parent;
      if (p?.type === 'macro_invocation') out.push(p);
    }
    return out;
  }

  private syntaxProblems(): void {
    if (!this.root.hasError) return;
    // Innermost error nodes point at the damage; an outer ERROR can span most of the file.
    const errs = this.root.descendantsOfType('ERROR').filter(e => e.descendantsOfType('ERROR').every(d => d.id === e.id));
    for (const e of errs.slice(0, 5)) {
      this.problems.push({ kind: 'syntax', range: rangeOf(e), message: 'syntax error: atomic operations inside this region may be missed' });
    }
    if (errs.length === 0) this.problems.push({ kind: 'syntax', range: rangeOf(this.root), message: 'the file has syntax errors (missing tokens); results may be incomplete' });
  }

  private fnScope(n: SyntaxNode): FnScope | null {
    return fnScopeIn(this.scope, n);
  }

  private implTypeOf(n: SyntaxNode): string | null {
    return implTypeIn(this.scope, n);
  }

  private constValue = (name: string): number | null => {
    const c = this.scope.consts.get(name);
    return c ? intLiteral(peel(c.value)) : null;
  };

  /** A one-parameter function of this file, for closures passed by name. */
  private fnItems: Map<string, SyntaxNode> | null = null;
  private namedFn = (name: string): { param: string; body: SyntaxNode } | null => {
    if (!this.fnItems) {
      this.fnItems = new Map();
      for (const n of this.root.descendantsOfType('function_item')) {
        const fname = n.childForFieldName('name')?.text;
        if (fname && !this.fnItems.has(fname)) this.fnItems.set(fname, n);
      }
    }
    const f = this.fnItems.get(name);
    const ps = f?.childForFieldName('parameters')?.namedChildren.filter(p => p.type === 'parameter') ?? [];
    const body = f?.childForFieldName('body');
    const param = ps.length === 1 ? ps[0].childForFieldName('pattern')?.text : undefined;
    return body && param ? { param, body } : null;
  };

  private newId(line: number, ch: number, op: AtomicOp): string {
    let id = `${line}:${ch}:${op}`;
    for (let i = 2; this.ids.has(id); i++) id = `${line}:${ch}:${op}#${i}`;
    this.ids.add(id);
    return id;
  }

  private valueArg(n: SyntaxNode): ValueArg {
    const p = peel(n);
    const lit = intLiteral(p);
    if (lit !== null) return { text: n.text, range: rangeOf(n), value: lit, kind: 'int' };
    if (p.type === 'identifier' || p.type === 'scoped_identifier') {
      const v = this.constValue(pathSegments(p).pop()!);
      if (v !== null) return { text: n.text, range: rangeOf(n), value: v, kind: 'const' };
    }
    return { text: n.text, range: rangeOf(n), value: null, kind: p.type === 'closure_expression' ? 'closure' : 'expr' };
  }

  private orderingArg(which: OrderingSlot, arg: SyntaxNode, r: ResolvedOrdering): OrderingArg {
    const o: OrderingArg = { which, ordering: r.ordering, text: arg.text, range: rangeOf(arg), implied: false, resolution: r.resolution, how: r.how, family: r.family };
    if (r.note) o.note = r.note;
    return o;
  }

  private unresolvedProblems(site: Site): void {
    for (const o of site.orderings) {
      if (o.ordering !== null || !o.range) continue;
      this.problems.push({ kind: 'unresolved-ordering', range: o.range, siteId: site.id, message: `cannot resolve the ${o.which === 'single' ? '' : o.which + ' '}ordering \`${o.text}\` of \`${site.op}\`: ${o.how}` });
    }
  }

  private baseSite(node: SyntaxNode, nameNode: SyntaxNode, op: AtomicOp, api: AtomicApi, fn: FnScope | null, receiverNode: SyntaxNode | null): Site {
    const implType = this.implTypeOf(node);
    const reader = new ReceiverReader(this.facts, implType, fn);
    const receiver = receiverNode ? reader.key(receiverNode) : '';
    const start = rangeOf(node).start;
    return {
      id: this.newId(start.line, start.character, op),
      file: this.file, api, op, receiver,
      receiverText: receiverNode ? compact(receiverNode.text) : '',
      counterName: receiverNode ? counterNameOf(receiver) : '',
      implType, fnName: fn?.name ?? null,
      args: [], orderings: [], range: rangeOf(node), methodRange: rangeOf(nameNode),
      context: { inLoop: false, resultUse: 'used' }, notes: [],
    };
  }

  /** `recv.method(args)` and `fence(o)` calls. */
  private callSite(call: SyntaxNode): void {
    const fnode = call.childForFieldName('function');
    const argsNode = call.childForFieldName('arguments');
    if (!fnode || !argsNode) return;
    const args = argsNode.namedChildren.filter(a => !isComment(a) && a.type !== 'attribute_item');
    if (fnode.type === 'identifier' || fnode.type === 'scoped_identifier') return this.helpersOnly ? undefined : this.fenceSite(call, fnode, args);
    if (fnode.type !== 'field_expression') return;
    const nameNode = fnode.childForFieldName('field');
    const recvNode = fnode.childForFieldName('value');
    const specs = nameNode ? METHODS.get(nameNode.text) : undefined;
    if (!nameNode || !recvNode || !specs) return;
    const spec = specs.find(s => s.slots.length === args.length);
    if (!spec) return;
    const fn = this.fnScope(call);
    if (this.helpersOnly && !this.onParameter(fn, recvNode)) return;
    const reader = new ReceiverReader(this.facts, this.implTypeOf(call), fn);
    const cls = classifyType(reader.typeOf(recvNode));

    if (spec.kind === 'refcount') {
      // No ordering argument to go by: only a receiver known to be a Refcount makes it one.
      if (cls !== 'refcount') return;
      const site = this.baseSite(call, nameNode, spec.op, 'kernel-refcount', fn, recvNode);
      site.args = args.map(a => this.valueArg(a));
      site.orderings = (REFCOUNT_IMPLIED[spec.op] ?? []).map(i => ({ which: i.which, ordering: i.ordering, text: `Refcount::${spec.op}`, range: null, implied: true, resolution: 'implied' as const, how: i.how, family: 'kernel' as const }));
      this.raws.push({ site, node: call, receiverNode: recvNode, fn, decrementByOne: spec.op === 'dec' || spec.op === 'dec_and_test' });
      return;
    }

    const resolved = spec.slots.map((s, i) => (s.startsWith('o:') ? this.orderings.resolve(args[i], fn) : null));
    const anyOrdering = resolved.some(r => r?.orderingLike);
    const anyResolved = resolved.some(r => r?.ordering);
    // A call with an ordering argument is an atomic op; with an unknown argument, only when the
    // receiver is known to be an atomic (so `map.load(key)` or `cfg.store(x, y)` are not sites).
    if (!anyOrdering && !(cls === 'atomic' || cls === 'refcount')) return;
    if (cls === 'other' && !anyResolved) return;
    const kernelMarked = resolved.some(r => r?.ordering && r.family === 'kernel');
    const api: AtomicApi = spec.kind === 'kernel' || kernelMarked ? 'kernel-atomic' : 'std';
    const site = this.baseSite(call, nameNode, spec.op, api, fn, recvNode);
    const raw: Raw = { site, node: call, receiverNode: recvNode, fn, decrementByOne: false };
    spec.slots.forEach((slot, i) => {
      const a = args[i];
      if (slot === 'v') site.args.push(this.valueArg(a));
      else if (slot === 'f') {
        site.args.push(this.valueArg(a));
        raw.closureNode = a;
      } else site.orderings.push(this.orderingArg(slot.slice(2) as OrderingSlot, a, resolved[i]!));
    });
    if (spec.op === 'cmpxchg' || spec.op === 'try_cmpxchg') {
      site.orderings.push({ which: 'failure', ordering: 'Relaxed', text: `${spec.op} failure`, range: null, implied: true, resolution: 'implied', how: `a failed kernel ${spec.op} is a relaxed load`, family: 'kernel' });
    }
    if (raw.closureNode) {
      site.closure = closureEffect(closureShape(raw.closureNode, () => null, this.constValue, this.namedFn));
    }
    raw.decrementByOne = isDecrementByOne(site);
    this.raws.push(raw);
    this.unresolvedProblems(site);
  }

  /** `fence(o)`, `atomic::fence(o)`, `core::sync::atomic::fence(o)`; compiler_fence is not a thread fence. */
  private fenceSite(call: SyntaxNode, fnode: SyntaxNode, args: SyntaxNode[]): void {
    const segs = pathSegments(fnode);
    if (segs[segs.length - 1] !== 'fence' || args.length !== 1) return;
    if (segs.length === 1) {
      const imp = this.scope.imports.get('fence');
      if (imp && !/\batomic::fence$/.test(imp.path)) return;
    } else if (segs[segs.length - 2] !== 'atomic') return;
    const fn = this.fnScope(call);
    const r = this.orderings.resolve(args[0], fn);
    if (!r.orderingLike) return;
    const name = fnode.type === 'scoped_identifier' ? fnode.childForFieldName('name') ?? fnode : fnode;
    const site = this.baseSite(call, name, 'fence', r.family === 'kernel' && r.ordering ? 'kernel-atomic' : 'std', fn, null);
    site.orderings.push(this.orderingArg('single', args[0], r));
    this.raws.push({ site, node: call, receiverNode: null, fn, decrementByOne: false });
    this.unresolvedProblems(site);
  }

  /** `acquire!(x)`: std Arc's macro for `fence(Acquire)` (a load Acquire of x under ThreadSanitizer). */
  private macroSite(m: SyntaxNode): void {
    const name = m.childForFieldName('macro');
    if (name?.text !== 'acquire') return;
    const fn = this.fnScope(m);
    const site = this.baseSite(m, name, 'fence', 'std', fn, null);
    const tt = m.namedChildren.find(c => c.type === 'token_tree');
    site.receiverText = tt ? compact(tt.text).replace(/^\(|\)$/g, '') : '';
    site.orderings.push({ which: 'single', ordering: 'Acquire', text: 'acquire!', range: rangeOf(name), implied: true, resolution: 'implied', how: 'acquire!(x) expands to fence(Acquire)', family: 'std' });
    site.notes.push('acquire! read as fence(Acquire); its argument is only used under ThreadSanitizer');
    this.raws.push({ site, node: m, receiverNode: null, fn, decrementByOne: false });
  }

  /** The receiver is a parameter of the function (not a `let` that shadows it). */
  private onParameter(fn: FnScope | null, receiverNode: SyntaxNode | null): fn is FnScope {
    if (!fn || !receiverNode) return false;
    const recv = peel(receiverNode);
    return recv.type === 'identifier' && !fn.letBefore(recv.text, recv.startIndex) && fn.param(recv.text) !== null;
  }

  /** Direct sites whose receiver is a parameter of their function make that function a helper. */
  private helperOps(): HelperOp[] {
    const out: HelperOp[] = [];
    for (const r of this.raws) {
      if (!r.fn || !this.onParameter(r.fn, r.receiverNode)) continue;
      const p = r.fn.param(peel(r.receiverNode!).text)!;
      const params = (name: string): number | null => r.fn!.param(name)?.index ?? null;
      const h: HelperOp = {
        fnName: r.fn.name, implType: r.fn.sig.implType, file: this.file, hasSelf: r.fn.sig.hasSelf,
        paramIndex: p.index, paramName: p.name, paramCount: r.fn.sig.params.length,
        site: r.site, returns: helperReturns(r),
      };
      if (r.closureNode) h.closure = closureShape(r.closureNode, params, this.constValue, this.namedFn);
      r.site.notes.push(`operates on parameter \`${p.name}\` of \`${r.fn.name}\`: its callers are reported as sites too`);
      out.push(h);
    }
    return out;
  }

  /** A call to a helper: `helper(&self.refs, ..)`, `Self::helper(..)`, `self.helper(&x, ..)`. */
  private helperCallSites(call: SyntaxNode, local: HelperOp[]): void {
    const fnode = call.childForFieldName('function');
    const argsNode = call.childForFieldName('arguments');
    if (!fnode || !argsNode) return;
    let name: SyntaxNode | null = null;
    let owner: string | null = null;
    if (fnode.type === 'identifier') name = fnode;
    else if (fnode.type === 'scoped_identifier') {
      name = fnode.childForFieldName('name');
      const segs = pathSegments(fnode);
      owner = segs.length >= 2 ? (segs[segs.length - 2] === 'Self' ? this.implTypeOf(call) : segs[segs.length - 2]) : null;
    } else if (fnode.type === 'field_expression') name = fnode.childForFieldName('field');
    if (!name) return;
    const method = fnode.type === 'field_expression';
    const args = argsNode.namedChildren.filter(a => !isComment(a) && a.type !== 'attribute_item');
    const fits = (h: HelperOp) => h.fnName === name!.text && h.hasSelf === method && h.paramCount === args.length && (owner === null || h.implType === null || h.implType === owner);
    let cands = local.filter(fits);
    if (!cands.length && this.index) cands = this.index.helpers(name.text).filter(fits);
    // Same-named helpers in several places: one file's worth is taken only if they agree on the file.
    const files = new Set(cands.map(h => h.file));
    if (files.size > 1) {
      this.problems.push({ kind: 'unsupported', range: rangeOf(name), message: `\`${name.text}\` matches helpers in ${files.size} files; its atomic operation is not attributed` });
      return;
    }
    const fn = this.fnScope(call);
    if (fn && cands.some(h => h.fnName === fn.name && h.file === this.file && h.implType === fn.sig.implType)) return; // recursion
    for (const h of cands) {
      const arg = args[h.paramIndex];
      if (!arg) continue;
      const site = this.baseSite(call, name, h.site.op, h.site.api, fn, arg);
      site.args = h.site.args.map(a => ({ ...a }));
      // The ordering text to edit lives in the helper, so each written ordering names its file.
      site.orderings = h.site.orderings.map(o => (o.range ? { ...o, file: h.file } : { ...o }));
      site.via = { helperFn: h.implType ? `${h.implType}::${h.fnName}` : h.fnName, helperFile: h.file, helperSite: h.site };
      if (h.closure) site.closure = closureEffect(h.closure, args.map(a => this.argShape(a)));
      else if (h.site.closure) site.closure = { ...h.site.closure };
      site.notes.push(`performed by helper \`${site.via.helperFn}\` on its parameter \`${h.paramName}\`; ordering ranges are in ${h.file}`);
      this.raws.push({ site, node: call, receiverNode: arg, fn, returns: h.returns, decrementByOne: isDecrementByOne(site) });
      this.unresolvedProblems(site);
    }
  }

  private argShape(a: SyntaxNode): ArgShape {
    const p = peel(a);
    const v = intLiteral(p) ?? (p.type === 'identifier' ? this.constValue(p.text) : null);
    if (v !== null) return v;
    if (p.type === 'closure_expression' || p.type === 'identifier') return closureShape(p, () => null, this.constValue, this.namedFn);
    return null;
  }

  private contexts(): void {
    const refs: SiteRef[] = this.raws.map(r => ({
      id: r.site.id, op: r.site.op, receiver: r.site.receiver,
      ordering: r.site.orderings.find(o => o.which === 'single' || o.which === 'success' || o.which === 'set')?.ordering ?? null,
      start: r.node.startIndex, end: r.node.endIndex, node: r.node,
    })).sort((a, b) => a.start - b.start);
    const reader = new ContextReader(refs);
    for (const r of this.raws) {
      r.site.context = reader.read({ node: r.node, op: r.site.op, receiver: r.site.receiver, returns: r.returns, decrementByOne: r.decrementByOne, constValue: this.constValue });
    }
  }
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

const callPatterns = new Map<string, RegExp>();

/**
 * `name(`, `name::<T>(` for any of `names`. Every file of a workspace scans for the same helper
 * names, so the pattern is built once per set of names.
 */
function callPattern(names: string[]): RegExp {
  const key = [...new Set(names)].sort().join(' ');
  let re = callPatterns.get(key);
  if (!re) {
    if (callPatterns.size >= 16) callPatterns.clear();
    re = new RegExp(`\\b(?:${alternation(names)})\\s*(?:::\\s*<[^()]*>\\s*)?\\(`, 'g');
    callPatterns.set(key, re);
  }
  return new RegExp(re);
}

/**
 * A regex alternation matching exactly `names`, with common prefixes factored out
 * (`load|lock|locked` -> `lo(?:ad|ck(?:ed)?)`): the engine tries alternatives one by one at every
 * position, so a flat list of a workspace's helper names made the scan cost grow with their number.
 */
function alternation(names: string[]): string {
  interface Trie { end: boolean; next: Map<string, Trie> }
  const root: Trie = { end: false, next: new Map() };
  for (const name of new Set(names)) {
    let t = root;
    for (const ch of name) {
      let n = t.next.get(ch);
      if (!n) { n = { end: false, next: new Map() }; t.next.set(ch, n); }
      t = n;
    }
    t.end = true;
  }
  const emit = (t: Trie): string => {
    const branches = [...t.next].map(([ch, n]) => {
      // Runs of single-child nodes become one literal.
      let lit = escapeRe(ch);
      let cur = n;
      while (!cur.end && cur.next.size === 1) {
        const [c, nn] = cur.next.entries().next().value!;
        lit += escapeRe(c);
        cur = nn;
      }
      return lit + emit(cur);
    });
    if (branches.length === 0) return '';
    const group = branches.length === 1 ? branches[0] : `(?:${branches.join('|')})`;
    return t.end ? `(?:${group})?` : branches.length === 1 ? branches[0] : group;
  };
  return emit(root);
}

/** fetch_sub(1), sub(1), fetch_update(x - 1), Refcount::dec(_and_test): a reference dropped. */
function isDecrementByOne(site: Site): boolean {
  if (site.op === 'dec' || site.op === 'dec_and_test') return true;
  if (site.op === 'fetch_sub' || site.op === 'sub') return site.args[0]?.value === 1;
  if (site.op === 'fetch_update') return site.closure?.kind === 'sub' && site.closure.amount === 1;
  return false;
}

/**
 * What a helper returns relative to its inner op: the op itself (or `.unwrap()` of a
 * fetch_update) as the tail/return value -> old value or Result; `op(old)` where `old` is bound
 * to the op -> the new value.
 */
function helperReturns(r: Raw): HelperOp['returns'] {
  const body = r.fn?.node.childForFieldName('body');
  if (!body) return 'unknown';
  const kids = body.namedChildren.filter(c => !isComment(c));
  let tail: SyntaxNode | null = kids[kids.length - 1] ?? null;
  if (tail?.type === 'expression_statement' && tail.lastChild?.type === ';') {
    const e = tail.namedChildren[0];
    tail = e?.type === 'return_expression' ? e.namedChildren[0] ?? null : null;
  } else if (tail?.type === 'expression_statement') tail = tail.namedChildren[0] ?? null;
  if (!tail) return 'unknown';
  const t = peel(tail);
  const isOp = (n: SyntaxNode) => n.id === r.node.id;
  const unwrapOf = (n: SyntaxNode) => n.type === 'call_expression' && n.childForFieldName('function')?.type === 'field_expression'
    && /^(unwrap|expect)$/.test(n.childForFieldName('function')!.childForFieldName('field')?.text ?? '') && isOp(peel(n.childForFieldName('function')!.childForFieldName('value')!));
  const bool = r.site.op === 'try_cmpxchg' || r.site.op === 'dec_and_test';
  if (isOp(t)) return bool ? 'bool' : (r.site.op === 'compare_exchange' || r.site.op === 'compare_exchange_weak' || r.site.op === 'fetch_update' || r.site.op === 'cmpxchg') ? 'result' : 'old';
  if (unwrapOf(t)) return 'old';
  // `<op>.is_ok()` (fetch_update/compare_exchange as a success flag)
  if (t.type === 'call_expression' && t.childForFieldName('function')?.type === 'field_expression'
    && t.childForFieldName('function')!.childForFieldName('field')?.text === 'is_ok' && isOp(peel(t.childForFieldName('function')!.childForFieldName('value')!))) return 'bool';
  // `let old = <op>[.unwrap()]; ... op(old)` / `old - 1` / `old`
  const decl = r.node.parent?.type === 'let_declaration' ? r.node.parent
    : r.node.parent?.parent?.parent?.type === 'let_declaration' && unwrapOf(r.node.parent.parent) ? r.node.parent.parent.parent : null;
  const bound = decl?.childForFieldName('pattern')?.text;
  if (!bound) return 'unknown';
  if (t.type === 'identifier' && t.text === bound) return 'old';
  if (t.type === 'call_expression' && t.childForFieldName('arguments')?.namedChildren.length === 1 && t.childForFieldName('arguments')!.namedChildren[0].text === bound) return 'new';
  return 'unknown';
}
