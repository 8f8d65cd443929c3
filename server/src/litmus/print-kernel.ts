// Prints a Program in the kernel litmus dialect, for programs meant for LKMM (kernel barriers,
// spinlocks, pointers, the kernel's atomics). Like the C11 printer, what the dialect cannot say
// exactly is printed as the closest code plus a note in the file, never silently.

import { locationAt, type Cond, type Expr, type Instr, type Mode, type Program } from '../memory/ir';

const SUFFIX: Partial<Record<Mode, string>> = { sc: '', rlx: '_relaxed', acq: '_acquire', rel: '_release' };
const FENCE_CALL: Record<string, string> = {
  mb: 'smp_mb', rmb: 'smp_rmb', wmb: 'smp_wmb',
  before_atomic: 'smp_mb__before_atomic', after_atomic: 'smp_mb__after_atomic',
  after_spinlock: 'smp_mb__after_spinlock', after_unlock_lock: 'smp_mb__after_unlock_lock',
  rcu_read_lock: 'rcu_read_lock', rcu_read_unlock: 'rcu_read_unlock', synchronize_rcu: 'synchronize_rcu',
};
const C_WORDS = new Set([
  'int', 'long', 'unsigned', 'short', 'char', 'bool', 'const', 'volatile', 'void', 'if', 'else', 'while', 'for', 'do',
  'return', 'exists', 'forall', 'filter', 'locations', 'true', 'false', 'goto', 'break', 'continue', 'switch', 'struct', 'C',
]);
const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;

export interface KernelPrintOptions {
  /** Printed as a comment under the header. */
  doc?: string;
}

export function printKernelLitmus(p: Program, opts: KernelPrintOptions = {}): string {
  const notes: string[] = [];
  const counters = atomicCounters(p);
  const printers = p.threads.map(() => new KernelThreadPrinter(p, notes, counters));
  const bodies = p.threads.map((t, i) => printers[i].print(t.body));
  // Trailing `assume`s over a thread's registers are what a herd filter says (the reader makes them of one).
  const filters = printers.flatMap((tp, i) => tp.trailing.map(e => tp.filterCond(e, i)));

  const out: string[] = [`C ${p.name.replace(/[\r\n]+/g, ' ').trim() || 'unnamed'}`, ''];
  const comment = [...(opts.doc !== undefined ? [opts.doc.replace(/[\r\n]+/g, ' ')] : []), ...[...new Set(notes)].map(n => `note: ${n}`)];
  if (comment.length) out.push('(*', ...comment.map(l => ` * ${l.replace(/\*\)/g, '* )')}`), ' *)', '');

  const locks = new Set(printers.flatMap(tp => [...tp.locks]));
  const init = p.locations.map(l => {
    const pointee = locationAt(p.locations.length, l.init);
    const type = locks.has(l.name) ? 'spinlock_t' : counters.has(l.name) ? 'atomic_t' : 'int';
    if (pointee >= 0) return `  int *${l.name} = &${p.locations[pointee].name};`;
    return `  ${type} ${l.name}${l.init !== 0 ? ` = ${type === 'atomic_t' ? `ATOMIC_INIT(${l.init})` : l.init}` : ''};`;
  });
  out.push('{', ...init, '}', '');

  p.threads.forEach((t, i) => {
    const tp = printers[i];
    const params = p.locations.filter(l => tp.locs.has(l.name))
      .map(l => `${locks.has(l.name) ? 'spinlock_t' : counters.has(l.name) ? 'atomic_t' : 'int'} *${l.name}`);
    if (t.name !== `P${i}`) out.push(`// P${i}: ${t.name.replace(/[\r\n]+/g, ' ')}`);
    out.push(`P${i}(${params.join(', ')})`, '{', ...bodies[i], '}', '');
  });

  const filter = filters.filter((f): f is string => f !== null);
  if (filter.length) out.push(`filter (${filter.join(' /\\ ')})`);
  if (p.condition) {
    const q = p.condition.quantifier === 'not exists' ? '~exists' : p.condition.quantifier;
    out.push(`${q} (${printCond(p, p.condition.cond, printers, true)})`);
  }
  return out.join('\n') + '\n';
}

