// The simulator's view model: everything the panel shows, computed from an exploration result and
// one of its traces, with no DOM. The webview renders it; the unit tests check it on traces the
// real engine produced.

import { isAcquire, isRelease } from '../../server/src/memory/ir';
import type { ExploreResult, ModelName, Race, Trace, TraceStep } from '../../server/src/memory/result';
import { barrierName, modeName, type Flavour } from './orderings';
import type { SiteInfo } from './toggles';

// ---------------------------------------------------------------- counterexamples and verdict

export interface Counterexample {
  kind: 'race' | 'condition';
  title: string;
  trace: Trace;
  race?: Race;
  /** Executions in which this race (or the condition outcome) was seen. */
  executions: number;
}

/** The races first (what a reviewer is after), then the litmus condition's witness. */
export function counterexamples(res: ExploreResult): Counterexample[] {
  const out: Counterexample[] = res.races.map(r => ({
    kind: 'race' as const,
    title: `race on ${r.race.loc}: ${r.race.labels[0]} / ${r.race.labels[1]}`,
    trace: r.trace, race: r.race, executions: r.executions,
  }));
  const cond = res.condition;
  if (cond?.trace) {
    // For `exists` the trace shows the condition holding; for `~exists`/`forall` it shows the violation.
    const what = cond.quantifier === 'exists' ? 'witness of the exists clause' : `counterexample to the ${cond.quantifier} clause`;
    out.push({ kind: 'condition', title: what, trace: cond.trace, executions: cond.witnesses });
  }
  return out;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

export function verdict(res: ExploreResult): string {
  const parts: string[] = [];
  const n = plural(res.executions, 'execution');
  if (res.races.length === 0) parts.push(`no race in ${n}`);
  else parts.push(`${plural(res.races.length, 'race')} in ${n}`);
  if (res.condition) {
    const c = res.condition;
    parts.push(`${c.quantifier}: ${c.outcome} (${c.witnesses} of ${res.executions}), ${c.holds ? 'holds' : 'does not hold'}`);
  }
  // An incomplete search must never read as a clean verdict.
  if (res.bounded) parts.push(`bounded: ${res.bounded.message}`);
  return parts.join('; ');
}

/**
 * Why there is no counterexample to replay, in the terms of the model the verdict was reached
 * under: C11 orders conflicting accesses by happens-before; LKMM's data-race rule is not hb alone
 * (its hb relates marked accesses only), so its note names what the rule asks of plain accesses.
 */
export function noRaceNote(res: ExploreResult, model?: ModelName): string {
  const bounded = res.bounded ? ' (as far as the bounded search went)' : '';
  if (model === 'lkmm') {
    return `Nothing to replay: none of the ${plural(res.executions, 'execution')} has a data race under the LKMM${bounded}: every plain access is ordered with the conflicting accesses of other CPUs by marked accesses, barriers or locks.`;
  }
  return `Nothing to replay: in all ${res.executions} executions every pair of conflicting accesses is ordered by happens-before${bounded}.`;
}

// ---------------------------------------------------------------- rows

export interface Row {
  step: number;
  thread: number;
  /** Source text as written: the Rust call (site text) or the litmus instruction; else the scenario's description of the step. */
  label: string;
  /** The label shortened at punctuation for a narrow cell (the full label goes in the tooltip). */
  short: string;
  /** 1-based source line, when the step comes from one. */
  lineNo?: number;
  /** The step is the scenario's own (the object's use, a clone), not a line of the source. */
  synthetic: boolean;
  /** One line of what happened: ordering, value read and from where, value written. */
  detail: string;
  site?: number;
  line?: number;
  /** The read's source, when it was not the newest write in modification order (a stale read is the interesting kind). */
  stale: boolean;
  inRace: boolean;
}

export interface TraceView {
  /** Column titles: `T1 owner` (Rust roles) or the litmus names as written (`P0`). */
  threads: string[];
  rows: Row[];
  arrows: Arrow[];
  race?: { a: number; b: number; loc: string; explanation: string; gloss: string };
  /** The location whose value heads the panel. */
  refcount?: string;
}

/** How the panel names a thread in prose: litmus names as written (P0), others by number (T1). */
export function threadTag(threads: readonly string[], t: number): string {
  const name = threads[t] ?? '';
  return /^P\d+$/.test(name) ? name : `T${t + 1}`;
}

/** A column title: the tag and, when the thread has one, its role (`T1 owner`). */
export function threadTitle(threads: readonly string[], t: number): string {
  const tag = threadTag(threads, t);
  const name = threads[t] ?? '';
  return name === '' || name === tag ? tag : `${tag} ${name}`;
}

/**
 * A call shortened to about `max` characters by dropping leading receivers at their `.` (never
 * inside an identifier or an argument list): `this.data().refcount().fetch_sub(1, Ordering::Relaxed)`
 * keeps `…refcount().fetch_sub(1, Ordering::Relaxed)`. The last call is always kept whole.
 */
export function shortenCall(text: string, max = 48): string {
  if (text.length <= max) return text;
  const cuts: number[] = [];
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === '(' || ch === '[' || ch === '{') depth++;
    else if (ch === ')' || ch === ']' || ch === '}') depth = Math.max(0, depth - 1);
    else if (ch === '.' && depth === 0 && i > 0) cuts.push(i);
  }
  for (const c of cuts) {
    const rest = text.slice(c + 1);
    if (rest.length + 1 <= max || c === cuts[cuts.length - 1]) return `\u2026${rest}`;
  }
  return text;
}

