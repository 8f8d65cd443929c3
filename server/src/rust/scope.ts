// Names a file declares that the reader needs to tell what a receiver or an argument is:
// `use` imports, consts/statics, struct field types, function signatures, and per function the
// parameters and `let` bindings. Purely syntactic and per file; cross-file facts come from the
// workspace index (index.ts).

import type { SyntaxNode } from './parser';
import { pathSegments } from './syntax';

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

export interface FileScope {
  /** local name -> imported path (aliases included: `use a::B as C` maps C -> a::B). */
  imports: Map<string, Import>;
  /** Prefixes of glob imports: `use a::b::*` -> "a::b". */
  globs: Import[];
  consts: Map<string, ConstDecl>;
  /** struct name -> field name -> field type text. */
  structs: Map<string, Map<string, string>>;
  fns: FnSignature[];
}

export function buildFileScope(root: SyntaxNode): FileScope {
  const scope: FileScope = { imports: new Map(), globs: [], consts: new Map(), structs: new Map(), fns: [] };
  // One walk of the tree for every kind of item: each walk crosses into the wasm parser per node,
  // so a walk per kind cost as much as parsing the file again.
  // Enclosing impl/trait blocks, innermost last: nodes come in document order, so a stack of
  // open containers gives each function its impl type without walking up the tree.
  const open: { end: number; name: string | null }[] = [];
  for (const n of root.descendantsOfType(['use_declaration', 'const_item', 'static_item', 'struct_item', 'function_item', 'impl_item', 'trait_item'])) {
    if (!n) continue;
    while (open.length && open[open.length - 1].end <= n.startIndex) open.pop();
    switch (n.type) {
      case 'impl_item': {
        const t = n.childForFieldName('type');
        open.push({ end: n.endIndex, name: t ? implTypeName(t.text) : null });
        break;
      }
      case 'trait_item':
        open.push({ end: n.endIndex, name: n.childForFieldName('name')?.text ?? null });
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
        if (body.type === 'field_declaration_list') {
          for (const f of body.namedChildren) {
            if (f?.type !== 'field_declaration') continue;
            const fname = f.childForFieldName('name')?.text;
            const ftype = f.childForFieldName('type')?.text;
            if (fname && ftype) fields.set(fname, ftype);
          }
        } else if (body.type === 'ordered_field_declaration_list') {
          // Tuple structs: fields are named by position, as `self.0` reads them.
          body.namedChildren.filter(f => f && f.type !== 'visibility_modifier' && f.type !== 'attribute_item')
            .forEach((f, i) => fields.set(String(i), f!.text));
        }
        scope.structs.set(name, fields);
        break;
      }
      case 'function_item':
        // Only what other code looks functions up by (name, impl, return type): parameters are
        // read per function when a site needs them (FnScope), not for every function of the file.
        scope.fns.push({
          name: n.childForFieldName('name')?.text ?? '',
          implType: open.length ? open[open.length - 1].name : null,
          params: [],
          returnType: n.childForFieldName('return_type')?.text ?? null,
          hasSelf: false,
        });
        break;
    }
  }
  return scope;
}

function collectUse(n: SyntaxNode, prefix: string[], scope: FileScope, line: number): void {
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
      if (list) for (const item of list.namedChildren) if (item) collectUse(item, next, scope, line);
      return;
    }
    case 'use_list':
      for (const item of n.namedChildren) if (item) collectUse(item, prefix, scope, line);
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
  private readonly lets: LetBinding[] = [];

  constructor(readonly node: SyntaxNode) {
    this.sig = signatureOf(node);
    const body = node.childForFieldName('body');
    for (const l of body ? body.descendantsOfType(['let_declaration', 'let_condition']) : []) {
      if (!l) continue;
      const pat = l.childForFieldName('pattern');
      const value = l.childForFieldName('value');
      const name = pat?.type === 'mut_pattern' ? pat.namedChildren[pat.namedChildren.length - 1]?.text : pat?.type === 'identifier' ? pat.text : null;
      if (name && l.type === 'let_declaration') {
        this.lets.push({ name, type: l.childForFieldName('type')?.text ?? null, value, end: l.endIndex, line: l.startPosition.row });
        continue;
      }
      // `Some(x)` / `Ok(x)`: x is the value inside; visible from the pattern on (the end of an
      // if-let's scope is not tracked: a later binding of the same name shadows it anyway).
      const inner = pat ? someBinding(pat) : null;
      if (inner) this.lets.push({ name: inner, type: null, value, end: pat!.endIndex, line: l.startPosition.row, unwrapped: true });
    }
  }

  get name(): string { return this.sig.name; }

  /** The latest `let name` that ends before `at` (shadowing by later lets is respected). */
  letBefore(name: string, at: number): LetBinding | null {
    let best: LetBinding | null = null;
    for (const l of this.lets) if (l.name === name && l.end <= at && (!best || l.end > best.end)) best = l;
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

/** The function item enclosing a node (closures are looked through: they share its bindings). */
export function enclosingFn(n: SyntaxNode): SyntaxNode | null {
  for (let p = n.parent; p; p = p.parent) if (p.type === 'function_item') return p;
  return null;
}
