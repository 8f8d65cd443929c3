// Which counter an operation acts on (a normalised key), and what type a receiver has (to tell a
// `Refcount::inc` from an unrelated `inc`). Both are syntactic: they follow `self`, parameters,
// simple `let` bindings, struct field declarations and accessor return types, nothing more.

import type { SyntaxNode } from './parser';
import type { FnScope } from './scope';
import { baseTypeName, blockTail, compact, peel } from './syntax';

/** Type facts visible from one file: its own declarations, then the workspace index. */
export interface TypeFacts {
  /** Type text of `field` in struct `owner`, or null. */
  fieldType(owner: string, field: string): string | null;
  /** Types declared for a field of this name in any known struct (when the owner is unknown). */
  fieldTypesByName(field: string): string[];
  /** Return types of functions named `name` (of `implType` if given and known). */
  fnReturns(implType: string | null, name: string): string[];
  /**
   * A field that holds a reference to a counter declared elsewhere (`WeakInner { weak: &'a
   * AtomicUsize }` built as `WeakInner { weak: &(*ptr).weak }`): the counter it refers to.
   */
  fieldAlias(owner: string, field: string): string | null;
  /** Counters that accessor `name` (of `implType` if given) hands out: `fn refcount(&self) -> &Refcount { &self.rc }`. */
  accessorCounters(implType: string | null, name: string): string[];
  /** Structs that declare `field` with an atomic or Refcount type (not a reference to one), with their files. */
  atomicFieldOwners(field: string): { owner: string; file: string }[];
  /**
   * The file that declares struct `owner`: this file if it does, else the one workspace file that
   * does; null when several do (same-named structs in different modules are different counters).
   */
  declaringFile(owner: string): string | null;
  /** The file being read. */
  readonly file: string;
  /** A static (or const) of this file with an atomic type: a counter of its own. */
  isStatic?(name: string): boolean;
}

/** A field type that is a reference to a counter stored elsewhere: `&'a AtomicUsize`, `&Refcount`. */
export function isCounterReference(type: string): boolean {
  return /^&/.test(type.trim()) && classifyType(type) !== 'other';
}

/**
 * Accessors that hand out the same counter: dropping them makes the keys agree. `clone()` of a
 * handle (`Arc<AtomicUsize>`, `&Counter`) reaches the same atomic, never a counter of its own.
 */
const TRANSPARENT_METHODS = new Set(['as_atomic', 'deref', 'as_ref', 'borrow', 'get_ref', 'clone']);
/** Methods that keep the pointee's type: for `typeOf`, `ptr.as_ptr()` is still the struct `ptr` points to. */
const SAME_TYPE_METHODS = new Set([...TRANSPARENT_METHODS, 'as_ptr', 'as_mut_ptr', 'as_mut', 'get_mut', 'borrow_mut', 'cast']);
/** Methods that take the value out of an Option/Result. */
const UNWRAP_METHODS = new Set(['unwrap', 'expect', 'unwrap_unchecked']);

export type TypeClass = 'atomic' | 'refcount' | 'other' | 'unknown';

export function classifyType(type: string | null): TypeClass {
  if (type === null) return 'unknown';
  if (/\bRefcount\b|\brefcount_t\b/.test(type)) return 'refcount';
  if (/\bAtomic(U8|U16|U32|U64|U128|Usize|I8|I16|I32|I64|I128|Isize|Bool|Ptr)\b|\bAtomic\s*</.test(type)) return 'atomic';
  return 'other';
}

export class ReceiverReader {
  constructor(private readonly facts: TypeFacts, private readonly implType: string | null, private readonly fn: FnScope | null) {}

  /** The normalised key of an expression denoting a counter (see Site.receiver). */
  key(expr: SyntaxNode, depth = 0): string {
    const n = peel(expr);
    if (depth > 8) return compact(n.text);
    switch (n.type) {
      case 'self':
        return `<${this.implType ?? 'Self'}>`;
      case 'identifier': {
        const l = this.fn?.letBefore(n.text, n.startIndex);
        if (l?.value) return this.key(l.value, depth + 1);
        const p = this.fn?.param(n.text);
        if (p) return /\bSelf\b/.test(p.type) ? `<${this.implType ?? 'Self'}>` : `<${baseTypeName(p.type) || n.text}>`;
        return n.text;
      }
      case 'field_expression': {
        const v = n.childForFieldName('value');
        const f = n.childForFieldName('field');
        return v && f ? `${this.key(v, depth + 1)}.${f.text}` : compact(n.text);
      }
      case 'call_expression': {
        const fnode = n.childForFieldName('function');
        const args = n.childForFieldName('arguments');
        const argText = args && args.namedChildren.length ? '(..)' : '()';
        if (fnode?.type === 'field_expression') {
          const v = fnode.childForFieldName('value');
          const m = fnode.childForFieldName('field')?.text ?? '';
          if (!v) return compact(n.text);
          if (TRANSPARENT_METHODS.has(m) && argText === '()') return this.key(v, depth + 1);
          return `${this.key(v, depth + 1)}.${m}${argText}`;
        }
        if (fnode) return `${compact(fnode.text).replace(/^Self::/, `${this.implType ?? 'Self'}::`)}${argText}`;
        return compact(n.text);
      }
      case 'macro_invocation': {
        const place = addrOfPlace(n);
        return place ? compact(place.text) : compact(n.text);
      }
      default:
        return compact(n.text);
    }
  }

