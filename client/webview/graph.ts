// The execution graph of a trace, drawn the way cppmem and herd draw them: events as boxes in
// thread columns (program order top to bottom), the initial writes in a row above, and edges for
// the relations that decide the verdict. Pure (no DOM): the webview turns the SVG tree into
// elements with createElementNS, the host serialises the same tree (or DOT) into a file, and the
// unit tests read both.

import type { ModelName, Race, Trace, TraceStep } from '../../server/src/memory/result';
import type { Family } from '../../server/src/protocol/orderings';
import { modeName, type Flavour } from './orderings';
import { shortenCall, threadTitle, type ArrowKind } from './model';

export const RELATIONS = ['po', 'rf', 'mo', 'fr', 'sw', 'hb', 'race'] as const;
export type Relation = typeof RELATIONS[number];

/** A relation as the panel names it: `short` on edges, toggles and exports, `title` in tooltips. */
export interface RelationName { short: string; title: string }

const C11_NAMES: Record<Relation, RelationName> = {
  po: { short: 'po', title: 'program order' }, rf: { short: 'rf', title: 'reads-from' },
  mo: { short: 'mo', title: 'modification order' }, fr: { short: 'fr', title: 'from-read' },
  sw: { short: 'sw', title: 'synchronizes-with' }, hb: { short: 'hb', title: 'happens-before (across threads)' },
  race: { short: 'race', title: 'race' },
};

// An LKMM trace carries other relations under the same fields (lkmm.ts): the kernel's cat model
// has no synchronizes-with, so the `sw` edges are the rfe edges from a release write or unlock to
// an acquire read or lock on another CPU, which the engine picks out for display; the `hb` edges
// are the cat model's own hb (ppo | rfe | prop & int, closed, between marked accesses only), not
// C11's po-and-sw closure: a plain access never has one, and a data race is decided by the cat
// model's visibility rules, not by hb alone. The coherence order is co there.
const LKMM_NAMES: Record<Relation, RelationName> = {
  ...C11_NAMES,
  mo: { short: 'co', title: 'coherence order (co)' },
  sw: { short: 'rel\u2192acq', title: 'rfe from a release (smp_store_release, a _release atomic, an unlock) to an acquire on another CPU (smp_load_acquire, an _acquire atomic, a lock)' },
  hb: { short: 'hb', title: 'LKMM hb (ppo, rfe and prop, between marked accesses), across threads' },
  race: { short: 'race', title: 'data race (LKMM)' },
};

/** How the panel and the exported files name a relation of a trace checked under `model`. */
export function relationName(r: Relation, model?: ModelName): RelationName {
  return (model === 'lkmm' ? LKMM_NAMES : C11_NAMES)[r];
}

/** The trace table's legend: what its arrows are, in the model's terms (short; the title says more). */
export function arrowLegend(model?: ModelName): { kind: ArrowKind; text: string; title: string }[] {
  const texts: Record<ArrowKind, string> = model === 'lkmm'
    ? { rf: '\u2192 rfe (reads-from)', sw: '\u2192 rfe release\u2192acquire', hb: '\u21e2 LKMM hb', race: '\u21e2 data race' }
    : { rf: '\u2192 reads-from', sw: '\u2192 synchronizes-with', hb: '\u21e2 happens-before', race: '\u21e2 race' };
  return (['rf', 'sw', 'hb', 'race'] as const).map(kind => ({ kind, text: texts[kind], title: relationName(kind, model).title }));
}

/** fr is implied by rf and mo: drawn on request only, as in herd's default view. */
export const DEFAULT_RELATIONS: readonly Relation[] = ['po', 'rf', 'mo', 'sw', 'hb', 'race'];

export function isRelation(x: unknown): x is Relation {
  return typeof x === 'string' && (RELATIONS as readonly string[]).includes(x);
}

