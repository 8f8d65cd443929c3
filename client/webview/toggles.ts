// The live ordering toggles: which ordering slots a program has, and the program with the user's
// choices applied. Pure (no DOM) so the extension host can rebuild exactly the program the user
// sees, e.g. to print it as a litmus test.
//
// A Rust site can appear in several threads of a scenario (two threads running the same drop);
// it is one line of source, so it gets one toggle that changes every instruction carrying that
// site tag. Instructions without a site (litmus) get one toggle each.

import type { Instr, Mode, ModelName, Program } from '../../server/src/memory/ir';
import { MODE_OF, validOrderings, type Family } from '../../server/src/protocol/orderings';
import type { ScenarioView } from '../../server/src/protocol/finding';
import { slotAccess, validModes, type Slot } from './orderings';

export type Which = 'success' | 'failure' | 'single';

/** What the simulator knows about a Rust site (a trimmed ScenarioView site). */
export interface SiteInfo {
  /** 0-based line of the site in its file. */
  line: number;
  text: string;
  role: string;
  /** Which ordering arguments the source has at this site. */
  which: Which[];
  /** Whose ordering names Apply writes here (std's `SeqCst` or the kernel's `Full`); unknown for old reviews. */
  family?: Family;
  /**
   * Written arguments that are no constant ordering: a parameter its callers fill, or an
   * expression. Apply would overwrite the callers' choice or the code, so they get no toggle.
   */
  notConstant?: Which[];
}

/** What the page needs of a review's site: its written arguments, and which of them are no constant ordering. */
export function siteInfoOf(s: ScenarioView['sites'][number]): SiteInfo {
  const notConstant = s.orderingRanges.filter(r => r.notConstant).map(r => r.which);
  return {
    line: s.range.start.line, text: s.text, role: s.role, which: s.orderingRanges.map(r => r.which),
    ...(s.family ? { family: s.family } : {}), ...(notConstant.length ? { notConstant } : {}),
  };
}

export interface Toggle {
  /** Stable across re-renders and reloads: `site:<n>:<which>` or `at:<thread>.<path>:<which>`. */
  key: string;
  label: string;
  threads: number[];
  site?: number;
  which: Which;
  slot: Slot;
  options: readonly Mode[];
  original: Mode;
  /** The site's family, so the options are named as Apply would write them. */
  family?: Family;
}

export type Choices = Record<string, Mode>;

interface Slotted { instr: Instr; thread: number; path: string; which: Which; slot: Slot; mode: Mode }

function slotsOf(i: Instr): { which: Which; slot: Slot; mode: Mode }[] {
  // A spinlock's ordering is the lock's own and a kernel barrier is named, not ordered: neither
  // has an ordering to choose (the engine reads the lock or the barrier kind, never the mode).
  if ('lock' in i && i.lock) return [];
  if (i.k === 'fence' && i.kernel) return [];
  switch (i.k) {
    case 'load': return i.mo === 'na' ? [] : [{ which: 'single', slot: 'load', mode: i.mo }];
    case 'store': return i.mo === 'na' ? [] : [{ which: 'single', slot: 'store', mode: i.mo }];
    case 'rmw': return i.mo === 'na' ? [] : [{ which: 'single', slot: 'rmw', mode: i.mo }];
    case 'fence': return [{ which: 'single', slot: 'fence', mode: i.mo }];
    case 'cas':
    case 'update':
      return [{ which: 'success', slot: 'cas-success', mode: i.succ }, { which: 'failure', slot: 'cas-failure', mode: i.fail }];
    default: return [];
  }
}

function walk(body: Instr[], thread: number, prefix: string, out: Slotted[]): void {
  body.forEach((instr, n) => {
    const path = prefix === '' ? String(n) : `${prefix}.${n}`;
    for (const s of slotsOf(instr)) out.push({ instr, thread, path, ...s });
    if (instr.k === 'if') { walk(instr.then, thread, `${path}.then`, out); walk(instr.else, thread, `${path}.else`, out); }
    if (instr.k === 'while') walk(instr.body, thread, `${path}.body`, out);
  });
}

function allSlots(p: Program): Slotted[] {
  const out: Slotted[] = [];
  p.threads.forEach((t, n) => walk(t.body, n, '', out));
  return out;
}

/**
 * The ordering argument of a site's source that Apply rewrites for a slot of the program, given
 * the arguments the source has there (`written`); undefined when there is none: the API fixes the
 * ordering (a `Refcount` method, a `bindings::` call, a kernel cmpxchg's failure, `acquire!`), so
 * no argument exists to rewrite. A one-argument API (kernel `cmpxchg(old, new, o)`) carries the
 * success ordering in its single argument; a compare-exchange modelled by its successful write
 * (a holder's drop through a packed word) is a single slot written as the success argument.
 */
export function writtenArgument(which: Which, written: readonly Which[]): Which | undefined {
  if (written.includes(which)) return which;
  if (which === 'success' && written.includes('single')) return 'single';
  if (which === 'single' && written.includes('success')) return 'success';
  return undefined;
}

