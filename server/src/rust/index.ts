// The workspace index: per-file summaries of what other files need to read this one's atomics —
// struct field types, function signatures, and helper functions that perform an atomic operation
// on a parameter. Summaries are plain data (no syntax trees), so the language server can keep the
// index current by replacing one file's summary on each change.

import type { ClosureShape } from './closure';
import type { FnSignature } from './scope';
import type { ControlPath, Site } from './site';
import { classifyType, isCounterReference } from './receiver';
import { declaredNames, mayDeclare, mayDeclareField, type DeclaredNames, type DeclKind } from './declarations';

/** A function that does an atomic operation on one of its parameters for its caller. */
export interface HelperOp {
  fnName: string;
  implType: string | null;
  file: string;
  /** The helper is a method: callers write `recv.name(args)` and args map to `params` directly. */
  hasSelf: boolean;
  /**
   * Position of the atomic among the non-self parameters; -1 for a method that acts on a field of
   * `self` (`fn load(&self, ord: Ordering) { self.value.load(ord) }`) and forwards its caller's
   * ordering: the caller's receiver is the object, `selfPath` the field path in it.
   */
  paramIndex: number;
  /** paramIndex -1: the receiver key's path after `<Impl>` (`.value`). */
  selfPath?: string;
  paramName: string;
  paramCount: number;
  /** The operation inside the helper (its orderings have ranges in `file`). */
  site: Site;
  /** fetch_update: the closure, with helper parameters kept symbolic. */
  closure?: ClosureShape;
  /**
   * Per entry of `site.orderings`: the helper parameter (non-self position) the ordering argument
   * names, when the helper forwards its caller's ordering (`fn load(cell: &AtomicUsize, order:
   * Ordering) { cell.load(order) }`); null for orderings written in the helper itself.
   */
  orderingParams?: (number | null)[];
  /** What the helper returns: the op's old value, the new value, the op's Result, a bool, or unknown. */
  returns: 'old' | 'new' | 'result' | 'bool' | 'unknown';
}

export interface FileSummary {
  file: string;
  /** struct name -> field -> type text */
  structs: Record<string, Record<string, string>>;
  fns: FnSignature[];
  helpers: HelperOp[];
  /** "Struct.field" of a reference-to-counter field -> the counter it refers to (see TypeFacts.fieldAlias). */
  aliases: Record<string, string>;
  /** "Impl::fn" (or "::fn" outside an impl) of an accessor returning a counter -> the counters it returns. */
  accessors: Record<string, string[]>;
  /** Integer consts: value (null when not computable) and whether the const is one reference of a packed count. */
  consts: Record<string, { value: number | null; reference: boolean }>;
  /**
   * `if recv.name() { .. }` where the branch takes the object (frees, drops): what a last-reference
   * test returned by `name` in another file leads to here.
   */
  testCalls?: { callee: string; path: ControlPath }[];
}

/** A file the index holds but has not read yet (see RustIndex.defer). */
interface Deferred { text: string; read: () => FileSummary | null; names?: DeclaredNames }

/** What a file puts into the index before it is read: nothing, in its place in workspace order. */
function emptySummary(file: string): FileSummary {
  return { file, structs: {}, fns: [], helpers: [], aliases: {}, accessors: {}, consts: {}, testCalls: [] };
}

export class RustIndex {
  private readonly files = new Map<string, FileSummary>();
  /** While reading `exclude`, its own (fresher) local facts take precedence over the index. */
  private exclude: string | null = null;
  private readonly deferred = new Map<string, Deferred>();
  /** Lookups (`kind\0name`) for which every deferred file that could answer has been read. */
  private readonly settled = new Set<string>();

  update(summary: FileSummary): void { this.deferred.delete(summary.file); this.files.set(summary.file, summary); this.refStructs = null; this.tables = null; }
  remove(file: string): void { this.deferred.delete(file); this.files.delete(file); this.refStructs = null; this.tables = null; }