export interface GraphOptions {
  /** The race the trace witnesses (defaults to trace.race). */
  race?: Race;
  flavour?: Flavour;
  /** Site texts by site number: a Rust step shows its source call rather than the scenario's label. */
  siteTexts?: readonly string[];
  /** Site families by site number: a Rust step's ordering is named as its site writes it. */
  siteFamilies?: readonly (Family | undefined)[];
  /** Relations to include; all when absent. */
  relations?: readonly Relation[];
  title?: string;
}

export interface GraphNode {
  /** `e<step>` for an event, `init<n>` for the initial write of location n. */
  id: string;
  /** Trace step; -1 for an initial write (always executed). */
  step: number;
  /** Column; -1 for an initial write. */
  thread: number;
  /** The event in herd's shorthand: kind, ordering, location and value. */
  event: string;
  /** The source text, shortened; the full text is in `title`. */
  source: string;
  title: string;
  inRace: boolean;
}

export interface GraphEdge { kind: Relation; from: string; to: string; fromStep: number; toStep: number }

export interface ExecGraph {
  threads: string[];
  nodes: GraphNode[];
  edges: GraphEdge[];
  /** The model the trace was checked under: it decides what the edges are called. */
  model?: ModelName;
}

function shortMode(s: TraceStep, trace: Trace, flavour: Flavour, family: Family | undefined): string {
  // LKMM has its own words (plain, once/acquire/release/full); RC11 uses herd's C11 abbreviations.
  // A std atomic in kernel code keeps std's names: its site is written with them.
  if (s.mode === 'na') return trace.model === 'lkmm' ? 'plain' : 'na';
  return trace.model === 'lkmm' ? modeName(s.mode, flavour, 'lkmm', family) : s.mode;
}

function eventText(s: TraceStep, trace: Trace, flavour: Flavour, family?: Family): string {
  const m = shortMode(s, trace, flavour, family);
  const n = `${s.step + 1}:`;
  // A kernel barrier by its kind, as herd labels it (F mb, F wmb, F rcu_read_lock).
  if (s.kind === 'F') return `${n} F ${s.barrier ?? m}`;
  if (s.kind === 'U' && s.read && s.wrote) return `${n} RMW ${m} ${s.loc} ${s.read.value}\u2192${s.wrote.value}`;
  if (s.kind === 'R') return `${n} R ${m} ${s.loc}=${s.read?.value ?? '?'}${s.cas === 'failure' ? ' (CAS failed)' : ''}`;
  return `${n} W ${m} ${s.loc}=${s.wrote?.value ?? '?'}`;
}

/** Characters of source a box has room for at the panel's 12px monospace. */
const SOURCE_CHARS = 26;

/** `shortenCall`, then a cut after the last punctuation that fits, so a box never overflows. */
export function clip(text: string, max: number): string {
  const short = shortenCall(text, max);
  if (short.length <= max) return short;
  const room = short.slice(0, max - 1);
  // End just after a separator: a comma's space, an opening paren, a path's `::`.
  const ends = [room.lastIndexOf(', ') + 2, room.lastIndexOf('(') + 1, room.lastIndexOf('::') + 2, room.lastIndexOf(' ') + 1];
  const end = Math.max(...ends);
  return `${end > 2 ? room.slice(0, end).trimEnd() : room}\u2026`;
}

const nodeId = (step: number, trace: Trace, loc?: string): string =>
  step >= 0 ? `e${step}` : `init${Math.max(0, trace.locations.findIndex(l => l.name === loc))}`;

/** The source text of a step: the Rust call as written when the step has a site, else the instruction's label. */
export function sourceText(s: TraceStep, siteTexts?: readonly string[]): string {
  return (s.site !== undefined ? siteTexts?.[s.site] : undefined) ?? s.label;
}

