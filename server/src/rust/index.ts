// The workspace index: per-file summaries of what other files need to read this one's atomics —
// struct field types, function signatures, and helper functions that perform an atomic operation
// on a parameter. Summaries are plain data (no syntax trees), so the language server can keep the
// index current by replacing one file's summary on each change.

import type { ClosureShape } from './closure';
import type { FnSignature } from './scope';
import type { Site } from './site';
import { classifyType, isCounterReference } from './receiver';

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
}

export class RustIndex {
  private readonly files = new Map<string, FileSummary>();
  /** While reading `exclude`, its own (fresher) local facts take precedence over the index. */
  private exclude: string | null = null;

  update(summary: FileSummary): void { this.files.set(summary.file, summary); }
  remove(file: string): void { this.files.delete(file); }
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
    for (const s of this.others()) {
      const t = s.structs[owner]?.[field];
      if (t) return t;
    }
    return null;
  }

  fieldTypesByName(field: string): string[] {
    const out: string[] = [];
    for (const s of this.others()) for (const fields of Object.values(s.structs)) if (fields[field]) out.push(fields[field]);
    return out;
  }

  fnReturns(implType: string | null, name: string): string[] {
    const out: string[] = [];
    for (const s of this.others()) for (const f of s.fns) if (f.name === name && f.returnType && (implType === null || f.implType === implType)) out.push(f.returnType);
    return out;
  }

  fieldAlias(owner: string, field: string): string | null {
    for (const s of this.others()) {
      const a = s.aliases?.[`${owner}.${field}`];
      if (a) return a;
    }
    return null;
  }

  accessorCounters(implType: string | null, name: string): string[] {
    const out: string[] = [];
    for (const s of this.others()) {
      for (const [k, v] of Object.entries(s.accessors ?? {})) {
        const [impl, fn] = k.split('::');
        if (fn === name && (implType === null || impl === implType)) out.push(...v);
      }
    }
    return out;
  }

  atomicFieldOwners(field: string): { owner: string; file: string }[] {
    const out: { owner: string; file: string }[] = [];
    for (const s of this.others()) {
      for (const [owner, fields] of Object.entries(s.structs)) {
        const t = fields[field];
        if (t && !isCounterReference(t) && classifyType(t) !== 'other') out.push({ owner, file: s.file });
      }
    }
    return out;
  }

  /** An integer const of another file, if exactly one file declares it (or all agree). */
  constInfo(name: string): { value: number | null; reference: boolean } | null {
    let found: { value: number | null; reference: boolean } | null = null;
    for (const s of this.others()) {
      const c = s.consts?.[name];
      if (!c) continue;
      if (found && (found.value !== c.value || found.reference !== c.reference)) return null;
      found = c;
    }
    return found;
  }

  /** Structs with a field that refers to a counter (`&'a AtomicUsize`): their literals elsewhere say which. */
  referenceStructs(): [string, Map<string, string>][] {
    const out: [string, Map<string, string>][] = [];
    for (const s of this.others()) {
      for (const [name, fields] of Object.entries(s.structs)) {
        if (Object.values(fields).some(isCounterReference)) out.push([name, new Map(Object.entries(fields))]);
      }
    }
    return out;
  }

  /** Files (other than the excluded one) that declare a struct named `owner`. */
  structFiles(owner: string): string[] {
    const out: string[] = [];
    for (const s of this.others()) if (s.structs[owner]) out.push(s.file);
    return out;
  }

  /** Names of all helpers outside the excluded file (to find their call sites by text). */
  helperNames(): string[] {
    const out = new Set<string>();
    for (const s of this.others()) for (const h of s.helpers) out.add(h.fnName);
    return [...out];
  }

  helpers(name: string): HelperOp[] {
    const out: HelperOp[] = [];
    for (const s of this.others()) for (const h of s.helpers) if (h.fnName === name) out.push(h);
    return out;
  }
}
