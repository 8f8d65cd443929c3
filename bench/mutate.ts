// One-ordering mutants of hand-listed reference-count sites. Deliberately independent of the
// reviewer under test: sites are found by their line text, and the call's arguments by a small
// bracket scanner over the raw text, never through the tool's tree-sitter reader, so a reader bug
// cannot hide a site from the measurement.

export type OrderingName = 'Relaxed' | 'Acquire' | 'Release' | 'AcqRel' | 'SeqCst' | 'Full';
/** Which argument of the call an ordering is, named as Rust's docs name them. */
export type SlotName = 'single' | 'success' | 'failure' | 'set' | 'fetch';
/** What the slot's access is, which decides the orderings Rust accepts for it. */
type Access = 'rmw' | 'load' | 'store' | 'fence';

const ORDERING_ARG = /^(?:((?:[A-Za-z_]\w*::)*)(?:Ordering::)?)?(Relaxed|Acquire|Release|AcqRel|SeqCst|Full)$/;

// Every ordering strictly weaker than the key, among those valid for the access.
const WEAKER: Record<Access, Partial<Record<OrderingName, OrderingName[]>>> = {
  rmw: { SeqCst: ['AcqRel', 'Acquire', 'Release', 'Relaxed'], AcqRel: ['Acquire', 'Release', 'Relaxed'], Acquire: ['Relaxed'], Release: ['Relaxed'] },
  load: { SeqCst: ['Acquire', 'Relaxed'], Acquire: ['Relaxed'] },
  store: { SeqCst: ['Release', 'Relaxed'], Release: ['Relaxed'] },
  // A fence cannot be Relaxed: below Acquire/Release the mutant is the deleted fence.
  fence: { SeqCst: ['AcqRel', 'Acquire', 'Release'], AcqRel: ['Acquire', 'Release'] },
};
// One step up the same lattice.
const STRONGER: Record<Access, Partial<Record<OrderingName, OrderingName[]>>> = {
  rmw: { Relaxed: ['Acquire', 'Release'], Acquire: ['AcqRel'], Release: ['AcqRel'], AcqRel: ['SeqCst'] },
  load: { Relaxed: ['Acquire'], Acquire: ['SeqCst'] },
  store: { Relaxed: ['Release'], Release: ['SeqCst'] },
  fence: { Acquire: ['AcqRel'], Release: ['AcqRel'], AcqRel: ['SeqCst'] },
};
// Kernel atomics (LKMM names): the mutants the kernel API can express.
const KERNEL_WEAKER: Partial<Record<OrderingName, OrderingName[]>> = { Full: ['Relaxed'], Acquire: ['Relaxed'], Release: ['Relaxed'] };
const KERNEL_STRONGER: Partial<Record<OrderingName, OrderingName[]>> = { Relaxed: ['Acquire', 'Release'], Acquire: ['Full'], Release: ['Full'] };

const FENCE_OPS = new Set(['fence', 'acquire!']);

export interface SiteSpec {
  id: string;
  /** Trimmed text of the line holding the call (the line where `op` starts). */
  line: string;
  /** 0-based index among the lines with that text, when several are equal. */
  nth?: number;
  /** The called method or function: fetch_sub, compare_exchange, load, fence, acquire!, cmpxchg, ... */
  op: string;
}

export interface OrderingSlotText { slot: SlotName; access: Access; ordering: OrderingName; start: number; end: number; qualifier: string }

export interface LocatedCall {
  /** 0-based line of the call. */
  line: number;
  /** Offsets in the text: the callee (for fences, including its path) to the closing parenthesis. */
  start: number;
  end: number;
  slots: OrderingSlotText[];
}

export class SiteError extends Error {}

function lineStarts(text: string): number[] {
  const out = [0];
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) out.push(i + 1);
  return out;
}