export function executionGraph(trace: Trace, opts: GraphOptions = {}): ExecGraph {
  const flavour = opts.flavour ?? 'litmus';
  const want = new Set(opts.relations ?? RELATIONS);
  const race = opts.race ?? trace.race;
  const racing = new Set(race ? [race.a, race.b] : []);
  const nodes: GraphNode[] = trace.locations.map((l, i) => ({
    id: `init${i}`, step: -1, thread: -1, event: `init ${l.name}=${l.init}`, source: l.atomic ? 'initial value' : 'initial value (plain)',
    title: `initial value of ${l.name}: ${l.init}`, inRace: false,
  }));
  const byThread = trace.threads.map((_, t) => trace.steps.filter(s => s.thread === t).sort((a, b) => a.index - b.index));
  for (const list of byThread) {
    for (const s of list) {
      const src = sourceText(s, opts.siteTexts);
      nodes.push({
        id: `e${s.step}`, step: s.step, thread: s.thread, event: eventText(s, trace, flavour, s.site !== undefined ? opts.siteFamilies?.[s.site] : undefined),
        source: clip(src, SOURCE_CHARS), title: `${threadTitle(trace.threads, s.thread)}, step ${s.step + 1}: ${src}`, inRace: racing.has(s.step),
      });
    }
  }
  const edges: GraphEdge[] = [];
  const seen = new Set<string>();
  const add = (kind: Relation, from: number, to: number, loc?: string) => {
    if (!want.has(kind)) return;
    const key = `${kind}:${from}>${to}:${from < 0 ? loc : ''}`;
    if (seen.has(key)) return;
    seen.add(key);
    edges.push({ kind, from: nodeId(from, trace, loc), to: nodeId(to, trace, loc), fromStep: from, toStep: to });
  };
  for (const list of byThread) for (let i = 1; i < list.length; i++) add('po', list[i - 1].step, list[i].step);
  for (const s of trace.steps) if (s.read) add('rf', s.read.from, s.step, s.loc);
  for (const l of trace.locations) {
    const order = trace.mo[l.name] ?? [];
    const full = order[0] === -1 ? order : [-1, ...order];
    // Immediate successors only: mo is a total order per location, its transitive edges add nothing.
    for (let i = 1; i < full.length; i++) add('mo', full[i - 1], full[i], l.name);
    for (const s of trace.steps) {
      if (s.loc !== l.name || !s.read) continue;
      // fr to the write just after the one read (the rest follow by mo); an RMW's own write is not fr.
      const at = full.indexOf(s.read.from);
      const next = at >= 0 ? full[at + 1] : undefined;
      if (next !== undefined && next !== s.step) add('fr', s.step, next, l.name);
    }
  }
  for (const s of trace.steps) {
    for (const f of s.sw) add('sw', f, s.step);
    // The engine reports hb edges from other threads that the thread had not seen before: the
    // cross-thread part of hb with what po and earlier edges imply already left out.
    for (const f of s.hb) if (!s.sw.includes(f)) add('hb', f, s.step);
  }
  if (race) add('race', Math.min(race.a, race.b), Math.max(race.a, race.b));
  return { threads: trace.threads.map((_, t) => threadTitle(trace.threads, t)), nodes, edges, ...(trace.model ? { model: trace.model } : {}) };
}

/** An edge belongs to the picture at `step` once both its events have run (initial writes always have). */
export function edgeVisibleAt(e: GraphEdge, step: number): boolean {
  return e.fromStep <= step && e.toStep <= step;
}

// ---------------------------------------------------------------- layout

export const NODE_W = 200;
export const NODE_H = 40;
const COL_GAP = 110;
const ROW_GAP = 46;
const MARGIN = 28;
const HEAD_H = 26;

export interface Point { x: number; y: number }
export interface PlacedNode extends GraphNode { x: number; y: number; w: number; h: number }
export interface PlacedEdge extends GraphEdge { d: string; label: Point }
export interface GraphLayout {
  width: number;
  height: number;
  columns: { title: string; x: number }[];
  nodes: PlacedNode[];
  edges: PlacedEdge[];
  model?: ModelName;
}

/** Sideways offset of each relation's curve, so that edges between the same two events stay apart. */
const BEND: Record<Relation, number> = { po: 0, rf: 0, mo: -34, fr: 34, sw: 22, hb: -20, race: 46 };