export function stepNumber(s: number): string {
  return s < 0 ? 'init' : `step ${s + 1}`;
}

function noun(s: TraceStep): string {
  if (s.kind === 'F') return 'fence';
  if (s.cas === 'success') return 'CAS';
  if (s.cas === 'failure') return 'failed CAS';
  if (s.kind === 'U' && s.read && s.wrote) {
    const d = s.wrote.value - s.read.value;
    if (d === -1) return 'decrement';
    if (d === 1) return 'increment';
    return 'read-modify-write';
  }
  if (s.kind === 'R') return s.mode === 'na' ? 'read' : 'load';
  return s.mode === 'na' ? 'write' : 'store';
}

function transition(s: TraceStep): string {
  if (s.kind === 'U' && s.read && s.wrote) return ` (${s.read.value}\u2192${s.wrote.value})`;
  return '';
}

/** A step's ordering as its site writes it (std's or the kernel's names), else in the model's words. */
function stepMode(s: TraceStep, flavour: Flavour, model: ModelName | undefined, sites: readonly SiteInfo[] | undefined): string {
  return modeName(s.mode, flavour, model, s.site !== undefined ? sites?.[s.site]?.family : undefined);
}

function detailOf(s: TraceStep, flavour: Flavour, threads: string[], steps: TraceStep[], model?: ModelName, sites?: readonly SiteInfo[]): string {
  const bits: string[] = [];
  const mode = s.mode === 'na' ? 'plain' : stepMode(s, flavour, model, sites);
  bits.push(s.kind === 'F' ? (s.barrier ? `barrier ${barrierName(s.barrier)}` : `fence ${mode}`) : `${mode} ${noun(s)}`);
  if (s.read) {
    const src = s.read.from < 0 ? 'init' : `${stepNumber(s.read.from)} (${threads[steps[s.read.from]?.thread ?? -1] ?? '?'})`;
    bits.push(`read ${s.loc} = ${s.read.value} from ${src}${s.read.newest ? ', newest' : ', NOT the newest'}`);
  }
  if (s.wrote) bits.push(`wrote ${s.loc} = ${s.wrote.value}`);
  return bits.join(' \u00b7 ');
}

/** The first atomic location: in a refcount scenario the counter is declared first among atomics. */
export function refcountLocation(trace: Trace, preferred?: string): string | undefined {
  if (preferred && trace.locations.some(l => l.name === preferred)) return preferred;
  return trace.locations.find(l => l.atomic)?.name;
}