  /**
   * Holds `file` unread: `read` (a parse and summarizeRustFile) runs the first time a lookup could
   * be answered by one of the file's structs, signatures or consts, judged from its text alone
   * (declarations.ts). Only for a file that cannot hold a site, helper, counter field, accessor or
   * reference struct (check.ts decides): those are the lookups such a file cannot answer, and they
   * never read it. Until read, the file keeps its place in workspace order with an empty summary, so
   * lookups answer as if every file had been read up front (for a file that does not parse, up to
   * the names only error recovery makes, see declarations.ts). A `read` that fails (null) leaves the
   * empty summary.
   */
  defer(file: string, text: string, read: () => FileSummary | null): void {
    this.files.set(file, emptySummary(file));
    this.deferred.set(file, { text, read });
    this.settled.clear();
    this.refStructs = null;
    this.tables = null;
  }

  /** Reads every deferred file now. */
  readDeferred(): void {
    this.readWhere(() => true);
  }

  /** How many files are still deferred. */
  get deferredCount(): number { return this.deferred.size; }

  /** Before a lookup of `name`: reads the deferred files that may declare it. */
  private readFor(kind: DeclKind | 'field', name: string): void {
    if (this.deferred.size === 0) return;
    const key = `${kind}\u0000${name}`;
    if (this.settled.has(key)) return;
    this.settled.add(key);
    this.readWhere(d => {
      d.names ??= declaredNames(d.text);
      return kind === 'field' ? mayDeclareField(d.text, d.names, name) : mayDeclare(d.names, kind, name);
    });
  }

  private readWhere(wanted: (d: Deferred) => boolean): void {
    const read: FileSummary[] = [];
    for (const [file, d] of [...this.deferred]) {
      if (!wanted(d)) continue;
      this.deferred.delete(file);
      const s = d.read();
      // Set on the existing key: the file keeps its place in workspace order.
      if (s) { this.files.set(file, s); read.push(s); }
    }
    if (read.length === 0) return;
    if (read.some(s => Object.values(s.structs).some(fields => Object.values(fields).some(isCounterReference)))) this.refStructs = null;
    this.addRead(read);
  }
  get(file: string): FileSummary | undefined { return this.files.get(file); }
  get size(): number { return this.files.size; }

  /** Runs `fn` with `file`'s own summary hidden (the caller has the current text of that file). */
  excluding<T>(file: string, fn: () => T): T {
    const prev = this.exclude;
    this.exclude = file;
    try { return fn(); } finally { this.exclude = prev; }
  }

  private *others(): Iterable<FileSummary> {
    for (const s of this.files.values()) if (s.file !== this.exclude) yield s;
  }

  fieldType(owner: string, field: string): string | null {
    this.readFor('struct', owner);
    return this.lookup().fieldByOwner.get(`${owner}\u0000${field}`)?.find(e => e.file !== this.exclude)?.type ?? null;
  }

  fieldTypesByName(field: string): string[] {
    this.readFor('field', field);
    return (this.lookup().fieldsByName.get(field) ?? []).filter(e => e.file !== this.exclude).map(e => e.type);
  }

  fnReturns(implType: string | null, name: string): string[] {
    this.readFor('fn', name);
    const out: string[] = [];
    for (const f of this.lookup().fns.get(name) ?? []) if (f.file !== this.exclude && f.returnType && (implType === null || f.implType === implType)) out.push(f.returnType);
    return out;
  }

  /**
   * Lookup tables over all summaries, built on first use and dropped when a summary changes: the
   * lookups below are asked for every site of every file, and scanning every summary each time
   * made a workspace check quadratic in its files.
   */
  private tables: {
    aliases: Map<string, { file: string; counter: string }[]>;
    accessors: Map<string, { file: string; impl: string; counters: string[] }[]>;
    owners: Map<string, { owner: string; file: string }[]>;
    consts: Map<string, { file: string; value: number | null; reference: boolean }[]>;
    structs: Map<string, string[]>;
    helpers: Map<string, HelperOp[]>;
    forwarders: HelperOp[];
    /** Every helper name (see helperNamesWith), made on first use. */
    helperNames?: string[];
    /** file -> the helper names that only it defines. */
    soleHelperNames?: Map<string, string[]>;
    /** "Owner\0field" and field -> declared types, and fn name -> signatures, in file order. */
    fieldByOwner: Map<string, { file: string; type: string }[]>;
    fieldsByName: Map<string, { file: string; type: string }[]>;
    fns: Map<string, (FnSignature & { file: string })[]>;
  } | null = null;