function exitPoint(n: PlacedNode, toward: Point): Point {
  const cx = n.x + n.w / 2;
  const cy = n.y + n.h / 2;
  const dx = toward.x - cx;
  const dy = toward.y - cy;
  if (dx === 0 && dy === 0) return { x: cx, y: cy };
  const sx = dx === 0 ? Infinity : (n.w / 2) / Math.abs(dx);
  const sy = dy === 0 ? Infinity : (n.h / 2) / Math.abs(dy);
  const s = Math.min(sx, sy);
  return { x: cx + dx * s, y: cy + dy * s };
}

const r1 = (v: number) => Math.round(v * 10) / 10;

/**
 * Moves edge labels off each other and off the boxes (two edges crossing near their middles put
 * their labels on one spot): each label tries small steps along y until it is clear.
 */
function separateLabels(edges: PlacedEdge[], nodes: PlacedNode[], model: ModelName | undefined): void {
  const boxes: { x: number; y: number; w: number; h: number }[] = nodes.map(n => ({ x: n.x, y: n.y, w: n.w, h: n.h }));
  const hits = (r: { x: number; y: number; w: number; h: number }) => boxes.some(b => r.x < b.x + b.w && b.x < r.x + r.w && r.y < b.y + b.h && b.y < r.y + r.h);
  for (const e of edges) {
    if (e.kind === 'po') continue;
    const w = relationName(e.kind, model).short.length * 7 + 6;
    const at = (dy: number) => ({ x: e.label.x - w / 2, y: e.label.y + dy - 9, w, h: 15 });
    const dy = [0, -14, 14, -28, 28, -42, 42].find(d => !hits(at(d))) ?? 0;
    boxes.push(at(dy));
    e.label = { x: e.label.x, y: r1(e.label.y + dy) };
  }
}