export function traceView(trace: Trace, flavour: Flavour, race?: Race, refcount?: string, sites?: readonly SiteInfo[]): TraceView {
  const r = race ?? trace.race;
  const rows: Row[] = trace.steps.map(s => {
    const site = s.site !== undefined ? sites?.[s.site] : undefined;
    const label = site?.text ?? s.label;
    // Rust sites carry their 0-based line; litmus instructions their 1-based one.
    const lineNo = site ? site.line + 1 : flavour === 'litmus' ? s.line : undefined;
    return {
      step: s.step, thread: s.thread, label, short: shortenCall(label), lineNo, synthetic: flavour === 'rust' && !site,
      detail: detailOf(s, flavour, trace.threads, trace.steps, trace.model, sites),
      site: s.site, line: s.line, stale: !!s.read && !s.read.newest,
      inRace: !!r && (s.step === r.a || s.step === r.b),
    };
  });
  return {
    threads: trace.threads.map((_, t) => threadTitle(trace.threads, t)), rows, arrows: arrowsOf(trace, r),
    race: r ? { a: r.a, b: r.b, loc: r.loc, explanation: explainRace(trace, r, flavour, sites), gloss: glossRace(trace, r, flavour, sites) } : undefined,
    refcount: refcountLocation(trace, refcount),
  };
}

// ---------------------------------------------------------------- memory state at a step

export interface LocState {
  name: string;
  atomic: boolean;
  /**
   * Writes so far in modification order (step -1 = initial value), oldest first, each with the
   * steps so far that read the value it wrote (a read may take an older value than the newest).
   */
  mo: { step: number; value: number; readBy: number[] }[];
  /** The newest value so far: what a thread that has seen every write would read. */
  value: number;
  /** The write made at exactly this step, if any. */
  writtenNow: boolean;
}

/**
 * Memory after `step` has run (step -1: before the first step). Uses the final modification
 * order restricted to writes already executed: in a weak memory model a write executed later in
 * the trace can still be mo-before an earlier one, so trace order is not mo order.
 */
export function memoryAt(trace: Trace, step: number): LocState[] {
  return trace.locations.map(l => {
    const order = trace.mo[l.name] ?? [-1, ...trace.steps.filter(s => s.loc === l.name && s.wrote).map(s => s.step)];
    const done = order.filter(s => s <= step);
    const withInit = done.includes(-1) ? done : [-1, ...done];
    const reads = trace.steps.filter(s => s.step <= step && s.loc === l.name && s.read);
    const mo = withInit.map(s => ({
      step: s, value: s < 0 ? l.init : trace.steps[s]?.wrote?.value ?? l.init,
      readBy: reads.filter(r => r.read!.from === s).map(r => r.step),
    }));
    const cur = trace.steps[step];
    return { name: l.name, atomic: l.atomic, mo, value: mo[mo.length - 1].value, writtenNow: !!cur && cur.loc === l.name && !!cur.wrote };
  });
}

// ---------------------------------------------------------------- arrows

export type ArrowKind = 'rf' | 'sw' | 'hb' | 'race';
export interface Arrow { from: number; to: number; kind: ArrowKind }

/**
 * Reads-from edges across threads (within a thread they are just program order), synchronizes-with
 * edges, the new happens-before edges the engine reports that are not already sw, and the race.
 */
export function arrowsOf(trace: Trace, race?: Race): Arrow[] {
  const out: Arrow[] = [];
  const seen = new Set<string>();
  const add = (from: number, to: number, kind: ArrowKind) => {
    const k = `${from}>${to}:${kind}`;
    if (from < 0 || to < 0 || seen.has(k)) return;
    seen.add(k);
    out.push({ from, to, kind });
  };
  for (const s of trace.steps) {
    // An sw edge drawn over the same pair says more than the rf it rests on; drawing both would hide one.
    if (s.read && s.read.from >= 0 && trace.steps[s.read.from]?.thread !== s.thread && !s.sw.includes(s.read.from)) add(s.read.from, s.step, 'rf');
    for (const f of s.sw) add(f, s.step, 'sw');
    for (const f of s.hb) if (!s.sw.includes(f)) add(f, s.step, 'hb');
  }
  if (race) add(Math.min(race.a, race.b), Math.max(race.a, race.b), 'race');
  return out;
}

