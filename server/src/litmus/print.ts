// Prints a Program as herd C litmus text ("Open scenario as litmus test"). What herd's C cannot say
// exactly (fetch_update with a guard, `assume`, loop bounds, fetch_max/min) is printed as the
// closest C plus a note in the file, so the text never claims to be the scenario when it is not.

import { locationAt, type Cond, type Expr, type Instr, type Mode, type Program } from '../memory/ir';
import { SYNTHETIC_EXPECTED, SYNTHETIC_OK } from './parse';
import { printKernelLitmus } from './print-kernel';

const ORDER: Record<Mode, string> = {
  na: 'memory_order_relaxed',
  rlx: 'memory_order_relaxed',
  acq: 'memory_order_acquire',
  rel: 'memory_order_release',
  acq_rel: 'memory_order_acq_rel',
  sc: 'memory_order_seq_cst',
};

const FETCH_NAME: Record<string, string> = { add: 'fetch_add', sub: 'fetch_sub', and: 'fetch_and', or: 'fetch_or', xor: 'fetch_xor', xchg: 'exchange' };
const UPDATE_AS_FETCH: Record<string, string> = { '+': 'add', '-': 'sub', '&': 'and', '|': 'or', '^': 'xor' };

const C_WORDS = new Set([
  'int', 'atomic_int', 'if', 'else', 'while', 'for', 'do', 'return', 'void', 'volatile', 'exists', 'forall',
  'true', 'false', 'locations', 'filter', 'goto', 'break', 'continue', 'switch', '_Atomic', 'C',
]);
const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;

export interface PrintOptions {
  /** Printed as herd's quoted doc string under the header. */
  doc?: string;
  /** 'kernel' prints the Linux kernel dialect (for programs explored under LKMM); default 'c11'. */
  dialect?: 'c11' | 'kernel';
}

export function printLitmus(p: Program, opts: PrintOptions = {}): string {
  if (opts.dialect === 'kernel') return printKernelLitmus(p, { doc: opts.doc });
  const notes: string[] = [];
  const locNames = new Set(p.locations.map(l => l.name));
  const threadPrinters = p.threads.map(() => new ThreadPrinter(locNames, notes));
  // Condition registers must be declared in their thread even if no instruction writes them.
  const condRegs = (c: Cond, acc: [number, string][]): [number, string][] => {
    if (c.k === 'eqReg') acc.push([c.thread, c.reg]);
    else if (c.k === 'and' || c.k === 'or') { condRegs(c.a, acc); condRegs(c.b, acc); }
    else if (c.k === 'not') condRegs(c.a, acc);
    return acc;
  };
  const extra = p.condition ? condRegs(p.condition.cond, []) : [];
  const bodies = p.threads.map((t, i) => threadPrinters[i].print(t.body, extra.filter(([th]) => th === i).map(([, r]) => r)));

  const out: string[] = [];
  const name = p.name.replace(/[\r\n]+/g, ' ').trim() || 'unnamed';
  out.push(`C ${name}`);
  if (opts.doc !== undefined) out.push(`"${opts.doc.replace(/["\\]/g, '\\$&').replace(/[\r\n]+/g, ' ')}"`);
  for (const n of [...new Set(notes)]) out.push(`(* note: ${n.replace(/\*\)/g, '* )')} *)`);
  out.push('');

  const used = new Set(threadPrinters.flatMap(tp => [...tp.locs]));
  const init = p.locations.map(l => used.has(l.name)
    ? `[${l.name}] = ${l.init};`
    // A location no thread uses has no parameter to carry its type, so the init block does.
    : `${l.atomic ? 'atomic_int' : 'int'} ${l.name} = ${l.init};`);
  out.push(init.length ? `{ ${init.join(' ')} }` : '{ }');
  out.push('');

  p.threads.forEach((t, i) => {
    const tp = threadPrinters[i];
    const params = p.locations.filter(l => tp.locs.has(l.name)).map(l => `${l.atomic ? 'atomic_int' : 'int'}* ${l.name}`);
    if (t.name !== `P${i}`) out.push(`// P${i}: ${t.name.replace(/[\r\n]+/g, ' ')}`);
    out.push(`P${i} (${params.join(', ')}) {`);
    out.push(...bodies[i]);
    out.push('}');
    out.push('');
  });

  if (p.condition) {
    const q = p.condition.quantifier === 'not exists' ? '~exists' : p.condition.quantifier;
    out.push(`${q} (${printCond(p.condition.cond, threadPrinters, true)})`);
  }
  return out.join('\n') + '\n';
}

