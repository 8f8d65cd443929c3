// Finds the atomic operations of a Rust file: std/core atomics, fences, kernel `Atomic<T>` with
// marker orderings, kernel `Refcount`, the `acquire!` fence macro of Arc-like code, and calls to
// helper functions that perform an operation on an atomic passed to them. Three passes:
//   1. direct sites (method calls / fence calls / acquire!) with receivers and orderings;
//   2. helper summaries: direct sites whose receiver is a parameter of the enclosing function;
//   3. call sites of helpers (this file's, then the workspace index's) become `via` sites;
// then the control context of every site, which needs all fences to be known.

import type { SyntaxNode, Tree } from './parser';
import { parseRust } from './parser';
import type { AtomicApi, AtomicOp, Extraction, Ordering, OrderingArg, OrderingSlot, Problem, Site, ValueArg } from './site';
import { buildFileScope, fileScopeOf, fnScopeIn, implTypeIn } from './scope';
import type { FnScope } from './scope';
import type { FileScope } from './scope';
import { FULL_NOTE, OrderingResolver } from './orderings';
import { perTree, rootOf } from './trees';
import { evalConst, isReferenceUnit, toNumber } from './consts';
import type { ResolvedOrdering } from './orderings';
import { classifyType, counterNameOf, isCounterReference, ReceiverReader, typeLayers } from './receiver';
import type { TypeFacts } from './receiver';
import { closureEffect, closureShape } from './closure';
import type { ArgShape } from './closure';
import { ContextReader } from './context';
import type { SiteRef } from './context';
import type { FileSummary, HelperOp, RustIndex } from './index';
import { blockTail, compact, containsWord, intLiteral, isComment, pathSegments, peel, rangeOf } from './syntax';

type Slot = 'v' | 'f' | `o:${OrderingSlot}`;
interface OpSpec { op: AtomicOp; slots: Slot[]; kind: 'shared' | 'kernel' | 'refcount'; returnsOld?: boolean }

const SHARED_RMW = ['fetch_add', 'fetch_sub', 'fetch_and', 'fetch_or', 'fetch_xor', 'fetch_max', 'fetch_min', 'swap'] as const;

/** Method name -> accepted shapes. `shared` names exist in std and in kernel Atomic<T>. */
const METHODS = new Map<string, OpSpec[]>([
  ['load', [{ op: 'load', slots: ['o:single'], kind: 'shared' }]],
  ['store', [{ op: 'store', slots: ['v', 'o:single'], kind: 'shared' }]],
  ...SHARED_RMW.map(m => [m, [{ op: m as AtomicOp, slots: ['v', 'o:single'], kind: 'shared' }]] as [string, OpSpec[]]),
  ['compare_exchange', [{ op: 'compare_exchange', slots: ['v', 'v', 'o:success', 'o:failure'], kind: 'shared' }]],
  ['compare_exchange_weak', [{ op: 'compare_exchange_weak', slots: ['v', 'v', 'o:success', 'o:failure'], kind: 'shared' }]],
  ['fetch_update', [{ op: 'fetch_update', slots: ['o:set', 'o:fetch', 'f'], kind: 'shared' }]],
  // std's newer names: `try_update` is fetch_update; `update`'s closure returns the new value
  // itself (it cannot decline), and the call returns the old value.
  ['try_update', [{ op: 'fetch_update', slots: ['o:set', 'o:fetch', 'f'], kind: 'shared' }]],
  ['update', [{ op: 'fetch_update', slots: ['o:set', 'o:fetch', 'f'], kind: 'shared', returnsOld: true }]],
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
  ['inc_not_zero', [{ op: 'fetch_update', slots: [], kind: 'refcount' }]],
]);

/** The C refcount/atomic API as `bindings::` functions (found by text, then checked on the tree). */
const FFI_NAMES = /(?:refcount|atomic(?:64|_long)?)_[a-z_]+/;

/** Atomic types whose methods can be called by path: `AtomicUsize::fetch_sub(&self.count, 1, Release)`. */
const ATOMIC_TYPE_PATH = /^(Atomic(U8|U16|U32|U64|U128|Usize|I8|I16|I32|I64|I128|Isize|Bool|Ptr)?|Refcount)$/;

/** Orderings fixed by kernel::sync::Refcount (refcount.h's contract). */
const REFCOUNT_IMPLIED: Partial<Record<AtomicOp, { which: OrderingSlot; ordering: 'Relaxed' | 'Release' | 'Acquire'; how: string }[]>> = {
  inc: [{ which: 'single', ordering: 'Relaxed', how: 'Refcount::inc is relaxed (refcount_inc)' }],
  // refcount.h: inc_not_zero orders nothing but gives a control dependency on success (later
  // stores); the object's stability on the lookup path is the caller's (RCU, a lock). The model
  // takes that contract as given: the successful increment is read as acquiring.
  fetch_update: [
    { which: 'set', ordering: 'Acquire', how: 'Refcount::inc_not_zero: control dependency on success, object kept stable by the caller (RCU); modelled as Acquire' },
    { which: 'fetch', ordering: 'Relaxed', how: 'a refused inc_not_zero (count was zero) orders nothing' },
  ],
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
  /**
   * False when no text of the workspace names `Refcount` or `refcount_t` (see namesRefcount): then
   * no type classifies as a kernel refcount, and a call like `self.future.set(x)` is not read as
   * `Refcount::set` without looking its receiver's type up. Default true.
   */
  refcountTypes?: boolean;
}

const REFCOUNT_TYPE_WORD = /\bRefcount\b|\brefcount_t\b/;

/**
 * Whether a text can give a type that classifyType calls a refcount. Types the reader works out
 * are pieces of the workspace's texts (declared types, with `Self` replaced by a type name), so a
 * workspace none of whose texts says so has no refcount type.
 */