  /**
   * The counter an expression denotes: the atomic field it reaches, named by the struct that
   * declares it (`ArcInner.strong`), whatever path leads there (`self.inner().strong`,
   * `inner.strong` after `let inner = self.inner()?`, a `WeakInner` field that refers to it, an
   * accessor that returns it). `static NAME` for a static. null when the reader cannot tell
   * (a parameter, a local atomic, an unknown type): such sites only group by their receiver key.
   */
  counterOf(expr: SyntaxNode, depth = 0): string | null {
    const n = peel(expr);
    if (depth > 8) return null;
    switch (n.type) {
      case 'identifier': {
        const l = this.fn?.letBefore(n.text, n.startIndex);
        if (l) return l.value && !l.unwrapped ? this.counterOf(l.value, depth + 1) : null;
        if (this.fn?.param(n.text)) return null;
        return this.facts.isStatic?.(n.text) ? `static ${n.text}` : null;
      }
      case 'scoped_identifier': {
        const name = n.childForFieldName('name')?.text;
        return name && this.facts.isStatic?.(name) ? `static ${name}` : null;
      }
      case 'field_expression': {
        const v = n.childForFieldName('value');
        const f = n.childForFieldName('field')?.text;
        if (!v || !f) return null;
        const ownerType = this.typeOf(v, depth + 1);
        const owned = ownerType ? this.ownerOfField(ownerType, f) : null;
        if (owned) return this.facts.fieldAlias(owned.owner, f) ?? this.field(owned.owner, f);
        return this.byFieldName(f);
      }
      case 'call_expression': {
        const fnode = n.childForFieldName('function');
        if (fnode?.type === 'scoped_identifier' || fnode?.type === 'identifier') {
          // `Wrapper::refcount_ptr(p)`, `Self::counter(this)`, `counter_of(x)`: an accessor by path.
          const segs = fnode.text.replace(/\s+/g, '').split('::');
          const name = segs[segs.length - 1];
          const owner = segs.length >= 2 ? (segs[segs.length - 2] === 'Self' ? this.implType : segs[segs.length - 2]) : '';
          return uniqueCounter(this.facts.accessorCounters(owner, name));
        }
        if (fnode?.type !== 'field_expression') return null;
        const v = fnode.childForFieldName('value');
        const m = fnode.childForFieldName('field')?.text ?? '';
        if (!v) return null;
        if (TRANSPARENT_METHODS.has(m) || UNWRAP_METHODS.has(m)) return this.counterOf(v, depth + 1);
        const ownerType = this.typeOf(v, depth + 1);
        for (const owner of ownerType ? typeLayers(ownerType) : []) {
          const c = uniqueCounter(this.facts.accessorCounters(owner, m));
          if (c) return c;
        }
        return ownerType ? null : uniqueCounter(this.facts.accessorCounters(null, m));
      }
      case 'macro_invocation': {
        const place = addrOfPlace(n);
        if (!place) return null;
        const rootType = place.root ? this.typeOf(place.root, depth + 1) : null;
        const owned = rootType ? this.ownerOfField(rootType, place.field) : null;
        if (owned) return this.facts.fieldAlias(owned.owner, place.field) ?? this.field(owned.owner, place.field);
        return this.byFieldName(place.field);
      }
      default:
        return null;
    }
  }

  /**
   * The owner unknown: the one struct declaring an atomic field of this name, in this file if it
   * has one (a struct here is what unqualified code here most likely means), else in the workspace.
   */
  private byFieldName(field: string): string | null {
    const all = this.facts.atomicFieldOwners(field);
    const local = all.filter(o => o.file === this.facts.file);
    return uniqueCounter((local.length ? local : all).map(o => this.field(o.owner, field, o.file)));
  }

  /** A field's counter id: `Owner.field@file` (file of the declaring struct, see counterLabel). */
  private field(owner: string, field: string, file?: string): string {
    const decl = file ?? this.facts.declaringFile(owner);
    // Declared in several files and not here: a counter of this file only, never paired elsewhere.
    return `${owner}.${field}@${decl ?? `?${this.facts.file}`}`;
  }