function printCond(c: Cond, tps: ThreadPrinter[], top = false): string {
  const wrap = (s: string) => (top ? s : `(${s})`);
  switch (c.k) {
    case 'true': return 'true';
    case 'eqReg': return `${c.thread}:${tps[c.thread]?.reg(c.reg) ?? c.reg}=${c.v}`;
    case 'eqLoc': return `${c.loc}=${c.v}`;
    case 'and': return wrap(`${printCond(c.a, tps)} /\\ ${printCond(c.b, tps)}`);
    case 'or': return wrap(`${printCond(c.a, tps)} \\/ ${printCond(c.b, tps)}`);
    case 'not': return `~${printCond(c.a, tps)}`;
  }
}

class ThreadPrinter {
  /** Locations this thread touches: they become its parameters. */
  readonly locs = new Set<string>();
  private names = new Map<string, string>();
  private taken = new Set<string>();
  /** Registers declared inline (`int r = ...`) at their first, top-level assignment. */
  private inlineDecl = new Set<string>();
  private fresh = 0;

  constructor(locNames: Set<string>, private notes: string[]) {
    for (const l of locNames) this.taken.add(l);
  }

  /** A C name for an IR register (Rust scenarios may use names C does not allow). */
  reg(name: string): string {
    let n = this.names.get(name);
    if (n) return n;
    n = IDENT.test(name) && !C_WORDS.has(name) && !/^P\d+$/.test(name) && !this.taken.has(name) ? name : this.unique(`r_${name.replace(/[^A-Za-z0-9_]/g, '_')}`);
    this.names.set(name, n);
    this.taken.add(n);
    return n;
  }

  private unique(base: string): string {
    let n = base;
    for (let k = 1; this.taken.has(n) || C_WORDS.has(n); k++) n = `${base}_${k}`;
    this.taken.add(n);
    return n;
  }

  private temp(base: string): string {
    return this.unique(`${base}${this.fresh++}`);
  }

  print(body: Instr[], condRegs: string[]): string[] {
    // Decide declarations first: a register first seen as the target of a top-level assignment
    // is declared there; every other register is declared at the top of the thread.
    const seen = new Set<string>();
    const top = new Set<string>();
    const visit = (list: Instr[], nested: boolean) => {
      for (let i = 0; i < list.length; i++) {
        const ins = list[i];
        const pattern = herdCas(list, i);
        const reads = pattern ? [] : instrReads(ins);
        const writes = pattern ? (pattern.cas.okReg && !pattern.cas.okReg.startsWith(SYNTHETIC_OK) ? [pattern.cas.okReg] : []) : instrWrites(ins);
        for (const r of reads) if (!seen.has(r)) { seen.add(r); top.add(r); }
        for (const r of writes) {
          if (seen.has(r)) continue;
          seen.add(r);
          if (nested) top.add(r); else this.inlineDecl.add(r);
        }
        if (pattern) { i += 2; continue; }
        if (ins.k === 'if') { visit(ins.then, true); visit(ins.else, true); }
        if (ins.k === 'while') visit(ins.body, true);
      }
    };
    visit(body, false);
    for (const r of condRegs) if (!seen.has(r)) top.add(r);
    const lines: string[] = [];
    if (top.size) lines.push(`  int ${[...top].map(r => this.reg(r)).join(', ')};`);
    lines.push(...this.list(body, 1));
    return lines;
  }

  private decl(r: string): string {
    if (this.inlineDecl.has(r)) {
      this.inlineDecl.delete(r);
      return 'int ';
    }
    return '';
  }

  private loc(name: string): string {
    this.locs.add(name);
    return name;
  }

  private order(m: Mode, what: string): string {
    if (m === 'na') this.notes.push(`a non-atomic mode on an atomic ${what} has no C spelling; printed as memory_order_relaxed`);
    return ORDER[m];
  }

