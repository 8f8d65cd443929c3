// Which counter an operation acts on (a normalised key), and what type a receiver has (to tell a
// `Refcount::inc` from an unrelated `inc`). Both are syntactic: they follow `self`, parameters,
// simple `let` bindings, struct field declarations and accessor return types, nothing more.

import type { SyntaxNode } from './parser';
import type { FnScope } from './scope';
import { baseTypeName, compact, peel } from './syntax';

/** Type facts visible from one file: its own declarations, then the workspace index. */
export interface TypeFacts {
  /** Type text of `field` in struct `owner`, or null. */
  fieldType(owner: string, field: string): string | null;
  /** Types declared for a field of this name in any known struct (when the owner is unknown). */
  fieldTypesByName(field: string): string[];
  /** Return types of functions named `name` (of `implType` if given and known). */
  fnReturns(implType: string | null, name: string): string[];
}

/** Accessors that hand out the same counter: dropping them makes the keys agree. */
const TRANSPARENT_METHODS = new Set(['as_atomic', 'deref', 'as_ref', 'borrow', 'get_ref']);

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

  /** The declared or inferable type of an expression, or null. */
  typeOf(expr: SyntaxNode, depth = 0): string | null {
    const n = peel(expr);
    if (depth > 8) return null;
    switch (n.type) {
      case 'self':
        return this.implType;
      case 'identifier': {
        const l = this.fn?.letBefore(n.text, n.startIndex);
        if (l) return l.type ?? (l.value ? this.typeOf(l.value, depth + 1) : null);
        const p = this.fn?.param(n.text);
        if (p) return /\bSelf\b/.test(p.type) && this.implType ? p.type.replace(/\bSelf\b/g, this.implType) : p.type;
        return null;
      }
      case 'field_expression': {
        const v = n.childForFieldName('value');
        const f = n.childForFieldName('field')?.text;
        if (!v || !f) return null;
        const owner = this.typeOf(v, depth + 1);
        const declared = owner ? this.facts.fieldType(baseTypeName(owner), f) : null;
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
          if (TRANSPARENT_METHODS.has(m)) return this.typeOf(v, depth + 1);
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
function addrOfPlace(n: SyntaxNode): { text: string; field: string } | null {
  const name = n.childForFieldName('macro')?.text ?? n.namedChildren[0]?.text ?? '';
  if (!/(^|::)addr_of(_mut)?$/.test(name.replace(/\s+/g, ''))) return null;
  const tokens = n.namedChildren.find(c => c?.type === 'token_tree');
  if (!tokens) return null;
  const inner = tokens.text.replace(/^\(\s*/, '').replace(/\s*\)$/, '');
  const m = /\.\s*([\p{L}_][\p{L}\p{N}_]*)\s*$/u.exec(inner);
  return m ? { text: inner, field: m[1] } : null;
}

/** One type if all candidates have the same atomic-ness class and text, else null. */
function agreed(types: string[]): string | null {
  if (types.length === 0) return null;
  const norm = types.map(t => t.replace(/\s+/g, ''));
  return norm.every(t => t === norm[0]) ? types[0] : (new Set(types.map(classifyType)).size === 1 ? types[0] : null);
}

/** The last field or accessor name of a key: `<Request>.wrapper_ref().refcount()` -> "refcount". */
export function counterNameOf(key: string): string {
  const m = /([\p{L}_][\p{L}\p{N}_]*)(\(\.*\))?$/u.exec(key.replace(/>$/, ''));
  // Raw-pointer accessors (`refcount_ptr(..)`) reach the same field as the reference accessor.
  return m ? m[1].replace(/_ptr$/, '') : key;
}
