// The workspace index: per-file summaries of what other files need to read this one's atomics —
// struct field types, function signatures, and helper functions that perform an atomic operation
// on a parameter. Summaries are plain data (no syntax trees), so the language server can keep the
// index current by replacing one file's summary on each change.

import type { ClosureShape } from './closure';
import type { FnSignature } from './scope';
import type { ControlPath, Site } from './site';
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
  /**
   * `if recv.name() { .. }` where the branch takes the object (frees, drops): what a last-reference
   * test returned by `name` in another file leads to here.
   */
  testCalls?: { callee: string; path: ControlPath }[];
}

export class RustIndex implements TypeFacts {
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

  /** Names of all helpers outside the excluded file (to find their call sites by text). */
  helperNames(): string[] {
    const out = new Set<string>();
    for (const s of this.others()) for (const h of s.helpers) out.add(h.fnName);
    return [...out];
  }

  /** Paths in other files that run when a call of `name` returns true and that take the object. */
  testCalls(name: string): ControlPath[] {
    const out: ControlPath[] = [];
    for (const s of this.others()) for (const t of s.testCalls ?? []) if (t.callee === name) out.push(t.path);
    return out;
  }

  helpers(name: string): HelperOp[] {
    const out: HelperOp[] = [];
    for (const s of this.others()) for (const h of s.helpers) if (h.fnName === name) out.push(h);
    return out;
  }
}