  /** The struct (among the layers of `type`: `&Arc<Inner>` is Arc, then Inner) that declares `field`. */
  private ownerOfField(type: string, field: string): { owner: string; type: string } | null {
    for (const owner of typeLayers(type)) {
      const t = this.facts.fieldType(owner, field);
      if (t) return { owner, type: t };
    }
    return null;
  }

  /** `inner` in `self.inner().map(|inner| ..)` / `.and_then(|inner| ..)`: the Option's content. */
  private closureParamType(n: SyntaxNode, depth: number): string | null {
    for (let p = n.parent; p && p.type !== 'function_item'; p = p.parent) {
      if (p.type !== 'closure_expression') continue;
      const params = p.childForFieldName('parameters')?.namedChildren ?? [];
      if (!params.some(q => q?.text === n.text)) continue;
      const call = p.parent?.parent;
      const f = call?.type === 'call_expression' ? call.childForFieldName('function') : null;
      const m = f?.type === 'field_expression' ? f.childForFieldName('field')?.text : null;
      const recv = f?.childForFieldName('value');
      if (params.length === 1 && recv && m && /^(map|and_then|inspect|is_some_and|filter|for_each)$/.test(m)) return unwrapType(this.typeOf(recv, depth + 1));
      return null;
    }
    return null;
  }

  /** The declared or inferable type of an expression, or null. */
  typeOf(expr: SyntaxNode, depth = 0): string | null {
    const n = peel(expr);
    if (depth > 8) return null;
    switch (n.type) {
      case 'self':
        return this.implType;
      case 'identifier': {
        const l = this.fn?.letBefore(n.text, n.startIndex);
        if (l?.unwrapped) return l.value ? unwrapType(this.typeOf(l.value, depth + 1)) : null;
        if (l) return l.type ?? (l.value ? this.typeOf(l.value, depth + 1) : null);
        const p = this.fn?.param(n.text);
        if (p) return /\bSelf\b/.test(p.type) && this.implType ? p.type.replace(/\bSelf\b/g, this.implType) : p.type;
        return this.closureParamType(n, depth);
      }
      case 'try_expression': {
        const inner = n.namedChildren[0];
        return inner ? unwrapType(this.typeOf(inner, depth + 1)) : null;
      }
      case 'if_expression': {
        // `if let Some(x) = e { x } else { return }`: the value of the taken branch.
        const c = n.childForFieldName('consequence');
        const tail = c ? blockTail(c) : null;
        return tail ? this.typeOf(tail, depth + 1) : null;
      }
      case 'field_expression': {
        const v = n.childForFieldName('value');
        const f = n.childForFieldName('field')?.text;
        if (!v || !f) return null;
        const owner = this.typeOf(v, depth + 1);
        const declared = owner ? this.ownerOfField(owner, f)?.type : null;
        if (declared) return declared;
        // Owner unknown (or declared elsewhere): accept the field's type if every struct agrees.
        return agreed(this.facts.fieldTypesByName(f));
      }
      case 'call_expression': {
        const fnode = n.childForFieldName('function');
        if (fnode?.type === 'field_expression') {
          const v = fnode.childForFieldName('value');
          const m = fnode.childForFieldName('field')?.text ?? '';
          if (m === 'as_atomic') return 'Atomic<_>';
          if (!v) return null;
          if (SAME_TYPE_METHODS.has(m)) return this.typeOf(v, depth + 1);
          if (UNWRAP_METHODS.has(m)) return unwrapType(this.typeOf(v, depth + 1));
          const owner = this.typeOf(v, depth + 1);
          const own = owner ? this.facts.fnReturns(baseTypeName(owner), m) : [];
          return agreed(own.length ? own : this.facts.fnReturns(null, m));
        }
        if (fnode && (fnode.type === 'scoped_identifier' || fnode.type === 'identifier')) {
          const segs = fnode.text.replace(/\s+/g, '').split('::');
          const name = segs[segs.length - 1];
          const owner = segs.length >= 2 ? (segs[segs.length - 2] === 'Self' ? this.implType : segs[segs.length - 2]) : null;
          if (name === 'new' && owner) return owner;
          const rs = owner ? this.facts.fnReturns(owner, name) : [];
          return agreed(rs.length ? rs : this.facts.fnReturns(null, name));
        }
        return null;
      }
      case 'macro_invocation': {
        // `addr_of!((*ptr).field)`: a pointer to the field, whose type the struct declares.
        const place = addrOfPlace(n);
        return place ? agreed(this.facts.fieldTypesByName(place.field)) : null;
      }
      default:
        return null;
    }
  }
}

/**
 * The place inside `addr_of!(..)` / `addr_of_mut!(..)` (as kernel code reaches a field through a raw
 * pointer). Macro arguments are an unparsed token tree, so only the `(*p).field` shape is read.
 */