  private lookup(): NonNullable<RustIndex['tables']> {
    if (this.tables) return this.tables;
    const t: NonNullable<RustIndex['tables']> = { aliases: new Map(), accessors: new Map(), owners: new Map(), consts: new Map(), structs: new Map(), helpers: new Map(), forwarders: [], fieldByOwner: new Map(), fieldsByName: new Map(), fns: new Map() };
    const add = <V>(m: Map<string, V[]>, k: string, v: V) => { const l = m.get(k); if (l) l.push(v); else m.set(k, [v]); };
    for (const s of this.files.values()) {
      for (const [k, counter] of Object.entries(s.aliases ?? {})) add(t.aliases, k, { file: s.file, counter });
      for (const [k, counters] of Object.entries(s.accessors ?? {})) {
        const [impl, fn] = k.split('::');
        add(t.accessors, fn, { file: s.file, impl, counters });
      }
      this.addDeclarations(t, s, add);
      for (const h of s.helpers) {
        add(t.helpers, h.fnName, h);
        if (h.paramIndex < 0) t.forwarders.push(h);
      }
    }
    this.tables = t;
    return t;
  }

  /** A summary's structs, consts and signatures into the tables (all a deferred file can hold). */
  private addDeclarations(t: NonNullable<RustIndex['tables']>, s: FileSummary, add: <V>(m: Map<string, V[]>, k: string, v: V) => void): void {
    for (const [owner, fields] of Object.entries(s.structs)) {
      add(t.structs, owner, s.file);
      for (const [field, type] of Object.entries(fields)) {
        if (!isCounterReference(type) && classifyType(type) !== 'other') add(t.owners, field, { owner, file: s.file });
        if (!type) continue;
        add(t.fieldByOwner, `${owner}\u0000${field}`, { file: s.file, type });
        add(t.fieldsByName, field, { file: s.file, type });
      }
    }
    for (const [name, c] of Object.entries(s.consts ?? {})) add(t.consts, name, { file: s.file, ...c });
    for (const f of s.fns) add(t.fns, f.name, { ...f, file: s.file });
  }

  /**
   * Adds summaries of deferred files just read to the tables, each entry in its file's place, so
   * the tables read as if rebuilt; summaries with more than declarations rebuild them.
   */
  private addRead(read: FileSummary[]): void {
    const t = this.tables;
    if (!t) return;
    if (read.some(s => s.helpers.length > 0 || Object.keys(s.aliases).length > 0 || Object.keys(s.accessors).length > 0)) { this.tables = null; return; }
    const pos = new Map<string, number>();
    let i = 0;
    for (const f of this.files.keys()) pos.set(f, i++);
    const fileOf = (v: unknown): string => (typeof v === 'string' ? v : (v as { file: string }).file);
    const insert = <V>(m: Map<string, V[]>, k: string, v: V): void => {
      const l = m.get(k);
      if (!l) { m.set(k, [v]); return; }
      const at = pos.get(fileOf(v))!;
      let j = l.length;
      while (j > 0 && pos.get(fileOf(l[j - 1]))! > at) j--;
      l.splice(j, 0, v);
    };
    for (const s of read) this.addDeclarations(t, s, insert);
  }

  fieldAlias(owner: string, field: string): string | null {
    return this.lookup().aliases.get(`${owner}.${field}`)?.find(a => a.file !== this.exclude)?.counter ?? null;
  }

  accessorCounters(implType: string | null, name: string): string[] {
    return (this.lookup().accessors.get(name) ?? []).filter(a => a.file !== this.exclude && (implType === null || a.impl === implType)).flatMap(a => a.counters);
  }

