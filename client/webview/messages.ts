// The messages between the simulator webview and the extension host, and their validators. Both
// sides validate what they receive: the webview is a web page (its messages are untrusted input
// to the extension), and the host's messages carry programs the webview will run.

import { KERNEL_FENCES, MODES, MODEL_NAMES, type Mode, type ModelName, type Program } from '../../server/src/memory/ir';
import { MAX_NESTING } from '../../server/src/litmus/limits';
import type { EventKind, Race, Trace, TraceStep } from '../../server/src/memory/result';
import type { SiteInfo, Which } from './toggles';
import type { Flavour } from './orderings';
import { isRelation, type Relation } from './graph';

/** What the webview needs of a scenario. */
export interface SimScenario {
  /** Identifies the panel: the document URI and the scenario id. */
  uri: string;
  id: string;
  title: string;
  flavour: Flavour;
  program: Program;
  sites: SiteInfo[];
  /** The counter's location, when the scenario says which one it is. */
  refcount?: string;
  /** The memory model to explore under (RC11 when absent): kernel code and kernel litmus tests use LKMM. */
  model?: ModelName;
  /** A line the panel shows above the verdict (why it switched scenario after Apply). */
  notice?: string;
  /** Other scenarios through the same sites that race, so the panel never reads as "all clear" alone. */
  others?: { id: string; title: string; verdict: string }[];
}

export type ToWebview =
  | { type: 'scenario'; scenario: SimScenario }
  /** The scenario is no longer in the source (edited away, file unreadable): the panel says so. */
  | { type: 'gone'; reason: string }
  /** The editor's cursor is on these sites (Rust) or this 1-based line (litmus). */
  | { type: 'selectSource'; sites: number[]; line?: number };

export interface SiteOrdering { site: number; which: Which; mode: Mode }

export type FromWebview =
  | { type: 'ready' }
  /** First render of a scenario finished (for the command-to-paint timing). */
  | { type: 'painted'; scenarioId: string }
  | { type: 'reveal'; site?: number; line?: number }
  | { type: 'apply'; orderings: SiteOrdering[] }
  | { type: 'openLitmus'; choices: Record<string, Mode> }
  /** Open another scenario of the same document (one the panel lists as racing at the same sites). */
  | { type: 'openScenario'; id: string }
  | { type: 'timing'; name: string; ms: number }
  /**
   * Save the shown counterexample's execution graph (the relations the panel shows) as a file.
   * The host draws it itself from the trace (validated here), so what it writes is its own output.
   */
  | { type: 'exportGraph'; format: GraphFormat; trace: Trace; race?: Race; relations: Relation[] };

export type GraphFormat = 'svg' | 'dot';

// ---------------------------------------------------------------- primitive checks

type Obj = Record<string, unknown>;
const isObj = (x: unknown): x is Obj => typeof x === 'object' && x !== null && !Array.isArray(x);
const isStr = (x: unknown): x is string => typeof x === 'string';
const isInt = (x: unknown): x is number => typeof x === 'number' && Number.isInteger(x);
const isNat = (x: unknown): x is number => isInt(x) && x >= 0;
const isMode = (x: unknown): x is Mode => isStr(x) && (MODES as readonly string[]).includes(x);
const isWhich = (x: unknown): x is Which => x === 'success' || x === 'failure' || x === 'single';
const optional = (x: unknown, p: (y: unknown) => boolean) => x === undefined || p(x);

// ---------------------------------------------------------------- from the webview (host side)

