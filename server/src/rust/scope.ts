// Names a file declares that the reader needs to tell what a receiver or an argument is:
// `use` imports, consts/statics, struct field types, function signatures, and per function the
// parameters and `let` bindings. Purely syntactic and per file; cross-file facts come from the
// workspace index (index.ts).

import type { SyntaxNode, Tree } from './parser';
import { pathSegments } from './syntax';
import { perTree, rootOf } from './trees';

export interface Import {
  /** Full path as written in the `use`, e.g. "core::sync::atomic::Ordering::Acquire". */
  path: string;
  line: number;
}

/** A function's signature. In FileScope.fns (and the index) `params`/`hasSelf` are left empty: see buildFileScope. */
export interface FnSignature {
  name: string;
  implType: string | null;
  params: { name: string; type: string }[];
  /** Return type text, null for `()`. */
  returnType: string | null;
  /** Declares a `self` receiver (a method). */
  hasSelf: boolean;
}

export interface ConstDecl { name: string; type: string | null; value: SyntaxNode; line: number }


/** A function item or an impl/trait block, by position: answers "which function / impl is this node in" without `.parent`. */
interface ItemSpan {
  kind: 'fn' | 'impl';
  start: number;
  end: number;
  node: SyntaxNode;
  /** fn: the impl type it sits in; impl: the impl's (or trait's) type name. */
  implType: string | null;
  /** Index of the innermost enclosing span, -1 at top level. */
  outer: number;
}

export interface FileScope {
  /** local name -> imported path (aliases included: `use a::B as C` maps C -> a::B). */
  imports: Map<string, Import>;
  /** Prefixes of glob imports: `use a::b::*` -> "a::b". */
  globs: Import[];
  consts: Map<string, ConstDecl>;
  /** struct name -> field name -> field type text. */
  structs: Map<string, Map<string, string>>;
  fns: FnSignature[];
  /** Functions and impl/trait blocks in document order (see enclosingFnIn, implTypeIn). */
  spans: ItemSpan[];
  /** Bindings of the functions read so far, by node id (see fnScopeIn). */
  fnScopes: Map<number, FnScope>;
}

const ITEM_TYPES = new Set(['use_declaration', 'const_item', 'static_item', 'struct_item', 'function_item', 'impl_item', 'trait_item']);
const ITEM_KEYWORD = /\b(?:use|const|static|struct|fn|impl|trait)\b/g;

/**
 * The items the scope reads, with their types, in document order. Every such item has its keyword
 * token as a direct unnamed child, so the smallest named node around a keyword of the text is the
 * item itself: one tree lookup per keyword instead of a walk over every node of the file (which
 * cost a quarter of the parse). A keyword in a comment, string, macro body, `impl Trait`, `fn(..)`
 * type or `const fn` has another named node around it, and is dropped. `near(start, end)` gives a
 * node known to contain the keyword (the innermost item read so far around it): the lookup then
 * descends from there, not through every item before it from the root.
 */
function* itemsOf(text: string, near: (start: number, end: number) => SyntaxNode): Iterable<{ node: SyntaxNode; type: string }> {
  for (const m of text.matchAll(ITEM_KEYWORD)) {
    // Doc comments hold many example items: a keyword on a line that starts with `//` is in a
    // comment (or, in contrived code, a string or block comment running over lines), not an item,
    // so the tree is not asked.
    if (inLineComment(text, m.index!)) continue;
    const end = m.index! + m[0].length;
    const item = near(m.index!, end).namedDescendantForIndex(m.index!, end);
    // `.type` is a call into wasm: asked once per node.
    const type = item?.type;
    if (item && type !== undefined && ITEM_TYPES.has(type)) yield { node: item, type };
  }
}

/** Whether the line of `at` starts, before `at`, with `//` (spaces and tabs aside). */
export function inLineComment(text: string, at: number): boolean {
  let i = text.lastIndexOf('\n', at - 1) + 1;
  while (i < at && (text.charCodeAt(i) === 32 || text.charCodeAt(i) === 9)) i++;
  return i + 1 < at && text.charCodeAt(i) === 47 && text.charCodeAt(i + 1) === 47;
}

/** The scope of a parsed file, built once per tree: the index and the site reader share it. */
export function fileScopeOf(tree: Tree, text: string): FileScope {
  return perTree(tree, 'scope', () => buildFileScope(rootOf(tree), text));
}

