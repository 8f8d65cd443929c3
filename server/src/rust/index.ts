// The workspace index: per-file summaries of what other files need to read this one's atomics —
// struct field types, function signatures, and helper functions that perform an atomic operation
// on a parameter. Summaries are plain data (no syntax trees), so the language server can keep the
// index current by replacing one file's summary on each change.

import type { ClosureShape } from './closure';
import type { FnSignature } from './scope';
import type { Site } from './site';
import type { TypeFacts } from './receiver';

/** A function that does an atomic operation on one of its parameters for its caller. */
export interface HelperOp {
  fnName: string;
  implType: string | null;
  file: string;
  /** The helper is a method: callers write `recv.name(args)` and args map to `params` directly. */
  hasSelf: boolean;
  /** Position of the atomic among the non-self parameters. */
  paramIndex: number;
  paramName: string;
  paramCount: number;
  /** The operation inside the helper (its orderings have ranges in `file`). */
  site: Site;
  /** fetch_update: the closure, with helper parameters kept symbolic. */
  closure?: ClosureShape;
  /** What the helper returns: the op's old value, the new value, the op's Result, a bool, or unknown. */
  returns: 'old' | 'new' | 'result' | 'bool' | 'unknown';
}

export interface FileSummary {
  file: string;
  /** struct name -> field -> type text */
  structs: Record<string, Record<string, string>>;
  fns: FnSignature[];
  helpers: HelperOp[];
}

interface Lookups {
  fieldByOwner: Map<string, { file: string; type: string }[]>;
  fieldsByName: Map<string, { file: string; type: string }[]>;
  fnsByName: Map<string, (FnSignature & { file: string })[]>;
  helpersByName: Map<string, HelperOp[]>;
}

export class RustIndex implements TypeFacts {
  private readonly files = new Map<string, FileSummary>();
  /** While reading `exclude`, its own (fresher) local facts take precedence over the index. */
  private exclude: string | null = null;
  /**
   * The summaries by name, in file order, rebuilt after a change: a lookup per site must not
   * scan every file, or reading a workspace is quadratic in its size.
   */
  private lookups: Lookups | null = null;

  update(summary: FileSummary): void { this.files.set(summary.file, summary); this.lookups = null; }
  remove(file: string): void { this.files.delete(file); this.lookups = null; }
  get(file: string): FileSummary | undefined { return this.files.get(file); }
  get size(): number { return this.files.size; }

  /** Runs `fn` with `file`'s own summary hidden (the caller has the current text of that file). */
  excluding<T>(file: string, fn: () => T): T {
    const prev = this.exclude;
    this.exclude = file;
    try { return fn(); } finally { this.exclude = prev; }
  }

  private byName(): Lookups {
    if (this.lookups) return this.lookups;
    const l: Lookups = { fieldByOwner: new Map(), fieldsByName: new Map(), fnsByName: new Map(), helpersByName: new Map() };
    const add = <T>(m: Map<string, T[]>, k: string, v: T): void => {
      const list = m.get(k);
      if (list) list.push(v);
      else m.set(k, [v]);
    };
    for (const s of this.files.values()) {
      for (const [owner, fields] of Object.entries(s.structs)) {
        for (const [field, type] of Object.entries(fields)) {
          if (!type) continue;
          add(l.fieldByOwner, `${owner}\u0000${field}`, { file: s.file, type });
          add(l.fieldsByName, field, { file: s.file, type });
        }
      }
      for (const f of s.fns) add(l.fnsByName, f.name, { ...f, file: s.file });
      for (const h of s.helpers) add(l.helpersByName, h.fnName, h);
    }
    this.lookups = l;
    return l;
  }

  fieldType(owner: string, field: string): string | null {
    for (const e of this.byName().fieldByOwner.get(`${owner}\u0000${field}`) ?? []) if (e.file !== this.exclude) return e.type;
    return null;
  }

  fieldTypesByName(field: string): string[] {
    return (this.byName().fieldsByName.get(field) ?? []).filter(e => e.file !== this.exclude).map(e => e.type);
  }

  fnReturns(implType: string | null, name: string): string[] {
    const out: string[] = [];
    for (const f of this.byName().fnsByName.get(name) ?? []) if (f.file !== this.exclude && f.returnType && (implType === null || f.implType === implType)) out.push(f.returnType);
    return out;
  }

  /** Names of all helpers outside the excluded file (to find their call sites by text). */
  helperNames(): string[] {
    const out: string[] = [];
    for (const [name, hs] of this.byName().helpersByName) if (hs.some(h => h.file !== this.exclude)) out.push(name);
    return out;
  }

  helpers(name: string): HelperOp[] {
    return (this.byName().helpersByName.get(name) ?? []).filter(h => h.file !== this.exclude);
  }
}
