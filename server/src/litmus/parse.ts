// Reader for herd's C litmus syntax into the engine's Program IR, in two dialects:
//
// c11: `P0 (atomic_int* x, int* d)` threads with the C11 `atomic_*` / `atomic_*_explicit` calls and
//   plain accesses as statements; explored under RC11.
// kernel: the Linux kernel's litmus tests (tools/memory-model): `P0(int *x, spinlock_t *s, atomic_t *v,
//   int **p)` threads calling READ_ONCE/WRITE_ONCE, smp_load_acquire/smp_store_release,
//   rcu_dereference/rcu_assign_pointer, smp_mb/rmb/wmb and the smp_mb__* barriers, the atomic_*,
//   atomic64_* and atomic_long_* operations (void, *_return, fetch_*, _relaxed/_acquire/_release,
//   read/set, xchg, cmpxchg, *_and_test, add_negative, add_unless, inc_not_zero), xchg*/cmpxchg*,
//   spin_lock/spin_unlock/spin_trylock/spin_is_locked, rcu_read_lock/rcu_read_unlock/synchronize_rcu;
//   plain accesses `*x = e` and `*x` anywhere in an expression; pointers (`int *r0` registers,
//   `y=&x` / `y=x` in the initial state, `READ_ONCE(*r0)`, `0:r0=x` in conditions); registers
//   declared anywhere in the body or, as herd allows, not at all; `filter` clauses whose conjuncts
//   each constrain one thread's registers. Explored under LKMM. What kernel.ts lists as unsupported
//   (SRCU, irq/bh lock variants, rwlocks and mutexes, try_cmpxchg, andnot, smp_cond_load_*,
//   barrier(), the other RCU calls), structures, pointer arithmetic, loops, a memory read on the
//   right of && or ||, a conditional atomic through a pointer register, and a filter on a
//   location's final value are rejected.
//
// The dialect is read off the text: C11 atomics (atomic_int, *_explicit, memory_order_*) make a C11
// test, kernel primitives or types (READ_ONCE, smp_mb, spinlock_t, atomic_t, ...) a kernel one, both
// an error; a test with only plain accesses is read as C11. Every rejection is a LitmusError with
// file:line:col and what was expected: litmus files are hand-written, so the message is the user
// interface.

import { ADDRESS_BASE, type BinOp, type ModelName, type Cond, type Expr, type Instr, type LocationDecl, type Mode, type Program, type Quantifier, type RmwOp, type Thread } from '../memory/ir';
import { LitmusError, numberValue, tokenize, type Token } from './lexer';
import { MAX_NESTING } from './limits';
import { isC11Word, isKernelWord, KERNEL_PRIMITIVES, KERNEL_TYPES, Unsupported, unsupportedReason, type Target } from './kernel';

export { LitmusError } from './lexer';

/** Prefix of registers the reader invents (the `$` keeps them out of C's identifier space). */
export const SYNTHETIC_EXPECTED = 'exp$';
export const SYNTHETIC_OK = 'ok$';

const MEMORY_ORDERS: Record<string, Mode> = {
  memory_order_relaxed: 'rlx',
  // consume is implemented as acquire by every compiler, and RC11 has no consume.
  memory_order_consume: 'acq',
  memory_order_acquire: 'acq',
  memory_order_release: 'rel',
  memory_order_acq_rel: 'acq_rel',
  memory_order_seq_cst: 'sc',
};
const ORDER_LIST = 'memory_order_relaxed, memory_order_consume, memory_order_acquire, memory_order_release, memory_order_acq_rel, memory_order_seq_cst';

const FETCH_OPS: Record<string, RmwOp> = { add: 'add', sub: 'sub', and: 'and', or: 'or', xor: 'xor' };

/** Deep enough for any real test, shallow enough that a hostile file cannot exhaust the JS stack. */
const MAX_DEPTH = MAX_NESTING;

interface ThreadCtx {
  index: number;
  /** Parameter name -> atomic? */
  params: Map<string, boolean>;
  /** Every register declared so far in the thread (C block scoping is not enforced for uses). */
  regs: Set<string>;
  synth: number;
}

/** The two litmus dialects; each has its model (`dialectModel`). */
export type Dialect = 'c11' | 'kernel';

/** The memory model a test of this dialect means: C11 tests are explored under RC11, kernel ones under LKMM. */
export function dialectModel(d: Dialect): ModelName {
  return d === 'kernel' ? 'lkmm' : 'rc11';
}

export interface LitmusRead {
  program: Program;
  dialect: Dialect;
  /** A kernel test's `filter`, as written (the program carries it as `assume`s). */
  filter?: Cond;
}

export interface ReadOptions {
  /** Read the text as this dialect instead of the one its words suggest. */
  dialect?: Dialect;
}

/** Reads a litmus test of either dialect. */
export function readLitmus(src: string, file = '<input>', opts: ReadOptions = {}): LitmusRead {
  return new Parser(src, file, opts.dialect).read();
}

export function parseLitmus(src: string, file = '<input>'): Program {
  return readLitmus(src, file).program;
}

type LocTable = Map<string, { decl: LocationDecl; typed: boolean; tok: Token; implicit?: boolean }>;

/** Picks the dialect from the words of the file; both kinds at once is an error at the later one. */
function detectDialect(toks: Token[], file: string): Dialect {
  let c11: Token | undefined;
  let kernel: Token | undefined;
  for (const t of toks) {
    if (t.kind !== 'ident') continue;
    // atomic_fetch_add(x, 1) is C11 and atomic_fetch_add(1, v) kernel: the name alone decides nothing.
    if (/^atomic_fetch_(add|sub|and|or|xor)$/.test(t.text)) continue;
    if (isC11Word(t.text)) c11 ??= t;
    else if (isKernelWord(t.text)) kernel ??= t;
  }
  if (c11 && kernel) {
    const [first, later] = c11.start < kernel.start ? [c11, kernel] : [kernel, c11];
    const kind = (t: Token) => (t === c11 ? 'a C11 atomic' : 'a kernel primitive');
    throw new LitmusError(file, later.line, later.col, `'${later.text}' is ${kind(later)}, but '${first.text}' (line ${first.line}) is ${kind(first)}: a litmus test is either C11 or kernel, not both`);
  }
  return kernel ? 'kernel' : 'c11';
}

class Parser {
  private toks: Token[];
  private pos = 0;
  private depth = 0;
  private depths = new WeakMap<Expr, number>();
  /** C11 dialect: the first atomic and the first plain access to each location. */
  private accesses = new Map<string, { atomic?: Token; plain?: Token }>();
  private name = '';
  private src: string;
  private readonly dialect: Dialect;
  private locs: LocTable = new Map();
  /** Kernel dialect: instructions that compute the memory reads and calls of the expression being read. */
  private hoisted: Instr[] = [];
  /** Kernel dialect: > 0 while reading the right operand of && or ||, where a hoisted read would run unconditionally. */
  private shortCircuit = 0;

  constructor(src: string, private file: string, dialect?: Dialect) {
    // The test name runs to the end of the header line and may hold characters C does not
    // tokenize (herd names like `MP+dmb.sy+addr'`), so it is cut out before lexing.
    const blanked = this.readHeader(src);
    this.src = src;
    this.toks = tokenize(blanked, file);
    this.dialect = dialect ?? detectDialect(this.toks, file);
  }

  private get kernel(): boolean {
    return this.dialect === 'kernel';
  }

  // ---------------------------------------------------------------- helpers