function printCond(p: Program, c: Cond, tps: KernelThreadPrinter[], top = false, parent?: Cond['k']): string {
  // /\ and \/ group to the left, so a left operand with its parent's connective needs no parentheses.
  const wrap = (s: string) => (top || parent === c.k ? s : `(${s})`);
  const value = (v: number) => { const i = locationAt(p.locations.length, v); return i >= 0 ? p.locations[i].name : String(v); };
  switch (c.k) {
    case 'true': return 'true';
    case 'eqReg': return `${c.thread}:${tps[c.thread]?.reg(c.reg) ?? c.reg}=${value(c.v)}`;
    case 'eqLoc': return `${c.loc}=${value(c.v)}`;
    case 'and': return wrap(`${printCond(p, c.a, tps, false, 'and')} /\\ ${printCond(p, c.b, tps)}`);
    case 'or': return wrap(`${printCond(p, c.a, tps, false, 'or')} \\/ ${printCond(p, c.b, tps)}`);
    case 'not': return `~${printCond(p, c.a, tps)}`;
  }
}

class KernelThreadPrinter {
  /** Locations this thread names: its parameters. */
  readonly locs = new Set<string>();
  /** Locations used as spinlocks. */
  readonly locks = new Set<string>();
  /** Conditions of the `assume`s that end the thread (printed as a filter). */
  trailing: Expr[] = [];
  private names = new Map<string, string>();
  private taken = new Set<string>();
  /** Lines that must precede the statement being printed (a computed address held in a register). */
  private pending: string[] = [];
  private depth = 1;

  constructor(private p: Program, private notes: string[], private counters: Set<string>) {
    for (const l of p.locations) this.taken.add(l.name);
  }

  reg(name: string): string {
    let n = this.names.get(name);
    if (n) {
      if (name.startsWith('$')) this.hiddenUsed.add(n);
      return n;
    }
    const base = name.replace(/^\$/, '').replace(/[^A-Za-z0-9_]/g, '_');
    n = IDENT.test(name) && !C_WORDS.has(name) && !/^P\d+$/.test(name) && !this.taken.has(name) ? name : this.unique(/^[A-Za-z_]/.test(base) ? base : `r_${base}`);
    this.names.set(name, n);
    this.taken.add(n);
    if (name.startsWith('$')) this.hiddenUsed.add(n);
    return n;
  }

  /** Names given to the reader's hidden registers that the printed code does use (folded calls do not). */
  private hiddenUsed = new Set<string>();

  private unique(base: string): string {
    let n = base;
    for (let k = 1; this.taken.has(n) || C_WORDS.has(n) || /^P\d+$/.test(n); k++) n = `${base}_${k}`;
    this.taken.add(n);
    return n;
  }

  print(body: Instr[]): string[] {
    let end = body.length;
    while (end > 0 && body[end - 1].k === 'assume') end--;
    this.trailing = body.slice(end).map(i => (i as Extract<Instr, { k: 'assume' }>).cond);
    const lines = this.list(body.slice(0, end), 1);
    const regs = new Set<string>();
    const collect = (list: Instr[]): void => {
      for (const i of list) {
        for (const r of regsOf(i)) regs.add(r);
        if (i.k === 'if') { collect(i.then); collect(i.else); }
        if (i.k === 'while') collect(i.body);
        if (i.k === 'assume') exprRegs(i.cond, regs);
      }
    };
    collect(body);
    for (const e of this.trailing) exprRegs(e, regs);
    const decl = [...[...regs].filter(r => !r.startsWith('$')).map(r => this.reg(r)), ...this.hiddenUsed];
    return [...(decl.length ? [`  int ${decl.join(', ')};`, ''] : []), ...lines];
  }