  private list(list: Instr[], depth: number): string[] {
    const out: string[] = [];
    for (let i = 0; i < list.length; i++) {
      const pattern = herdCas(list, i);
      if (pattern) {
        out.push(...this.casLine(depth, pattern.cas, this.loc(pattern.loc)));
        i += 2;
        continue;
      }
      out.push(...this.instr(list[i], depth));
    }
    return out;
  }

  private casLine(depth: number, c: Extract<Instr, { k: 'cas' }>, expectedArg: string): string[] {
    const pad = '  '.repeat(depth);
    const fn = `atomic_compare_exchange_${c.weak ? 'weak' : 'strong'}_explicit`;
    const call = `${fn}(${this.loc(c.loc)}, ${expectedArg}, ${this.expr(c.desired)}, ${this.order(c.succ, 'compare-exchange')}, ${this.order(c.fail, 'compare-exchange')});`;
    if (c.okReg && !c.okReg.startsWith(SYNTHETIC_OK)) return [`${pad}${this.decl(c.okReg)}${this.reg(c.okReg)} = ${call}`];
    return [`${pad}${call}`];
  }

  private instr(ins: Instr, depth: number): string[] {
    const pad = '  '.repeat(depth);
    const assign = (reg: string | undefined, rhs: string): string[] => {
      if (reg === undefined) return [`${pad}${rhs};`];
      return [`${pad}${this.decl(reg)}${this.reg(reg)} = ${rhs};`];
    };
    switch (ins.k) {
      case 'load':
        if (ins.mo === 'na') {
          // C has no bare plain read statement that herd keeps; read into a scratch register.
          if (ins.reg === undefined) return [`${pad}int ${this.temp('unused')} = *${this.loc(ins.loc)};`];
          return assign(ins.reg, `*${this.loc(ins.loc)}`);
        }
        return assign(ins.reg, `atomic_load_explicit(${this.loc(ins.loc)}, ${this.order(ins.mo, 'load')})`);
      case 'store':
        if (ins.mo === 'na') return [`${pad}*${this.loc(ins.loc)} = ${this.expr(ins.val)};`];
        return [`${pad}atomic_store_explicit(${this.loc(ins.loc)}, ${this.expr(ins.val)}, ${this.order(ins.mo, 'store')});`];
      case 'rmw': {
        const fn = FETCH_NAME[ins.op];
        if (!fn) {
          this.notes.push(`fetch_${ins.op} has no C11 atomic; it appears as a comment and is NOT explored by this file`);
          return [`${pad}// fetch_${ins.op}(${ins.loc}, ${this.expr(ins.val)}, ${ins.mo})${ins.reg ? ` -> ${this.reg(ins.reg)}` : ''}: no C11 equivalent`];
        }
        return assign(ins.reg, `atomic_${fn}_explicit(${this.loc(ins.loc)}, ${this.expr(ins.val)}, ${this.order(ins.mo, 'read-modify-write')})`);
      }
      case 'cas': {
        const out: string[] = [];
        let exp: string;
        if (ins.reg !== undefined && ins.expected.k === 'reg' && ins.expected.r === ins.reg) {
          exp = this.reg(ins.reg);
        } else {
          // C takes the expected value by address and overwrites it with the observed value on
          // failure, which is exactly what `reg` receives: so `reg` itself can be the object.
          const holder = ins.reg ?? this.temp('expected');
          if (ins.reg === undefined) out.push(`${pad}int ${holder} = ${this.expr(ins.expected)};`);
          else out.push(...assign(ins.reg, this.expr(ins.expected)));
          exp = ins.reg !== undefined ? this.reg(ins.reg) : holder;
        }
        out.push(...this.casLine(depth, ins, `&${exp}`));
        return out;
      }
      case 'update':
        return this.update(ins, depth);
      case 'fence':
        return [`${pad}atomic_thread_fence(${this.order(ins.mo, 'fence')});`];
      case 'let':
        return assign(ins.reg, this.expr(ins.val, true));
      case 'if': {
        const out = [`${pad}if (${this.expr(ins.cond, true)}) {`, ...this.list(ins.then, depth + 1)];
        if (ins.else.length) out.push(`${pad}} else {`, ...this.list(ins.else, depth + 1));
        out.push(`${pad}}`);
        return out;
      }
      case 'while':
        return this.unroll(ins, depth, ins.bound);
      case 'assume':
        this.notes.push('assume(...) has no herd C equivalent: this file explores executions the scenario discards');
        return [`${pad}// assume (${this.expr(ins.cond, true)}): executions where this is false are discarded by the scenario, not by this file`];
    }
  }