/** The message if it is one the host understands, otherwise undefined (the caller logs and drops it). */
export function parseFromWebview(x: unknown): FromWebview | undefined {
  if (!isObj(x) || !isStr(x.type)) return undefined;
  switch (x.type) {
    case 'ready': return { type: 'ready' };
    case 'painted': return isStr(x.scenarioId) ? { type: 'painted', scenarioId: x.scenarioId } : undefined;
    case 'reveal':
      if (!optional(x.site, isNat) || !optional(x.line, isNat) || (x.site === undefined && x.line === undefined)) return undefined;
      return { type: 'reveal', site: x.site as number | undefined, line: x.line as number | undefined };
    case 'apply': {
      if (!Array.isArray(x.orderings) || x.orderings.length > 1000) return undefined;
      const orderings: SiteOrdering[] = [];
      for (const o of x.orderings) {
        if (!isObj(o) || !isNat(o.site) || !isWhich(o.which) || !isMode(o.mode) || o.mode === 'na') return undefined;
        orderings.push({ site: o.site, which: o.which, mode: o.mode });
      }
      return { type: 'apply', orderings };
    }
    case 'openLitmus': {
      if (!isObj(x.choices)) return undefined;
      const choices: Record<string, Mode> = {};
      for (const [k, v] of Object.entries(x.choices)) {
        if (!isMode(v)) return undefined;
        choices[k] = v;
      }
      return { type: 'openLitmus', choices };
    }
    case 'openScenario':
      return isStr(x.id) && x.id.length <= 500 ? { type: 'openScenario', id: x.id } : undefined;
    case 'exportGraph': {
      if (x.format !== 'svg' && x.format !== 'dot') return undefined;
      if (!Array.isArray(x.relations) || x.relations.length > 20 || !x.relations.every(isRelation)) return undefined;
      const trace = parseTrace(x.trace);
      if (!trace) return undefined;
      if (x.race !== undefined && !isRace(x.race, trace.steps.length)) return undefined;
      return { type: 'exportGraph', format: x.format, trace, ...(x.race !== undefined ? { race: x.race as Race } : {}), relations: [...new Set(x.relations as Relation[])] };
    }
    case 'timing':
      return isStr(x.name) && typeof x.ms === 'number' && Number.isFinite(x.ms) ? { type: 'timing', name: x.name.slice(0, 100), ms: x.ms } : undefined;
    default: return undefined;
  }
}

// ---------------------------------------------------------------- traces (for exports)

/** Bounds well above what the page's exploration budget can produce. */
const MAX_STEPS = 5000;
const MAX_TEXT = 2000;
const KINDS: readonly EventKind[] = ['R', 'W', 'U', 'F'];
const isText = (x: unknown): x is string => isStr(x) && x.length <= MAX_TEXT;
/** A step reference: -1 is the initial value. */
const isStepRef = (n: number) => (x: unknown): x is number => isInt(x) && x >= -1 && x < n;

function isStep(x: unknown, i: number, n: number, threads: number): x is TraceStep {
  if (!isObj(x) || x.step !== i || !isNat(x.thread) || (x.thread as number) >= threads || !isNat(x.index)) return false;
  if (!KINDS.includes(x.kind as EventKind) || !isMode(x.mode) || !isText(x.label)) return false;
  if (!optional(x.loc, isText) || !optional(x.site, isNat) || !optional(x.line, isNat)) return false;
  if (x.read !== undefined && !(isObj(x.read) && isInt(x.read.value) && isStepRef(n)(x.read.from) && typeof x.read.newest === 'boolean')) return false;
  if (x.wrote !== undefined && !(isObj(x.wrote) && isInt(x.wrote.value))) return false;
  if (!optional(x.cas, c => c === 'success' || c === 'failure')) return false;
  if (!optional(x.barrier, b => (KERNEL_FENCES as readonly unknown[]).includes(b))) return false;
  if (!optional(x.mo, m => Array.isArray(m) && m.length <= n + 1 && m.every(isStepRef(n)))) return false;
  return Array.isArray(x.sw) && x.sw.length <= n && x.sw.every(isStepRef(n)) && Array.isArray(x.hb) && x.hb.length <= n && x.hb.every(isStepRef(n));
}

function isRace(x: unknown, n: number): x is Race {
  return isObj(x) && isText(x.loc) && isNat(x.a) && isNat(x.b) && (x.a as number) < n && (x.b as number) < n && isText(x.explanation)
    && Array.isArray(x.threads) && x.threads.length === 2 && x.threads.every(isNat)
    && Array.isArray(x.labels) && x.labels.length === 2 && x.labels.every(isText)
    && Array.isArray(x.sites) && x.sites.length === 2 && x.sites.every(s => s === undefined || s === null || isNat(s));
}

