// Resolving an ordering argument to its value, the way rustc would: through paths, `use`
// imports (named, renamed, glob), kernel marker types, consts, and simple `let` bindings.
// What cannot be resolved statically (a parameter, a call, a conditional) is reported as such;
// it is never guessed.

import type { SyntaxNode } from './parser';
import type { FileScope, FnScope } from './scope';
import type { Ordering, OrderingResolution } from './site';
import { ORDERINGS } from './site';
import { peel, pathSegments } from './syntax';
import { KERNEL_MARKERS, type KernelMarker } from '../protocol/orderings';

export const FULL_NOTE = 'kernel `Full` is a fully ordered operation; modelled as SeqCst';

export interface ResolvedOrdering {
  /** null when not statically known. */
  ordering: Ordering | null;
  family: 'std' | 'kernel';
  resolution: OrderingResolution;
  how: string;
  note?: string;
  /**
   * Whether the argument is an ordering at all (resolved, or typed/spelled as one). Decides
   * whether a `load(x)` call is an atomic operation or some unrelated method.
   */
  orderingLike: boolean;
  /** The parameter of the enclosing function the argument is (or is bound from): its callers choose the ordering. */
  parameter?: string;
}

const NOT_ORDERING: ResolvedOrdering = { ordering: null, family: 'std', resolution: 'unresolved', how: 'not an ordering', orderingLike: false };

function isStdName(s: string): s is Ordering { return (ORDERINGS as readonly string[]).includes(s); }
function isKernelName(s: string): s is KernelMarker { return (KERNEL_MARKERS as readonly string[]).includes(s); }

function fromKernel(name: KernelMarker, resolution: OrderingResolution, how: string): ResolvedOrdering {
  if (name === 'Full') return { ordering: 'SeqCst', family: 'kernel', resolution, how, note: FULL_NOTE, orderingLike: true };
  return { ordering: name, family: 'kernel', resolution, how, orderingLike: true };
}

/** True when a full path names a kernel ordering marker: kernel::sync::atomic[::ordering]::X. */
function kernelMarkerPath(segs: string[]): KernelMarker | null {
  const name = segs[segs.length - 1];
  if (!isKernelName(name) || segs.length < 2) return null;
  const owner = segs[segs.length - 2];
  return owner === 'ordering' || owner === 'atomic' ? name : null;
}

/** True when a full path names std's `Ordering::X`. */
function stdOrderingPath(segs: string[]): Ordering | null {
  const name = segs[segs.length - 1];
  return segs.length >= 2 && segs[segs.length - 2] === 'Ordering' && isStdName(name) ? name : null;
}

export class OrderingResolver {
  /** Whether the file uses kernel atomics (decides what a bare, unimported `Relaxed` means). */
  private readonly kernelFile: boolean;

  constructor(private readonly file: FileScope) {
    const paths = [...file.imports.values(), ...file.globs].map(i => i.path);
    this.kernelFile = paths.some(p => p.startsWith('kernel::sync::atomic') || p.startsWith('crate::sync::atomic'));
  }

  resolve(arg: SyntaxNode, fn: FnScope | null, depth = 0): ResolvedOrdering {
    const n = peel(arg);
    if (depth > 8) return { ...NOT_ORDERING, how: 'binding chain too deep' };
    if (n.type === 'identifier') return this.resolveName(n.text, n, fn, depth);
    if (n.type === 'scoped_identifier') return this.resolvePath(pathSegments(n), n, fn, depth);
    // A call, a field, an if/match...: an ordering only if it is spelled like one, and unknown anyway.
    const spelled = /\bOrdering\b|\b(Relaxed|Acquire|Release|AcqRel|SeqCst|Full)\b/.test(n.text);
    return { ordering: null, family: 'std', resolution: 'unresolved', how: `\`${n.text}\` is not a constant ordering`, orderingLike: spelled };
  }