function addrOfPlace(n: SyntaxNode): { text: string; field: string; root: SyntaxNode | null } | null {
  const name = n.childForFieldName('macro')?.text ?? n.namedChildren[0]?.text ?? '';
  if (!/(^|::)addr_of(_mut)?$/.test(name.replace(/\s+/g, ''))) return null;
  const tokens = n.namedChildren.find(c => c?.type === 'token_tree');
  if (!tokens) return null;
  const inner = tokens.text.replace(/^\(\s*/, '').replace(/\s*\)$/, '');
  const m = /\.\s*([\p{L}_][\p{L}\p{N}_]*)\s*$/u.exec(inner);
  if (!m) return null;
  // `(*p).field`: the token tree still holds `p` as an identifier node, whose binding gives the type.
  const r = /^\(\s*\*\s*([\p{L}_][\p{L}\p{N}_]*)\s*\)\s*\./u.exec(inner);
  const root = r ? tokens.descendantsOfType('identifier').find(i => i?.text === r[1]) ?? null : null;
  return { text: inner, field: m[1], root };
}

/** A counter id as people read it: `ArcInner.strong@src/sync.rs` -> `ArcInner.strong`. */
export function counterLabel(id: string): string {
  return id.replace(/@[^@]*$/, '');
}

/** The content type of `Option<T>` / `Result<T, E>` (or the type itself when it is neither). */
export function unwrapType(type: string | null): string | null {
  if (!type) return null;
  const m = /^(?:[\w:]*::)?(Option|Result)\s*<(.*)>$/s.exec(type.trim());
  if (!m) return type;
  return splitGenerics(m[2])[0] ?? null;
}

/** Top-level comma-separated generic arguments: `A<B, C>, D` -> ["A<B, C>", "D"]. */
function splitGenerics(text: string): string[] {
  const out: string[] = [];
  let depth = 0, start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '<' || c === '(' || c === '[') depth++;
    else if (c === '>' || c === ')' || c === ']') depth--;
    else if (c === ',' && depth === 0) { out.push(text.slice(start, i).trim()); start = i + 1; }
  }
  out.push(text.slice(start).trim());
  return out.filter(Boolean);
}

/**
 * The named types a value of `type` can be a field access on, outermost first: `&Arc<Inner<T>>`
 * -> Arc, Inner (a struct named Arc in the workspace is std's own; otherwise `.field` derefs to Inner).
 */
export function typeLayers(type: string): string[] {
  const out: string[] = [];
  let t = type.replace(/\s+/g, ' ').trim();
  for (let i = 0; i < 8 && t; i++) {
    t = t.replace(/^&\s*('\w+\s+)?(mut\s+)?/, '').replace(/^\*\s*(const|mut)\s+/, '').replace(/^dyn\s+/, '').trim();
    const m = /^((?:[\w]*::)*)(\w+)\s*(?:<(.*)>)?$/s.exec(t);
    if (!m) break;
    if (!out.includes(m[2])) out.push(m[2]);
    const args = m[3] ? splitGenerics(m[3]).filter(a => !/^'/.test(a)) : [];
    // Only single-argument wrappers lead further (Arc<T>, Option<T>, NonNull<T>); Foo<A, B> stops.
    if (args.length !== 1) break;
    t = args[0];
  }
  return out;
}

/** The one counter all candidates name, or null when they disagree or there are none. */
function uniqueCounter(cands: string[]): string | null {
  const set = new Set(cands);
  return set.size === 1 ? [...set][0] : null;
}

/** One type if all candidates have the same atomic-ness class and text, else null. */
function agreed(types: string[]): string | null {
  if (types.length === 0) return null;
  const norm = types.map(t => t.replace(/\s+/g, ''));
  return norm.every(t => t === norm[0]) ? types[0] : (new Set(types.map(classifyType)).size === 1 ? types[0] : null);
}

/** The last field or accessor name of a key: `<Request>.wrapper_ref().refcount()` -> "refcount". */
export function counterNameOf(key: string): string {
  // The last identifier of the key, before an accessor's `(..)`. Scanned from the end rather than
  // matched with a trailing-anchored pattern, which backtracks quadratically on long keys.
  let end = key.endsWith('>') ? key.length - 1 : key.length;
  if (key[end - 1] === ')') {
    const open = key.lastIndexOf('(', end - 1);
    if (open >= 0 && /^\.*$/.test(key.slice(open + 1, end - 1))) end = open;
  }
  let start = end;
  while (start > 0 && IDENT_CHAR.test(key[start - 1])) start--;
  while (start < end && !IDENT_START.test(key[start])) start++;
  // Raw-pointer accessors (`refcount_ptr(..)`) reach the same field as the reference accessor.
  return start < end ? key.slice(start, end).replace(/_ptr$/, '') : key;
}

const IDENT_CHAR = /[\p{L}\p{N}_]/u;
const IDENT_START = /[\p{L}_]/u;