/** Skips a string, char literal or comment starting at i; returns the index after it, or i. */
function skipLiteral(text: string, i: number): number {
  const c = text[i];
  if (c === '/' && text[i + 1] === '/') { const e = text.indexOf('\n', i); return e === -1 ? text.length : e; }
  if (c === '/' && text[i + 1] === '*') { const e = text.indexOf('*/', i + 2); return e === -1 ? text.length : e + 2; }
  if (c === '"') {
    let j = i + 1;
    while (j < text.length && text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
    return j + 1;
  }
  // A char literal, not a lifetime: 'x' or '\n'.
  if (c === "'" && (text[i + 2] === "'" || (text[i + 1] === '\\' && text.indexOf("'", i + 2) - i <= 10))) return text.indexOf("'", i + 2) + 1;
  return i;
}

/** The text with comments and string/char literals blanked (newlines kept), so offsets stay valid. */
function blankLiterals(text: string): string {
  let out = '';
  for (let i = 0; i < text.length;) {
    const skipped = skipLiteral(text, i);
    if (skipped === i) { out += text[i++]; continue; }
    out += text.slice(i, skipped).replace(/[^\n]/g, ' ');
    i = skipped;
  }
  return out;
}

/** The top-level arguments of the call whose `(` is at `open` in blanked text, with their offsets; and the `)`. */
function callArgs(text: string, open: number): { args: { text: string; start: number }[]; close: number } {
  const args: { text: string; start: number }[] = [];
  let depth = 0;
  let argStart = open + 1;
  for (let i = open; i < text.length; i++) {
    const c = text[i];
    if (c === '(' || c === '[' || c === '{') depth++;
    else if (c === ')' || c === ']' || c === '}') {
      depth--;
      if (depth === 0) {
        args.push({ text: text.slice(argStart, i), start: argStart });
        return { args: args.filter(a => a.text.trim() !== ''), close: i };
      }
    } else if (c === ',' && depth === 1) {
      args.push({ text: text.slice(argStart, i), start: argStart });
      argStart = i + 1;
    }
  }
  throw new SiteError('unbalanced parentheses after the call');
}

function accessOf(op: string): Access {
  if (op === 'fence' || op === 'acquire!') return 'fence';
  if (/^load/.test(op) || op === 'read') return 'load';
  if (/^store/.test(op) || op === 'set') return 'store';
  return 'rmw';
}

/** Finds the site's call in the text. Throws SiteError when the line or the call is not there. */
export function locateCall(text: string, site: SiteSpec): LocatedCall {
  const starts = lineStarts(text);
  const lines = text.split('\n');
  const matching = lines.map((l, i) => (l.trim() === site.line ? i : -1)).filter(i => i >= 0);
  if (matching.length > 1 && site.nth === undefined) throw new SiteError(`${matching.length} lines have this text; say which with nth: ${site.line}`);
  const line = matching[site.nth ?? 0];
  if (line === undefined) throw new SiteError(`line not found${matching.length ? ` (only ${matching.length} with this text)` : ''}: ${site.line}`);
  const opName = site.op.replace(/!$/, '');
  const re = new RegExp(`(?<![\\w])${opName.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}${site.op.endsWith('!') ? '!' : ''}\\s*\\(`);
  const m = re.exec(lines[line]);
  if (!m) throw new SiteError(`no call to ${site.op} on the line: ${site.line}`);
  let start = starts[line] + m.index;
  const open = start + m[0].length - 1;
  const { args, close } = callArgs(blankLiterals(text), open);
  if (FENCE_OPS.has(site.op)) {
    // The callee's path belongs to the fence call: `atomic::fence(..)`, `core::sync::atomic::fence(..)`.
    while (start >= 2 && text.slice(start - 2, start) === '::') {
      let s = start - 2;
      while (s > 0 && /\w/.test(text[s - 1])) s--;
      start = s;
    }
  }
  const access = accessOf(site.op);
  const orderingArgs = args.map(a => ({ a, m: ORDERING_ARG.exec(a.text.trim()) })).filter(x => x.m);
  const slotNames: SlotName[] = /^compare_exchange|^compare_and_swap|^cmpxchg_weak/.test(site.op) && orderingArgs.length === 2 ? ['success', 'failure']
    : /^fetch_update|^try_update|^update$/.test(site.op) && orderingArgs.length === 2 ? ['set', 'fetch']
    : orderingArgs.map(() => 'single' as const);
  const slots = orderingArgs.map(({ a, m }, k): OrderingSlotText => {
    const lead = a.text.length - a.text.trimStart().length;
    const tokenStart = a.start + lead;
    const slot = slotNames[k];
    return {
      slot, access: slot === 'failure' || slot === 'fetch' ? 'load' : access, ordering: m![2] as OrderingName,
      start: tokenStart, end: tokenStart + a.text.trim().length, qualifier: a.text.trim().slice(0, -m![2].length),
    };
  });
  return { line, start, end: close + 1, slots };
}

export type MutantKind = 'weaken' | 'delete' | 'strengthen';

export interface Mutant {
  kind: MutantKind;
  slot: SlotName | 'fence';
  from: OrderingName | null;
  to: OrderingName | null;
  /** `success: Release -> Relaxed`, `fence deleted`: how the report names it. */
  label: string;
  text: string;
}

/** Whether the file uses the kernel's ordering markers rather than core's `Ordering`. */
export function isKernelText(text: string): boolean {
  return /\bkernel::sync::atomic\b/.test(text) && !/\bcore::sync::atomic::Ordering\b|\bstd::sync::atomic::Ordering\b/.test(text);
}

/** How to spell ordering `to` where `from` was written, so the mutant still names an imported item. */
function spell(text: string, slot: OrderingSlotText, to: OrderingName, kernel: boolean): string {
  if (slot.qualifier) return slot.qualifier + to;
  const imported = new RegExp(`\\buse\\s[^;]*(\\b${to}\\b|Ordering::\\*|ordering::\\*|atomic::\\*)[^;]*;`).test(text);
  if (imported) return to;
  return kernel ? `kernel::sync::atomic::${to}` : `core::sync::atomic::Ordering::${to}`;
}

/** Every one-ordering mutant of the call: weakenings down the valid lattice, the deleted fence, and one-step strengthenings. */
export function mutantsOf(text: string, call: LocatedCall, op: string): Mutant[] {
  const kernel = isKernelText(text);
  const out: Mutant[] = [];
  const replace = (s: number, e: number, by: string): string => text.slice(0, s) + by + text.slice(e);
  for (const slot of call.slots) {
    const weaker = (kernel ? KERNEL_WEAKER : WEAKER[slot.access])[slot.ordering] ?? [];
    const stronger = (kernel ? KERNEL_STRONGER : STRONGER[slot.access])[slot.ordering] ?? [];
    for (const [kind, list] of [['weaken', weaker], ['strengthen', stronger]] as const) {
      for (const to of list) {
        out.push({ kind, slot: slot.slot, from: slot.ordering, to, label: `${slot.slot === 'single' ? '' : slot.slot + ': '}${slot.ordering} -> ${to}`, text: replace(slot.start, slot.end, spell(text, slot, to, kernel)) });
      }
    }
  }
  if (FENCE_OPS.has(op)) {
    // Keep the line count: lines after the fence keep their numbers, so sites stay comparable.
    let end = call.end;
    const semi = /^[ \t]*;/.exec(text.slice(end));
    if (semi) end += semi[0].length;
    // A fence in tail position (no `;`) is the block's value: leave `()` there.
    const from = call.slots[0]?.ordering ?? (op === 'acquire!' ? 'Acquire' : null);
    out.push({ kind: 'delete', slot: 'fence', from, to: null, label: 'fence deleted', text: replace(call.start, end, semi ? '' : '()') });
  }
  return out;
}