export function buildFileScope(root: SyntaxNode, text: string = root.text): FileScope {
  const scope: FileScope = { imports: new Map(), globs: [], consts: new Map(), structs: new Map(), fns: [], spans: [], fnScopes: new Map() };
  // Enclosing impl/trait blocks and functions, innermost last: items come in document order,
  // so a stack of open spans gives each item its container without walking up the tree.
  const open: number[] = [];
  const innermostImpl = (): string | null => {
    for (let i = open.length - 1; i >= 0; i--) if (scope.spans[open[i]].kind === 'impl') return scope.spans[open[i]].implType;
    return null;
  };
  const openSpan = (kind: ItemSpan['kind'], n: SyntaxNode, implType: string | null): void => {
    scope.spans.push({ kind, start: n.startIndex, end: n.endIndex, node: n, implType, outer: open.length ? open[open.length - 1] : -1 });
    open.push(scope.spans.length - 1);
  };
  const near = (start: number, end: number): SyntaxNode => {
    for (let k = open.length - 1; k >= 0; k--) {
      const sp = scope.spans[open[k]];
      if (sp.start <= start && end <= sp.end) return sp.node;
    }
    return root;
  };
  for (const { node: n, type } of itemsOf(text, near)) {
    while (open.length && scope.spans[open[open.length - 1]].end <= n.startIndex) open.pop();
    switch (type) {
      case 'impl_item': {
        const t = n.childForFieldName('type');
        openSpan('impl', n, t ? implTypeName(t.text) : null);
        break;
      }
      case 'trait_item':
        openSpan('impl', n, n.childForFieldName('name')?.text ?? null);
        break;
      case 'use_declaration': {
        const arg = n.childForFieldName('argument');
        if (arg) collectUse(arg, [], scope, n.startPosition.row);
        break;
      }
      case 'const_item':
      case 'static_item': {
        const name = n.childForFieldName('name')?.text;
        const value = n.childForFieldName('value');
        if (name && value) scope.consts.set(name, { name, type: n.childForFieldName('type')?.text ?? null, value, line: n.startPosition.row });
        break;
      }
      case 'struct_item': {
        const name = n.childForFieldName('name')?.text;
        const body = n.childForFieldName('body');
        if (!name || !body) break;
        const fields = new Map<string, string>();
        const bodyType = body.type;
        if (bodyType === 'field_declaration_list') {
          for (const f of body.namedChildren) {
            if (f?.type !== 'field_declaration') continue;
            const fname = f.childForFieldName('name')?.text;
            const ftype = f.childForFieldName('type')?.text;
            if (fname && ftype) fields.set(fname, ftype);
          }
        } else if (bodyType === 'ordered_field_declaration_list') {
          // Tuple structs: fields are named by position, as `self.0` reads them.
          body.namedChildren.filter(f => { const t = f?.type; return t !== undefined && t !== 'visibility_modifier' && t !== 'attribute_item'; })
            .forEach((f, i) => fields.set(String(i), f!.text));
        }
        scope.structs.set(name, fields);
        break;
      }
      case 'function_item': {
        const implType = innermostImpl();
        // Only what other code looks functions up by (name, impl, return type): parameters are
        // read per function when a site needs them (FnScope), not for every function of the file.
        scope.fns.push({
          name: n.childForFieldName('name')?.text ?? '',
          implType,
          params: [],
          returnType: n.childForFieldName('return_type')?.text ?? null,
          hasSelf: false,
        });
        openSpan('fn', n, implType);
        break;
      }
    }
  }
  return scope;
}

/** The innermost span of `kind` that contains `n` (n itself excluded), as the `.parent` chain would find it. */
function innermostSpan(scope: FileScope, n: SyntaxNode, kind: ItemSpan['kind']): ItemSpan | null {
  const { spans } = scope;
  const s = n.startIndex;
  const e = n.endIndex;
  // Last span starting at or before n; its chain of outer spans holds every span containing n.
  let lo = 0, hi = spans.length;
  while (lo < hi) { const mid = (lo + hi) >> 1; if (spans[mid].start <= s) lo = mid + 1; else hi = mid; }
  for (let i = lo - 1; i >= 0; i = spans[i].outer) {
    const sp = spans[i];
    if (sp.start <= s && e <= sp.end && !(sp.start === s && sp.end === e && sp.node.id === n.id) && sp.kind === kind) return sp;
  }
  return null;
}