/**
 * A slot is offered only where Apply can write the choice back: a site's slot whose ordering the
 * API implies is no choice (exploring "what if it were Acquire" there is the engine's alone, and
 * Apply would have nothing to write), nor one whose argument is a parameter or an expression
 * (Apply would overwrite every caller's choice, or the code's). Under LKMM no failure slot is
 * offered at all: the engine reads a failed compare as a relaxed read whatever its failure
 * ordering says (lkmm.ts), so the choice could never change the verdict, and Apply would write an
 * ordering nobody checked.
 */
function offered(s: Slotted, sites: readonly SiteInfo[] | undefined, model: ModelName | undefined): boolean {
  if (s.which === 'failure' && model === 'lkmm') return false;
  if (s.instr.site === undefined || !sites) return true;
  const site = sites[s.instr.site];
  if (!site) return true;
  const written = writtenArgument(s.which, site.which);
  return written !== undefined && !site.notConstant?.includes(written);
}

/**
 * The orderings a slot may take under the model the scenario is explored under. A void kernel
 * atomic (`Atomic::add`, atomic_inc) is unordered by definition: Relaxed is all it accepts. A site
 * written with the kernel's markers takes only those, whatever the model: Apply would write AcqRel
 * as `Full` and a SeqCst load as a `Full` the kernel's load does not accept.
 */
function optionsOf(s: Slotted, model: ModelName | undefined, family: Family | undefined): readonly Mode[] {
  if (s.instr.k === 'rmw' && s.instr.noreturn && model === 'lkmm') return ['rlx'];
  const modes = validModes(s.slot, model);
  if (family !== 'kernel') return modes;
  const kernel = validOrderings(slotAccess(s.slot), 'kernel').map(o => MODE_OF[o]);
  return modes.filter(m => kernel.includes(m));
}

function familyOf(s: Slotted, sites: readonly SiteInfo[] | undefined): Family | undefined {
  return s.instr.site !== undefined ? sites?.[s.instr.site]?.family : undefined;
}

function keyOf(s: Slotted): string {
  return s.instr.site !== undefined ? `site:${s.instr.site}:${s.which}` : `at:${s.thread}.${s.path}:${s.which}`;
}

export function togglesOf(p: Program, sites?: readonly SiteInfo[], model?: ModelName): Toggle[] {
  const byKey = new Map<string, Toggle>();
  for (const s of allSlots(p)) {
    if (!offered(s, sites, model)) continue;
    const family = familyOf(s, sites);
    const options = optionsOf(s, model, family);
    // Nothing to choose: the source's ordering is the only one the slot can have.
    if (options.length === 1 && options[0] === s.mode) continue;
    const key = keyOf(s);
    const have = byKey.get(key);
    if (have) { if (!have.threads.includes(s.thread)) have.threads.push(s.thread); continue; }
    const siteText = s.instr.site !== undefined ? sites?.[s.instr.site]?.text : undefined;
    byKey.set(key, {
      key, label: siteText ?? s.instr.label ?? describeInstr(s.instr), threads: [s.thread],
      site: s.instr.site, which: s.which, slot: s.slot, options, original: s.mode, ...(family ? { family } : {}),
    });
  }
  return [...byKey.values()];
}

function describeInstr(i: Instr): string {
  switch (i.k) {
    case 'load': return `load ${i.loc}`;
    case 'store': return `store ${i.loc}`;
    case 'rmw': return `${i.op} ${i.loc}`;
    case 'cas': return `cas ${i.loc}`;
    case 'update': return `update ${i.loc}`;
    case 'fence': return 'fence';
    default: return i.k;
  }
}

/**
 * The program with `choices` applied (a deep copy; the input is untouched). Choices that name no
 * toggle, or a mode the slot does not accept under `model`, are ignored: they come from saved
 * webview state that may predate an edit of the source.
 */
export function applyChoices(p: Program, choices: Choices, sites?: readonly SiteInfo[], model?: ModelName): Program {
  const copy = structuredClone(p) as Program;
  for (const s of allSlots(copy)) {
    if (!offered(s, sites, model)) continue;
    const m = choices[keyOf(s)];
    if (m === undefined || !optionsOf(s, model, familyOf(s, sites)).includes(m)) continue;
    const i = s.instr;
    if (i.k === 'cas' || i.k === 'update') { if (s.which === 'failure') i.fail = m; else i.succ = m; }
    else if (i.k === 'load' || i.k === 'store' || i.k === 'rmw' || i.k === 'fence') i.mo = m;
  }
  return copy;
}

/** The choices that differ from the program's own orderings, as (site, which, mode) for writing back to source. */
export function changedSiteOrderings(toggles: readonly Toggle[], choices: Choices): { site: number; which: Which; mode: Mode }[] {
  const out: { site: number; which: Which; mode: Mode }[] = [];
  for (const t of toggles) {
    const m = choices[t.key];
    if (t.site === undefined || m === undefined || m === t.original) continue;
    out.push({ site: t.site, which: t.which, mode: m });
  }
  return out;
}