  private fail(t: Token, msg: string): never {
    throw new LitmusError(this.file, t.line, t.col, msg);
  }
  private peek(k = 0): Token {
    return this.toks[Math.min(this.pos + k, this.toks.length - 1)];
  }
  private next(): Token {
    const t = this.peek();
    if (t.kind !== 'eof') this.pos++;
    return t;
  }
  private is(text: string, k = 0): boolean {
    const t = this.peek(k);
    return (t.kind === 'punct' || t.kind === 'ident') && t.text === text;
  }
  private found(t: Token): string {
    return t.kind === 'eof' ? 'end of file' : t.kind === 'str' ? `"${t.text}"` : `'${t.text}'`;
  }
  private expect(text: string, what = `'${text}'`): Token {
    const t = this.peek();
    if (!this.is(text)) {
      // A missing `;` is best reported where it belongs: right after the previous token.
      const prev = this.pos > 0 ? this.toks[this.pos - 1] : undefined;
      if (text === ';' && prev && prev.line !== t.line) {
        throw new LitmusError(this.file, prev.line, prev.col + (prev.end - prev.start), `expected ${what}, found ${this.found(t)}`);
      }
      this.fail(t, `expected ${what}, found ${this.found(t)}`);
    }
    return this.next();
  }
  private ident(what: string): Token {
    const t = this.peek();
    if (t.kind !== 'ident') this.fail(t, `expected ${what}, found ${this.found(t)}`);
    return this.next();
  }
  private enter(t: Token): void {
    if (++this.depth > MAX_DEPTH) this.fail(t, `nesting deeper than ${MAX_DEPTH} levels`);
  }
  private leave(): void {
    this.depth--;
  }