// ---------------------------------------------------------------- race explanation

/**
 * The writes whose release sequence contains `w`: w itself, the earlier writes of w's thread to
 * the same location (rs = [W]; sb|loc?; ...), and, through each RMW, the sequence its read
 * continued ((rf; rmw)*).
 */
function releaseHeads(steps: TraceStep[], w: TraceStep): TraceStep[] {
  const out: TraceStep[] = [];
  const visit = (x: TraceStep) => {
    if (out.includes(x)) return;
    out.push(x);
    for (const y of steps) if (y !== x && y.thread === x.thread && y.loc === x.loc && y.index < x.index && y.wrote && y.mode !== 'na') visit(y);
    if (x.kind === 'U' && x.read && x.read.from >= 0) visit(steps[x.read.from]);
  };
  visit(w);
  return out;
}

// Kernel barriers that cannot stand for the release (or acquire) half: smp_rmb() orders only reads
// before reads, smp_wmb() only writes before writes, and an RCU read-side marker orders nothing
// for the thread itself. The others are full barriers (alone or with the atomic next to them).
const NOT_RELEASE = new Set(['rmb', 'rcu_read_lock', 'rcu_read_unlock']);
const NOT_ACQUIRE = new Set(['wmb', 'rcu_read_lock', 'rcu_read_unlock']);

function fenceBetween(steps: TraceStep[], thread: number, lo: number, hi: number, pred: (m: TraceStep['mode']) => boolean): boolean {
  const no = pred === isRelease ? NOT_RELEASE : NOT_ACQUIRE;
  return steps.some(f => f.kind === 'F' && f.thread === thread && f.index > lo && f.index < hi && !(f.barrier && no.has(f.barrier)) && pred(f.mode));
}

interface Link { head: TraceStep; write: TraceStep; read: TraceStep; released: boolean; acquired: boolean }

/**
 * One plain sentence saying what raced and why nothing ordered it, derived from the trace: the
 * later thread's reads that took a value from the earlier thread's writes after the first access
 * (directly or through a release sequence) are the only ways hb could have been created, so the
 * explanation names the one closest to the second access and the half of synchronization it lacks.
 */
/** The racing pair in trace order and the read that could have ordered them (none when the later thread read nothing from the earlier). */
function raceLink(trace: Trace, race: Race): { first: TraceStep; second: TraceStep; link?: Link } | undefined {
  const steps = trace.steps;
  const [first, second] = race.a <= race.b ? [steps[race.a], steps[race.b]] : [steps[race.b], steps[race.a]];
  if (!first || !second) return undefined;
  if (first.thread === second.thread) return { first, second };
  const links: Link[] = [];
  for (const read of steps) {
    if (read.thread !== second.thread || read.index >= second.index || !read.read || read.read.from < 0 || read.mode === 'na') continue;
    const write = steps[read.read.from];
    for (const head of releaseHeads(steps, write)) {
      if (head.thread !== first.thread || head.index < first.index || head.mode === 'na') continue;
      const released = isRelease(head.mode) || fenceBetween(steps, head.thread, first.index, head.index, isRelease);
      const acquired = isAcquire(read.mode) || fenceBetween(steps, read.thread, read.index, second.index, isAcquire);
      links.push({ head, write, read, released, acquired });
    }
  }
  if (links.length === 0) return { first, second };
  // Prefer a link that lacks something (a complete one would have ordered them; if one exists the
  // edge was broken elsewhere, e.g. an intervening write outside the release sequence).
  const broken = links.filter(l => !l.released || !l.acquired);
  return { first, second, link: (broken.length ? broken : links).reduce((best, x) => (x.read.index > best.read.index ? x : best)) };
}

/**
 * One plain sentence saying what raced and why nothing ordered it, derived from the trace: the
 * later thread's reads that took a value from the earlier thread's writes after the first access
 * (directly or through a release sequence) are the only ways hb could have been created, so the
 * explanation names the one closest to the second access and the half of synchronization it lacks.
 */