  /** A trailing assume as a filter conjunct over this thread's registers, or null (with a note) when it is not one. */
  filterCond(e: Expr, thread: number): string | null {
    const go = (x: Expr, top = false): string | null => {
      if (x.k === 'bin' && x.op === '==' && x.a.k === 'reg' && x.b.k === 'const') return `${thread}:${this.reg(x.a.r)}=${x.b.v}`;
      if (x.k === 'bin' && (x.op === '&&' || x.op === '||')) {
        const a = go(x.a); const b = go(x.b);
        if (!a || !b) return null;
        const s = `${a} ${x.op === '&&' ? '/\\' : '\\/'} ${b}`;
        return top && x.op === '&&' ? s : `(${s})`;
      }
      if (x.k === 'not') { const a = go(x.a); return a && `~${a}`; }
      if (x.k === 'const' && x.v !== 0) return 'true';
      return null;
    };
    const s = go(e, true);
    if (s === null) this.notes.push(`an assume (${this.expr(e, true)}) is not a filter herd can state; this file does not discard those executions`);
    return s;
  }

  private loc(name: string): string {
    this.locs.add(name);
    return name;
  }

  /** The pointer argument of an access: the location, or the register holding its address. */
  private ptr(i: { loc: string; addr?: Expr }): string {
    if (!i.addr) return this.loc(i.loc);
    if (i.addr.k === 'reg') return this.reg(i.addr.r);
    const at = i.addr.k === 'const' ? locationAt(this.p.locations.length, i.addr.v) : -1;
    if (at >= 0) return this.loc(this.p.locations[at].name);
    // The dialect dereferences only names: hold the computed address in a register first.
    const held = this.unique('ptr');
    this.pending.push(`${'  '.repeat(this.depth)}int *${held} = ${this.expr(i.addr, true)};`);
    return held;
  }

  private suffix(m: Mode, what: string): string {
    const s = SUFFIX[m];
    if (s !== undefined) return s;
    this.notes.push(`mode ${m} on ${what} has no kernel spelling; printed fully ordered`);
    return '';
  }

  private list(list: Instr[], depth: number): string[] {
    const out: string[] = [];
    for (let k = 0; k < list.length; k++) {
      this.depth = depth;
      const folded = this.fold(list[k], list[k + 1], depth);
      const lines = folded ?? this.instr(list[k], depth);
      if (folded) k++;
      out.push(...this.pending.splice(0), ...lines);
    }
    return out;
  }

  /**
   * The kernel calls the reader spells as an access into a hidden register plus a `let` (or a
   * guarded update whose old value is hidden) print back as those calls.
   */
  private fold(a: Instr, b: Instr | undefined, depth: number): string[] | null {
    const pad = '  '.repeat(depth);
    const hidden = (r: string | undefined): r is string => r !== undefined && r.startsWith('$');
    if (a.k === 'update' && hidden(a.oldReg) && !(b && regsOf(b).has(a.oldReg))) {
      const g = a.guard;
      if (a.succ === 'sc' && g && g.k === 'bin' && g.op === '!=' && g.a.k === 'reg' && g.a.r === a.oldReg && !exprMentions(g.b, a.oldReg)
        && a.next.k === 'bin' && a.next.op === '+' && a.next.a.k === 'reg' && a.next.a.r === a.oldReg && !exprMentions(a.next.b, a.oldReg)) {
        const call = `atomic_add_unless(${this.loc(a.loc)}, ${this.expr(a.next.b)}, ${this.expr(g.b)})`;
        const lines = a.okReg === undefined || hidden(a.okReg) ? [`${pad}(void)${call};`] : [`${pad}${this.reg(a.okReg)} = ${call};`];
        // The fold consumed only `a`; print `b` as usual.
        return b ? [...lines, ...this.instr(b, depth)] : lines;
      }
      return null;
    }
    if (!b || b.k !== 'let') return null;
    const v = b.val;
    if (a.k === 'load' && hidden(a.reg) && !a.addr && a.mo === 'rlx' && v.k === 'bin' && v.op === '!=' && v.a.k === 'reg' && v.a.r === a.reg && v.b.k === 'const' && v.b.v === 0) {
      this.locks.add(a.loc);
      return [`${pad}${this.reg(b.reg)} = spin_is_locked(${this.loc(a.loc)});`];
    }
    if (a.k === 'rmw' && hidden(a.reg) && !a.addr && (a.op === 'add' || a.op === 'sub') && SUFFIX[a.mo] !== undefined
      && v.k === 'bin' && v.op === (a.op === 'add' ? '+' : '-') && v.a.k === 'reg' && v.a.r === a.reg && JSON.stringify(v.b) === JSON.stringify(a.val)) {
      return [`${pad}${this.reg(b.reg)} = atomic_${a.op}_return${SUFFIX[a.mo]}(${this.expr(a.val)}, ${this.loc(a.loc)});`];
    }
    return null;
  }