/** A trace as the engine makes it (result.ts), rebuilt from its checked fields only. */
export function parseTrace(x: unknown): Trace | undefined {
  if (!isObj(x) || !Array.isArray(x.threads) || x.threads.length === 0 || x.threads.length > 64 || !x.threads.every(isText)) return undefined;
  if (!Array.isArray(x.locations) || x.locations.length > 256 || !x.locations.every(l => isObj(l) && isText(l.name) && isInt(l.init) && typeof l.atomic === 'boolean')) return undefined;
  if (!Array.isArray(x.steps) || x.steps.length > MAX_STEPS) return undefined;
  const n = x.steps.length;
  const threads = x.threads.length;
  if (!x.steps.every((s, i) => isStep(s, i, n, threads))) return undefined;
  if (!isObj(x.mo) || !Object.values(x.mo).every(m => Array.isArray(m) && m.length <= n + 1 && m.every(isStepRef(n)))) return undefined;
  if (!optional(x.model, (m: unknown) => (MODEL_NAMES as readonly unknown[]).includes(m)) || !optional(x.orderNote, isText)) return undefined;
  const steps = (x.steps as TraceStep[]).map(s => ({
    step: s.step, thread: s.thread, index: s.index, kind: s.kind, mode: s.mode, label: s.label, sw: [...s.sw], hb: [...s.hb],
    ...(s.loc !== undefined ? { loc: s.loc } : {}), ...(s.site !== undefined ? { site: s.site } : {}), ...(s.line !== undefined ? { line: s.line } : {}),
    ...(s.read ? { read: { value: s.read.value, from: s.read.from, newest: s.read.newest } } : {}),
    ...(s.wrote ? { wrote: { value: s.wrote.value } } : {}), ...(s.cas ? { cas: s.cas } : {}), ...(s.mo ? { mo: [...s.mo] } : {}),
    ...(s.barrier ? { barrier: s.barrier } : {}),
  }));
  return {
    ...(x.model ? { model: x.model as Trace['model'] } : {}),
    threads: [...(x.threads as string[])],
    locations: (x.locations as Trace['locations']).map(l => ({ name: l.name, init: l.init, atomic: l.atomic })),
    steps,
    final: {}, registers: [],
    mo: Object.fromEntries(Object.entries(x.mo as Record<string, number[]>).map(([k, v]) => [k, [...v]])),
  };
}

// ---------------------------------------------------------------- to the webview (webview side)

const BINOPS = ['+', '-', '*', '==', '!=', '<', '<=', '>', '>=', '&&', '||', '&', '|', '^'];
const RMWOPS = ['add', 'sub', 'and', 'or', 'xor', 'xchg', 'max', 'min'];

function isExpr(x: unknown, depth = 0): boolean {
  if (!isObj(x) || depth > MAX_NESTING) return false;
  switch (x.k) {
    case 'const': return isInt(x.v);
    case 'reg': return isStr(x.r);
    case 'bin': return isStr(x.op) && BINOPS.includes(x.op) && isExpr(x.a, depth + 1) && isExpr(x.b, depth + 1);
    case 'not': return isExpr(x.a, depth + 1);
    default: return false;
  }
}

function isInstr(x: unknown, depth: number): boolean {
  if (!isObj(x) || depth > MAX_NESTING) return false;
  if (!optional(x.site, isNat) || !optional(x.label, isStr) || !optional(x.line, isNat)) return false;
  const regOk = optional(x.reg, isStr);
  switch (x.k) {
    case 'load': return regOk && isStr(x.loc) && isMode(x.mo);
    case 'store': return isStr(x.loc) && isExpr(x.val) && isMode(x.mo);
    case 'rmw': return regOk && isStr(x.loc) && isStr(x.op) && RMWOPS.includes(x.op) && isExpr(x.val) && isMode(x.mo);
    case 'cas': return regOk && optional(x.okReg, isStr) && isStr(x.loc) && isExpr(x.expected) && isExpr(x.desired)
      && isMode(x.succ) && isMode(x.fail) && optional(x.weak, y => typeof y === 'boolean');
    case 'update': return isStr(x.oldReg) && optional(x.okReg, isStr) && isStr(x.loc) && optional(x.guard, isExpr)
      && isExpr(x.next) && isMode(x.succ) && isMode(x.fail);
    case 'fence': return isMode(x.mo);
    case 'let': return isStr(x.reg) && isExpr(x.val);
    case 'if': return isExpr(x.cond) && isBody(x.then, depth + 1) && isBody(x.else, depth + 1);
    case 'while': return isExpr(x.cond) && isBody(x.body, depth + 1) && isNat(x.bound) && (x.bound as number) <= 1000;
    case 'assume': return isExpr(x.cond);
    default: return false;
  }
}

function isBody(x: unknown, depth: number): boolean {
  return Array.isArray(x) && x.every(i => isInstr(i, depth));
}

