// Writing orderings chosen in the simulator back into Rust source: which text replaces which
// ordering argument, in the style the site already uses, and the import a bare name needs. Pure
// (no VS Code API) so it is unit-tested on plain strings; the panel turns the plan into a
// WorkspaceEdit.

import type { Mode } from '../../../server/src/memory/ir';
import type { Position, Range, ScenarioView } from '../../../server/src/protocol/finding';
import type { SiteOrdering } from '../../webview/messages';

export interface EditPlan {
  edits: { range: Range; newText: string }[];
  /** Reasons some choices could not be written; shown to the user, the rest is still applied. */
  problems: string[];
}

const RUST_NAMES: Record<Exclude<Mode, 'na'>, string> = { rlx: 'Relaxed', acq: 'Acquire', rel: 'Release', acq_rel: 'AcqRel', sc: 'SeqCst' };
// kernel::sync::atomic::ordering has Relaxed/Acquire/Release/Full; Full is the only ordering stronger than both halves.
const KERNEL_NAMES: Record<Exclude<Mode, 'na'>, string> = { rlx: 'Relaxed', acq: 'Acquire', rel: 'Release', acq_rel: 'Full', sc: 'Full' };
const ORDERING_WORD = /^(Relaxed|Acquire|Release|AcqRel|SeqCst|Full)$/;

class Text {
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

/** Whether `name` is in scope as a bare ordering name through a `use` of the Ordering enum's variants. */
function imported(uses: UseDecl[], name: string): boolean {
  const word = new RegExp(`\\b${name}\\b`);
  return uses.some(u => {
    const t = u.text.replace(/\s+/g, ' ');
    if (/[Oo]rdering::\*/.test(t)) return true;
    const group = /[Oo]rdering::\{([^}]*)\}/.exec(t);
    return (group !== null && word.test(group[1])) || new RegExp(`[Oo]rdering::${name}\\b`).test(t);
  });
}

/** An edit that brings `name` into scope next to the existing ordering imports, or undefined when there is none to extend. */
function importEdit(text: Text, uses: UseDecl[], name: string): { range: Range; newText: string } | undefined {
  for (const u of uses) {
    const group = /([Oo]rdering::\{)([^}]*)\}/.exec(u.text);
    if (group) {
      const sep = group[2].trim() === '' ? '' : group[2].trimEnd().endsWith(',') ? ' ' : ', ';
      const at = text.position(u.start + group.index + group[1].length + group[2].trimEnd().length);
      return { range: { start: at, end: at }, newText: `${sep}${name}` };
    }
  }
  for (const u of uses) {
    const single = /^([ \t]*(?:pub(?:\([^)]*\))?\s+)?use\s+)([\w:]*[Oo]rdering)::\w+\s*;$/.exec(u.text);
    if (single) {
      const at = text.position(u.end);
      return { range: { start: at, end: at }, newText: `\n${single[1]}${single[2]}::${name};` };
    }
  }
  return undefined;
}

export function planOrderingEdits(source: string, sites: ScenarioView['sites'], orderings: SiteOrdering[]): EditPlan {
  const text = new Text(source);
  const uses = useDecls(source);
  const edits: EditPlan['edits'] = [];
  const problems: string[] = [];
  const done = new Set<string>();
  const importsNeeded = new Set<string>();
  for (const o of orderings) {
    const site = sites[o.site];
    if (!site) { problems.push(`Unknown site ${o.site}.`); continue; }
    if (o.mode === 'na') continue;
    // One-argument APIs (kernel cmpxchg) carry the success ordering in their single argument.
    const target = site.orderingRanges.some(r => r.which === o.which) ? o.which : o.which === 'success' ? 'single' : o.which;
    const ranges = site.orderingRanges.filter(r => r.which === target);
    if (ranges.length === 0) { problems.push(`${site.text.trim()}: no ${o.which} ordering argument to change.`); continue; }
    for (const { range } of ranges) {
      const key = `${range.start.line}:${range.start.character}`;
      if (done.has(key)) continue;
      done.add(key);
      const original = text.get(range);
      const m = /^(.*?)([A-Za-z_]\w*)$/s.exec(original.trim());
      if (!m || !ORDERING_WORD.test(m[2])) {
        problems.push(`Line ${range.start.line + 1} no longer holds an ordering (found "${original}"): the file changed since the simulation started; open the simulator again.`);
        continue;
      }
      const prefix = m[1];
      const kernel = m[2] === 'Full' || /(^|::)ordering::$/.test(prefix);
      const name = (kernel ? KERNEL_NAMES : RUST_NAMES)[o.mode];
      if (name === m[2]) continue;
      edits.push({ range, newText: original.replace(/[A-Za-z_]\w*(\s*)$/, `${name}$1`) });
      if (prefix === '' && !imported(uses, name)) importsNeeded.add(name);
    }
  }
  // Several names into one import become one insertion, so the result does not depend on how
  // an editor orders insertions at the same position.
  const inserts = new Map<string, { range: Range; newText: string }>();
  for (const name of importsNeeded) {
    const e = importEdit(text, uses, name);
    const at = e && `${e.range.start.line}:${e.range.start.character}`;
    if (e && at) {
      const have = inserts.get(at);
      if (have) have.newText += e.newText.startsWith('\n') ? e.newText : `, ${name}`;
      else inserts.set(at, e);
    } else problems.push(`\`${name}\` is written as a bare name: add \`use core::sync::atomic::Ordering::${name};\` (no existing Ordering import to extend).`);
  }
  edits.push(...inserts.values());
  return { edits, problems };
}
