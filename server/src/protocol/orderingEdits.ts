// Writing orderings back into Rust source, shared by the quick fixes (report.ts) and the
// simulator's "Apply to source": which text replaces an ordering argument, in the style the site
// already uses (`Ordering::Acquire`, a bare imported `Acquire`, a kernel marker, a constant), and
// the import a bare name needs. Pure text in, edits out.

import type { Position, Range, TextEdit } from './finding';
import type { Ordering } from '../rust/site';

export interface OrderingChange {
  range: Range;
  to: Ordering;
  /** When known (from the reader); otherwise guessed from the text (`Full`, `ordering::`). */
  family?: 'std' | 'kernel';
}

export interface EditPlan {
  edits: TextEdit[];
  /** Reasons some changes could not be written; the rest is still applied. */
  problems: string[];
}

// kernel::sync::atomic has Relaxed/Acquire/Release/Full; Full is the only one stronger than both halves.
const KERNEL_NAME: Record<Ordering, string> = { Relaxed: 'Relaxed', Acquire: 'Acquire', Release: 'Release', AcqRel: 'Full', SeqCst: 'Full' };
const ORDERING_WORD = /^(Relaxed|Acquire|Release|AcqRel|SeqCst|Full)$/;
const KERNEL_ONLY = new Set(['Full']);

export function orderingName(to: Ordering, family: 'std' | 'kernel'): string {
  return family === 'kernel' ? KERNEL_NAME[to] : to;
}

class Lines {
  private readonly starts: number[] = [0];
  constructor(readonly s: string) {
    for (let i = 0; i < s.length; i++) if (s[i] === '\n') this.starts.push(i + 1);
  }
  offset(p: Position): number {
    const line = Math.min(Math.max(p.line, 0), this.starts.length - 1);
    const end = line + 1 < this.starts.length ? this.starts[line + 1] - 1 : this.s.length;
    return Math.min(this.starts[line] + Math.max(p.character, 0), end);
  }
  position(off: number): Position {
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.starts[mid] <= off) lo = mid; else hi = mid - 1;
    }
    return { line: lo, character: off - this.starts[lo] };
  }
  get(r: Range): string {
    return this.s.slice(this.offset(r.start), this.offset(r.end));
  }
}

interface UseDecl { start: number; end: number; text: string }

function useDecls(src: string): UseDecl[] {
  const out: UseDecl[] = [];
  for (const m of src.matchAll(/(^|\n)([ \t]*(?:pub(?:\([^)]*\))?\s+)?use\s+[^;]*;)/g)) {
    const start = (m.index ?? 0) + m[1].length;
    out.push({ start, end: start + m[2].length, text: m[2] });
  }
  return out;
}

/** Is `name` in scope as a bare name: in a `{..}` group, as the last segment, or through an ordering glob? */
function imported(uses: UseDecl[], name: string): boolean {
  const word = new RegExp(`\\b${name}\\b`);
  return uses.some(u => {
    const t = u.text.replace(/\s+/g, ' ');
    if (/(Ordering|ordering|atomic)::\*/.test(t)) return true;
    const group = /::\{([^}]*)\}/.exec(t);
    return (group !== null && word.test(group[1])) || new RegExp(`::${name}\\s*;`).test(t);
  });
}

/** Brings `name` into scope next to the import of `like` (the name it replaces), or undefined when there is none. */
function importEdit(text: Lines, uses: UseDecl[], name: string, like: string): TextEdit | undefined {
  const word = new RegExp(`\\b${like}\\b`);
  for (const u of uses) {
    const group = /(::\{)([^}]*)\}/.exec(u.text);
    if (group && word.test(group[2])) {
      const sep = group[2].trim() === '' ? '' : group[2].trimEnd().endsWith(',') ? ' ' : ', ';
      const at = text.position(u.start + group.index + group[1].length + group[2].trimEnd().length);
      return { range: { start: at, end: at }, newText: `${sep}${name}` };
    }
  }
  for (const u of uses) {
    const single = new RegExp(`^([ \\t]*(?:pub(?:\\([^)]*\\))?\\s+)?use\\s+)([\\w:]*)::${like}\\s*;$`).exec(u.text);
    if (single) {
      const at = text.position(u.end);
      return { range: { start: at, end: at }, newText: `\n${single[1]}${single[2]}::${name};` };
    }
  }
  return undefined;
}