export function layoutGraph(g: ExecGraph): GraphLayout {
  const colX = (t: number) => MARGIN + t * (NODE_W + COL_GAP);
  // One thread alone has no gap to bow its edges into: room on its right instead.
  const width = MARGIN * 2 + g.threads.length * NODE_W + (g.threads.length > 1 ? (g.threads.length - 1) * COL_GAP : COL_GAP / 2);
  const rowY = (r: number) => MARGIN + HEAD_H + r * (NODE_H + ROW_GAP);
  const inits = g.nodes.filter(n => n.thread < 0);
  const rows = new Map<number, number>();
  const placed: PlacedNode[] = [];
  // Initial writes share the top row (herd puts them above the threads), each over the threads
  // that use its location (the mean column of its edges), so that few of its edges cross.
  const initW = Math.min(NODE_W, (width - MARGIN * 2 - (inits.length - 1) * 16) / Math.max(1, inits.length));
  const wanted = inits.map((n, i) => {
    const cols = g.edges.filter(e => e.from === n.id || e.to === n.id).map(e => g.nodes.find(m => m.id === (e.from === n.id ? e.to : e.from))?.thread ?? -1).filter(t => t >= 0);
    const mean = cols.length ? cols.reduce((a, b) => a + b, 0) / cols.length : (i * Math.max(0, g.threads.length - 1)) / Math.max(1, inits.length - 1);
    return { n, x: colX(mean) + (NODE_W - initW) / 2 };
  }).sort((a, b) => a.x - b.x);
  // Left to right without overlaps, then pulled back inside the right margin.
  let next = MARGIN;
  for (const w of wanted) { w.x = Math.max(w.x, next); next = w.x + initW + 16; }
  let limit = width - MARGIN - initW;
  for (const w of [...wanted].reverse()) { w.x = Math.min(w.x, limit); limit = w.x - initW - 16; }
  for (const w of wanted) placed.push({ ...w.n, x: w.x, y: rowY(0), w: initW, h: NODE_H });
  for (const n of g.nodes) {
    if (n.thread < 0) continue;
    const r = (rows.get(n.thread) ?? 0) + 1;
    rows.set(n.thread, r);
    placed.push({ ...n, x: colX(n.thread), y: rowY(r), w: NODE_W, h: NODE_H });
  }
  const deepest = Math.max(0, ...rows.values());
  const height = rowY(deepest) + NODE_H + MARGIN;
  const at = new Map(placed.map(n => [n.id, n]));
  const edges: PlacedEdge[] = [];
  for (const e of g.edges) {
    const a = at.get(e.from);
    const b = at.get(e.to);
    if (!a || !b) continue;
    const ca = { x: a.x + a.w / 2, y: a.y + a.h / 2 };
    const cb = { x: b.x + b.w / 2, y: b.y + b.h / 2 };
    const mid = { x: (ca.x + cb.x) / 2, y: (ca.y + cb.y) / 2 };
    const len = Math.hypot(cb.x - ca.x, cb.y - ca.y) || 1;
    // Within a column anything but the next event bows out to the right of the boxes, clear of po.
    const sameColumn = Math.abs(ca.x - cb.x) < 1;
    const adjacent = sameColumn && Math.abs(ca.y - cb.y) <= NODE_H + ROW_GAP + 1;
    if (sameColumn && !(adjacent && e.kind === 'po')) {
      // Into the gap between columns: rightwards, except from the last column (the picture ends
      // there). From side to side, its apex `bulge` beyond the boxes, clear of the boxes between.
      const col = a.thread >= 0 ? a.thread : b.thread;
      const dir = col < g.threads.length - 1 || g.threads.length === 1 ? 1 : -1;
      const side = (n: PlacedNode) => (dir > 0 ? n.x + n.w : n.x);
      const bulge = 18 + Math.abs(BEND[e.kind]) / 2;
      const s = { x: side(a), y: ca.y + (ca.y < cb.y ? 6 : -6) };
      const t = { x: side(b), y: cb.y + (ca.y < cb.y ? -6 : 6) };
      const edge = dir > 0 ? Math.max(s.x, t.x) : Math.min(s.x, t.x);
      const ctrl = { x: edge + dir * bulge * 2, y: (s.y + t.y) / 2 };
      const d = `M${r1(s.x)},${r1(s.y)} Q${r1(ctrl.x)},${r1(ctrl.y)} ${r1(t.x)},${r1(t.y)}`;
      edges.push({ ...e, d, label: { x: r1(0.25 * s.x + 0.5 * ctrl.x + 0.25 * t.x), y: r1(ctrl.y) } });
      continue;
    }
    const bend = BEND[e.kind];
    // Perpendicular to the chord; the sign keeps a relation on the same side whichever way it points.
    const nx = -(cb.y - ca.y) / len;
    const ny = (cb.x - ca.x) / len;
    const ctrl = { x: mid.x + nx * bend * 2, y: mid.y + ny * bend * 2 };
    const s = exitPoint(a, bend === 0 ? cb : ctrl);
    const t = exitPoint(b, bend === 0 ? ca : ctrl);
    const d = bend === 0 ? `M${r1(s.x)},${r1(s.y)} L${r1(t.x)},${r1(t.y)}` : `M${r1(s.x)},${r1(s.y)} Q${r1(ctrl.x)},${r1(ctrl.y)} ${r1(t.x)},${r1(t.y)}`;
    const label = bend === 0 ? { x: (s.x + t.x) / 2, y: (s.y + t.y) / 2 } : { x: 0.25 * s.x + 0.5 * ctrl.x + 0.25 * t.x, y: 0.25 * s.y + 0.5 * ctrl.y + 0.25 * t.y };
    edges.push({ ...e, d, label: { x: r1(label.x), y: r1(label.y) } });
  }
  separateLabels(edges, placed, g.model);
  return { width, height, columns: g.threads.map((title, t) => ({ title, x: colX(t) + NODE_W / 2 })), nodes: placed, edges, ...(g.model ? { model: g.model } : {}) };
}

// ---------------------------------------------------------------- SVG

/** An SVG element as data: the webview builds it with createElementNS, the export prints it. */
export interface SvgEl { tag: string; attrs: Record<string, string>; children: (SvgEl | string)[] }