  private instr(ins: Instr, depth: number): string[] {
    const pad = '  '.repeat(depth);
    const assign = (reg: string | undefined, rhs: string) => [`${pad}${reg === undefined ? '' : `${this.reg(reg)} = `}${rhs};`];
    switch (ins.k) {
      case 'load': {
        if (!ins.addr && this.counters.has(ins.loc) && (ins.mo === 'rlx' || ins.mo === 'acq')) {
          return assign(ins.reg, `atomic_read${ins.mo === 'acq' ? '_acquire' : ''}(${this.loc(ins.loc)})`);
        }
        const rhs = ins.mo === 'na' ? `*${this.ptr(ins)}`
          : ins.mo === 'acq' ? `smp_load_acquire(${this.ptr(ins)})`
          : `READ_ONCE(*${this.ptr(ins)})`;
        if (ins.mo !== 'na' && ins.mo !== 'acq' && ins.mo !== 'rlx') this.notes.push(`a ${ins.mo} load has no kernel spelling; printed as READ_ONCE`);
        if (ins.reg === undefined && ins.mo === 'na') return [`${pad}${this.unique('unused')} = ${rhs};`];
        return assign(ins.reg, rhs);
      }
      case 'store': {
        const v = this.expr(ins.val);
        if (ins.lock === 'unlock') { this.locks.add(ins.loc); return [`${pad}spin_unlock(${this.ptr(ins)});`]; }
        if (ins.mo === 'na') return [`${pad}*${this.ptr(ins)} = ${v};`];
        if (!ins.addr && this.counters.has(ins.loc) && (ins.mo === 'rlx' || ins.mo === 'rel')) {
          return [`${pad}atomic_set${ins.mo === 'rel' ? '_release' : ''}(${this.loc(ins.loc)}, ${v});`];
        }
        if (ins.mo === 'rel') return [`${pad}smp_store_release(${this.ptr(ins)}, ${v});`];
        if (ins.mo !== 'rlx') this.notes.push(`a ${ins.mo} store has no kernel spelling; printed as WRITE_ONCE`);
        return [`${pad}WRITE_ONCE(*${this.ptr(ins)}, ${v});`];
      }
      case 'rmw': {
        const v = this.expr(ins.val);
        const x = this.ptr(ins);
        if (ins.op === 'max' || ins.op === 'min') {
          this.notes.push(`fetch_${ins.op} has no kernel atomic; it appears as a comment and is NOT explored by this file`);
          return [`${pad}// fetch_${ins.op}(${x}, ${v})${ins.reg ? ` -> ${this.reg(ins.reg)}` : ''}: no kernel equivalent`];
        }
        if (ins.op === 'xchg') return assign(ins.reg, `xchg${this.suffix(ins.mo, 'an exchange')}(${x}, ${v})`);
        if (ins.noreturn && ins.reg === undefined) {
          if (ins.mo !== 'rlx') this.notes.push(`a void atomic with mode ${ins.mo} is printed unordered, as the kernel's void atomics are`);
          if ((ins.op === 'add' || ins.op === 'sub') && v === '1') return [`${pad}atomic_${ins.op === 'add' ? 'inc' : 'dec'}(${x});`];
          return [`${pad}atomic_${ins.op}(${v}, ${x});`];
        }
        return assign(ins.reg, `atomic_fetch_${ins.op}${this.suffix(ins.mo, 'an atomic')}(${v}, ${x})`);
      }
      case 'cas': {
        const x = this.ptr(ins);
        if (ins.lock === 'lock') { this.locks.add(ins.loc); return [`${pad}spin_lock(${x});`]; }
        if (ins.lock === 'trylock') { this.locks.add(ins.loc); return assign(ins.okReg, `spin_trylock(${x})`); }
        if (ins.weak) this.notes.push('a weak compare-exchange is printed as cmpxchg, which never fails spuriously');
        const out: string[] = [];
        let expected = this.expr(ins.expected);
        // cmpxchg overwrites its result register before `ok` is computed: keep the expected value apart.
        const mentions = (e: Expr): boolean => e.k === 'reg' ? e.r === ins.reg : e.k === 'bin' ? mentions(e.a) || mentions(e.b) : e.k === 'not' && mentions(e.a);
        if (ins.okReg !== undefined && ins.expected.k !== 'const' && mentions(ins.expected)) {
          const held = this.unique('expected');
          out.push(`${pad}int ${held} = ${expected};`);
          expected = held;
        }
        const old = ins.reg !== undefined ? this.reg(ins.reg) : ins.okReg !== undefined ? this.unique('old') : undefined;
        const decl = ins.reg === undefined && old !== undefined ? 'int ' : '';
        out.push(`${pad}${old !== undefined ? `${decl}${old} = ` : ''}cmpxchg${this.suffix(ins.succ, 'a compare-exchange')}(${x}, ${expected}, ${this.expr(ins.desired)});`);
        if (ins.okReg !== undefined) out.push(`${pad}${this.reg(ins.okReg)} = ${old} == ${expected};`);
        return out;
      }
      case 'update': {
        const g = ins.guard;
        const old = this.reg(ins.oldReg);
        // add_unless: the only guarded RMW the kernel has.
        if (g && g.k === 'bin' && g.op === '!=' && g.a.k === 'reg' && g.a.r === ins.oldReg && !exprMentions(g.b, ins.oldReg)
          && ins.next.k === 'bin' && ins.next.op === '+' && ins.next.a.k === 'reg' && ins.next.a.r === ins.oldReg && !exprMentions(ins.next.b, ins.oldReg)) {
          if (ins.succ !== 'sc') this.notes.push('atomic_fetch_add_unless is fully ordered; the update it prints had a weaker mode');
          const u = this.expr(g.b);
          return [
            `${pad}${old} = atomic_fetch_add_unless(${this.loc(ins.loc)}, ${this.expr(ins.next.b)}, ${u});`,
            ...(ins.okReg !== undefined ? [`${pad}${this.reg(ins.okReg)} = ${old} != ${u};`] : []),
          ];
        }
        this.notes.push('a guarded update other than add-unless has no kernel atomic; printed as a read and a cmpxchg, which can fail where the update would retry');
        const ok = ins.okReg !== undefined ? this.reg(ins.okReg) : this.unique('ok');
        const next = this.unique('next');
        return [
          `${pad}${old} = READ_ONCE(*${this.loc(ins.loc)});`,
          `${pad}${ins.okReg === undefined ? 'int ' : ''}${ok} = 0;`,
          `${pad}if (${g ? this.expr(g, true) : '1'}) {`,
          `${pad}  int ${next} = cmpxchg(${this.loc(ins.loc)}, ${old}, ${this.expr(ins.next)});`,
          `${pad}  ${ok} = ${next} == ${old};`,
          `${pad}}`,
        ];
      }
      case 'fence':
        if (ins.kernel) return [`${pad}${FENCE_CALL[ins.kernel]}();`];
        this.notes.push(`a C11 ${ins.mo} fence has no kernel spelling; printed as smp_mb()`);
        return [`${pad}smp_mb();`];
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
        this.notes.push('an assume inside a thread has no kernel litmus equivalent: this file explores executions the scenario discards');
        return [`${pad}// assume (${this.expr(ins.cond, true)}): executions where this is false are discarded by the scenario, not by this file`];
    }
  }