  private resolveName(name: string, node: SyntaxNode, fn: FnScope | null, depth: number): ResolvedOrdering {
    // Innermost first: a let in the function, then a parameter, then file-level items.
    const let_ = fn?.letBefore(name, node.startIndex);
    if (let_) {
      if (!let_.value) return this.unresolvedTyped(let_.type, `\`${name}\` is bound without a value (line ${let_.line + 1})`);
      const r = this.resolve(let_.value, fn, depth + 1);
      if (r.ordering) return { ...r, resolution: 'let', how: `let ${name} (line ${let_.line + 1}) = ${r.how}` };
      if (r.orderingLike || isOrderingType(let_.type)) return { ...r, orderingLike: true, how: `let ${name} (line ${let_.line + 1}): ${r.how}` };
      return NOT_ORDERING;
    }
    const param = fn?.param(name);
    if (param) return { ...this.unresolvedTyped(param.type, `\`${name}\` is a parameter of \`${fn!.name}\`; its value depends on the caller`), parameter: name };
    const c = this.file.consts.get(name);
    if (c) return this.fromConst(c, depth, fn);
    const imp = this.file.imports.get(name);
    if (imp) {
      const segs = imp.path.split('::');
      const std = stdOrderingPath(segs);
      if (std) return { ordering: std, family: 'std', resolution: 'import', how: `imported as ${name} (line ${imp.line + 1}: ${imp.path})`, orderingLike: true };
      const k = kernelMarkerPath(segs);
      if (k) return fromKernel(k, 'import', `kernel marker imported as ${name} (line ${imp.line + 1}: ${imp.path})`);
      return NOT_ORDERING;
    }
    for (const g of this.file.globs) {
      const segs = g.path.split('::');
      const owner = segs[segs.length - 1];
      if (owner === 'Ordering' && isStdName(name)) return { ordering: name, family: 'std', resolution: 'glob', how: `glob import ${g.path}::* (line ${g.line + 1})`, orderingLike: true };
      if ((owner === 'ordering' || owner === 'atomic') && segs.includes('sync') && isKernelName(name)) return fromKernel(name, 'glob', `kernel marker from glob import ${g.path}::* (line ${g.line + 1})`);
    }
    if (name === 'Full') return fromKernel('Full', 'name-only', 'kernel marker `Full` (no import found)');
    if (isStdName(name)) {
      if (this.kernelFile && isKernelName(name)) return fromKernel(name, 'name-only', `kernel marker \`${name}\` (no import of it found)`);
      return { ordering: name, family: 'std', resolution: 'name-only', how: `\`${name}\` (no import of it found; read by name)`, orderingLike: true };
    }
    return NOT_ORDERING;
  }

  private resolvePath(segs: string[], node: SyntaxNode, fn: FnScope | null, depth: number): ResolvedOrdering {
    const text = segs.join('::');
    // `Self::ORD` / `Type::ORD`: an associated const of an impl in this file.
    if (segs.length === 2 && this.file.consts.has(segs[1]) && !isStdName(segs[1]) && !isKernelName(segs[1])) {
      return this.fromConst(this.file.consts.get(segs[1])!, depth, fn);
    }
    // Expand the first segment through an import (`use core::sync::atomic::Ordering as O`).
    const first = this.file.imports.get(segs[0]);
    const aliased = !!first && first.path.split('::').pop() !== segs[0];
    const full = first ? [...first.path.split('::'), ...segs.slice(1)] : segs;
    const std = stdOrderingPath(full);
    if (std) {
      return aliased
        ? { ordering: std, family: 'std', resolution: 'alias', how: `${text} (${segs[0]} = ${first!.path}, line ${first!.line + 1})`, orderingLike: true }
        : { ordering: std, family: 'std', resolution: 'path', how: text, orderingLike: true };
    }
    const k = kernelMarkerPath(full);
    if (k) return fromKernel(k, aliased ? 'alias' : 'kernel-marker', `kernel marker ${text}`);
    const last = segs[segs.length - 1];
    const spelled = segs.includes('Ordering') || segs.includes('ordering') || (isStdName(last) || isKernelName(last));
    void node;
    return spelled
      ? { ordering: null, family: 'std', resolution: 'unresolved', how: `\`${text}\` is not a known ordering`, orderingLike: true }
      : NOT_ORDERING;
  }

  private fromConst(c: { name: string; type: string | null; value: SyntaxNode; line: number }, depth: number, fn: FnScope | null): ResolvedOrdering {
    // Consts live at file level: their values see no function bindings.
    void fn;
    const r = this.resolve(c.value, null, depth + 1);
    if (r.ordering) return { ...r, resolution: 'const', how: `const ${c.name} (line ${c.line + 1}) = ${r.how}` };
    return isOrderingType(c.type) || r.orderingLike ? { ...r, orderingLike: true, how: `const ${c.name} (line ${c.line + 1}): ${r.how}` } : NOT_ORDERING;
  }

  private unresolvedTyped(type: string | null, how: string): ResolvedOrdering {
    return { ordering: null, family: 'std', resolution: 'unresolved', how, orderingLike: isOrderingType(type) };
  }
}

/** `Ordering`, `atomic::Ordering`, or a kernel ordering type/generic bound. */
export function isOrderingType(type: string | null): boolean {
  if (!type) return false;
  return /(^|::|\s|&)Ordering$/.test(type.trim()) || /\bordering::(Any|Relaxed|Acquire|Release|Full)\b/.test(type) || /^(Relaxed|Acquire|Release|Full)$/.test(type.trim());
}