export function explainRace(trace: Trace, race: Race, flavour: Flavour, sites?: readonly SiteInfo[]): string {
  const found = raceLink(trace, race);
  if (!found) return `race on ${race.loc}`;
  const { first, second, link: l } = found;
  const who = (s: TraceStep) => trace.threads[s.thread] ?? `thread ${s.thread}`;
  const verb = (s: TraceStep) => (s.wrote ? 'wrote' : 'read');
  const mode = (s: TraceStep) => stepMode(s, flavour, trace.model, sites);
  const acq = modeName('acq', flavour, trace.model);
  const rel = modeName('rel', flavour, trace.model);
  const what = `${who(first)} ${verb(first)} ${race.loc} at ${stepNumber(first.step)}; ${who(second)} ${verb(second)} it at ${stepNumber(second.step)}`;
  const unordered = `nothing orders ${stepNumber(first.step)} before ${stepNumber(second.step)}`;
  if (first.thread === second.thread) return `${what}; ${unordered}`;
  if (!l) {
    return `${what}; ${unordered} because ${who(second)} read nothing that ${who(first)} wrote after ${stepNumber(first.step)}`;
  }
  const tr = (s: TraceStep) => `${who(s)}'s ${noun(s)}${transition(s)}`;
  const headTr = `${who(l.head)}'s ${noun(l.head)}${transition(l.head)}`;
  // What the read took: the head itself, or a later RMW continuing the head's release sequence.
  const took = (head: string) => (l.write === l.head ? head : `${tr(l.write)} (in the release sequence of ${head})`);
  const headNotRelease = `${l.write === l.head ? 'it' : headTr} is ${mode(l.head)}, not ${rel}`;
  let why: string;
  if (!l.released && !l.acquired) why = `${tr(l.read)} read ${took(`${who(l.head)}'s ${mode(l.head)} ${noun(l.head)}${transition(l.head)}`)} without ${acq}, and the ${noun(l.head)} is not ${rel} either`;
  else if (!l.acquired) why = `${tr(l.read)} read ${took(`${who(l.head)}'s ${mode(l.head)} ${noun(l.head)}${transition(l.head)}`)} without ${acq}`;
  else if (!l.released) why = `${who(l.read)}'s ${mode(l.read)} ${noun(l.read)}${transition(l.read)} read ${took(headTr)}, but ${headNotRelease}`;
  else why = `the only edge, ${tr(l.read)} reading ${took(headTr)}, does not reach ${stepNumber(second.step)}`;
  return `${what}; ${unordered} because ${why}`;
}

/**
 * The race in one line of plain English, threads by number: what the later thread read from the
 * earlier one (the only place hb could have come from) and the ordering that is missing, e.g.
 * "T2 read the count from T1's Relaxed decrement; nothing makes T1's write to the object happen
 * before T2's read of the object".
 */
export function glossRace(trace: Trace, race: Race, flavour: Flavour, sites?: readonly SiteInfo[]): string {
  const found = raceLink(trace, race);
  if (!found) return '';
  const { first, second, link } = found;
  const tag = (s: TraceStep) => threadTag(trace.threads, s.thread);
  const the = (loc: string | undefined) => (flavour === 'rust' ? `the ${loc}` : `${loc}`);
  const access = (s: TraceStep) => (s.wrote ? `write to ${the(race.loc)}` : `read of ${the(race.loc)}`);
  const missing = `nothing makes ${tag(first)}'s ${access(first)} happen before ${tag(second)}'s ${access(second)}`;
  if (first.thread === second.thread) return missing;
  if (!link) return `${tag(second)} read nothing ${tag(first)} wrote after its ${access(first)}; ${missing}`;
  const w = link.write;
  const mode = w.mode === 'na' ? 'plain' : stepMode(w, flavour, trace.model, sites);
  return `${tag(link.read)} read ${the(link.read.loc)} from ${tag(w)}'s ${mode} ${noun(w)}; ${missing}`;
}