export function namesRefcount(text: string): boolean {
  return REFCOUNT_TYPE_WORD.test(text);
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
 * the summary holds is read: not the control context of the sites, the `acquire!` fences or the
 * calls of helpers, since other files use a helper's site only for its op, orderings, counter,
 * id and range.
 */
export function summarizeRustFile(file: string, text: string, tree?: Tree): FileSummary {
  const own = tree ? null : parseRust(text);
  try {
    const t = tree ?? own!;
    return new FileReader(file, text, rootOf(t), null, fileScopeOf(t, text), t).summarize();
  } finally {
    own?.delete();
  }
}

/** Sites, problems and index summary in one parse: what the language server calls on each change. */
export function analyzeRustFile(file: string, text: string, tree?: Tree, opts: AnalyzeOptions = {}): FileAnalysis {
  const own = tree ? null : parseRust(text);
  try {
    const t = tree ?? own!;
    const root = rootOf(t);
    const scope = fileScopeOf(t, text);
    const idx = opts.index;
    // The reader asks the index from its constructor on: all of it with the file's own (possibly
    // stale) summary hidden.
    const read = (): FileAnalysis => {
      const reader = new FileReader(file, text, root, idx ?? null, scope, t);
      if (opts.refcountTypes === false) reader.refcountTypes = false;
      return reader.run();
    };
    return idx ? idx.excluding(file, read) : read();
  } finally {
    own?.delete();
  }
}

/** Names whose calls can be atomic operations by themselves (methods, fences, kernel FFI). */
const DIRECT_NAMES: readonly (string | RegExp)[] = [...METHODS.keys(), 'fence', FFI_NAMES];

/**
 * Text without which a file declares no counter type and no atomic site of its own: the type
 * names classifyType knows (`Atomic*`, `atomic_t`, `Refcount`, `refcount_t`), the `acquire!`
 * macro, and calls of the direct operation names (whose receiver may be typed in another file).
 */
const COUNTER_WORDS = /tomic|efcount|acquire/;

/** Whether the file may hold a site, a helper or a counter type of its own (a cheap test on the text alone). */
export function mentionsCounters(text: string): boolean {
  return COUNTER_WORDS.test(text) || callPattern(DIRECT_NAMES).test(text);
}

/**
 * Whether a file may hold a site or put more than structs, signatures and consts into the index,
 * judged from its text alone: it mentions counters (mentionsCounters), calls one of `helperNames`
 * (every helper of the workspace, whose calls are `via` sites) or builds a struct of
 * `referenceStructs` (the workspace's structs with counter-reference fields, whose literals give
 * aliases). A file for which this is false has no sites, helpers, accessors, aliases or counter
 * fields; `check` leaves it to the index to read when asked (RustIndex.defer). `mentions`:
 * mentionsCounters(text), when the caller has it.
 */
export function mayHoldSites(text: string, helperNames: readonly string[], referenceStructs: readonly string[], mentions = mentionsCounters(text)): boolean {
  if (mentions) return true;
  if (helperNames.length > 0 && callPattern(helperNames).test(text)) return true;
  return referenceStructs.some(name => structLiteral(name).test(text));
}

class FileReader {
  /** See AnalyzeOptions.refcountTypes. */
  refcountTypes = true;
  private readonly scope: FileScope;
  private readonly facts: TypeFacts;
  private readonly orderings: OrderingResolver;
  private readonly raws: Raw[] = [];
  private readonly problems: Problem[] = [];
  private readonly ids = new Set<string>();
  /** The next suffix to try per position: calls of one chain share a start, thousands in hostile text. */
  private readonly nextSuffix = new Map<string, number>();
  private reader: ContextReader | null = null;

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
      fieldAlias: (owner, field) => this.aliases.get(`${owner}.${field}`) ?? index?.fieldAlias(owner, field) ?? null,
      accessorCounters: (implType, name) => {
        const local = [...this.accessors].filter(([k]) => { const [i, f] = k.split('::'); return f === name && (implType === null || i === implType); }).flatMap(([, v]) => v);
        return local.length ? local : index?.accessorCounters(implType, name) ?? [];
      },
      atomicFieldOwners: field => {
        const own = (fields: Map<string, string>) => { const t = fields.get(field); return !!t && !isCounterReference(t) && classifyType(t) !== 'other'; };
        const local = [...scope.structs].filter(([, f]) => own(f)).map(([owner]) => ({ owner, file }));
        // A struct of this file hides a same-named one elsewhere.
        return [...local, ...(index?.atomicFieldOwners(field) ?? []).filter(o => !scope.structs.has(o.owner))];
      },
      declaringFile: owner => {
        if (scope.structs.has(owner)) return file;
        const files = index?.structFiles(owner) ?? [];
        return files.length === 1 ? files[0] : null;
      },
      file,
      isStatic: name => { const c = scope.consts.get(name); return !!c && classifyType(c.type) !== 'other' && classifyType(c.type) !== 'unknown'; },
    };
    this.readAliases();
    this.readAccessors();
  }

  /** "Struct.field" -> counter, for fields that hold a reference to a counter (see TypeFacts.fieldAlias). */
  private readonly aliases = new Map<string, string>();
  /** "Impl::fn" -> counters the accessor returns. */
  private readonly accessors = new Map<string, string[]>();

  /** `WeakInner { strong: &(*ptr).strong, .. }`: each reference field refers to the counter it is built from. */
  private readAliases(): void {
    // The struct may be declared in another file and built here (or the other way round).
    const structs = new Map<string, Map<string, string>>(this.index?.referenceStructs() ?? []);
    for (const [k, v] of this.scope.structs) structs.set(k, v);
    for (const [name, fields] of structs) {
      const refs = [...fields].filter(([, t]) => isCounterReference(t)).map(([f]) => f);
      if (refs.length === 0) continue;
      const found = new Map<string, Set<string>>();
      for (const m of this.text.matchAll(structLiteral(name, 'g'))) {
        const lit = this.root.descendantForIndex(m.index!)?.parent;
        if (lit?.type !== 'struct_expression') continue;
        const fn = this.fnScope(lit);
        const reader = new ReceiverReader(this.facts, this.implTypeOf(lit), fn);
        for (const init of lit.childForFieldName('body')?.namedChildren ?? []) {
          if (init?.type !== 'field_initializer') continue;
          const f = init.childForFieldName('field')?.text;
          const v = init.childForFieldName('value');
          if (!f || !v || !refs.includes(f)) continue;
          const c = reader.counterOf(v);
          const set = found.get(f) ?? new Set<string>();
          set.add(c ?? '?');
          found.set(f, set);
        }
      }
      // Every literal must agree: a field filled from different counters is not one of them.
      for (const [f, set] of found) if (set.size === 1 && !set.has('?')) this.aliases.set(`${name}.${f}`, [...set][0]);
    }
  }

  /** Functions that return a reference to a counter: `fn refcount(&self) -> &Refcount { &self.inner().rc }`. */
  private readAccessors(): void {
    const wanted = this.scope.fns.filter(f => f.returnType && classifyType(f.returnType) !== 'other' && classifyType(f.returnType) !== 'unknown' && /^(&|\*)/.test(f.returnType.trim()));
    if (wanted.length === 0) return;
    const names = new Set(wanted.map(f => f.name));
    // Found by text (a walk of every node through the wasm boundary costs as much as a parse).
    const fns: SyntaxNode[] = [];
    for (const m of this.text.matchAll(new RegExp(`\\bfn\\s+(${[...names].map(escapeRe).join('|')})\\b`, 'g'))) {
      const id = this.root.descendantForIndex(m.index! + m[0].length - 1);
      if (id?.parent?.type === 'function_item') fns.push(id.parent);
    }
    for (const n of fns) {
      const name = n.childForFieldName('name')?.text;
      if (!name || !names.has(name)) continue;
      const body = n.childForFieldName('body');
      const tail = body ? blockTail(body) : null;
      if (!tail) continue;
      const fn = this.fnScope(tail);
      const impl = this.implTypeOf(n);
      const c = new ReceiverReader(this.facts, impl, fn).counterOf(tail);
      if (!c) continue;
      const key = `${impl ?? ''}::${name}`;
      this.accessors.set(key, [...(this.accessors.get(key) ?? []), c]);
    }
  }

  run(): FileAnalysis {
    this.syntaxProblems();
    for (const c of this.directCandidates()) this.callSite(c);
    for (const m of this.candidateMacros('acquire')) this.macroSite(m);
    const helpers = this.helperOps();
    this.dropForwarderCalls(helpers);
    const direct = new Set(this.raws.map(r => r.node.id));
    const helperNames = this.index ? this.index.helperNamesWith(helpers.map(h => h.fnName)) : [...new Set(helpers.map(h => h.fnName))];
    for (const c of this.candidates(helperNames)) if (!direct.has(c.id)) this.helperCallSites(c, helpers);
    this.contexts();
    const sites = this.raws.map(r => r.site).sort((a, b) => a.range.start.line - b.range.start.line || a.range.start.character - b.range.start.character);
    return { sites, problems: this.problems, summary: this.summary(helpers) };
  }

  /** The index's part of run(): the direct sites, as far as they make helpers. */
  summarize(): FileSummary {
    const direct = this.directCandidates();
    // Two calls at one position (`a.swap(x, o).swap(y, o)`) number their ids in reading order: both are read.
    const at = new Map<number, number>();
    for (const c of direct) at.set(c.startIndex, (at.get(c.startIndex) ?? 0) + 1);
    for (const c of direct) if (at.get(c.startIndex)! > 1 || this.mayBeHelperOp(c)) this.callSite(c);
    return this.summary(this.helperOps());
  }

  /**
   * Whether a call can be the operation of a helper (see helperOps): a helper's receiver, or an
   * ordering its caller passes, is a parameter of the function around it, so the call's text names
   * one. Other calls make no helper, and the index pass does not read them.
   */
  private mayBeHelperOp(call: SyntaxNode): boolean {
    const fn = this.fnScope(call);
    if (!fn || fn.sig.params.length === 0) return false;
    const text = this.text.slice(call.startIndex, call.endIndex);
    return fn.sig.params.some(p => containsWord(text, p.name));
  }

  private summary(helpers: HelperOp[]): FileSummary {
    return {
      file: this.file,
      structs: Object.fromEntries([...this.scope.structs].map(([k, v]) => [k, Object.fromEntries(v)])),
      fns: this.scope.fns,
      helpers,
      aliases: Object.fromEntries(this.aliases),
      accessors: Object.fromEntries(this.accessors),
      consts: this.constSummary(),
      testCalls: this.reader?.testCalls(this.file) ?? [],
    };
  }

  /** Calls of atomic methods, fences and kernel FFI (the same for every reading of a tree). */
  private directCandidates(): SyntaxNode[] {
    return this.tree ? perTree(this.tree, 'direct-calls', () => this.candidates(DIRECT_NAMES)) : this.candidates(DIRECT_NAMES);
  }

  /**
   * Call expressions whose function or method is one of `names`. Found by scanning the text and
   * asking the tree only at the matches: walking every node through the wasm boundary costs far
   * more than the parse itself, and most calls in a file are not atomic operations.
   */
  private candidates(names: readonly (string | RegExp)[]): SyntaxNode[] {
    if (names.length === 0) return [];
    const re = callPattern(names);
    const out: SyntaxNode[] = [];
    const seen = new Set<number>();
    for (const m of this.text.matchAll(re)) {
      // The match runs from the name to the `(` of the arguments; the function (ending in the
      // name) and the arguments are the call's children, so the smallest node spanning both is
      // the call. In a comment, string or macro body it is that instead.
      const open = m.index! + m[0].length - 1;
      const p = this.root.descendantForIndex(m.index!, open + 1);
      if (p && !seen.has(p.id) && p.type === 'call_expression') {
        seen.add(p.id);
        out.push(p);
      }
    }
    return out;
  }

  private candidateMacros(name: string): SyntaxNode[] {
    const out: SyntaxNode[] = [];
    // Most files never name the macro: a plain search settles that faster than the pattern.
    if (!this.text.includes(name)) return out;
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

  /** The impl type around `n`, from the file scope's spans (no walk up the tree). */
  private implTypeOf(n: SyntaxNode): string | null {
    return implTypeIn(this.scope, n);
  }


  private constValue = (name: string): number | null => {
    if (this.scope.consts.has(name)) return toNumber(this.constBig(name, 0));
    return this.index?.constInfo(name)?.value ?? null;
  };

  private constBig(name: string, depth: number): bigint | null {
    const c = this.scope.consts.get(name);
    if (!c) {
      const v = this.index?.constInfo(name)?.value;
      return v === null || v === undefined ? null : BigInt(v);
    }
    return depth > 16 ? null : evalConst(c.value, n => this.constBig(n, depth + 1));
  }

  /** The const is one reference of a packed count (see ValueArg.reference). */
  private constIsReference(name: string): boolean {
    const c = this.scope.consts.get(name);
    return c ? isReferenceUnit(name, c.value) : this.index?.constInfo(name)?.reference ?? false;
  }

  /** Integer consts of this file, for the index. */
  private constSummary(): FileSummary['consts'] {
    const out: FileSummary['consts'] = {};
    for (const [name, c] of this.scope.consts) {
      if (c.type && !/^(u|i)(8|16|32|64|128|size)$/.test(c.type.trim())) continue;
      const value = this.constValue(name);
      const reference = isReferenceUnit(name, c.value);
      if (value !== null || reference) out[name] = { value, reference };
    }
    return out;
  }

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
    const base = `${line}:${ch}:${op}`;
    let id = base;
    let i = this.nextSuffix.get(base) ?? 2;
    for (; this.ids.has(id); i++) id = `${base}#${i}`;
    this.nextSuffix.set(base, i);
    this.ids.add(id);
    return id;
  }

  private valueArg(n: SyntaxNode): ValueArg {
    const p = peel(n);
    const lit = intLiteral(p);
    if (lit !== null) return { text: n.text, range: rangeOf(n), value: lit, kind: 'int' };
    if (p.type === 'identifier' || p.type === 'scoped_identifier') {
      const name = pathSegments(p).pop()!;
      const v = this.constValue(name);
      const reference = this.constIsReference(name);
      if (v !== null || reference) return { text: n.text, range: rangeOf(n), value: v, kind: 'const', ...(reference ? { reference } : {}) };
    }
    const several = p.type === 'binary_expression' && p.childForFieldName('operator')?.type === '*' ? this.severalReferences(p) : null;
    return { text: n.text, range: rangeOf(n), value: null, kind: p.type === 'closure_expression' ? 'closure' : 'expr', ...(several ? { references: several } : {}) };
  }

  /** `2 * REF_ONE`, `count * REF_ONE`: a count of references times the unit of a packed word. */
  private severalReferences(mul: SyntaxNode): ValueArg['references'] | null {
    const l = mul.childForFieldName('left'), r = mul.childForFieldName('right');
    if (!l || !r) return null;
    const unitName = (x: SyntaxNode): string | null => {
      const q = peel(x);
      if (q.type !== 'identifier' && q.type !== 'scoped_identifier') return null;
      const name = pathSegments(q).pop()!;
      return this.constIsReference(name) ? name : null;
    };
    for (const [u, k] of [[l, r], [r, l]] as const) {
      const unit = unitName(u);
      if (!unit) continue;
      const q = peel(k);
      const lit = intLiteral(q);
      if (lit !== null) return lit > 1 ? { unit, times: lit, timesText: String(lit) } : null;
      if (q.type === 'identifier') return { unit, times: null, timesText: q.text };
      return null;
    }
    return null;
  }

  private orderingArg(which: OrderingSlot, arg: SyntaxNode, r: ResolvedOrdering): OrderingArg {
    const o: OrderingArg = { which, ordering: r.ordering, text: arg.text, range: rangeOf(arg), implied: false, resolution: r.resolution, how: r.how, family: r.family };
    if (r.note) o.note = r.note;
    if (r.parameter) o.parameter = r.parameter;
    return o;
  }

  private unresolvedProblems(site: Site): void {
    for (const o of site.orderings) {
      if (o.ordering !== null || !o.range) continue;
      const which = o.which === 'single' ? '' : o.which + ' ';
      if (o.file && o.file !== this.file) {
        // Written in the helper's file: said once here, at the call.
        this.problems.push({ kind: 'unresolved-ordering', range: site.methodRange, siteId: site.id, message: `cannot resolve the ${which}ordering \`${o.text}\` of \`${site.op}\` in helper \`${site.via?.helperFn ?? '?'}\``, detail: `${o.how} (${o.file}:${o.range.start.line + 1})` });
        continue;
      }
      this.problems.push({ kind: 'unresolved-ordering', range: o.range, siteId: site.id, message: `cannot resolve the ${which}ordering \`${o.text}\` of \`${site.via ? site.via.helperFn : site.op}\``, detail: o.how });
    }
  }

  private baseSite(node: SyntaxNode, nameNode: SyntaxNode, op: AtomicOp, api: AtomicApi, fn: FnScope | null, receiverNode: SyntaxNode | null): Site {
    const implType = this.implTypeOf(node);
    const reader = new ReceiverReader(this.facts, implType, fn);
    const receiver = receiverNode ? reader.key(receiverNode) : '';
    const counter = receiverNode ? reader.counterOf(receiverNode) : null;
    const range = rangeOf(node);
    return {
      id: this.newId(range.start.line, range.start.character, op),
      file: this.file, api, op, receiver,
      counter: counter?.startsWith('static ') ? `${counter}@${this.file}` : counter,
      receiverText: receiverNode ? compact(receiverNode.text) : '',
      counterName: receiverNode ? counterNameOf(receiver) : '',
      implType, fnName: fn?.name ?? null,
      args: [], orderings: [], range, methodRange: rangeOf(nameNode),
      context: { inLoop: false, resultUse: 'used' }, notes: [],
    };
  }

  /** `recv.method(args)`, `AtomicUsize::method(&recv, args)`, `bindings::refcount_*(p)` and `fence(o)` calls. */
  private callSite(call: SyntaxNode): void {
    const fnode = call.childForFieldName('function');
    const argsNode = call.childForFieldName('arguments');
    if (!fnode || !argsNode) return;
    let args = argsNode.namedChildren.filter(a => !isComment(a) && a.type !== 'attribute_item');
    let nameNode: SyntaxNode | null;
    let recvNode: SyntaxNode | null;
    if (fnode.type === 'scoped_identifier' && args.length > 0) {
      const segs = pathSegments(fnode);
      const name = segs[segs.length - 1];
      if (segs.length >= 2 && segs[segs.length - 2] === 'bindings') return this.ffiSite(call, fnode, args);
      // `AtomicU64::compare_exchange(&x, 2, 0, ..)`: the method called by path; the first argument is the receiver.
      if (segs.length < 2 || !ATOMIC_TYPE_PATH.test(segs[segs.length - 2].replace(/<.*$/, '')) || !METHODS.has(name)) return this.fenceSite(call, fnode, args);
      nameNode = fnode.childForFieldName('name');
      recvNode = args[0];
      args = args.slice(1);
    } else if (fnode.type === 'identifier' || fnode.type === 'scoped_identifier') {
      return this.fenceSite(call, fnode, args);
    } else if (fnode.type === 'field_expression') {
      nameNode = fnode.childForFieldName('field');
      recvNode = fnode.childForFieldName('value');
    } else return;
    const specs = nameNode ? METHODS.get(nameNode.text) : undefined;
    if (!nameNode || !recvNode || !specs) return;
    const spec = specs.find(s => s.slots.length === args.length);
    if (!spec) return;
    const fn = this.fnScope(call);
    const reader = new ReceiverReader(this.facts, this.implTypeOf(call), fn);
    // The receiver's type is read only when the call's own arguments do not settle the question:
    // most calls with a named ordering are sites whatever the receiver.
    let known: ReturnType<typeof classifyType> | undefined;
    const cls = () => (known ??= classifyType(reader.typeOf(recvNode)));

    if (spec.kind === 'refcount') {
      // No ordering argument to go by: only a receiver known to be a Refcount makes it one.
      if (!this.refcountTypes || cls() !== 'refcount') return;
      this.refcountSite(call, nameNode, nameNode.text, spec.op, fn, recvNode, args, `Refcount::${nameNode.text}`);
      return;
    }

    const resolved = spec.slots.map((s, i) => (s.startsWith('o:') ? this.orderings.resolve(args[i], fn) : null));
    const anyOrdering = resolved.some(r => r?.orderingLike);
    const anyResolved = resolved.some(r => r?.ordering);
    // A call with an ordering argument is an atomic op; with an unknown argument, only when the
    // receiver is known to be an atomic (so `map.load(key)` or `cfg.store(x, y)` are not sites).
    if (!anyOrdering && !(cls() === 'atomic' || cls() === 'refcount')) return;
    if (!anyResolved && cls() === 'other') return;
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
    if (nameNode.text !== spec.op) site.notes.push(`\`${nameNode.text}\` read as ${spec.op}${spec.returnsOld ? ' whose closure always succeeds (it returns the new value, the call the old one)' : ''}`);
    if (spec.returnsOld) raw.returns = 'old';
    raw.decrementByOne = isDecrementByOne(site);
    this.raws.push(raw);
    this.unresolvedProblems(site);
  }

  /** A kernel Refcount operation (method or FFI): its orderings are fixed by refcount.h. */
  private refcountSite(call: SyntaxNode, nameNode: SyntaxNode, name: string, op: AtomicOp, fn: FnScope | null, recvNode: SyntaxNode, args: SyntaxNode[], label: string): void {
    const site = this.baseSite(call, nameNode, op, 'kernel-refcount', fn, recvNode);
    site.args = args.map(a => this.valueArg(a));
    site.orderings = (REFCOUNT_IMPLIED[op] ?? []).map(i => ({ which: i.which, ordering: i.ordering, text: label, range: null, implied: true, resolution: 'implied' as const, how: i.how.replace(/^Refcount::\w+/, label), family: 'kernel' as const }));
    const raw: Raw = { site, node: call, receiverNode: recvNode, fn, decrementByOne: op === 'dec' || op === 'dec_and_test' };
    if (name.endsWith('inc_not_zero')) {
      // The increment refuses zero and reports whether it happened: a conjuring increment.
      site.closure = { text: label, kind: 'add', amount: 1, unlessZero: true, alwaysSome: false };
      raw.returns = 'bool';
      site.notes.push(`${label} read as an increment unless zero that returns whether it succeeded`);
    }
    this.raws.push(raw);
  }

  /**
   * `bindings::refcount_*(p)` and `bindings::atomic_*(p, ..)`: the C API called directly, as the
   * kernel's wrappers (and drivers that predate them) do. Orderings follow refcount.h and
   * Documentation/atomic_t.txt: void RMWs and read/set are relaxed, value-returning RMWs are fully
   * ordered unless suffixed `_relaxed`/`_acquire`/`_release`, a failed cmpxchg orders nothing.
   */
  private ffiSite(call: SyntaxNode, fnode: SyntaxNode, args: SyntaxNode[]): void {
    const nameNode = fnode.childForFieldName('name');
    if (!nameNode) return;
    const name = nameNode.text;
    const k = /^refcount_/.test(name) ? null : kernelAtomicCall(name);
    // C argument order: `atomic_add(i, v)` takes the atomic last, the others first.
    const recvIndex = k?.recvLast ? args.length - 1 : 0;
    // `self.refcount.get()` (an Opaque/UnsafeCell pointer) is the counter itself.
    const recv = stripGet(args[recvIndex]);
    const values = args.filter((_, i) => i !== recvIndex);
    const fn = this.fnScope(call);
    // The kernel's own wrapper types forward to the C API; their callers are the sites.
    const impl = this.implTypeOf(call);
    if (impl && /^(Refcount|Atomic\w*)$/.test(impl) && peel(recv).type !== 'identifier' && /^self\b/.test(compact(peel(recv).text).replace(/^\(?\*?/, ''))) return;
    const rc = /^refcount_(inc|dec|dec_and_test|set|read|inc_not_zero)$/.exec(name);
    if (rc) {
      const op: AtomicOp = rc[1] === 'inc_not_zero' ? 'fetch_update' : rc[1] as AtomicOp;
      this.refcountSite(call, nameNode, name, op, fn, recv, values, `bindings::${name}`);
      return;
    }
    if (!k) return;
    const site = this.baseSite(call, nameNode, k.op, 'kernel-atomic', fn, recv);
    site.args = k.amount !== undefined ? [{ text: String(k.amount), range: rangeOf(nameNode), value: k.amount, kind: 'int' }] : values.map(a => this.valueArg(a));
    const main: OrderingSlot = k.op === 'cmpxchg' ? 'success' : k.op === 'fetch_update' ? 'set' : 'single';
    const implied = (which: OrderingSlot, ordering: Ordering, how: string): OrderingArg => ({ which, ordering, text: `bindings::${name}`, range: null, implied: true, resolution: 'implied', how, family: 'kernel', ...(ordering === 'SeqCst' ? { note: FULL_NOTE } : {}) });
    site.orderings = [implied(main, k.ordering, `${name}: ${k.why}`)];
    if (k.op === 'cmpxchg') site.orderings.push(implied('failure', 'Relaxed', 'a failed cmpxchg orders nothing'));
    const raw: Raw = { site, node: call, receiverNode: recv, fn, decrementByOne: false };
    if (k.op === 'fetch_update') {
      site.closure = { text: name, kind: 'add', amount: 1, unlessZero: true, alwaysSome: false };
      site.orderings.push(implied('fetch', 'Relaxed', 'a refused inc_not_zero orders nothing'));
      raw.returns = 'bool';
    }
    if (k.returns) raw.returns = k.returns;
    raw.decrementByOne = isDecrementByOne(site);
    this.raws.push(raw);
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

  /** Direct sites whose receiver is a parameter of their function make that function a helper. */
  private helperOps(): HelperOp[] {
    const out: HelperOp[] = [];
    for (const r of this.raws) {
      if (!r.fn || !r.receiverNode) continue;
      const params = (name: string): number | null => r.fn!.param(name)?.index ?? null;
      const selfWrapper = this.selfForwarder(r, params);
      if (selfWrapper) { out.push(selfWrapper); continue; }
      const recv = peel(r.receiverNode);
      if (recv.type !== 'identifier' || r.fn.letBefore(recv.text, recv.startIndex)) continue;
      const p = r.fn.param(recv.text);
      if (!p) continue;
      const h: HelperOp = {
        fnName: r.fn.name, implType: r.fn.sig.implType, file: this.file, hasSelf: r.fn.sig.hasSelf,
        paramIndex: p.index, paramName: p.name, paramCount: r.fn.sig.params.length,
        site: r.site, returns: helperReturns(r),
      };
      if (r.closureNode) h.closure = closureShape(r.closureNode, params, this.constValue, this.namedFn);
      const forwarded = r.site.orderings.map(o => (o.range && o.ordering === null ? params(o.text.trim()) : null));
      if (forwarded.some(i => i !== null)) h.orderingParams = forwarded;
      r.site.notes.push(`operates on parameter \`${p.name}\` of \`${r.fn.name}\`: its callers are reported as sites too`);
      out.push(h);
    }
    return out;
  }

  /**
   * A method that acts on a field of `self` with an ordering its caller passes
   * (`fn load(&self, ordering: Ordering) -> Counters { Counters(self.value.load(ordering)) }`):
   * each call `x.load(Acquire)` on a receiver of that type is the operation on `x`'s field with
   * the caller's ordering. The method's own site then counts only when no call of it is found.
   */
  private selfForwarder(r: Raw, params: (name: string) => number | null): HelperOp | null {
    const fn = r.fn!;
    const impl = fn.sig.implType;
    const prefix = `<${impl}>`;
    if (!fn.sig.hasSelf || !impl || !r.site.counter || !r.site.receiver.startsWith(prefix)) return null;
    const forwarded = r.site.orderings.map(o => (o.range && o.ordering === null ? params(o.text.trim()) : null));
    if (!forwarded.some(i => i !== null)) return null;
    r.site.notes.push(`forwards the ordering of its callers: \`${impl}::${fn.name}\` is checked at each call`);
    return {
      fnName: fn.name, implType: impl, file: this.file, hasSelf: true, paramIndex: -1, paramName: 'self',
      paramCount: fn.sig.params.length, site: r.site, returns: helperReturns(r), orderingParams: forwarded,
      selfPath: r.site.receiver.slice(prefix.length),
    };
  }

  /**
   * `self.counters.load(Ordering::SeqCst)` looks like an atomic load, but when the receiver's type
   * is a struct with a forwarding `load(&self, ordering)` it is a call of that method: drop the
   * direct site so the call is read through the method instead.
   */
  private dropForwarderCalls(local: HelperOp[]): void {
    const fwd = [...local, ...(this.index?.forwarders() ?? [])].filter(h => h.paramIndex < 0 && h.implType);
    if (fwd.length === 0) return;
    const keep: Raw[] = [];
    const names = new Set(fwd.map(h => h.fnName));
    const sites = new Set(fwd.map(h => h.site));
    for (const r of this.raws) {
      // The checks that need no tree come first: the node's children are calls into wasm.
      if (r.site.via || (r.fn?.sig.implType && sites.has(r.site))) { keep.push(r); continue; }
      const f = r.node.type === 'call_expression' ? r.node.childForFieldName('function') : null;
      const name = f?.type === 'field_expression' ? f.childForFieldName('field')?.text : null;
      const recv = name && names.has(name) ? f!.childForFieldName('value') : null;
      if (!name || !recv) { keep.push(r); continue; }
      const t = new ReceiverReader(this.facts, this.implTypeOf(r.node), r.fn).typeOf(recv);
      if (t && classifyType(t) === 'other' && fwd.some(h => h.fnName === name && typeLayers(t).includes(h.implType!))) {
        this.ids.delete(r.site.id);
        this.problems.splice(0, this.problems.length, ...this.problems.filter(p => p.siteId !== r.site.id));
        continue;
      }
      keep.push(r);
    }
    this.raws.splice(0, this.raws.length, ...keep);
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
    // A method on self's field is called on an object of its type, which must be known.
    const recvType = method && fnode.childForFieldName('value') ? new ReceiverReader(this.facts, this.implTypeOf(call), this.fnScope(call)).typeOf(fnode.childForFieldName('value')!) : null;
    const layers = recvType ? typeLayers(recvType) : [];
    const fits = (h: HelperOp) => h.fnName === name!.text && h.hasSelf === method && h.paramCount === args.length && (owner === null || h.implType === null || h.implType === owner)
      && (h.paramIndex >= 0 || (!!h.implType && layers.includes(h.implType)));
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
      const arg = h.paramIndex < 0 ? fnode.childForFieldName('value') : args[h.paramIndex];
      if (!arg) continue;
      const site = this.baseSite(call, name, h.site.op, h.site.api, fn, arg);
      if (h.paramIndex < 0) {
        // The object is the caller's; the counter is the method's field of it.
        site.receiver += h.selfPath ?? '';
        site.counter = h.site.counter;
        site.counterName = h.site.counterName;
      }
      site.args = h.site.args.map(a => ({ ...a }));
      // The ordering text to edit lives in the helper, so each written ordering names its file;
      // an ordering the helper takes as a parameter is this caller's argument.
      site.orderings = h.site.orderings.map((o, i) => {
        const pi = h.orderingParams?.[i];
        const a = pi === null || pi === undefined ? undefined : args[pi];
        if (!a) return o.range ? { ...o, file: h.file } : { ...o };
        const r = this.orderings.resolve(a, fn);
        const from = `passed to \`${h.fnName}\`'s ordering parameter`;
        return { ...this.orderingArg(o.which, a, r), how: `${r.how} (${from})` };
      });
      site.via = { helperFn: h.implType ? `${h.implType}::${h.fnName}` : h.fnName, helperFile: h.file, helperSite: h.site };
      if (h.closure) site.closure = closureEffect(h.closure, args.map(a => this.argShape(a)));
      else if (h.site.closure) site.closure = { ...h.site.closure };
      site.notes.push(h.paramIndex < 0
        ? `performed by \`${site.via.helperFn}\` on the receiver's \`${h.selfPath}\``
        : `performed by helper \`${site.via.helperFn}\` on its parameter \`${h.paramName}\`; ordering ranges are in ${h.file}`);
      for (const o of site.orderings) if (!o.file && o.range && o.ordering) site.notes.push(`${o.which} ordering from this caller: ${o.ordering}`);
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
    const reader = new ContextReader(refs, this.root, name => this.index?.testCalls(name) ?? [], () => this.scope.spans.filter(sp => sp.kind === 'fn').map(sp => sp.node));
    this.reader = reader;
    for (const r of this.raws) {
      r.site.context = reader.read({ node: r.node, op: r.site.op, receiver: r.site.receiver, returns: r.returns, decrementByOne: r.decrementByOne, constValue: this.constValue, ...(r.returns === undefined ? amountsOf(r.site) : {}) });
    }
  }
}

/**
 * `p.get()` (Opaque, UnsafeCell: a raw pointer to the value) and `.cast()` (refcount_t seen as
 * atomic_t) denote the value's counter.
 */
function stripGet(n: SyntaxNode): SyntaxNode {
  for (let i = 0; i < 4; i++) {
    const p = peel(n);
    const f = p.type === 'call_expression' ? p.childForFieldName('function') : null;
    const m = f?.type === 'field_expression' ? f.childForFieldName('field')?.text : null;
    const v = f?.childForFieldName('value');
    if (!v || (m !== 'get' && m !== 'cast') || p.childForFieldName('arguments')?.namedChildren.length !== 0) return n;
    n = v;
  }
  return n;
}

interface KernelAtomicCall { op: AtomicOp; ordering: Ordering; why: string; amount?: number; returns?: Raw['returns']; recvLast?: boolean }

/** The C atomic_t API (atomic_, atomic64_, atomic_long_) by name; null for what it does not model. */
function kernelAtomicCall(name: string): KernelAtomicCall | null {
  const m = /^atomic(?:64|_long)?_(.+?)(_relaxed|_acquire|_release)?$/.exec(name);
  if (!m) return null;
  const [, base, suffix] = m;
  const suffixed = (full: Ordering): { ordering: Ordering; why: string } =>
    suffix === '_relaxed' ? { ordering: 'Relaxed', why: 'the _relaxed form orders nothing' }
      : suffix === '_acquire' ? { ordering: 'Acquire', why: 'the _acquire form' }
        : suffix === '_release' ? { ordering: 'Release', why: 'the _release form' }
          : { ordering: full, why: 'value-returning atomics are fully ordered' };
  switch (base) {
    case 'read': return suffix === '_acquire' ? { op: 'load', ordering: 'Acquire', why: 'atomic_read_acquire' } : suffix ? null : { op: 'load', ordering: 'Relaxed', why: 'atomic_read is a relaxed load' };
    case 'set': return suffix === '_release' ? { op: 'store', ordering: 'Release', why: 'atomic_set_release' } : suffix ? null : { op: 'store', ordering: 'Relaxed', why: 'atomic_set is a relaxed store' };
    case 'inc': return suffix ? null : { op: 'fetch_add', ordering: 'Relaxed', why: 'non-value-returning atomics order nothing', amount: 1 };
    case 'dec': return suffix ? null : { op: 'fetch_sub', ordering: 'Relaxed', why: 'non-value-returning atomics order nothing', amount: 1 };
    case 'add': return suffix ? null : { op: 'fetch_add', ordering: 'Relaxed', why: 'non-value-returning atomics order nothing', recvLast: true };
    case 'sub': return suffix ? null : { op: 'fetch_sub', ordering: 'Relaxed', why: 'non-value-returning atomics order nothing', recvLast: true };
    case 'fetch_inc': return { op: 'fetch_add', amount: 1, ...suffixed('SeqCst') };
    case 'fetch_dec': return { op: 'fetch_sub', amount: 1, ...suffixed('SeqCst') };
    case 'fetch_add': return { op: 'fetch_add', recvLast: true, ...suffixed('SeqCst') };
    case 'add_return': return { op: 'fetch_add', recvLast: true, returns: 'new', ...suffixed('SeqCst') };
    case 'fetch_sub': return { op: 'fetch_sub', recvLast: true, ...suffixed('SeqCst') };
    case 'sub_return': return { op: 'fetch_sub', recvLast: true, returns: 'new', ...suffixed('SeqCst') };
    case 'inc_return': return { op: 'fetch_add', amount: 1, returns: 'new', ...suffixed('SeqCst') };
    case 'dec_return': return { op: 'fetch_sub', amount: 1, returns: 'new', ...suffixed('SeqCst') };
    case 'dec_and_test': return suffix ? null : { op: 'dec_and_test', ordering: 'SeqCst', why: 'atomic_dec_and_test is fully ordered' };
    case 'xchg': return { op: 'xchg', ...suffixed('SeqCst') };
    case 'cmpxchg': return { op: 'cmpxchg', ...suffixed('SeqCst') };
    case 'inc_not_zero': return suffix ? null : { op: 'fetch_update', ordering: 'SeqCst', why: 'a successful atomic_inc_not_zero is fully ordered' };
    default: return null;
  }
}

/** Whether `word` occurs in `text` with no identifier character right before or after it. */
/** A struct literal of `name` (`Name {`), as builds of reference structs are found by text. */
function structLiteral(name: string, flags = ''): RegExp {
  return new RegExp(`\\b${escapeRe(name)}\\s*\\{`, flags);
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

const callPatterns = new Map<string, RegExp>();

/**
 * `name(`, `name::<T>(` for any of `names` (identifiers, or patterns). Every file of a workspace
 * scans for the same helper names, so the pattern is built once per set of names.
 */
function callPattern(names: readonly (string | RegExp)[]): RegExp {
  // The workspace's helper names come as one array for most files (RustIndex.helperNamesWith).
  const kept = patternOf.get(names);
  if (kept) return new RegExp(kept);
  const re = callPatternFor(names);
  patternOf.set(names, re);
  return new RegExp(re);
}

/** Patterns by the array of names they were made from (arrays the index keeps, see callPattern). */
const patternOf = new WeakMap<readonly (string | RegExp)[], RegExp>();

function callPatternFor(names: readonly (string | RegExp)[]): RegExp {
  const words = [...new Set(names.filter((n): n is string => typeof n === 'string'))].sort();
  const patterns = names.filter((n): n is RegExp => typeof n !== 'string').map(n => n.source);
  const key = [...words, ...patterns].join(' ');
  let re = callPatterns.get(key);
  if (!re) {
    if (callPatterns.size >= 16) callPatterns.clear();
    const alts = [...(words.length ? [alternation(words)] : []), ...patterns];
    re = new RegExp(`\\b(?:${alts.join('|')})\\s*(?:::\\s*<[^()]*>\\s*)?\\(`, 'g');
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
  for (const name of names) {
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
    return t.end ? `(?:${group})?` : group;
  };
  return emit(root);
}

/** fetch_sub(1), sub(1), fetch_update(x - 1), Refcount::dec(_and_test): a reference dropped. */
/** What the context reader needs beyond a decrement by one: several references taken at once, a flag set with swap. */
function amountsOf(site: Site): { several?: ValueArg['references']; setsFlag?: boolean } {
  const a = site.args[0];
  if (site.op === 'swap' && site.api === 'std' && a?.text.trim() === 'true') return { setsFlag: true };
  if (site.op !== 'fetch_sub' || !a) return {};
  if (a.references) return { several: a.references };
  // A plain count: `fetch_sub(2, ..)`.
  if (a.kind === 'int' && a.value !== null && a.value > 1) return { several: { unit: '1', times: a.value, timesText: String(a.value) } };
  return {};
}

function isDecrementByOne(site: Site): boolean {
  if (site.op === 'dec' || site.op === 'dec_and_test') return true;
  if (site.op === 'fetch_sub' || site.op === 'sub') return site.args[0]?.value === 1 || !!site.args[0]?.reference;
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