function isCond(x: unknown, depth = 0): boolean {
  if (!isObj(x) || depth > MAX_NESTING) return false;
  switch (x.k) {
    case 'true': return true;
    case 'eqReg': return isNat(x.thread) && isStr(x.reg) && isInt(x.v);
    case 'eqLoc': return isStr(x.loc) && isInt(x.v);
    case 'and': case 'or': return isCond(x.a, depth + 1) && isCond(x.b, depth + 1);
    case 'not': return isCond(x.a, depth + 1);
    default: return false;
  }
}

export function isProgram(x: unknown): x is Program {
  if (!isObj(x) || !isStr(x.name) || !Array.isArray(x.locations) || !Array.isArray(x.threads)) return false;
  if (!x.locations.every(l => isObj(l) && isStr(l.name) && isInt(l.init) && typeof l.atomic === 'boolean')) return false;
  if (!x.threads.every(t => isObj(t) && isStr(t.name) && isBody(t.body, 0))) return false;
  if (x.condition !== undefined) {
    const c = x.condition;
    if (!isObj(c) || !['exists', 'not exists', 'forall'].includes(c.quantifier as string) || !isCond(c.cond)) return false;
  }
  return true;
}

function isSiteInfo(x: unknown): x is SiteInfo {
  return isObj(x) && isNat(x.line) && isStr(x.text) && isStr(x.role) && Array.isArray(x.which) && x.which.every(isWhich)
    && optional(x.family, f => f === 'std' || f === 'kernel')
    && optional(x.notConstant, n => Array.isArray(n) && n.every(w => isWhich(w) && (x.which as unknown[]).includes(w)));
}

export function parseToWebview(x: unknown): ToWebview | undefined {
  if (!isObj(x) || !isStr(x.type)) return undefined;
  if (x.type === 'scenario') {
    const s = x.scenario;
    if (!isObj(s) || !isStr(s.uri) || !isStr(s.id) || !isStr(s.title) || (s.flavour !== 'rust' && s.flavour !== 'litmus')) return undefined;
    if (!isProgram(s.program) || !Array.isArray(s.sites) || !s.sites.every(isSiteInfo) || !optional(s.refcount, isStr)) return undefined;
    if (!optional(s.model, (m: unknown): m is ModelName => (MODEL_NAMES as readonly unknown[]).includes(m))) return undefined;
    if (!optional(s.notice, isStr)) return undefined;
    const isOther = (o: unknown) => isObj(o) && isStr(o.id) && isStr(o.title) && isStr(o.verdict);
    if (!optional(s.others, o => Array.isArray(o) && o.length <= 100 && o.every(isOther))) return undefined;
    return {
      type: 'scenario', scenario: {
        uri: s.uri, id: s.id, title: s.title, flavour: s.flavour, program: s.program, sites: s.sites, refcount: s.refcount as string | undefined,
        ...(s.model ? { model: s.model as ModelName } : {}),
        ...(s.notice ? { notice: s.notice as string } : {}),
        ...(s.others ? { others: (s.others as { id: string; title: string; verdict: string }[]).map(o => ({ id: o.id, title: o.title, verdict: o.verdict })) } : {}),
      },
    };
  }
  if (x.type === 'gone') return isStr(x.reason) ? { type: 'gone', reason: x.reason.slice(0, 1000) } : undefined;
  if (x.type === 'selectSource') {
    if (!Array.isArray(x.sites) || !x.sites.every(isNat) || !optional(x.line, isNat)) return undefined;
    return { type: 'selectSource', sites: x.sites as number[], line: x.line as number | undefined };
  }
  return undefined;
}

/** What the webview keeps across reloads (vscode.setState); the serializer reads uri/id back. */
export interface SavedState {
  uri: string;
  id: string;
  choices: Record<string, Mode>;
  counterexample: number;
  step: number;
  /** The relations the execution graph shows (the defaults when absent). */
  relations?: Relation[];
}

export function parseSavedState(x: unknown): SavedState | undefined {
  if (!isObj(x) || !isStr(x.uri) || !isStr(x.id) || !isObj(x.choices) || !isInt(x.counterexample) || !isInt(x.step)) return undefined;
  const choices: Record<string, Mode> = {};
  for (const [k, v] of Object.entries(x.choices)) if (isMode(v)) choices[k] = v;
  const relations = Array.isArray(x.relations) ? [...new Set(x.relations.filter(isRelation))] : undefined;
  return { uri: x.uri, id: x.id, choices, counterexample: x.counterexample, step: x.step, ...(relations ? { relations } : {}) };
}