/** The bindings of the function enclosing `n`, read once per tree (the index pass and the site pass share them). */
export function fnScopeIn(scope: FileScope, n: SyntaxNode): FnScope | null {
  const sp = innermostSpan(scope, n, 'fn');
  if (!sp) return null;
  let s = scope.fnScopes.get(sp.node.id);
  if (!s) { s = new FnScope(sp.node, sp.implType); scope.fnScopes.set(sp.node.id, s); }
  return s;
}

/** The type of the impl (or trait) a node sits in: implTypeOf without walking up the tree. */
export function implTypeIn(scope: FileScope, n: SyntaxNode): string | null {
  return innermostSpan(scope, n, 'impl')?.implType ?? null;
}

/** How deep nested `use` groups are read: real ones are a few levels deep, and recursion must stay bounded. */
const MAX_USE_DEPTH = 64;

function collectUse(n: SyntaxNode, prefix: string[], scope: FileScope, line: number, depth = 0): void {
  if (depth > MAX_USE_DEPTH) return;
  switch (n.type) {
    case 'identifier':
    case 'scoped_identifier':
    case 'crate':
    case 'super': {
      const segs = [...prefix, ...pathSegments(n)];
      scope.imports.set(segs[segs.length - 1], { path: segs.join('::'), line });
      return;
    }
    case 'self': {
      // `use a::b::{self}` imports `b`.
      if (prefix.length) scope.imports.set(prefix[prefix.length - 1], { path: prefix.join('::'), line });
      return;
    }
    case 'use_as_clause': {
      const p = n.childForFieldName('path');
      const alias = n.childForFieldName('alias')?.text;
      if (p && alias) scope.imports.set(alias, { path: [...prefix, ...pathSegments(p)].join('::'), line });
      return;
    }
    case 'scoped_use_list': {
      const p = n.childForFieldName('path');
      const list = n.childForFieldName('list');
      const next = p ? [...prefix, ...pathSegments(p)] : prefix;
      if (list) for (const item of list.namedChildren) if (item) collectUse(item, next, scope, line, depth + 1);
      return;
    }
    case 'use_list':
      for (const item of n.namedChildren) if (item) collectUse(item, prefix, scope, line, depth + 1);
      return;
    case 'use_wildcard': {
      const p = n.namedChildren[0];
      scope.globs.push({ path: [...prefix, ...(p ? pathSegments(p) : [])].join('::'), line });
      return;
    }
  }
}

/**
 * The type an `impl` block is for, without generics: `impl<T> Arc<T>` is Arc's, not T's (unlike a
 * field or parameter type, where `Arc<Inner>` leads to `Inner`).
 */