  private unroll(w: Extract<Instr, { k: 'while' }>, depth: number, left: number): string[] {
    const pad = '  '.repeat(depth);
    if (left === 0) {
      this.notes.push(`a loop bounded to ${w.bound} iterations is unrolled; the scenario discards executions that would iterate more, this file does not`);
      return [`${pad}// loop bound ${w.bound} reached: the scenario discards executions where (${this.expr(w.cond, true)}) still holds`];
    }
    return [`${pad}if (${this.expr(w.cond, true)}) {`, ...this.list(w.body, depth + 1), ...this.unroll(w, depth + 1, left - 1), `${pad}}`];
  }

  expr(e: Expr, top = false): string {
    switch (e.k) {
      case 'const': {
        const at = locationAt(this.p.locations.length, e.v);
        return at >= 0 ? this.loc(this.p.locations[at].name) : String(e.v);
      }
      case 'reg': return this.reg(e.r);
      case 'not': return `!${this.expr(e.a)}`;
      case 'bin': {
        const s = `${this.expr(e.a)} ${e.op} ${this.expr(e.b)}`;
        return top ? s : `(${s})`;
      }
    }
  }
}

/** Locations the kernel's atomic_* operations (other than xchg/cmpxchg) touch: printed as atomic_t. */
function atomicCounters(p: Program): Set<string> {
  const out = new Set<string>();
  const walk = (list: Instr[]): void => {
    for (const i of list) {
      if ((i.k === 'rmw' && i.op !== 'xchg' && !i.addr) || i.k === 'update') out.add(i.loc);
      if (i.k === 'if') { walk(i.then); walk(i.else); }
      if (i.k === 'while') walk(i.body);
    }
  };
  for (const t of p.threads) walk(t.body);
  return out;
}