  private readHeader(src: string): string {
    let p = 0;
    const pos = (at: number) => {
      const line = src.slice(0, at).split('\n').length;
      return { line, col: at - (src.lastIndexOf('\n', at - 1) + 1) + 1 };
    };
    for (;;) {
      while (p < src.length && /\s/.test(src[p])) p++;
      if (src.startsWith('//', p)) { while (p < src.length && src[p] !== '\n') p++; continue; }
      const close = src.startsWith('(*', p) ? '*)' : src.startsWith('/*', p) ? '*/' : null;
      if (!close) break;
      const e = src.indexOf(close, p + 2);
      if (e < 0) { const q = pos(p); throw new LitmusError(this.file, q.line, q.col, 'unterminated comment'); }
      p = e + 2;
    }
    const m = /^([A-Za-z0-9_]+)[ \t]*([^\n\r]*)/.exec(src.slice(p));
    const q = pos(p);
    if (!m) throw new LitmusError(this.file, q.line, q.col, "expected the header 'C <name>'");
    if (m[1] !== 'C') {
      throw new LitmusError(this.file, q.line, q.col, `expected the header 'C <name>' (only C litmus tests are supported), found '${m[1]}'`);
    }
    // A comment may follow the name on the header line.
    // (Found with a plain search: a pattern with a leading `\s*` backtracks quadratically on a padded line.)
    const cut = m[2].search(/\(\*|\/\/|\/\*/);
    const name = (cut >= 0 ? m[2].slice(0, cut) : m[2]).trim();
    if (!name) throw new LitmusError(this.file, q.line, q.col + 1, "expected a test name after 'C'");
    this.name = name;
    // Blank the name out (keeping offsets, so token positions stay true) and lex the rest.
    const nameStart = p + m[0].length - m[2].length;
    return src.slice(0, p) + ' '.repeat(nameStart + name.length - p) + src.slice(nameStart + name.length);
  }

  // ---------------------------------------------------------------- file structure

  read(): LitmusRead {
    // Optional doc string right after the header.
    if (this.peek().kind === 'str') this.next();

    const locs = this.locs;
    const regInit: { thread: number; reg: string; v: number; tok: Token }[] = [];
    if (this.is('{')) {
      if (this.kernel) this.kernelInitBlock(regInit);
      else this.initBlock(locs, regInit);
    }

    const threads: Thread[] = [];
    const ctxs: ThreadCtx[] = [];
    while (this.peek().kind === 'ident' && (/^P\d+$/.test(this.peek().text) || this.peek().text === 'void')) {
      if (this.is('void')) this.next();
      const nameTok = this.ident('a thread name (P0, P1, ...)');
      const expectName = `P${threads.length}`;
      if (nameTok.text !== expectName) this.fail(nameTok, `expected thread ${expectName}, found '${nameTok.text}'`);
      const ctx: ThreadCtx = { index: threads.length, params: new Map(), regs: new Set(), synth: 0 };
      if (this.kernel) this.kernelParams(ctx);
      else this.params(ctx, locs);
      const body: Instr[] = [];
      for (const ri of regInit.filter(x => x.thread === ctx.index)) {
        ctx.regs.add(ri.reg);
        body.push({ k: 'let', reg: ri.reg, val: { k: 'const', v: ri.v }, label: `${ri.thread}:${ri.reg} = ${ri.v}`, line: ri.tok.line });
      }
      body.push(...this.block(ctx));
      threads.push({ name: nameTok.text, body });
      ctxs.push(ctx);
    }
    if (threads.length === 0) {
      const example = this.kernel ? "'P0(int *x, ...) { ... }'" : "'P0 (atomic_int* x, ...) { ... }'";
      this.fail(this.peek(), `expected a thread ${example}, found ${this.found(this.peek())}`);
    }
    for (const ri of regInit) {
      if (ri.thread >= threads.length) this.fail(ri.tok, `initial value for register of thread ${ri.thread}, but the test has ${threads.length} threads`);
    }

    let condition: Program['condition'];
    let filter: { cond: Cond; tok: Token; end: Token } | undefined;
    for (;;) {
      const t = this.peek();
      if (t.kind === 'eof') break;
      if (this.is('locations')) { this.skipLocations(); continue; }
      if (this.is('filter')) {
        if (!this.kernel) this.fail(t, "'filter' clauses are not supported; fold the filter into the condition instead");
        if (filter) this.fail(t, "a second 'filter' clause; join them with '/\\\\'");
        if (condition) this.fail(t, "'filter' must come before the condition");
        this.next();
        const cond = this.topCond(locs, ctxs, t);
        filter = { cond, tok: t, end: this.toks[this.pos - 1] };
        continue;
      }
      if (condition) this.fail(t, `expected end of file after the condition, found ${this.found(t)}`);
      let quantifier: Quantifier;
      if (this.is('exists')) { this.next(); quantifier = 'exists'; }
      else if (this.is('forall')) { this.next(); quantifier = 'forall'; }
      else if (this.is('~') && this.is('exists', 1)) { this.next(); this.next(); quantifier = 'not exists'; }
      else if (this.is('while') || this.is('for') || this.is('do')) this.fail(t, `loops ('${t.text}') are not supported in litmus tests`);
      else this.fail(t, `expected a thread, 'locations', or a condition ('exists', '~exists', 'forall'), found ${this.found(t)}`);
      const cond = this.topCond(locs, ctxs, t);
      condition = { quantifier, cond };
    }
    if (filter) this.lowerFilter(filter.cond, filter.tok, filter.end, threads);
    if (this.kernel) this.markAtomics(threads);
    else this.settleAtomicity();

    const program: Program = { name: this.name, locations: [...locs.values()].map(l => l.decl), threads };
    if (condition) program.condition = condition;
    const out: LitmusRead = { program, dialect: this.dialect };
    if (filter) out.filter = filter.cond;
    return out;
  }

  /**
   * LKMM does not read `atomic`; RC11 does (with `--model c11`). A kernel location is atomic when
   * some marked access (READ_ONCE, an atomic_*, a lock operation) names it: READ_ONCE is then a
   * relaxed atomic load, and mixing marked and plain accesses of one location is RC11's error.
   */
  private markAtomics(threads: Thread[]): void {
    const marked = new Set<string>();
    const walk = (list: Instr[]): void => {
      for (const i of list) {
        if (i.k === 'if') { walk(i.then); walk(i.else); continue; }
        if (i.k === 'while') { walk(i.body); continue; }
        if (i.k === 'load' || i.k === 'store' || i.k === 'rmw' || i.k === 'cas' || i.k === 'update') {
          const mo = i.k === 'cas' || i.k === 'update' ? i.succ : i.mo;
          if (mo !== 'na' && !('addr' in i && i.addr)) marked.add(i.loc);
        }
      }
    };
    for (const t of threads) walk(t.body);
    for (const [name, l] of this.locs) if (marked.has(name)) l.decl.atomic = true;
  }

  /**
   * C11 dialect, as herd reads it: a location is atomic when it is accessed atomically, whatever
   * its parameters' types say. So a location only ever read and written plainly (the expected
   * value of a herd-style CAS, declared atomic_int*) is a plain location, with herd's races.
   * A location accessed both ways (herd's mixed-access tests) is mixed: each access keeps its own
   * mode, and a conflicting pair races when one of the two is plain.
   */
  private settleAtomicity(): void {
    for (const [name, seen] of this.accesses) {
      const l = this.locs.get(name);
      if (!l) continue;
      l.decl.atomic = !!seen.atomic;
      if (seen.atomic && seen.plain) l.decl.mixed = true;
    }
  }

  /**
   * herd drops the executions a filter rejects before it counts. A filter on final registers is an
   * `assume` at the end of their thread, which discards the same executions; so each conjunct must
   * speak of one thread's registers.
   */
  private lowerFilter(cond: Cond, tok: Token, end: Token, threads: Thread[]): void {
    const conjuncts: Cond[] = [];
    const split = (c: Cond): void => { if (c.k === 'and') { split(c.a); split(c.b); } else conjuncts.push(c); };
    split(cond);
    const perThread = new Map<number, Expr[]>();
    for (const c of conjuncts) {
      const owners = new Set<number>();
      let onLocation = false;
      const walk = (x: Cond): void => {
        if (x.k === 'eqReg') owners.add(x.thread);
        else if (x.k === 'eqLoc') onLocation = true;
        else if (x.k === 'and' || x.k === 'or') { walk(x.a); walk(x.b); }
        else if (x.k === 'not') walk(x.a);
      };
      walk(c);
      if (onLocation) this.fail(tok, "a 'filter' on a location's final value is not supported; filter on registers only");
      if (owners.size > 1) this.fail(tok, "each conjunct of a 'filter' must constrain the registers of one thread");
      if (owners.size === 0) continue;
      const th = [...owners][0];
      perThread.set(th, [...(perThread.get(th) ?? []), condExpr(c)]);
    }
    const label = this.label(tok, end);
    for (const [th, parts] of perThread) {
      const cond = parts.reduce((a, b) => ({ k: 'bin', op: '&&', a, b }));
      threads[th].body.push({ k: 'assume', cond, label, line: tok.line });
    }
  }

  private initBlock(locs: Map<string, { decl: LocationDecl; typed: boolean; tok: Token }>, regInit: { thread: number; reg: string; v: number; tok: Token }[]): void {
    this.expect('{');
    while (!this.is('}')) {
      if (this.is(';')) { this.next(); continue; }
      const t = this.peek();
      if (t.kind === 'eof') this.fail(t, "expected '}' closing the initial state");
      // Register initialiser `0:r0 = 1`.
      if (t.kind === 'num' && this.is(':', 1)) {
        this.next(); this.next();
        const reg = this.ident('a register name');
        this.expect('=');
        regInit.push({ thread: numberValue(t.text), reg: reg.text, v: this.initValue(), tok: t });
        this.endInitItem();
        continue;
      }
      let atomic: boolean | undefined;
      if (this.is('atomic_int') || this.is('int') || this.is('_Atomic')) {
        if (this.is('_Atomic')) { this.next(); this.expect('int', "'int' after '_Atomic'"); atomic = true; }
        else atomic = this.next().text === 'atomic_int';
        if (this.is('*')) this.fail(this.peek(), 'pointer-typed locations are not supported; declare the location itself (e.g. [x] = 0)');
      }
      let nameTok: Token;
      if (this.is('[')) {
        this.next();
        nameTok = this.ident('a location name');
        this.expect(']');
      } else if (this.is('*')) {
        this.next();
        nameTok = this.ident('a location name');
      } else {
        nameTok = this.ident("a location initialisation ('[x] = 0;', 'x = 0;' or 'atomic_int x = 0;')");
      }
      this.expect('=');
      const v = this.initValue();
      if (locs.has(nameTok.text)) this.fail(nameTok, `location '${nameTok.text}' is initialised twice`);
      locs.set(nameTok.text, { decl: { name: nameTok.text, init: v, atomic: atomic ?? true }, typed: atomic !== undefined, tok: nameTok });
      this.endInitItem();
    }
    this.expect('}');
  }

  private endInitItem(): void {
    if (this.is(';')) { this.next(); return; }
    if (!this.is('}')) this.fail(this.peek(), `expected ';' or '}' in the initial state, found ${this.found(this.peek())}`);
  }

  private initValue(): number {
    let neg = false;
    if (this.is('-')) { this.next(); neg = true; }
    const t = this.peek();
    if (t.kind === 'ident' || this.is('&')) this.fail(t, 'pointer values are not supported; initial values must be integers');
    if (t.kind !== 'num') this.fail(t, `expected an integer value, found ${this.found(t)}`);
    this.next();
    const v = numberValue(t.text);
    return neg ? -v : v;
  }

  private params(ctx: ThreadCtx, locs: Map<string, { decl: LocationDecl; typed: boolean; tok: Token }>): void {
    this.expect('(', "'(' starting the parameter list");
    if (this.is('void') && this.is(')', 1)) this.next();
    while (!this.is(')')) {
      if (ctx.params.size > 0) this.expect(',', "',' or ')'");
      if (this.is('volatile')) this.next();
      let atomic: boolean;
      const t = this.peek();
      if (this.is('atomic_int')) { this.next(); atomic = true; }
      else if (this.is('_Atomic')) { this.next(); this.expect('int', "'int' after '_Atomic'"); atomic = true; }
      else if (this.is('int')) { this.next(); atomic = false; }
      else this.fail(t, `expected a parameter type ('atomic_int*' or 'int*'), found ${this.found(t)}`);
      this.expect('*', `'*' (parameters are pointers to shared locations)`);
      const name = this.ident('a parameter name');
      if (ctx.params.has(name.text)) this.fail(name, `parameter '${name.text}' appears twice`);
      const known = locs.get(name.text);
      if (known) {
        // herd lets threads type one location differently (atomic_int* here, int* there): the
        // accesses, not the types, decide its atomicity (see settleAtomicity).
        if (!known.typed) known.decl.atomic = atomic;
        known.typed = true;
      } else {
        locs.set(name.text, { decl: { name: name.text, init: 0, atomic }, typed: true, tok: name });
      }
      ctx.params.set(name.text, atomic);
    }
    this.expect(')');
  }

  // ---------------------------------------------------------------- kernel dialect: declarations

  /** The address of a location, creating it (initially 0) when the init block names it before declaring it. */
  private addressOf(t: Token): number {
    let i = [...this.locs.keys()].indexOf(t.text);
    if (i < 0) {
      this.locs.set(t.text, { decl: { name: t.text, init: 0, atomic: false }, typed: false, tok: t, implicit: true });
      i = this.locs.size - 1;
    }
    return ADDRESS_BASE + i;
  }

  /** Kernel type words (`unsigned long`, `atomic_t`, `spinlock_t`, `struct s`): whether there were any, and whether the type is atomic. */
  private kernelType(): { found: boolean; atomic: boolean } {
    let found = false;
    let atomic = false;
    for (;;) {
      const t = this.peek();
      if (t.kind !== 'ident') break;
      if (t.text === 'const' || t.text === 'volatile') { this.next(); continue; }
      if (t.text === 'struct') this.fail(t, 'structures are not supported; locations hold integers or addresses');
      if (!KERNEL_TYPES.has(t.text)) break;
      this.next();
      found = true;
      if (/^(atomic|spinlock)/.test(t.text)) atomic = true;
    }
    return { found, atomic };
  }

  /** `{ int x; spinlock_t s; atomic_t v = ATOMIC_INIT(1); y=z; int *p = &x; 0:r0=1; }` */
  private kernelInitBlock(regInit: { thread: number; reg: string; v: number; tok: Token }[]): void {
    this.expect('{');
    while (!this.is('}')) {
      if (this.is(';')) { this.next(); continue; }
      const t = this.peek();
      if (t.kind === 'eof') this.fail(t, "expected '}' closing the initial state");
      if ((t.kind === 'num' || (t.kind === 'ident' && /^P\d+$/.test(t.text))) && this.is(':', 1)) {
        this.next(); this.next();
        const reg = this.ident('a register name');
        this.expect('=');
        const th = numberValue(t.kind === 'num' ? t.text : t.text.slice(1));
        regInit.push({ thread: th, reg: reg.text, v: this.kernelInitValue(), tok: t });
        this.endInitItem();
        continue;
      }
      const type = this.kernelType();
      while (this.is('*')) this.next();
      let nameTok: Token;
      if (this.is('[')) {
        this.next();
        nameTok = this.ident('a location name');
        this.expect(']');
      } else {
        nameTok = this.ident("a location ('int x;', 'x = 1;', 'int *p = &x;')");
      }
      const known = this.locs.get(nameTok.text);
      if (known && !known.implicit) this.fail(nameTok, `location '${nameTok.text}' is initialised twice`);
      if (!known) this.locs.set(nameTok.text, { decl: { name: nameTok.text, init: 0, atomic: type.atomic }, typed: type.found, tok: nameTok });
      const entry = this.locs.get(nameTok.text)!;
      entry.implicit = false;
      if (type.atomic) entry.decl.atomic = true;
      if (this.is('=')) {
        this.next();
        entry.decl.init = this.kernelInitValue();
      }
      this.endInitItem();
    }
    this.expect('}');
  }

  /** An initial value: an integer, `ATOMIC_INIT(n)`, or a location's address (`x` or `&x`). */
  private kernelInitValue(): number {
    const t = this.peek();
    if (this.is('&')) { this.next(); return this.addressOf(this.ident('a location after &')); }
    if (this.is('ATOMIC_INIT')) {
      this.next();
      this.expect('(', "'(' after ATOMIC_INIT");
      const v = this.initValue();
      this.expect(')', "')'");
      return v;
    }
    if (t.kind === 'ident') return this.addressOf(this.next());
    return this.initValue();
  }

  /** `(int *x, int **p, spinlock_t *s, atomic_t *v)`: every parameter is a pointer to a shared location. */
  private kernelParams(ctx: ThreadCtx): void {
    this.expect('(', "'(' starting the parameter list");
    if (this.is('void') && this.is(')', 1)) this.next();
    while (!this.is(')')) {
      if (ctx.params.size > 0) this.expect(',', "',' or ')'");
      const t = this.peek();
      const type = this.kernelType();
      if (!type.found) this.fail(t, `expected a parameter type ('int *', 'atomic_t *', 'spinlock_t *'), found ${this.found(t)}`);
      this.expect('*', `'*' (parameters are pointers to shared locations)`);
      while (this.is('*')) this.next();
      const name = this.ident('a parameter name');
      if (ctx.params.has(name.text)) this.fail(name, `parameter '${name.text}' appears twice`);
      const known = this.locs.get(name.text);
      if (known) {
        known.implicit = false;
        if (type.atomic) known.decl.atomic = true;
      } else {
        this.locs.set(name.text, { decl: { name: name.text, init: 0, atomic: type.atomic }, typed: true, tok: name });
      }
      ctx.params.set(name.text, type.atomic);
    }
    this.expect(')');
  }

  private skipLocations(): void {
    this.next();
    this.expect('[', "'[' after 'locations'");
    while (!this.is(']')) {
      if (this.peek().kind === 'eof') this.fail(this.peek(), "expected ']' closing 'locations'");
      this.next();
    }
    this.next();
    if (this.is(';')) this.next();
  }

  // ---------------------------------------------------------------- thread bodies

  private label(from: Token, to: Token): string {
    return this.src.slice(from.start, to.end).replace(/\s+/g, ' ').replace(/\s*;$/, '').trim();
  }

  private block(ctx: ThreadCtx): Instr[] {
    const open = this.expect('{', "'{'");
    this.enter(open);
    const local = new Set<string>();
    const out: Instr[] = [];
    while (!this.is('}')) {
      if (this.peek().kind === 'eof') this.fail(this.peek(), `expected '}' closing the block opened at line ${open.line}`);
      out.push(...this.statement(ctx, local));
    }
    this.next();
    this.leave();
    return out;
  }

  /** A statement or a braced block (the branches of `if`). */
  private branch(ctx: ThreadCtx): Instr[] {
    if (this.is('{')) return this.block(ctx);
    return this.statement(ctx, new Set());
  }

  private statement(ctx: ThreadCtx, local: Set<string>): Instr[] {
    if (this.kernel) return this.kernelStatement(ctx, local);
    const t = this.peek();
    if (this.is(';')) { this.next(); return []; }
    if (this.is('{')) return this.block(ctx);
    if (t.kind === 'ident') {
      switch (t.text) {
        case 'while': case 'for': case 'do':
          this.fail(t, `loops ('${t.text}') are not supported in litmus tests`);
        case 'return': case 'goto': case 'break': case 'continue': case 'switch':
          this.fail(t, `'${t.text}' is not supported in litmus tests`);
        case 'if': return [this.ifStatement(ctx)];
        case 'int': return this.declaration(ctx, local);
        case 'atomic_int': case '_Atomic':
          this.fail(t, 'atomic local variables are not supported; shared locations are thread parameters');
      }
    }
    if (this.is('*')) {
      // Plain (non-atomic) store `*x = e;`.
      this.next();
      const loc = this.location(ctx, 'plain');
      this.expect('=', "'=' (a plain store '*x = value;')");
      const val = this.expr(ctx);
      const end = this.expect(';');
      return [{ k: 'store', loc: loc.text, val, mo: 'na', label: this.label(t, end), line: t.line }];
    }
    if (t.kind === 'ident' && this.is('(', 1)) {
      const call = this.call(ctx, undefined);
      const end = this.expect(';');
      return this.withLabel(call.instrs, t, end);
    }
    if (t.kind === 'ident' && this.is('=', 1)) {
      const reg = this.next();
      if (ctx.params.has(reg.text)) this.fail(reg, `cannot assign to location '${reg.text}'; use atomic_store_explicit(${reg.text}, ...) or *${reg.text} = ...`);
      if (!ctx.regs.has(reg.text)) this.fail(reg, `unknown register '${reg.text}' (declare it with 'int ${reg.text} = ...;')`);
      this.next();
      return this.assignment(ctx, t, reg.text);
    }
    this.fail(t, `expected a statement, found ${this.found(t)}`);
  }

  private withLabel(instrs: Instr[], from: Token, to: Token): Instr[] {
    const label = this.label(from, to);
    const tag = (i: Instr): Instr => i.k === 'if'
      ? { ...i, then: i.then.map(tag), else: i.else.map(tag), label, line: from.line }
      : { ...i, label, line: from.line };
    return instrs.map(tag);
  }

  private declaration(ctx: ThreadCtx, local: Set<string>): Instr[] {
    const start = this.next(); // int
    if (this.is('*')) this.fail(this.peek(), 'local pointers are not supported; registers hold integers');
    const out: Instr[] = [];
    for (;;) {
      const reg = this.ident('a register name');
      if (ctx.params.has(reg.text)) this.fail(reg, `register '${reg.text}' has the name of a location parameter`);
      if (local.has(reg.text)) this.fail(reg, `register '${reg.text}' is declared twice in this block`);
      if (/^P\d+$/.test(reg.text)) this.fail(reg, `'${reg.text}' names a thread; pick another register name`);
      local.add(reg.text);
      if (this.is('=')) {
        this.next();
        // The register is in scope after its initialiser, as in C (so `int r = r + 1` is an error).
        const instrs = this.assignment(ctx, start, reg.text);
        ctx.regs.add(reg.text);
        return instrs;
      }
      ctx.regs.add(reg.text);
      if (this.is(',')) { this.next(); continue; }
      this.expect(';', "';' or '=' after the register name");
      return out;
    }
  }

  /** After `reg =`: a load (atomic or plain), an atomic call, or an expression. Consumes the `;`. */
  private assignment(ctx: ThreadCtx, start: Token, reg: string): Instr[] {
    const t = this.peek();
    if (this.is('*')) {
      this.next();
      if (this.is('(')) this.fail(this.peek(), 'pointer arithmetic is not supported; read a location with *x');
      const loc = this.location(ctx, 'plain');
      if (!this.is(';')) this.fail(this.peek(), `expected ';' after the plain read '*${loc.text}' (memory reads cannot be part of a larger expression)`);
      const end = this.next();
      return [{ k: 'load', reg, loc: loc.text, mo: 'na', label: this.label(start, end), line: start.line }];
    }
    if (t.kind === 'ident' && this.is('(', 1)) {
      const call = this.call(ctx, reg);
      if (!call.returns) this.fail(t, `'${t.text}' returns no value`);
      if (!this.is(';')) this.fail(this.peek(), `expected ';' after the call to '${t.text}' (its result must be stored in a register before it is used in an expression)`);
      const end = this.next();
      return this.withLabel(call.instrs, start, end);
    }
    const val = this.expr(ctx);
    const end = this.expect(';');
    return [{ k: 'let', reg, val, label: this.label(start, end), line: start.line }];
  }

  private location(ctx: ThreadCtx, access: 'plain' | 'atomic' | 'expected'): Token {
    const t = this.peek();
    if (this.is('&')) this.fail(t, "pass the location parameter itself (herd style 'x'), not its address");
    if (this.is('(') || this.is('*')) this.fail(t, 'pointer arithmetic and indirection are not supported; name a location parameter');
    const name = this.ident('a location');
    const atomic = ctx.params.get(name.text);
    if (atomic === undefined) {
      if (ctx.regs.has(name.text)) this.fail(name, `'${name.text}' is a register, not a location`);
      this.fail(name, `unknown location '${name.text}' (not a parameter of P${ctx.index})`);
    }
    if (access === 'atomic' && !atomic) {
      this.fail(name, `'${name.text}' is a non-atomic location (int*); atomic operations need an atomic_int* parameter`);
    }
    const seen = this.accesses.get(name.text) ?? {};
    seen[access === 'atomic' ? 'atomic' : 'plain'] ??= name;
    this.accesses.set(name.text, seen);
    if (this.is('+') || this.is('-') || this.is('[')) this.fail(this.peek(), 'pointer arithmetic is not supported');
    return name;
  }

  private memoryOrder(allowed: Mode[], what: string): Mode {
    const t = this.peek();
    if (t.kind !== 'ident' || !(t.text in MEMORY_ORDERS)) {
      this.fail(t, `expected a memory order (${ORDER_LIST}), found ${this.found(t)}`);
    }
    this.next();
    const m = MEMORY_ORDERS[t.text];
    if (!allowed.includes(m)) this.fail(t, `${t.text} is not valid for ${what}`);
    return m;
  }

  /**
   * An atomic call. `reg` is the register its result is assigned to, if any. Returns the
   * instructions (a herd-style CAS on an expected *location* lowers to three) and whether the
   * call has a value.
   */
  private call(ctx: ThreadCtx, reg: string | undefined): { instrs: Instr[]; returns: boolean } {
    const fn = this.next();
    const name = fn.text;
    const explicit = name.endsWith('_explicit');
    const base = explicit ? name.slice(0, -'_explicit'.length) : name;
    const ALL: Mode[] = ['rlx', 'acq', 'rel', 'acq_rel', 'sc'];
    this.expect('(');
    const comma = () => this.expect(',', "','");
    const close = () => this.expect(')', "')'");
    const order = (allowed: Mode[], what: string): Mode => {
      if (!explicit) return 'sc';
      comma();
      return this.memoryOrder(allowed, what);
    };

    if (base === 'atomic_load') {
      const loc = this.location(ctx, 'atomic');
      const mo = order(['rlx', 'acq', 'sc'], 'a load');
      close();
      return { instrs: [reg === undefined ? { k: 'load', loc: loc.text, mo } : { k: 'load', reg, loc: loc.text, mo }], returns: true };
    }
    if (base === 'atomic_store') {
      const loc = this.location(ctx, 'atomic');
      comma();
      const val = this.expr(ctx);
      const mo = order(['rlx', 'rel', 'sc'], 'a store');
      close();
      return { instrs: [{ k: 'store', loc: loc.text, val, mo }], returns: false };
    }
    const fetch = /^atomic_fetch_(add|sub|and|or|xor)$/.exec(base);
    if (fetch || base === 'atomic_exchange') {
      const loc = this.location(ctx, 'atomic');
      comma();
      const val = this.expr(ctx);
      const mo = order(ALL, 'a read-modify-write');
      close();
      const op: RmwOp = fetch ? FETCH_OPS[fetch[1]] : 'xchg';
      const i: Instr = reg === undefined ? { k: 'rmw', loc: loc.text, op, val, mo } : { k: 'rmw', reg, loc: loc.text, op, val, mo };
      return { instrs: [i], returns: true };
    }
    const cas = /^atomic_compare_exchange_(strong|weak)$/.exec(base);
    if (cas) return { instrs: this.cas(ctx, reg, cas[1] === 'weak', explicit), returns: true };
    if (name === 'atomic_thread_fence') {
      const mo = this.memoryOrder(ALL, 'a fence');
      close();
      // A relaxed fence orders nothing (C11 7.17.4): herd accepts it as a no-op, and so does the reader.
      return { instrs: mo === 'rlx' ? [] : [{ k: 'fence', mo }], returns: false };
    }
    if (name.startsWith('atomic_')) this.fail(fn, `unsupported atomic operation '${name}'`);
    this.fail(fn, `unsupported function call '${name}' (only the C11 atomic operations are allowed)`);
  }

  private cas(ctx: ThreadCtx, okReg: string | undefined, weak: boolean, explicit: boolean): Instr[] {
    const loc = this.location(ctx, 'atomic');
    this.expect(',', "','");
    const expT = this.peek();
    let expectedReg: string | undefined;
    let expectedLoc: string | undefined;
    if (this.is('&')) {
      this.next();
      const r = this.ident('a register after &');
      if (ctx.params.has(r.text)) this.fail(r, `'&${r.text}': pass the location '${r.text}' itself (herd style), or the address of a register`);
      if (!ctx.regs.has(r.text)) this.fail(r, `unknown register '${r.text}'`);
      expectedReg = r.text;
    } else if (expT.kind === 'ident' && ctx.params.has(expT.text)) {
      expectedLoc = this.location(ctx, 'expected').text;
    } else if (expT.kind === 'ident' && ctx.regs.has(expT.text)) {
      this.fail(expT, `the expected value must be a location or '&${expT.text}' (C passes it by address)`);
    } else {
      this.fail(expT, "expected the expected-value location (herd style) or '&register'");
    }
    this.expect(',', "','");
    const desired = this.expr(ctx);
    let succ: Mode = 'sc';
    let fail: Mode = 'sc';
    if (explicit) {
      this.expect(',', "','");
      succ = this.memoryOrder(['rlx', 'acq', 'rel', 'acq_rel', 'sc'], 'a compare-exchange');
      this.expect(',', "',' and the failure memory order");
      fail = this.memoryOrder(['rlx', 'acq', 'sc'], 'the failure of a compare-exchange (it is a load)');
    }
    this.expect(')', "')'");
    const w = weak ? { weak: true as const } : {};
    const ok = okReg !== undefined ? { okReg } : {};
    if (expectedReg !== undefined) {
      // C writes the observed value into *expected on failure, and on success the observed value
      // equals it: so "reg gets the old value" is exactly C's effect on the register.
      return [{ k: 'cas', reg: expectedReg, ...ok, loc: loc.text, expected: { k: 'reg', r: expectedReg }, desired, succ, fail, ...w }];
    }
    // herd form: the expected value lives in a (non-atomic) location, read before the CAS and
    // overwritten with the observed value when the CAS fails.
    const n = ctx.synth++;
    const tmp = `${SYNTHETIC_EXPECTED}${n}`;
    const okr = okReg ?? `${SYNTHETIC_OK}${n}`;
    return [
      { k: 'load', reg: tmp, loc: expectedLoc!, mo: 'na' },
      { k: 'cas', reg: tmp, okReg: okr, loc: loc.text, expected: { k: 'reg', r: tmp }, desired, succ, fail, ...w },
      { k: 'if', cond: { k: 'not', a: { k: 'reg', r: okr } }, then: [{ k: 'store', loc: expectedLoc!, val: { k: 'reg', r: tmp }, mo: 'na' }], else: [] },
    ];
  }

  private ifStatement(ctx: ThreadCtx): Instr {
    const start = this.next();
    this.expect('(', "'(' after 'if'");
    const cond = this.expr(ctx);
    const close = this.expect(')', "')' closing the condition");
    const label = this.label(start, close);
    this.enter(start);
    const then = this.branch(ctx);
    let els: Instr[] = [];
    if (this.is('else')) {
      this.next();
      els = this.branch(ctx);
    }
    this.leave();
    return { k: 'if', cond, then, else: els, label, line: start.line };
  }

  // ---------------------------------------------------------------- kernel dialect: statements

  /** Runs `read` with a fresh hoisting list; returns what it hoisted (memory reads and calls, in order) and its result. */
  private hoisting<T>(read: () => T): [Instr[], T] {
    const saved = this.hoisted;
    this.hoisted = [];
    try {
      const v = read();
      return [this.hoisted, v];
    } finally {
      this.hoisted = saved;
    }
  }

  private fresh(ctx: ThreadCtx, hint: string): string {
    const name = `$${hint}${ctx.synth++}`;
    ctx.regs.add(name);
    return name;
  }

  private kernelStatement(ctx: ThreadCtx, local: Set<string>): Instr[] {
    const t = this.peek();
    if (this.is(';')) { this.next(); return []; }
    if (this.is('{')) return this.block(ctx);
    if (t.kind === 'ident') {
      switch (t.text) {
        case 'while': case 'for': case 'do':
          this.fail(t, `loops ('${t.text}') are not supported in litmus tests`);
        case 'return': case 'goto': case 'break': case 'continue': case 'switch':
          this.fail(t, `'${t.text}' is not supported in litmus tests`);
        case 'if': return this.kernelIf(ctx);
      }
      if (KERNEL_TYPES.has(t.text) || t.text === 'const' || t.text === 'volatile') return this.kernelDeclaration(ctx, local);
    }
    // `(void)f(...)`: the cast only says the value is dropped.
    if (this.is('(') && this.is('void', 1) && this.is(')', 2)) {
      this.next(); this.next(); this.next();
      const call = this.peek();
      if (!(call.kind === 'ident' && this.is('(', 1))) this.fail(call, `expected a call after '(void)', found ${this.found(call)}`);
    }
    const start = this.peek();
    if (this.is('*')) {
      // Plain store `*x = e;` (or through a pointer register, `*r0 = e;`).
      this.next();
      const target = this.kernelPointer(ctx);
      this.expect('=', "'=' (a plain store '*x = value;')");
      const [pre, val] = this.hoisting(() => this.expr(ctx));
      const end = this.expect(';');
      return this.withLabel([...pre, { k: 'store', ...target, val, mo: 'na' }], start, end);
    }
    if (start.kind === 'ident' && this.is('(', 1)) {
      const [pre] = this.hoisting(() => this.kernelCall(ctx, false));
      const end = this.expect(';');
      return this.withLabel(pre, start, end);
    }
    if (start.kind === 'ident' && this.is('=', 1)) {
      const reg = this.next();
      if (ctx.params.has(reg.text)) this.fail(reg, `cannot assign to location '${reg.text}'; use WRITE_ONCE(*${reg.text}, ...) or *${reg.text} = ...`);
      if (/^P\d+$/.test(reg.text)) this.fail(reg, `'${reg.text}' names a thread; pick another register name`);
      // herd lets a register be used without a declaration; so does this reader.
      this.next();
      const instrs = this.kernelAssignment(ctx, start, reg.text);
      ctx.regs.add(reg.text);
      return instrs;
    }
    this.fail(start, `expected a statement, found ${this.found(start)}`);
  }

  /** `int r0;`, `int *r0;`, `int a = READ_ONCE(*x), b;` */
  private kernelDeclaration(ctx: ThreadCtx, local: Set<string>): Instr[] {
    const start = this.peek();
    this.kernelType();
    const out: Instr[] = [];
    for (;;) {
      // A pointer register holds an address: still a number to the engine.
      while (this.is('*')) this.next();
      const reg = this.ident('a register name');
      if (ctx.params.has(reg.text)) this.fail(reg, `register '${reg.text}' has the name of a location parameter`);
      if (local.has(reg.text)) this.fail(reg, `register '${reg.text}' is declared twice in this block`);
      if (/^P\d+$/.test(reg.text)) this.fail(reg, `'${reg.text}' names a thread; pick another register name`);
      local.add(reg.text);
      if (this.is('=')) {
        this.next();
        out.push(...this.kernelInit(ctx, start, reg.text));
      }
      ctx.regs.add(reg.text);
      if (this.is(',')) { this.next(); continue; }
      this.expect(';', "';', ',' or '=' after the register name");
      return out;
    }
  }

  /** The initialiser of a declared register, up to (not including) ',' or ';'. */
  private kernelInit(ctx: ThreadCtx, start: Token, reg: string): Instr[] {
    const [pre, val] = this.hoisting(() => this.expr(ctx));
    return this.withLabel(this.assignInto(pre, val, reg), start, this.toks[this.pos - 1]);
  }

  /** After `reg =`: any expression, its reads and calls hoisted in front. Consumes the `;`. */
  private kernelAssignment(ctx: ThreadCtx, start: Token, reg: string): Instr[] {
    const [pre, val] = this.hoisting(() => this.expr(ctx));
    const end = this.expect(';');
    return this.withLabel(this.assignInto(pre, val, reg), start, end);
  }

  /**
   * `reg = <val>` after `pre`. When val is just the result register of the last hoisted access,
   * the access writes `reg` itself, so `r0 = READ_ONCE(*x)` is one load into r0 as in the C11 dialect.
   */
  private assignInto(pre: Instr[], val: Expr, reg: string): Instr[] {
    const last = pre[pre.length - 1];
    if (val.k === 'reg' && val.r.startsWith('$') && last) {
      if ((last.k === 'load' || last.k === 'rmw' || last.k === 'cas') && last.reg === val.r) return [...pre.slice(0, -1), { ...last, reg }];
      if ((last.k === 'cas' || last.k === 'update') && last.okReg === val.r) return [...pre.slice(0, -1), { ...last, okReg: reg }];
    }
    return [...pre, { k: 'let', reg, val }];
  }

  private kernelIf(ctx: ThreadCtx): Instr[] {
    const start = this.next();
    this.expect('(', "'(' after 'if'");
    const [pre, cond] = this.hoisting(() => this.expr(ctx));
    const close = this.expect(')', "')' closing the condition");
    const label = this.label(start, close);
    this.enter(start);
    const then = this.branch(ctx);
    let els: Instr[] = [];
    if (this.is('else')) {
      this.next();
      els = this.branch(ctx);
    }
    this.leave();
    return [...pre.map(i => ({ ...i, label, line: start.line })), { k: 'if', cond, then, else: els, label, line: start.line }];
  }

  /** A location parameter (`x`) or a register holding an address (`r0`, shown as `*r0`). */
  private kernelPointer(ctx: ThreadCtx): Target {
    const t = this.peek();
    if (this.is('(') || this.is('&')) this.fail(t, 'pointer arithmetic is not supported; name a location parameter or a pointer register');
    const name = this.ident('a location');
    if (this.is('+') || this.is('-') || this.is('[')) this.fail(this.peek(), 'pointer arithmetic is not supported');
    if (ctx.params.has(name.text)) return { loc: name.text };
    if (ctx.regs.has(name.text)) return { loc: `*${name.text}`, addr: { k: 'reg', r: name.text } };
    this.fail(name, `unknown location '${name.text}' (not a parameter of P${ctx.index})`);
  }

  /**
   * A kernel primitive call; its instructions go to the hoisting list. Returns its value
   * (`needValue`: the call is part of an expression, so it must have one).
   */
  private kernelCall(ctx: ThreadCtx, needValue: boolean): Expr | undefined {
    const fn = this.next();
    const name = fn.text;
    const prim = KERNEL_PRIMITIVES.get(name);
    if (!prim) {
      const why = unsupportedReason(name);
      if (why) this.fail(fn, why);
      if (isC11Word(name)) this.fail(fn, `'${name}' is a C11 atomic; a kernel litmus test uses READ_ONCE, WRITE_ONCE, smp_* and the kernel's atomic_* operations`);
      this.fail(fn, `unknown kernel primitive '${name}'`);
    }
    if (needValue && !prim.returns) this.fail(fn, `'${name}' returns no value`);
    this.expect('(', "'('");
    const targets: Target[] = [];
    const vals: Expr[] = [];
    const arity = `'${name}' takes ${prim.args.length} argument${prim.args.length === 1 ? '' : 's'}`;
    prim.args.forEach((shape, i) => {
      if (i > 0) {
        if (this.is(')')) this.fail(this.peek(), arity);
        this.expect(',', "','");
      } else if (this.is(')')) this.fail(this.peek(), arity);
      if (shape === 'val') { vals.push(this.expr(ctx)); return; }
      if (shape === 'lval') {
        if (!this.is('*')) this.fail(this.peek(), `'${name}' takes the location itself: ${name}(*${this.peek().text}${prim.args.length > 1 ? ', ...' : ''})`);
        this.next();
      } else if (this.is('*')) {
        this.fail(this.peek(), `'${name}' takes a pointer: ${name}(${this.peek(1).text}${prim.args.length > 1 ? ', ...' : ''}), without '*'`);
      }
      targets.push(this.kernelPointer(ctx));
    });
    if (!this.is(')')) this.fail(this.peek(), this.is(',') || prim.args.length === 0 ? arity : `expected ')', found ${this.found(this.peek())}`);
    this.next();
    let lowered;
    try {
      lowered = prim.lower(targets, vals, hint => this.fresh(ctx, hint));
    } catch (e) {
      if (e instanceof Unsupported) this.fail(fn, `'${name}': ${e.message}`);
      throw e;
    }
    this.hoisted.push(...lowered.instrs);
    return lowered.value;
  }

  /** Kernel dialect: the operand forms that touch memory or name a location. */
  private kernelOperand(ctx: ThreadCtx, t: Token): Expr | undefined {
    const hoist = () => {
      if (this.shortCircuit > 0) this.fail(t, "a memory access on the right of '&&' or '||' is not supported (it would run unconditionally); read it into a register first");
    };
    if (this.is('*')) {
      hoist();
      this.next();
      const target = this.kernelPointer(ctx);
      const r = this.fresh(ctx, 'r');
      this.hoisted.push({ k: 'load', reg: r, ...target, mo: 'na' });
      return { k: 'reg', r };
    }
    if (this.is('&')) {
      this.next();
      const loc = this.ident('a location after &');
      if (!ctx.params.has(loc.text)) this.fail(loc, `unknown location '${loc.text}' (not a parameter of P${ctx.index})`);
      return { k: 'const', v: this.addressOf(loc) };
    }
    if (t.kind === 'ident' && this.is('(', 1)) {
      hoist();
      return this.kernelCall(ctx, true);
    }
    if (t.kind === 'ident' && ctx.params.has(t.text) && !ctx.regs.has(t.text)) {
      // A parameter is a pointer: as a value it is the location's address.
      this.next();
      return { k: 'const', v: this.addressOf(t) };
    }
    return undefined;
  }

  // ---------------------------------------------------------------- C expressions over registers

  private static readonly LEVELS: BinOp[][] = [
    ['||'], ['&&'], ['|'], ['^'], ['&'], ['==', '!='], ['<', '<=', '>', '>='], ['+', '-'], ['*'],
  ];

  private expr(ctx: ThreadCtx, level = 0): Expr {
    if (level >= Parser.LEVELS.length) return this.unary(ctx);
    // Depth is counted in unary() (one level per parenthesis or prefix operator), not per
    // precedence level, so the limit reads as nesting the user wrote.
    let a = this.expr(ctx, level + 1);
    while (this.peek().kind === 'punct' && (Parser.LEVELS[level] as string[]).includes(this.peek().text)) {
      const opTok = this.next();
      const op = opTok.text as BinOp;
      const lazy = op === '&&' || op === '||';
      if (lazy) this.shortCircuit++;
      let b: Expr;
      try {
        b = this.expr(ctx, level + 1);
      } finally {
        if (lazy) this.shortCircuit--;
      }
      // A chain `r + r + ... + r` nests to the left; the engine walks expressions recursively, so
      // the chain's depth counts against the same limit as written nesting.
      const depth = 1 + Math.max(this.exprDepth(a), this.exprDepth(b));
      if (depth > MAX_DEPTH) this.fail(opTok, `expression nested deeper than ${MAX_DEPTH} levels (a chain of operators counts one level per operator); split it over several registers`);
      a = { k: 'bin', op, a, b };
      this.depths.set(a, depth);
    }
    return a;
  }

  /** Depth of an expression read so far (binary nodes are recorded as they are built). */
  private exprDepth(e: Expr): number {
    return this.depths.get(e) ?? (e.k === 'not' ? 1 + this.exprDepth(e.a) : 1);
  }

  private unary(ctx: ThreadCtx): Expr {
    const t = this.peek();
    this.enter(t);
    try {
      if (this.is('!')) {
        this.next();
        const a = this.unary(ctx);
        const depth = 1 + this.exprDepth(a);
        if (depth > MAX_DEPTH) this.fail(t, `expression nested deeper than ${MAX_DEPTH} levels`);
        const e: Expr = { k: 'not', a };
        this.depths.set(e, depth);
        return e;
      }
      if (this.is('-')) {
        this.next();
        const a = this.unary(ctx);
        // Fold literals so `-1` stays a constant (and prints back as one).
        return a.k === 'const' ? { k: 'const', v: -a.v } : { k: 'bin', op: '-', a: { k: 'const', v: 0 }, b: a };
      }
      if (this.is('+')) { this.next(); return this.unary(ctx); }
      if (this.is('(')) {
        this.next();
        const e = this.expr(ctx);
        this.expect(')', "')'");
        return e;
      }
      if (this.kernel) {
        const e = this.kernelOperand(ctx, t);
        if (e) return e;
      }
      if (this.is('*')) this.fail(t, 'memory reads cannot be part of an expression; read into a register first (int r = *x;)');
      if (this.is('~')) this.fail(t, "bitwise complement '~' is not supported");
      if (t.kind === 'num') { this.next(); return { k: 'const', v: numberValue(t.text) }; }
      if (t.kind === 'ident') {
        if (this.is('(', 1)) this.fail(t, `calls cannot be part of an expression; assign the result of '${t.text}' to a register first`);
        this.next();
        if (ctx.regs.has(t.text)) return { k: 'reg', r: t.text };
        if (ctx.params.has(t.text)) this.fail(t, `location '${t.text}' used as a value; read it with atomic_load_explicit(${t.text}, ...) or *${t.text}`);
        this.fail(t, `unknown register '${t.text}'`);
      }
      this.fail(t, `expected an expression, found ${this.found(t)}`);
    } finally {
      this.leave();
    }
  }

  // ---------------------------------------------------------------- final condition

  /** A whole condition, no deeper than the nesting limit once its chains are grouped. */
  private topCond(locs: Map<string, unknown>, ctxs: ThreadCtx[], at: Token): Cond {
    const c = this.cond(locs, ctxs);
    let deepest = 0;
    const stack: [Cond, number][] = [[c, 1]];
    while (stack.length) {
      const [x, d] = stack.pop()!;
      deepest = Math.max(deepest, d);
      if (x.k === 'and' || x.k === 'or') stack.push([x.a, d + 1], [x.b, d + 1]);
      else if (x.k === 'not') stack.push([x.a, d + 1]);
    }
    if (deepest > MAX_DEPTH) this.fail(at, `condition nested deeper than ${MAX_DEPTH} levels`);
    return c;
  }

  private cond(locs: Map<string, unknown>, ctxs: ThreadCtx[]): Cond {
    const terms = [this.conj(locs, ctxs)];
    while (this.is('\\/')) {
      this.next();
      terms.push(this.conj(locs, ctxs));
    }
    return chain('or', terms);
  }

  private conj(locs: Map<string, unknown>, ctxs: ThreadCtx[]): Cond {
    const terms = [this.condUnary(locs, ctxs)];
    while (this.is('/\\')) {
      this.next();
      terms.push(this.condUnary(locs, ctxs));
    }
    return chain('and', terms);
  }

  private condUnary(locs: Map<string, unknown>, ctxs: ThreadCtx[]): Cond {
    const t = this.peek();
    this.enter(t);
    try {
      if (this.is('~')) { this.next(); return { k: 'not', a: this.condUnary(locs, ctxs) }; }
      if (this.is('(')) {
        this.next();
        const c = this.cond(locs, ctxs);
        this.expect(')', "')' or a connective ('/\\\\', '\\\\/')");
        return c;
      }
      if (this.is('true')) { this.next(); return { k: 'true' }; }
      if (this.is('false')) { this.next(); return { k: 'not', a: { k: 'true' } }; }
      // Register: `0:r0=1` or `P0:r0=1`.
      if ((t.kind === 'num' || (t.kind === 'ident' && /^P\d+$/.test(t.text))) && this.is(':', 1)) {
        this.next(); this.next();
        const th = numberValue(t.kind === 'num' ? t.text : t.text.slice(1));
        if (th >= ctxs.length) this.fail(t, `thread ${th} does not exist (the test has ${ctxs.length} thread${ctxs.length === 1 ? '' : 's'})`);
        const reg = this.ident('a register name');
        if (!ctxs[th].regs.has(reg.text)) this.fail(reg, `unknown register '${reg.text}' in thread ${th}`);
        const differs = this.condRelation();
        return this.negatedIf(differs, { k: 'eqReg', thread: th, reg: reg.text, v: this.condValue() });
      }
      let loc: Token;
      if (this.is('[')) {
        this.next();
        loc = this.ident('a location name');
        this.expect(']');
      } else if (t.kind === 'ident') {
        loc = this.next();
      } else {
        this.fail(t, `expected a condition atom ('0:r0=1', 'x=1', '[x]=1', 'true'), found ${this.found(t)}`);
      }
      if (!locs.has(loc.text)) this.fail(loc, `unknown location '${loc.text}' in the condition`);
      const differs = this.condRelation();
      return this.negatedIf(differs, { k: 'eqLoc', loc: loc.text, v: this.condValue() });
    } finally {
      this.leave();
    }
  }

  /** `=` or herd's `!=` between an atom and its value; true for `!=`. */
  private condRelation(): boolean {
    if (this.is('!=')) { this.next(); return true; }
    this.expect('=', "'=' or '!='");
    return false;
  }

  private negatedIf(differs: boolean, c: Cond): Cond {
    return differs ? { k: 'not', a: c } : c;
  }

  private condValue(): number {
    // A kernel test compares pointers with addresses: `0:r0=x` (or `&x`).
    if (this.kernel && (this.is('&') || (this.peek().kind === 'ident' && this.locs.has(this.peek().text)))) {
      if (this.is('&')) this.next();
      const loc = this.ident('a location');
      if (!this.locs.has(loc.text)) this.fail(loc, `unknown location '${loc.text}' in the condition`);
      return this.addressOf(loc);
    }
    let neg = false;
    if (this.is('-')) { this.next(); neg = true; }
    const t = this.peek();
    if (t.kind !== 'num') this.fail(t, `expected an integer value, found ${this.found(t)}`);
    this.next();
    const v = numberValue(t.text);
    return neg ? -v : v;
  }
}

/** Chains up to this long keep herd's grouping to the left, which the printers show as written. */
const LEFT_CHAIN = 32;

/**
 * `a op b op c ...` as a tree. A long chain is split in halves, so a 10,000-term disjunction is a
 * tree of depth about 20, not 10,000: every later walk over conditions (evaluation, printing,
 * filters) recurses per level, and both connectives are associative.
 */
function chain(k: 'and' | 'or', terms: Cond[]): Cond {
  if (terms.length > LEFT_CHAIN) {
    const mid = Math.ceil(terms.length / 2);
    return { k, a: chain(k, terms.slice(0, mid)), b: chain(k, terms.slice(mid)) };
  }
  return terms.reduce((a, b) => ({ k, a, b }));
}

/** A condition over one thread's registers as an expression over them. */
function condExpr(c: Cond): Expr {
  switch (c.k) {
    case 'true': return { k: 'const', v: 1 };
    case 'eqReg': return { k: 'bin', op: '==', a: { k: 'reg', r: c.reg }, b: { k: 'const', v: c.v } };
    case 'eqLoc': throw new Error('a location in a filter conjunct');
    case 'and': return { k: 'bin', op: '&&', a: condExpr(c.a), b: condExpr(c.b) };
    case 'or': return { k: 'bin', op: '||', a: condExpr(c.a), b: condExpr(c.b) };
    case 'not': return { k: 'not', a: condExpr(c.a) };
  }
}