const E = (tag: string, attrs: Record<string, string>, ...children: (SvgEl | string)[]): SvgEl => ({ tag, attrs, children });

/** The graph as an SVG tree whose classes the simulator's stylesheet (or the export's own) colours. */
export function graphSvgTree(l: GraphLayout, title = 'Execution graph'): SvgEl {
  const defs = E('defs', {}, ...RELATIONS.map(k => E('marker', { id: `gh-${k}`, viewBox: '0 0 10 10', refX: '9', refY: '5', markerWidth: '7', markerHeight: '7', orient: 'auto-start-reverse' },
    E('path', { d: 'M0,0 L10,5 L0,10 z', class: `head ${k}` }))));
  const heads = l.columns.map(c => E('text', { x: String(c.x), y: String(MARGIN + 8), class: 'colhead', 'text-anchor': 'middle' }, c.title));
  const edges = l.edges.map(e => E('g', { class: `edge ${e.kind}`, 'data-kind': e.kind, 'data-from': e.from, 'data-to': e.to, 'data-from-step': String(e.fromStep), 'data-to-step': String(e.toStep) },
    E('title', {}, `${relationName(e.kind, l.model).title}: ${e.from} \u2192 ${e.to}`),
    E('path', { d: e.d, class: 'line', 'marker-end': `url(#gh-${e.kind})` }),
    ...(e.kind === 'po' ? [] : [E('text', { x: String(e.label.x), y: String(e.label.y + 4), class: 'elabel', 'text-anchor': 'middle' }, relationName(e.kind, l.model).short)])));
  const nodes = l.nodes.map(n => E('g', { class: `node${n.thread < 0 ? ' init' : ''}${n.inRace ? ' race' : ''}`, id: `gn-${n.id}`, 'data-node': n.id, 'data-step': String(n.step), tabindex: '-1' },
    E('title', {}, n.title),
    E('rect', { x: String(r1(n.x)), y: String(n.y), width: String(r1(n.w)), height: String(n.h), rx: '4' }),
    E('text', { x: String(r1(n.x + 8)), y: String(n.y + 16), class: 'ev' }, n.event),
    E('text', { x: String(r1(n.x + 8)), y: String(n.y + 32), class: 'src' }, n.source)));
  return E('svg', { xmlns: 'http://www.w3.org/2000/svg', class: 'execgraph', width: String(l.width), height: String(l.height), viewBox: `0 0 ${l.width} ${l.height}`, role: 'img', 'aria-label': title },
    E('title', {}, title), defs, ...heads, E('g', { class: 'edges' }, ...edges), E('g', { class: 'nodes' }, ...nodes));
}

// Fixed colours for the file (no VS Code theme outside the panel): light background, the palette
// of VS Code's light charts, each above 3:1 on white as lines must be.
const EXPORT_CSS = `
svg.execgraph { background: #ffffff; font-family: monospace; font-size: 12px; }
.colhead { font-weight: bold; fill: #1f1f1f; font-family: sans-serif; }
.node rect { fill: #f3f3f3; stroke: #616161; }
.node.race rect { stroke: #b5200d; stroke-width: 2; }
.node .ev { fill: #1f1f1f; }
.node .src { fill: #5c5c5c; font-size: 11px; }
.edge .line { fill: none; stroke-width: 1.5; }
.elabel { font-size: 11px; paint-order: stroke; stroke: #ffffff; stroke-width: 3px; }
.po .line { stroke: #767676; } .head.po { fill: #767676; }
.rf .line { stroke: #005fb8; } .head.rf, .rf .elabel { fill: #005fb8; }
.mo .line { stroke: #8a5a00; } .head.mo, .mo .elabel { fill: #8a5a00; }
.fr .line { stroke: #8a5a00; stroke-dasharray: 5 3; } .head.fr, .fr .elabel { fill: #8a5a00; }
.sw .line { stroke: #267f26; stroke-width: 2.2; } .head.sw, .sw .elabel { fill: #267f26; }
.hb .line { stroke: #7a3db8; stroke-dasharray: 4 3; } .head.hb, .hb .elabel { fill: #7a3db8; }
.race .line { stroke: #b5200d; stroke-width: 2.2; stroke-dasharray: 2 3; } .head.race, .race .elabel { fill: #b5200d; }
`;

