// What a `fetch_update` closure does to the count, in a small structured form. Helpers take the
// closure (or its parts) as parameters, so the shape is kept symbolic in parameter positions and
// completed with the caller's arguments: `|x| Some(op(x))` in the helper plus `|x| x - 1` at the
// call site is a decrement by one. Shapes are plain data (no syntax nodes), so the workspace
// index can hold them after the tree is gone.

import type { SyntaxNode } from './parser';
import type { ClosureEffect } from './site';
import { blockTail, compact, intLiteral, peel, statements } from './syntax';

export type Operand = { k: 'int'; v: number } | { k: 'param'; index: number } | { k: 'unknown'; text: string };

export type NewValue =
  | { k: 'add' | 'sub'; amount: Operand }
  | { k: 'set'; value: Operand }
  /** The closure applies a function received as a parameter of the helper: `op(x)`. */
  | { k: 'apply'; param: number }
  | { k: 'other' };

/** When the closure returns None: `x == <value>`, or something else described by its text. */
export type NoneWhen = { k: 'eq'; value: Operand } | { k: 'other'; text: string };

export interface ClosureShape {
  text: string;
  value: NewValue;
  /** The closure returns an Option (fetch_update's contract); false for plain `|x| x - 1` ops. */
  returnsOption: boolean;
  /** null: never None. */
  noneWhen: NoneWhen | null;
  /** The "closure" is a helper parameter passed through unchanged (`fetch_update(o, o, f)`). */
  passedParam?: number;
}

/** Names the helper's parameters so shapes can refer to them by position. */
export type ParamIndex = (name: string) => number | null;

const noParams: ParamIndex = () => null;

/**
 * Reads a closure expression (or a helper parameter naming one). Constants are resolved through
 * `constValue`. Anything not recognised becomes `other`, never a guess.
 */
export function closureShape(
  node: SyntaxNode,
  params: ParamIndex = noParams,
  constValue: (name: string) => number | null = () => null,
  namedFn: (name: string) => { param: string; body: SyntaxNode } | null = () => null,
): ClosureShape {
  const text = compact(node.text).length > 120 ? node.text.slice(0, 117) + '...' : node.text.replace(/\s+/g, ' ');
  const n = peel(node);
  if (n.type === 'identifier') {
    const i = params(n.text);
    if (i !== null) return { text, value: { k: 'other' }, returnsOption: true, noneWhen: null, passedParam: i };
    // A named function used as the closure (`fetch_update(Acquire, Relaxed, checked_increment)`).
    const f = namedFn(n.text);
    if (f) {
      const r = new Reader(f.param, params, constValue);
      const out = r.option(f.body);
      if (out) return { text, ...out, returnsOption: true };
    }
  }
  if (n.type !== 'closure_expression') return { text, value: { k: 'other' }, returnsOption: true, noneWhen: { k: 'other', text: 'unknown closure' } };
  const ps = n.childForFieldName('parameters');
  const first = ps?.namedChildren[0];
  const x = first ? (first.type === 'parameter' ? first.childForFieldName('pattern')?.text : first.text) : undefined;
  const body = n.childForFieldName('body');
  if (!x || !body) return { text, value: { k: 'other' }, returnsOption: true, noneWhen: { k: 'other', text: 'unknown closure' } };
  const r = new Reader(x, params, constValue);
  const out = r.option(body);
  if (out) return { text, ...out, returnsOption: true };
  return { text, value: r.value(body), returnsOption: false, noneWhen: null };
}

class Reader {
  constructor(private readonly x: string, private readonly params: ParamIndex, private readonly constValue: (name: string) => number | null) {}

  operand(n: SyntaxNode): Operand {
    const p = peel(n);
    const lit = intLiteral(p);
    if (lit !== null) return { k: 'int', v: lit };
    if (p.type === 'identifier') {
      const i = this.params(p.text);
      if (i !== null) return { k: 'param', index: i };
      const c = this.constValue(p.text);
      if (c !== null) return { k: 'int', v: c };
    }
    return { k: 'unknown', text: p.text };
  }

  isX(n: SyntaxNode): boolean { return peel(n).type === 'identifier' && peel(n).text === this.x; }

  /** The new count computed by a non-Option expression. */
  value(node: SyntaxNode): NewValue {
    const n = peel(node);
    if (n.type === 'binary_expression') {
      const op = n.childForFieldName('operator')?.type;
      const l = n.childForFieldName('left');
      const r = n.childForFieldName('right');
      if (l && r && (op === '+' || op === '-') && this.isX(l)) return { k: op === '+' ? 'add' : 'sub', amount: this.operand(r) };
      if (l && r && op === '+' && this.isX(r)) return { k: 'add', amount: this.operand(l) };
      return { k: 'other' };
    }
    if (n.type === 'call_expression') {
      const f = n.childForFieldName('function');
      const args = n.childForFieldName('arguments')?.namedChildren ?? [];
      if (f?.type === 'identifier' && args.length === 1 && this.isX(args[0]!)) {
        const i = this.params(f.text);
        if (i !== null) return { k: 'apply', param: i };
      }
      return { k: 'other' };
    }
    const o = this.operand(n);
    return o.k === 'unknown' ? { k: 'other' } : { k: 'set', value: o };
  }