  /** A bounded loop is its body under `bound` nested ifs; the bound's "discard" cannot be said in C. */
  private unroll(w: Extract<Instr, { k: 'while' }>, depth: number, left: number): string[] {
    const pad = '  '.repeat(depth);
    if (left === 0) {
      this.notes.push(`a loop bounded to ${w.bound} iterations is unrolled; the scenario discards executions that would iterate more, this file does not`);
      return [`${pad}// loop bound ${w.bound} reached: the scenario discards executions where (${this.expr(w.cond, true)}) still holds`];
    }
    return [
      `${pad}if (${this.expr(w.cond, true)}) {`,
      ...this.list(w.body, depth + 1),
      ...this.unroll(w, depth + 1, left - 1),
      `${pad}}`,
    ];
  }

  private update(u: Extract<Instr, { k: 'update' }>, depth: number): string[] {
    const pad = '  '.repeat(depth);
    const old = u.oldReg;
    const mentions = (e: Expr): boolean => e.k === 'reg' ? e.r === old : e.k === 'bin' ? mentions(e.a) || mentions(e.b) : e.k === 'not' ? mentions(e.a) : false;
    const okLine = () => (u.okReg ? [`${pad}${this.decl(u.okReg)}${this.reg(u.okReg)} = 1;`] : []);
    // Without a guard, `old op k` and a constant are exactly a fetch_op and an exchange.
    if (!u.guard && u.next.k === 'bin' && UPDATE_AS_FETCH[u.next.op] && u.next.a.k === 'reg' && u.next.a.r === old && !mentions(u.next.b)) {
      const fn = FETCH_NAME[UPDATE_AS_FETCH[u.next.op]];
      return [`${pad}${this.decl(old)}${this.reg(old)} = atomic_${fn}_explicit(${this.loc(u.loc)}, ${this.expr(u.next.b)}, ${this.order(u.succ, 'update')});`, ...okLine()];
    }
    if (!u.guard && !mentions(u.next)) {
      return [`${pad}${this.decl(old)}${this.reg(old)} = atomic_exchange_explicit(${this.loc(u.loc)}, ${this.expr(u.next)}, ${this.order(u.succ, 'update')});`, ...okLine()];
    }
    this.notes.push('a fetch_update is printed as a load followed by one compare-exchange: unlike fetch_update, that CAS can fail when another write intervenes');
    const ok = u.okReg ? this.reg(u.okReg) : this.temp('ok');
    const okDecl = u.okReg ? this.decl(u.okReg) : 'int ';
    return [
      `${pad}// fetch_update(${u.loc}): read, then write (${this.expr(u.next, true)})${u.guard ? ` if (${this.expr(u.guard, true)})` : ''}; approximated by load + CAS`,
      `${pad}${this.decl(old)}${this.reg(old)} = atomic_load_explicit(${this.loc(u.loc)}, ${this.order(u.fail, 'load')});`,
      `${pad}${okDecl}${ok} = 0;`,
      `${pad}if (${u.guard ? this.expr(u.guard, true) : '1'}) {`,
      `${pad}  ${ok} = atomic_compare_exchange_strong_explicit(${this.loc(u.loc)}, &${this.reg(old)}, ${this.expr(u.next)}, ${this.order(u.succ, 'update')}, ${this.order(u.fail, 'update')});`,
      `${pad}}`,
    ];
  }

  expr(e: Expr, top = false): string {
    switch (e.k) {
      case 'const': return String(e.v);
      case 'reg': return this.reg(e.r);
      case 'not': return `!${this.expr(e.a)}`;
      case 'bin': {
        const s = `${this.expr(e.a)} ${e.op} ${this.expr(e.b)}`;
        return top ? s : `(${s})`;
      }
    }
  }
}

