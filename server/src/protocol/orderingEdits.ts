// Writing orderings back into Rust source, shared by the quick fixes (report.ts) and the
// simulator's "Apply to source": which text replaces an ordering argument, in the style the site
// already uses (`Ordering::Acquire`, a bare imported `Acquire`, a kernel marker, a constant), the
// import a bare name needs, and a `fence(Acquire)` statement with its imports. Pure text in,
// edits out; the server re-parses every planned fix before offering it (fixCheck.ts).
//
// Imports go where the file already imports names of the same module: into that `{..}` group, or
// by turning `atomic::Relaxed` into `atomic::{Relaxed, Acquire}`; otherwise onto a new `use` line.
// Kernel code gets the kernel's markers from the module it already uses (`kernel::` from a
// driver, `crate::` inside the kernel crate), never std's names.

import type { Position, Range, TextEdit } from './finding';
import type { Ordering } from '../rust/site';
import {
  isOrderingModule, isOrderingName, isStdAtomicModule, kernelOrderingModule, rustName, stdAtomicModule, stdOrderingModule, type Family,
} from './orderings';
import { bindingOf, leavesAt, useDecls, useDeclsAfterEdit, type UseDecl } from './useTrees';

export interface OrderingChange {
  range: Range;
  to: Ordering;
  /** When known (from the reader); otherwise read from the text (`Full`, `ordering::`, the import of the name). */
  family?: Family;
}

export interface EditPlan {
  edits: TextEdit[];
  /** Reasons some changes could not be written; the rest is still applied. */
  problems: string[];
}