const xmlEscape = (s: string) => s.replace(/[&<>"']/g, c => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]!);

function printSvg(n: SvgEl, indent = ''): string {
  const attrs = Object.entries(n.attrs).map(([k, v]) => ` ${k}="${xmlEscape(v)}"`).join('');
  if (n.children.length === 0) return `${indent}<${n.tag}${attrs}/>`;
  if (n.children.every(c => typeof c === 'string')) return `${indent}<${n.tag}${attrs}>${n.children.map(c => xmlEscape(c as string)).join('')}</${n.tag}>`;
  const kids = n.children.map(c => (typeof c === 'string' ? `${indent}  ${xmlEscape(c)}` : printSvg(c, `${indent}  `)));
  return `${indent}<${n.tag}${attrs}>\n${kids.join('\n')}\n${indent}</${n.tag}>`;
}

/** A standalone SVG file of the trace's execution graph. */
export function toSvg(trace: Trace, opts: GraphOptions = {}): string {
  const tree = graphSvgTree(layoutGraph(executionGraph(trace, opts)), opts.title ?? 'Execution graph');
  // The stylesheet goes first inside the root, so that the file renders the same anywhere.
  tree.children.splice(1, 0, E('style', {}, EXPORT_CSS));
  return `<?xml version="1.0" encoding="UTF-8"?>\n${printSvg(tree)}\n`;
}

// ---------------------------------------------------------------- DOT

const DOT_STYLE: Record<Relation, string> = {
  po: 'color="#767676"',
  rf: 'color="#005fb8", fontcolor="#005fb8"',
  mo: 'color="#8a5a00", fontcolor="#8a5a00"',
  fr: 'color="#8a5a00", fontcolor="#8a5a00", style=dashed',
  sw: 'color="#267f26", fontcolor="#267f26", penwidth=2',
  hb: 'color="#7a3db8", fontcolor="#7a3db8", style=dashed',
  race: 'color="#b5200d", fontcolor="#b5200d", style=dotted, penwidth=2, dir=both, constraint=false',
};

const dotString = (s: string) => `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`;

/** The execution graph in Graphviz DOT: one cluster per thread, the initial writes on top. */
export function toDot(trace: Trace, opts: GraphOptions = {}): string {
  const g = executionGraph(trace, opts);
  const lines: string[] = [];
  lines.push(`digraph execution {`);
  lines.push(`  graph [label=${dotString(opts.title ?? 'Execution graph')}, labelloc=t, fontname="monospace", newrank=true];`);
  lines.push(`  node [shape=box, style=rounded, fontname="monospace", fontsize=10];`);
  lines.push(`  edge [fontname="monospace", fontsize=9];`);
  const inits = g.nodes.filter(n => n.thread < 0);
  lines.push(`  { rank=min; ${inits.map(n => `${n.id} [label=${dotString(n.event)}, tooltip=${dotString(n.title)}];`).join(' ')} }`);
  g.threads.forEach((title, t) => {
    lines.push(`  subgraph cluster_t${t} {`);
    lines.push(`    label=${dotString(title)};`);
    for (const n of g.nodes.filter(x => x.thread === t)) {
      lines.push(`    ${n.id} [label=${dotString(`${n.event}\n${n.source}`)}, tooltip=${dotString(n.title)}${n.inRace ? ', color="#b5200d", penwidth=2' : ''}];`);
    }
    lines.push('  }');
  });
  for (const e of g.edges) {
    const label = e.kind === 'po' ? '' : `label=${dotString(relationName(e.kind, g.model).short)}, `;
    lines.push(`  ${e.from} -> ${e.to} [${label}${DOT_STYLE[e.kind]}];`);
  }
  lines.push('}');
  return lines.join('\n') + '\n';
}