export function implTypeName(typeText: string): string {
  const t = typeText.replace(/\s+/g, '').replace(/^&('\w+)?(mut)?/, '').replace(/<.*$/s, '');
  const segs = t.split('::');
  return segs[segs.length - 1];
}

export function implTypeOf(n: SyntaxNode): string | null {
  for (let p = n.parent; p; p = p.parent) {
    if (p.type === 'impl_item') {
      const t = p.childForFieldName('type');
      return t ? implTypeName(t.text) : null;
    }
    if (p.type === 'trait_item') return p.childForFieldName('name')?.text ?? null;
  }
  return null;
}

export function signatureOf(f: SyntaxNode, implType: string | null = implTypeOf(f)): FnSignature {
  const params: { name: string; type: string }[] = [];
  let hasSelf = false;
  const ps = f.childForFieldName('parameters');
  for (const p of ps?.namedChildren ?? []) {
    if (!p) continue;
    if (p.type === 'self_parameter') { hasSelf = true; continue; }
    if (p.type !== 'parameter') continue;
    const pat = p.childForFieldName('pattern');
    const type = p.childForFieldName('type')?.text ?? '';
    // `mut x: T` puts a mut_pattern around the identifier.
    const name = pat?.type === 'mut_pattern' ? pat.namedChildren[pat.namedChildren.length - 1]?.text : pat?.text;
    params.push({ name: name ?? '_', type });
  }
  return {
    name: f.childForFieldName('name')?.text ?? '',
    implType,
    params,
    returnType: f.childForFieldName('return_type')?.text ?? null,
    hasSelf,
  };
}

export interface LetBinding {
  name: string;
  type: string | null;
  value: SyntaxNode | null;
  end: number;
  line: number;
  /**
   * Bound by a `Some(x)` / `Ok(x)` pattern (`if let Some(x) = e`, `let Some(x) = e else { .. }`):
   * `x` is what `value` holds, not `value` itself.
   */
  unwrapped?: boolean;
}

/** What one function body binds: its parameters, its `let x = ..;` bindings and `if let Some(x) = ..` patterns. */
export class FnScope {
  readonly sig: FnSignature;
  /** Read on the first lookup: many functions are asked only for their signature. */
  private lets: LetBinding[] | null = null;

  constructor(readonly node: SyntaxNode, implType: string | null = implTypeOf(node)) {
    this.sig = signatureOf(node, implType);
  }

  private bindings(): LetBinding[] {
    if (this.lets) return this.lets;
    const lets: LetBinding[] = [];
    const body = this.node.childForFieldName('body');
    for (const l of body ? letsIn(body) : []) {
      const pat = l.childForFieldName('pattern');
      const value = l.childForFieldName('value');
      const name = pat?.type === 'mut_pattern' ? pat.namedChildren[pat.namedChildren.length - 1]?.text : pat?.type === 'identifier' ? pat.text : null;
      if (name && l.type === 'let_declaration') {
        lets.push({ name, type: l.childForFieldName('type')?.text ?? null, value, end: l.endIndex, line: l.startPosition.row });
        continue;
      }
      // `Some(x)` / `Ok(x)`: x is the value inside; visible from the pattern on (the end of an
      // if-let's scope is not tracked: a later binding of the same name shadows it anyway).
      const inner = pat ? someBinding(pat) : null;
      if (inner) lets.push({ name: inner, type: null, value, end: pat!.endIndex, line: l.startPosition.row, unwrapped: true });
    }
    this.lets = lets;
    return lets;
  }

  get name(): string { return this.sig.name; }

  /** The latest `let name` that ends before `at` (shadowing by later lets is respected). */
  letBefore(name: string, at: number): LetBinding | null {
    let best: LetBinding | null = null;
    for (const l of this.bindings()) if (l.name === name && l.end <= at && (!best || l.end > best.end)) best = l;
    return best;
  }

  param(name: string): { name: string; type: string; index: number } | null {
    const i = this.sig.params.findIndex(p => p.name === name);
    return i < 0 ? null : { ...this.sig.params[i], index: i };
  }
}

/** `Some(x)`, `Ok(x)`, `Some(mut x)`: the one name bound, or null. */
function someBinding(pat: SyntaxNode): string | null {
  if (pat.type !== 'tuple_struct_pattern') return null;
  const ctor = pat.childForFieldName('type')?.text;
  if (ctor !== 'Some' && ctor !== 'Ok') return null;
  const args = pat.namedChildren.filter(c => c && c.id !== pat.childForFieldName('type')?.id);
  if (args.length !== 1) return null;
  const a = args[0]!;
  if (a.type === 'identifier') return a.text;
  if (a.type === 'mut_pattern') return a.namedChildren[a.namedChildren.length - 1]?.text ?? null;
  return null;
}

/**
 * `let` declarations and `if let` / `while let` conditions inside `body`, in document order,
 * found from their keyword (as itemsOf finds items).
 */
function letsIn(body: SyntaxNode): SyntaxNode[] {
  const out: SyntaxNode[] = [];
  const base = body.startIndex;
  for (const m of body.text.matchAll(/\blet\b/g)) {
    const at = base + m.index!;
    // `let` is an unnamed child of its declaration or condition: the smallest named node around it.
    const l = body.namedDescendantForIndex(at, at + 3);
    const type = l?.type;
    if (l && (type === 'let_declaration' || type === 'let_condition')) out.push(l);
  }
  return out;
}

/** The function item enclosing a node (closures are looked through: they share its bindings). */
export function enclosingFn(n: SyntaxNode): SyntaxNode | null {
  for (let p = n.parent; p; p = p.parent) if (p.type === 'function_item') return p;
  return null;
}
