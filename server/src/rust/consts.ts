// Integer values of `const` items, as far as plain arithmetic on literals and other consts goes:
// `1 << 8`, `!STATE_MASK`, `(REF_ONE * 3) | NOTIFIED`. Packed counts name their unit this way
// (tokio's `REF_ONE`, async-task's `REFERENCE`), so reading a `fetch_sub(REF_ONE, ..)` as "drop one
// reference" needs the const. Values are 64-bit unsigned (usize on the targets that matter);
// anything else (a method call such as `count_zeros()`, a cast of a non-const) is unknown.

import type { SyntaxNode } from './parser';
import { intLiteral, peel } from './syntax';

const MASK64 = (1n << 64n) - 1n;
const MAX: Record<string, bigint> = {
  u8: 0xffn, u16: 0xffffn, u32: 0xffff_ffffn, u64: MASK64, usize: MASK64,
  i8: 0x7fn, i16: 0x7fffn, i32: 0x7fff_ffffn, i64: (1n << 63n) - 1n, isize: (1n << 63n) - 1n,
};

/** Evaluates a const expression; `lookup` gives other consts' values. null when not a plain integer expression. */
export function evalConst(n: SyntaxNode, lookup: (name: string) => bigint | null, depth = 0): bigint | null {
  if (depth > 16) return null;
  const p = peel(n);
  const lit = intLiteral(p);
  if (lit !== null) return BigInt(lit);
  switch (p.type) {
    case 'integer_literal': {
      const t = p.text.replace(/_/g, '').replace(/(u|i)(8|16|32|64|128|size)$/, '');
      try { return BigInt(t) & MASK64; } catch { return null; }
    }
    case 'identifier':
      return lookup(p.text);
    case 'scoped_identifier': {
      const segs = p.text.replace(/\s+/g, '').split('::');
      const last = segs[segs.length - 1];
      if (last === 'MAX' && segs.length >= 2 && MAX[segs[segs.length - 2]] !== undefined) return MAX[segs[segs.length - 2]];
      return lookup(last);
    }
    case 'type_cast_expression': {
      const v = p.childForFieldName('value');
      return v ? evalConst(v, lookup, depth + 1) : null;
    }
    case 'unary_expression': {
      const v = p.namedChildren[0] ? evalConst(p.namedChildren[0], lookup, depth + 1) : null;
      if (v === null) return null;
      const op = p.child(0)?.type;
      return op === '!' ? ~v & MASK64 : op === '-' ? -v : null;
    }
    case 'binary_expression': {
      const l = p.childForFieldName('left'), r = p.childForFieldName('right');
      const a = l ? evalConst(l, lookup, depth + 1) : null;
      const b = r ? evalConst(r, lookup, depth + 1) : null;
      if (a === null || b === null) return null;
      switch (p.childForFieldName('operator')?.type) {
        case '<<': return b < 64n ? (a << b) & MASK64 : null;
        case '>>': return b < 64n ? a >> b : null;
        case '|': return a | b;
        case '&': return a & b;
        case '^': return a ^ b;
        case '+': return (a + b) & MASK64;
        case '-': return a - b;
        case '*': return (a * b) & MASK64;
        case '/': return b === 0n ? null : a / b;
        default: return null;
      }
    }
    default:
      return null;
  }
}

/** A JS number when the value is one exactly. */
export function toNumber(v: bigint | null): number | null {
  return v !== null && v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : null;
}

/**
 * A const that stands for one reference of a count packed with other state: its name says so
 * (`REF_ONE`, `REFERENCE`, `REF_COUNT_ONE`, `ONE_REF`) and it is one bit, `1 << SHIFT` (its value may
 * be unknown when the shift is computed, as tokio's is).
 */
export function isReferenceUnit(name: string, value: SyntaxNode): boolean {
  if (!/^(REF(ERENCE)?(_COUNT)?(_ONE|_UNIT)?|ONE_REF(ERENCE)?|REF_?ONE)$/.test(name)) return false;
  const p = peel(value);
  if (p.type === 'binary_expression' && p.childForFieldName('operator')?.type === '<<') {
    const l = p.childForFieldName('left');
    return !!l && intLiteral(peel(l)) === 1;
  }
  const v = intLiteral(p);
  return v !== null && v > 0 && (v & (v - 1)) === 0;
}