/**
 * Recognises the three instructions the reader makes of herd's `cas(x, loc, d, ..)` (expected
 * value held in a location), so they print back as that one statement.
 */
function herdCas(list: Instr[], i: number): { cas: Extract<Instr, { k: 'cas' }>; loc: string } | null {
  const [a, b, c] = [list[i], list[i + 1], list[i + 2]];
  if (!a || !b || !c || a.k !== 'load' || a.mo !== 'na' || !a.reg?.startsWith(SYNTHETIC_EXPECTED)) return null;
  const tmp = a.reg;
  if (b.k !== 'cas' || b.reg !== tmp || b.expected.k !== 'reg' || b.expected.r !== tmp || !b.okReg) return null;
  if (c.k !== 'if' || c.else.length !== 0 || c.then.length !== 1) return null;
  const st = c.then[0];
  if (c.cond.k !== 'not' || c.cond.a.k !== 'reg' || c.cond.a.r !== b.okReg) return null;
  if (st.k !== 'store' || st.loc !== a.loc || st.mo !== 'na' || st.val.k !== 'reg' || st.val.r !== tmp) return null;
  return { cas: b, loc: a.loc };
}

function exprRegs(e: Expr, acc: string[] = []): string[] {
  if (e.k === 'reg') acc.push(e.r);
  else if (e.k === 'bin') { exprRegs(e.a, acc); exprRegs(e.b, acc); }
  else if (e.k === 'not') exprRegs(e.a, acc);
  return acc;
}

function instrReads(i: Instr): string[] {
  switch (i.k) {
    case 'store': case 'rmw': case 'let': return exprRegs(i.val);
    // `&r` needs r declared before the call, so a register that is its own expected value is a read.
    case 'cas': return [...exprRegs(i.expected), ...exprRegs(i.desired)];
    case 'update': return [...(i.guard ? exprRegs(i.guard) : []), ...exprRegs(i.next)].filter(r => r !== i.oldReg);
    case 'if': case 'while': case 'assume': return exprRegs(i.cond);
    default: return [];
  }
}

function instrWrites(i: Instr): string[] {
  switch (i.k) {
    case 'load': case 'rmw': return i.reg ? [i.reg] : [];
    case 'let': return [i.reg];
    case 'cas': return [...(i.reg ? [i.reg] : []), ...(i.okReg ? [i.okReg] : [])];
    case 'update': return [i.oldReg, ...(i.okReg ? [i.okReg] : [])];
    default: return [];
  }
}

/** The condition as herd writes it (`~exists (0:r0=1 /\ x=2)`), for summaries. */
export interface ConditionTextOptions {
  /** Show values that are locations' addresses as the locations' names (kernel tests, where registers hold pointers). */
  addresses?: boolean;
}

/** A value as a condition writes it: a location's name when it is that location's address. */
export function valueText(p: Pick<Program, 'locations'>, v: number, opts: ConditionTextOptions = {}): string {
  if (!opts.addresses) return String(v);
  const i = locationAt(p.locations.length, v);
  return i >= 0 ? p.locations[i].name : String(v);
}

/** A proposition in herd's notation. */
export function propositionText(p: Pick<Program, 'locations'>, cond: Cond, opts: ConditionTextOptions = {}): string {
  const go = (c: Cond, top = false): string => {
    const wrap = (s: string) => (top ? s : `(${s})`);
    switch (c.k) {
      case 'true': return 'true';
      case 'eqReg': return `${c.thread}:${c.reg}=${valueText(p, c.v, opts)}`;
      case 'eqLoc': return `${c.loc}=${valueText(p, c.v, opts)}`;
      case 'and': return wrap(`${go(c.a)} /\\ ${go(c.b)}`);
      case 'or': return wrap(`${go(c.a)} \\/ ${go(c.b)}`);
      case 'not': return `~${go(c.a)}`;
    }
  };
  return go(cond, true);
}

export function conditionText(p: Program, opts: ConditionTextOptions = {}): string | null {
  if (!p.condition) return null;
  const q = p.condition.quantifier === 'not exists' ? '~exists' : p.condition.quantifier;
  return `${q} (${propositionText(p, p.condition.cond, opts)})`;
}