  /** An Option-returning body: Some(v), None, if/else of both, early `return None`, checked_add/sub. */
  option(node: SyntaxNode): { value: NewValue; noneWhen: NoneWhen | null } | null {
    const n = peel(node);
    if (n.type === 'call_expression') {
      const f = n.childForFieldName('function');
      const args = n.childForFieldName('arguments')?.namedChildren ?? [];
      if (f?.type === 'identifier' && f.text === 'Some' && args.length === 1) return { value: this.value(args[0]!), noneWhen: null };
      if (f?.type === 'field_expression' && args.length === 1 && this.isX(f.childForFieldName('value')!)) {
        const m = f.childForFieldName('field')?.text;
        const amount = this.operand(args[0]!);
        // checked_sub(1) on an unsigned count declines exactly at zero.
        if (m === 'checked_sub') return { value: { k: 'sub', amount }, noneWhen: amount.k === 'int' && amount.v === 1 ? { k: 'eq', value: { k: 'int', v: 0 } } : { k: 'other', text: `${this.x} < ${args[0]!.text}` } };
        if (m === 'checked_add') return { value: { k: 'add', amount }, noneWhen: { k: 'other', text: 'overflow' } };
      }
      return null;
    }
    if (n.type === 'if_expression') {
      const cond = n.childForFieldName('condition');
      const then = n.childForFieldName('consequence');
      const alt = n.childForFieldName('alternative')?.namedChildren[0];
      if (!cond || !then || !alt) return null;
      const a = this.optionOrNone(then);
      const b = this.optionOrNone(alt);
      // `checked_add`'s overflow None never happens for a reference count; it does not hide the branch's guard.
      const plain = (o: { noneWhen: NoneWhen | null }): boolean => !o.noneWhen || (o.noneWhen.k === 'other' && o.noneWhen.text === 'overflow');
      if (a === 'none' && b && b !== 'none' && plain(b)) return { value: b.value, noneWhen: this.cond(cond, false) };
      if (b === 'none' && a && a !== 'none' && plain(a)) return { value: a.value, noneWhen: this.cond(cond, true) };
      return null;
    }
    if (n.type === 'block') {
      // `{ if cond { return None; } Some(v) }` (a checked_increment-style body)
      const st = statements(n);
      const tail = blockTail(n);
      if (st.length === 2 && tail && sameRange(st[1], tail)) {
        const guard = peel(st[0].type === 'expression_statement' ? st[0].namedChildren[0]! : st[0]);
        const rest = this.option(tail);
        if (guard.type === 'if_expression' && !guard.childForFieldName('alternative') && rest && !rest.noneWhen) {
          const body = guard.childForFieldName('consequence');
          const bt = body ? statements(body) : [];
          if (bt.length === 1 && /^return\s+None\s*;?$/.test(bt[0].text.trim())) return { value: rest.value, noneWhen: this.cond(guard.childForFieldName('condition')!, false) };
        }
      }
    }
    return null;
  }

  private optionOrNone(n: SyntaxNode): { value: NewValue; noneWhen: NoneWhen | null } | 'none' | null {
    const p = peel(n);
    if (p.type === 'identifier' && p.text === 'None') return 'none';
    return this.option(p);
  }

  /**
   * The None condition, given the branch condition and whether None is taken when the condition is
   * false (`negate`): `if x == 0 { None } else ..` -> eq 0; `if x != 0 { Some } else { None }` -> eq 0.
   */
  private cond(c: SyntaxNode, negate: boolean): NoneWhen {
    const n = peel(c);
    if (n.type === 'binary_expression') {
      const op = n.childForFieldName('operator')?.type;
      const l = n.childForFieldName('left');
      const r = n.childForFieldName('right');
      if (l && r && (op === '==' || op === '!=') && (op === '==') !== negate) {
        if (this.isX(l)) return { k: 'eq', value: this.operand(r) };
        if (this.isX(r)) return { k: 'eq', value: this.operand(l) };
      }
    }
    return { k: 'other', text: negate ? `!(${c.text})` : c.text };
  }
}

function sameRange(a: SyntaxNode, b: SyntaxNode): boolean {
  return a.startIndex === b.startIndex && a.endIndex === b.endIndex;
}

/** What the caller passes for each helper parameter: a closure's shape, a constant, or nothing known. */
export type ArgShape = ClosureShape | number | null;

/** Completes a shape with the caller's arguments and turns it into the public ClosureEffect. */
export function closureEffect(shape: ClosureShape, args: ArgShape[] = []): ClosureEffect {
  let s = shape;
  if (s.passedParam !== undefined) {
    const a = args[s.passedParam];
    if (a && typeof a === 'object') s = a;
    else return { text: s.text, kind: 'other', alwaysSome: false };
  }
  const num = (o: Operand): number | undefined => {
    if (o.k === 'int') return o.v;
    if (o.k === 'param') { const a = args[o.index]; return typeof a === 'number' ? a : undefined; }
    return undefined;
  };
  let value = s.value;
  let noneWhen = s.noneWhen;
  let text = s.text;
  if (value.k === 'apply') {
    const a = args[value.param];
    if (a && typeof a === 'object') {
      value = a.value.k === 'apply' ? { k: 'other' } : a.value;
      text = a.text;
      if (a.returnsOption) noneWhen = noneWhen ?? a.noneWhen ?? null;
    } else value = { k: 'other' };
  }
  const eff: ClosureEffect = { text, kind: 'other', alwaysSome: !s.returnsOption || noneWhen === null };
  if (value.k === 'add' || value.k === 'sub') {
    eff.kind = value.k;
    const v = num(value.amount);
    if (v !== undefined) eff.amount = v;
  } else if (value.k === 'set') {
    eff.kind = 'set';
    const v = num(value.value);
    if (v !== undefined) eff.amount = v;
  }
  if (noneWhen) {
    if (noneWhen.k === 'eq' && num(noneWhen.value) === 0) eff.unlessZero = true;
    else eff.guard = noneWhen.k === 'eq' ? `x == ${num(noneWhen.value) ?? (noneWhen.value.k === 'unknown' ? noneWhen.value.text : '?')}` : noneWhen.text;
  }
  return eff;
}