function exprRegs(e: Expr, acc: Set<string>): void {
  if (e.k === 'reg') acc.add(e.r);
  else if (e.k === 'bin') { exprRegs(e.a, acc); exprRegs(e.b, acc); }
  else if (e.k === 'not') exprRegs(e.a, acc);
}

function exprMentions(e: Expr, r: string): boolean {
  const s = new Set<string>();
  exprRegs(e, s);
  return s.has(r);
}

/** Registers an instruction reads or writes (all are declared at the top of the thread). */
function regsOf(i: Instr): Set<string> {
  const s = new Set<string>();
  const add = (r: string | undefined) => { if (r !== undefined) s.add(r); };
  switch (i.k) {
    case 'load': add(i.reg); if (i.addr) exprRegs(i.addr, s); break;
    case 'store': exprRegs(i.val, s); if (i.addr) exprRegs(i.addr, s); break;
    case 'rmw': add(i.reg); exprRegs(i.val, s); if (i.addr) exprRegs(i.addr, s); break;
    case 'cas': add(i.reg); add(i.okReg); exprRegs(i.expected, s); exprRegs(i.desired, s); if (i.addr) exprRegs(i.addr, s); break;
    case 'update': add(i.oldReg); add(i.okReg); if (i.guard) exprRegs(i.guard, s); exprRegs(i.next, s); break;
    case 'let': add(i.reg); exprRegs(i.val, s); break;
    case 'if': exprRegs(i.cond, s); break;
    case 'while': exprRegs(i.cond, s); break;
    case 'assume': exprRegs(i.cond, s); break;
    case 'fence': break;
  }
  return s;
}