/** The last file's line index and imports: a review plans one edit per finding on the same text. */
let prepared: { source: string; text: Lines; uses: UseDecl[] } | null = null;

function prepare(source: string): { text: Lines; uses: UseDecl[] } {
  if (prepared?.source !== source) prepared = { source, text: new Lines(source), uses: useDecls(source) };
  return prepared;
}

export function planOrderingEdits(source: string, changes: OrderingChange[]): EditPlan {
  const { text, uses } = prepare(source);
  const hasOrderingType = uses.some(u => /\bOrdering\b(?!::)/.test(u.text) || /\{[^}]*\bOrdering\b[^}]*\}/.test(u.text));
  const edits: TextEdit[] = [];
  const problems: string[] = [];
  const done = new Set<string>();
  const importsNeeded = new Map<string, string>(); // new name -> the name it replaces
  const kernelNames = new Set<string>();
  for (const ch of changes) {
    const key = `${ch.range.start.line}:${ch.range.start.character}`;
    if (done.has(key)) continue;
    done.add(key);
    const original = text.get(ch.range);
    const m = /^(.*?)([A-Za-z_]\w*)(\s*)$/s.exec(original);
    if (!m) {
      problems.push(`Line ${ch.range.start.line + 1} no longer holds an ordering (found "${original}"): the file changed; review it again.`);
      continue;
    }
    const [, prefix, word, trail] = m;
    if (!ORDERING_WORD.test(word)) {
      if (/[^\w\s]/.test(prefix)) {
        problems.push(`Line ${ch.range.start.line + 1} no longer holds an ordering (found "${original}"): the file changed; review it again.`);
        continue;
      }
      // A constant or a binding: write the ordering itself at this site.
      if (ch.family === 'kernel') {
        edits.push({ range: ch.range, newText: KERNEL_NAME[ch.to] });
        if (!imported(uses, KERNEL_NAME[ch.to])) { importsNeeded.set(KERNEL_NAME[ch.to], ''); kernelNames.add(KERNEL_NAME[ch.to]); }
        continue;
      }
      edits.push({ range: ch.range, newText: hasOrderingType ? `Ordering::${ch.to}` : `core::sync::atomic::Ordering::${ch.to}` });
      continue;
    }
    const kernel = ch.family ? ch.family === 'kernel' : word === 'Full' || /(^|::)ordering::$/.test(prefix);
    const name = orderingName(ch.to, kernel ? 'kernel' : 'std');
    if (name === word) continue;
    edits.push({ range: ch.range, newText: `${prefix}${name}${trail}` });
    if (prefix === '' && !imported(uses, name)) {
      importsNeeded.set(name, word);
      if (kernel) kernelNames.add(name);
    }
  }
  // Several names into one import become one insertion, so the result does not depend on how an
  // editor orders insertions at the same position.
  const inserts = new Map<string, TextEdit>();
  for (const [name, like] of importsNeeded) {
    if (imported(uses, name)) continue;
    const e = like ? importEdit(text, uses, name, like) : undefined;
    const at = e && `${e.range.start.line}:${e.range.start.character}`;
    if (e && at) {
      const have = inserts.get(at);
      if (have) have.newText += e.newText.startsWith('\n') ? e.newText : `, ${name}`;
      else inserts.set(at, e);
    } else {
      const path = KERNEL_ONLY.has(name) || kernelNames.has(name) ? 'kernel::sync::atomic' : 'core::sync::atomic::Ordering';
      problems.push(`\`${name}\` is written as a bare name: add \`use ${path}::${name};\` (no existing import to extend).`);
    }
  }
  edits.push(...inserts.values());
  return { edits, problems };
}