class Lines {
  private readonly starts: number[] = [0];
  constructor(readonly s: string) {
    for (let i = s.indexOf('\n'); i !== -1; i = s.indexOf('\n', i + 1)) this.starts.push(i + 1);
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

interface Prepared { source: string; text: Lines; uses?: UseDecl[] }

/** The last file's line index and imports: a review plans one edit per finding on the same text. */
let prepared: Prepared | null = null;

function prepare(source: string): Prepared {
  if (prepared?.source !== source) prepared = { source, text: new Lines(source) };
  return prepared;
}

/**
 * The file's `use` items, read when a plan first needs them: writing another ordering into an
 * `Ordering::X` path (the usual fix) needs none, and on a big file reading them is most of a plan.
 */
function usesOf(p: Prepared): UseDecl[] {
  if (!p.uses) {
    p.uses = (lastUses && useDeclsAfterEdit(lastUses.source, lastUses.uses, p.source)) ?? useDecls(p.source);
    lastUses = { source: p.source, uses: p.uses };
  }
  return p.uses;
}

/** The last text whose `use` items were read: the next text (one edit later, as typing goes) starts from them. */
let lastUses: { source: string; uses: UseDecl[] } | null = null;

const kernelGlob = (m: string[]): boolean => isOrderingModule(m, 'kernel');
const stdGlob = (m: string[]): boolean => isOrderingModule(m, 'std');
const orderingGlob = (m: string[]): boolean => kernelGlob(m) || stdGlob(m);

/**
 * Names to import, gathered over a plan so that several land in one edit per place (the result
 * then does not depend on how an editor orders insertions at one position).
 */
class Imports {
  /** Per insertion point: the edit's range and the names, or a whole new line. */
  private readonly into = new Map<string, { range: Range; names: string[]; render: (names: string[]) => string }>();
  private readonly lines = new Map<string, { at: Position; head: string; indent: string; module: string[]; names: string[]; before: boolean }>();

  constructor(private readonly text: Lines, private readonly usesNow: () => UseDecl[]) {}

  private get uses(): UseDecl[] {
    return this.usesNow();
  }

  /**
   * Brings `name` from a module accepted by `fromModule` into scope at `offset`: into the group or
   * next to the path that already imports from such a module, else on a new line from `fallback`.
   */
  add(name: string, offset: number, fromModule: (m: string[]) => boolean, fallback: string[]): void {
    // The declaration that already imports an ordering comes first, then any other from the module.
    const visible = leavesAt(this.uses, offset).filter(({ leaf }) => !leaf.glob && leaf.path.length > 1 && fromModule(leaf.path.slice(0, -1)))
      .sort((a, b) => Number(isOrderingName(b.leaf.path[b.leaf.path.length - 1])) - Number(isOrderingName(a.leaf.path[a.leaf.path.length - 1])));
    // An item of a group over the module itself: add a sibling to that group.
    const inGroup = visible.find(({ leaf }) => leaf.list && leaf.list.prefix.length === leaf.path.length - 1);
    if (inGroup) {
      const list = inGroup.leaf.list!;
      const at = this.text.position(list.lastItemEnd);
      const k = `g${list.open}`;
      const have = this.into.get(k);
      if (have) { if (!have.names.includes(name)) have.names.push(name); return; }
      this.into.set(k, { range: { start: at, end: at }, names: [name], render: ns => (list.empty ? '' : ', ') + ns.join(', ') });
      return;
    }
    // A path (`atomic::Relaxed`, `use kernel::sync::atomic::Relaxed;`): its last segment becomes a group.
    const single = visible[0];
    if (single) {
      const { leaf } = single;
      const tail = this.text.s.slice(leaf.tailStart, leaf.end);
      const k = `p${leaf.tailStart}`;
      const have = this.into.get(k);
      if (have) { if (!have.names.includes(name)) have.names.push(name); return; }
      this.into.set(k, { range: { start: this.text.position(leaf.tailStart), end: this.text.position(leaf.end) }, names: [name], render: ns => `{${tail}, ${ns.join(', ')}}` });
      return;
    }
    // No import from that module yet: a new declaration after the last file-level one (or before
    // the first item when there is none).
    const key = fallback.join('::');
    const have = this.lines.get(key);
    if (have) { if (!have.names.includes(name)) have.names.push(name); return; }
    const fileUses = this.uses.filter(d => d.fileLevel);
    const last = fileUses[fileUses.length - 1];
    if (last) {
      this.lines.set(key, { at: this.text.position(last.end), head: last.head.replace(/^pub\S*\s+/, ''), indent: last.indent, module: fallback, names: [name], before: false });
    } else {
      this.lines.set(key, { at: this.text.position(firstItemOffset(this.text.s)), head: 'use ', indent: '', module: fallback, names: [name], before: true });
    }
  }

  edits(): TextEdit[] {
    const out: TextEdit[] = [...this.into.values()].map(e => ({ range: e.range, newText: e.render(e.names) }));
    const byPos = new Map<string, TextEdit>();
    for (const l of this.lines.values()) {
      const decl = `${l.head}${l.module.join('::')}::${l.names.length === 1 ? l.names[0] : `{${l.names.join(', ')}}`};`;
      const k = `${l.at.line}:${l.at.character}`;
      const newText = l.before ? `${decl}\n` : `\n${l.indent}${decl}`;
      const have = byPos.get(k);
      if (have) have.newText += newText;
      else byPos.set(k, { range: { start: l.at, end: l.at }, newText });
    }
    return [...out, ...byPos.values()];
  }
}

/** Where a new file-level `use` goes when the file has none: after leading comments, blank lines and inner attributes. */
function firstItemOffset(s: string): number {
  let i = 0;
  for (;;) {
    const rest = s.slice(i);
    const m = /^(\s+|\/\/[^\n]*|\/\*[\s\S]*?\*\/|#!\[[^\]]*\])/.exec(rest);
    if (!m || m[0].length === 0) break;
    i += m[0].length;
  }
  return s.lastIndexOf('\n', i - 1) + 1;
}

/** The module a new import of `family`'s orderings names, in the root the file already uses. */
function orderingModuleFor(family: Family, uses: UseDecl[]): string[] {
  const roots = new Set(uses.flatMap(d => d.leaves.map(l => l.path[0])));
  if (family === 'kernel') return kernelOrderingModule(roots.has('crate') && !roots.has('kernel') ? 'crate' : 'kernel');
  return stdOrderingModule(roots.has('std') && !roots.has('core') ? 'std' : 'core');
}

function atomicModuleFor(uses: UseDecl[]): string[] {
  const roots = new Set(uses.flatMap(d => d.leaves.map(l => l.path[0])));
  return stdAtomicModule(roots.has('std') && !roots.has('core') ? 'std' : 'core');
}

/** The family a bare or path-qualified name is written in, when the reader did not say. */
function familyOf(prefix: string, word: string, uses: UseDecl[], offset: number): Family {
  if (word === 'Full' || /(^|::)(ordering|atomic)::$/.test(prefix)) return 'kernel';
  if (prefix === '') {
    const b = bindingOf(uses, word, offset, orderingGlob);
    if (b && isOrderingModule(b.slice(0, -1), 'kernel')) return 'kernel';
  }
  return 'std';
}

/** How a std ordering is written at `offset` so that it resolves: a bare imported name, `<Ordering alias>::X`, or a path. */
function spellStd(o: Ordering, offset: number, uses: UseDecl[], imports: Imports, preferBare: boolean): string {
  const bare = bindingOf(uses, o, offset, stdGlob);
  if (bare && isOrderingModule(bare.slice(0, -1), 'std')) return o;
  const visible = leavesAt(uses, offset).map(v => v.leaf).filter(l => !l.glob && l.local);
  const typeImport = visible.find(l => l.path[l.path.length - 1] === 'Ordering' && isStdAtomicModule(l.path.slice(0, -1)));
  const bareImports = visible.some(l => isOrderingName(l.path[l.path.length - 1]) && isOrderingModule(l.path.slice(0, -1), 'std'));
  if (typeImport && !(preferBare && bareImports)) return `${typeImport.local}::${o}`;
  if (bareImports) {
    imports.add(o, offset, m => isOrderingModule(m, 'std'), orderingModuleFor('std', uses));
    return o;
  }
  // `Ordering` already names something else here (a re-export, another enum): write the full path.
  if (bindingOf(uses, 'Ordering', offset)) return `${atomicModuleFor(uses).join('::')}::Ordering::${o}`;
  imports.add('Ordering', offset, isStdAtomicModule, atomicModuleFor(uses));
  return `Ordering::${o}`;
}

/** How a kernel marker is written at `offset`: the bare name, imported next to the markers the file already imports. */
function spellKernel(o: Ordering, offset: number, uses: UseDecl[], imports: Imports): string {
  const name = rustName(o, 'kernel');
  const bare = bindingOf(uses, name, offset, kernelGlob);
  if (!bare || !isOrderingModule(bare.slice(0, -1), 'kernel')) imports.add(name, offset, m => isOrderingModule(m, 'kernel'), orderingModuleFor('kernel', uses));
  return name;
}

/** A `fence(<to>);` statement to insert at the start of a region (a block, or a run of statements). */
export interface FenceInsertion { region: Range; to: Ordering }

export function planOrderingEdits(source: string, changes: OrderingChange[], fences: FenceInsertion[] = []): EditPlan {
  const p = prepare(source);
  const text = p.text;
  const uses = (): UseDecl[] => usesOf(p);
  const imports = new Imports(text, uses);
  const edits: TextEdit[] = [];
  const problems: string[] = [];
  const done = new Set<string>();
  for (const ch of changes) {
    const key = `${ch.range.start.line}:${ch.range.start.character}`;
    if (done.has(key)) continue;
    done.add(key);
    const original = text.get(ch.range);
    const offset = text.offset(ch.range.start);
    const m = /^(.*?)([A-Za-z_]\w*)(\s*)$/s.exec(original);
    if (!m || /[^\w\s:]/.test(m[1])) {
      problems.push(`Line ${ch.range.start.line + 1} no longer holds an ordering (found "${original}"): the file changed; review it again.`);
      continue;
    }
    const [, prefix, word, trail] = m;
    const family = ch.family ?? familyOf(prefix, word, uses(), offset);
    if (!isOrderingName(word) || prefix === '') {
      // A constant, a binding, or a bare name: write the ordering itself, importing what it needs.
      const spelled = family === 'kernel' ? spellKernel(ch.to, offset, uses(), imports) : spellStd(ch.to, offset, uses(), imports, isOrderingName(word));
      if (spelled !== word || prefix !== '') edits.push({ range: ch.range, newText: `${spelled}${trail}` });
      continue;
    }
    // A path (`Ordering::X`, `O::X`, `ordering::X`, `kernel::sync::atomic::X`): its module has every name.
    const name = rustName(ch.to, family);
    if (name !== word) edits.push({ range: ch.range, newText: `${prefix}${name}${trail}` });
  }
  for (const f of fences) {
    const e = fenceEdit(text, uses(), imports, f);
    if (typeof e === 'string') problems.push(e); else edits.push(e);
  }
  edits.push(...imports.edits());
  return { edits, problems };
}

/**
 * A `fence(<ordering>);` statement at the start of a region (a block: just inside its `{`; a run
 * of statements: before the first), spelled with what the file imports. std vocabulary only: the
 * kernel's barriers take no ordering marker.
 */
function fenceEdit(text: Lines, uses: UseDecl[], imports: Imports, f: FenceInsertion): TextEdit | string {
  const source = text.s;
  const start = text.offset(f.region.start);
  const end = text.offset(f.region.end);
  if (end <= start) return 'The region is empty: there is no statement to put the fence before.';
  const fenceBinding = bindingOf(uses, 'fence', start, isStdAtomicModule);
  const atomicModule = bindingOf(uses, 'atomic', start);
  let callee = 'fence';
  if (!(fenceBinding && isStdAtomicModule(fenceBinding.slice(0, -1)))) {
    if (atomicModule && isStdAtomicModule(atomicModule)) callee = 'atomic::fence';
    else imports.add('fence', start, isStdAtomicModule, atomicModuleFor(uses));
  }
  const stmt = `${callee}(${spellStd(f.to, start, uses, imports, true)});`;
  const lineStart = source.lastIndexOf('\n', start - 1) + 1;
  const lineIndent = /^[ \t]*/.exec(source.slice(lineStart))![0];
  if (source[start] === '{') {
    // Inside the block, indented like its first statement (or one level deeper than the brace's line).
    const next = /^[ \t]*\r?\n([ \t]*)\S/.exec(source.slice(start + 1, end));
    const indent = next ? next[1] : `${lineIndent}    `;
    const at = text.position(start + 1);
    return { range: { start: at, end: at }, newText: `\n${indent}${stmt}` };
  }
  if (source.slice(lineStart, start).trim() !== '') {
    const at = text.position(start);
    return { range: { start: at, end: at }, newText: `${stmt}\n${lineIndent}` };
  }
  // Before the comments that sit on the first statement (a `// SAFETY:` stays with its block).
  let from = lineStart;
  for (;;) {
    const prevStart = source.lastIndexOf('\n', from - 2) + 1;
    if (from === 0 || !/^[ \t]*\/\/[^\n]*\n$/.test(source.slice(prevStart, from))) break;
    from = prevStart;
  }
  const at = text.position(from);
  return { range: { start: at, end: at }, newText: `${lineIndent}${stmt}\n` };
}