  atomicFieldOwners(field: string): { owner: string; file: string }[] {
    return (this.lookup().owners.get(field) ?? []).filter(o => o.file !== this.exclude);
  }

  /** Files (other than the excluded one) that declare a struct named `owner`. */
  structFiles(owner: string): string[] {
    this.readFor('struct', owner);
    return (this.lookup().structs.get(owner) ?? []).filter(f => f !== this.exclude);
  }

  /** An integer const of another file, if exactly one file declares it (or all agree). */
  constInfo(name: string): { value: number | null; reference: boolean } | null {
    this.readFor('const', name);
    let found: { value: number | null; reference: boolean } | null = null;
    for (const c of this.lookup().consts.get(name) ?? []) {
      if (c.file === this.exclude) continue;
      if (found && (found.value !== c.value || found.reference !== c.reference)) return null;
      found = { value: c.value, reference: c.reference };
    }
    return found;
  }

  /** Structs with a field that refers to a counter (`&'a AtomicUsize`): their literals elsewhere say which. */
  referenceStructs(): [string, Map<string, string>][] {
    // Asked once per file read, so kept across reads until a summary changes (they are rare).
    if (!this.refStructs) {
      this.refStructs = [];
      for (const s of this.files.values()) {
        for (const [name, fields] of Object.entries(s.structs)) {
          if (Object.values(fields).some(isCounterReference)) this.refStructs.push({ file: s.file, name, fields: new Map(Object.entries(fields)) });
        }
      }
    }
    return this.refStructs.filter(r => r.file !== this.exclude).map(r => [r.name, r.fields]);
  }

  private refStructs: { file: string; name: string; fields: Map<string, string> }[] | null = null;

  /** Names of all helpers outside the excluded file (to find their call sites by text). */
  helperNames(): string[] {
    const out: string[] = [];
    for (const [name, hs] of this.lookup().helpers) if (hs.some(h => h.file !== this.exclude)) out.push(name);
    return out;
  }

  /**
   * The names of `own` (the reading file's helpers) and of helperNames(). Usually every file asks
   * for the same names, and then the same array comes back (the call pattern built from it is kept
   * with it, see callPattern), rather than a new list per file to sort and compare.
   */
  helperNamesWith(own: Iterable<string>): readonly string[] {
    const t = this.lookup();
    if (!t.helperNames) {
      t.helperNames = [...t.helpers.keys()];
      t.soleHelperNames = new Map();
      for (const [name, hs] of t.helpers) {
        const f = hs[0].file;
        if (hs.every(h => h.file === f)) { const l = t.soleHelperNames.get(f); if (l) l.push(name); else t.soleHelperNames.set(f, [name]); }
      }
    }
    const mine = new Set(own);
    // The names helperNames() leaves out are those only the excluded file defines.
    const missing = this.exclude === null ? [] : (t.soleHelperNames!.get(this.exclude) ?? []).filter(n => !mine.has(n));
    const extra = [...mine].filter(n => !t.helpers.has(n));
    return missing.length === 0 && extra.length === 0 ? t.helperNames : [...new Set([...own, ...this.helperNames()])];
  }

  /** When set, every name testCalls is asked about is added here (check.ts reads deferred files for them). */
  testCallNames: Set<string> | null = null;

  /** Paths in other files that run when a call of `name` returns true and that take the object. */
  testCalls(name: string): ControlPath[] {
    this.testCallNames?.add(name);
    const out: ControlPath[] = [];
    for (const s of this.others()) for (const t of s.testCalls ?? []) if (t.callee === name) out.push(t.path);
    return out;
  }

  helpers(name: string): HelperOp[] {
    return (this.lookup().helpers.get(name) ?? []).filter(h => h.file !== this.exclude);
  }

  /** Methods of other files that forward their callers' ordering to a field of self (HelperOp.paramIndex -1). */
  forwarders(): HelperOp[] {
    return this.lookup().forwarders.filter(h => h.file !== this.exclude);
  }
}
