// The simulator webview: receives a scenario from the extension host, runs the engine on it in
// the page (so ordering toggles re-explore at once), and replays a counterexample step by step.
// Everything shown is computed by the view model (model.ts, toggles.ts); this file only builds
// DOM and wires events.

import { explore } from '../../server/src/memory/explore';
import type { Mode } from '../../server/src/memory/ir';
import { checkedUnder, type ExploreResult } from '../../server/src/memory/result';
import { counterexamples, memoryAt, noRaceNote, traceView, verdict, stepNumber, type Arrow, type Counterexample, type TraceView } from './model';
import { applyChoices, changedSiteOrderings, togglesOf, type Choices, type Toggle } from './toggles';
import { modeName, modeTitle } from './orderings';
import { parseSavedState, parseToWebview, type FromWebview, type GraphFormat, type SavedState, type SimScenario } from './messages';
import { arrowLegend, DEFAULT_RELATIONS, edgeVisibleAt, executionGraph, graphSvgTree, layoutGraph, relationName, RELATIONS, type Relation, type SvgEl } from './graph';

interface VsCodeApi { postMessage(m: unknown): void; getState(): unknown; setState(s: unknown): void }
declare function acquireVsCodeApi(): VsCodeApi;

const vscode = acquireVsCodeApi();
const post = (m: FromWebview) => vscode.postMessage(m);

/** The search budget in the page: enough for the scenarios the review builds, small enough never to freeze the panel. */
const BUDGET = { maxMillis: 4000, maxExplored: 200_000 };
const PLAY_INTERVAL_MS = 700;

interface State {
  scenario?: SimScenario;
  toggles: Toggle[];
  choices: Choices;
  result?: ExploreResult;
  error?: string;
  cxs: Counterexample[];
  cx: number;
  view?: TraceView;
  /** Index of the last executed step; -1 before the first. */
  step: number;
  linkedSites: Set<number>;
  linkedLine?: number;
  timer?: ReturnType<typeof setInterval>;
  painted: boolean;
  exploreMs?: number;
  /** Set when the host says the scenario is no longer in the source. */
  gone?: string;
  /** Relations the execution graph shows. */
  relations: Set<Relation>;
  /** The graph node under the pointer (its edges and step row are highlighted). */
  hover?: string;
}

const st: State = { toggles: [], choices: {}, cxs: [], cx: 0, step: -1, linkedSites: new Set(), painted: false, relations: new Set(DEFAULT_RELATIONS) };

// ---------------------------------------------------------------- DOM helpers

function el<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, string> = {}, ...kids: (Node | string)[]): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  for (const k of kids) e.append(k);
  return e;
}
const byId = (id: string) => document.getElementById(id)!;

/**
 * Code text that wraps only at punctuation (before `.`, after `(`, `, ` and `::`), never inside an
 * identifier: each piece is unbreakable (the browser would otherwise break after a leading `…`).
 */
function breakable(code: string): (string | Node)[] {
  const out: (string | Node)[] = [];
  for (const part of code.split(/(?=\.)|(?<=\()(?!\))|(?<=, )|(?<=::)/)) {
    if (out.length) out.push(el('wbr'));
    out.push(el('span', { class: 'seg' }, part));
  }
  return out;
}
const SVG = 'http://www.w3.org/2000/svg';
function svg(tag: string, attrs: Record<string, string>): SVGElement {
  const e = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  return e;
}

/** Elements from the graph module's SVG tree: createElementNS and text nodes only, nothing parsed. */
function svgTree(n: SvgEl): SVGElement {
  const e = svg(n.tag, n.attrs);
  for (const c of n.children) e.append(typeof c === 'string' ? document.createTextNode(c) : svgTree(c));
  return e;
}

function layout(): void {
  document.body.replaceChildren(
    el('div', { id: 'head' },
      el('h1', { id: 'title' }),
      el('div', { id: 'model', class: 'muted' }),
      el('div', { id: 'gone', role: 'alert' }),
      el('div', { id: 'notice', role: 'status' }),
      el('div', { id: 'others' }),
      el('div', { id: 'refcount' }),
      el('div', { id: 'verdict', role: 'status', 'aria-live': 'polite' }),
      el('div', { id: 'controls', role: 'toolbar', 'aria-label': 'Replay controls' },
        button('reset', 'Reset', 'Home', 'Back to before the first step'),
        button('back', '\u25c0 Back', '\u2190', 'Previous step'),
        button('play', '\u25b6 Play', 'Space', 'Play / pause'),
        button('forward', 'Forward \u25b6', '\u2192', 'Next step'),
        button('race', 'Jump to race', 'r', 'Go to the second racing access'),
        button('prev', '\u25c0 Prev', 'p', 'Previous counterexample'),
        button('next', 'Next \u25b6', 'n', 'Next counterexample'),
        el('span', { id: 'position', class: 'muted' })),
      el('div', { id: 'gloss' }),
      el('div', { id: 'explanation' })),
    el('div', { id: 'error', role: 'alert' }),
    el('div', { id: 'cxtitle', class: 'muted' }),
    el('div', { id: 'empty', class: 'muted' }, 'Loading the scenario…'),
    el('div', { id: 'ordernote', class: 'muted' }),
    el('div', { id: 'tracebox' },
      el('div', { id: 'tablecol' },
        el('div', { id: 'gridwrap' }, el('div', { id: 'grid', role: 'grid', 'aria-label': 'Trace: threads as columns, steps as rows' })),
        el('div', { id: 'legend', class: 'muted' }, ...arrowLegend().map(a => el('span', { class: `${a.kind}-key`, title: a.title }, a.text)))),
      el('section', { id: 'graph', 'aria-label': 'Execution graph' },
        el('div', { id: 'graph-controls' },
          el('span', { class: 'graph-title' }, 'Execution graph'),
          ...RELATIONS.map(r => el('label', { class: `rel-toggle ${r}-key`, title: relationName(r).title },
            el('input', { type: 'checkbox', id: `rel-${r}`, 'data-relation': r }), el('span', { id: `rel-name-${r}` }, ` ${relationName(r).short}`))),
          button('export-svg', 'Export SVG', '', 'Save the execution graph (the relations shown) as an SVG image'),
          button('export-dot', 'Export DOT', '', 'Save the execution graph (the relations shown) as a Graphviz DOT file')),
        el('div', { id: 'graph-svg' }))),
    el('h2', { id: 'memory-head' }, 'Memory at this step: each location\u2019s values, oldest first, and the reads that saw them'),
    el('div', { id: 'memory' }),
    el('h2', {}, 'Orderings'),
    el('div', { class: 'muted' }, 'Change an ordering to re-run the exploration.'),
    el('div', { id: 'toggles' }),
    el('div', { id: 'toggle-actions' },
      button('apply', 'Apply to source', '', 'Write the chosen orderings into the Rust file (undoable)', 'primary'),
      button('revert', 'Revert orderings', '', 'Back to the orderings in the source'),
      button('litmus', 'Open scenario as litmus test', '', 'Print this program (with the chosen orderings) in herd C syntax')),
  );
  for (const [id, fn] of Object.entries(ACTIONS)) byId(id).addEventListener('click', fn);
  for (const r of RELATIONS) {
    const box = byId(`rel-${r}`) as HTMLInputElement;
    box.checked = st.relations.has(r);
    box.addEventListener('change', () => {
      if (box.checked) st.relations.add(r); else st.relations.delete(r);
      applyRelations();
      save();
    });
  }
}

function button(id: string, text: string, key: string, title: string, cls = ''): HTMLButtonElement {
  const b = el('button', { id, type: 'button', title: key ? `${title} (${key})` : title, ...(cls ? { class: cls } : {}) }, text);
  if (key) b.setAttribute('aria-keyshortcuts', key === 'Space' ? 'Space' : key);
  return b;
}

// ---------------------------------------------------------------- actions

function stepCount(): number {
  return st.view?.rows.length ?? 0;
}
function setStep(s: number): void {
  st.step = Math.max(-1, Math.min(stepCount() - 1, s));
  renderStep();
  save();
}
function stopPlay(): void {
  if (st.timer !== undefined) clearInterval(st.timer);
  st.timer = undefined;
  byId('play').textContent = '\u25b6 Play';
}
function togglePlay(): void {
  if (st.timer !== undefined) { stopPlay(); return; }
  if (st.step >= stepCount() - 1) setStep(-1);
  st.timer = setInterval(() => {
    if (st.step >= stepCount() - 1) { stopPlay(); return; }
    setStep(st.step + 1);
  }, PLAY_INTERVAL_MS);
  byId('play').textContent = '\u23f8 Pause';
}
function jumpToRace(): void {
  const r = st.view?.race;
  if (r) { stopPlay(); setStep(Math.max(r.a, r.b)); revealCurrent(); }
}
function selectCx(i: number): void {
  if (st.cxs.length === 0) return;
  stopPlay();
  st.cx = (i + st.cxs.length) % st.cxs.length;
  buildView();
  st.step = -1;
  renderTrace();
  save();
}
function revealCurrent(): void {
  const row = st.view?.rows[st.step];
  if (!row) return;
  if (st.scenario?.flavour === 'rust' && row.site !== undefined) post({ type: 'reveal', site: row.site });
  else if (row.line !== undefined) post({ type: 'reveal', line: row.line });
}

const ACTIONS: Record<string, () => void> = {
  reset: () => { stopPlay(); setStep(-1); },
  back: () => { stopPlay(); setStep(st.step - 1); revealCurrent(); },
  forward: () => { stopPlay(); setStep(st.step + 1); revealCurrent(); },
  play: togglePlay,
  race: jumpToRace,
  prev: () => selectCx(st.cx - 1),
  next: () => selectCx(st.cx + 1),
  apply: () => post({ type: 'apply', orderings: changedSiteOrderings(st.toggles, st.choices) }),
  revert: () => { st.choices = {}; reexplore(); },
  litmus: () => post({ type: 'openLitmus', choices: st.choices }),
  'export-svg': () => exportGraph('svg'),
  'export-dot': () => exportGraph('dot'),
};

function exportGraph(format: GraphFormat): void {
  const cx = st.cxs[st.cx];
  if (!cx) return;
  post({ type: 'exportGraph', format, trace: cx.trace, ...(cx.race ? { race: cx.race } : {}), relations: RELATIONS.filter(r => st.relations.has(r)) });
}

document.addEventListener('keydown', e => {
  const t = e.target as HTMLElement | null;
  // Selects and buttons keep their own keys (arrows change a select's value; space presses a button).
  if (t && (t.tagName === 'SELECT' || t.tagName === 'INPUT' || t.tagName === 'TEXTAREA')) return;
  if (t && t.tagName === 'BUTTON' && (e.key === ' ' || e.key === 'Enter')) return;
  if (e.altKey || e.ctrlKey || e.metaKey) return;
  const map: Record<string, string> = { ArrowLeft: 'back', ArrowRight: 'forward', ' ': 'play', Home: 'reset', r: 'race', n: 'next', p: 'prev' };
  const id = map[e.key];
  if (!id) return;
  e.preventDefault();
  ACTIONS[id]();
});

// ---------------------------------------------------------------- exploration

function reexplore(): void {
  const sc = st.scenario;
  if (!sc) return;
  stopPlay();
  st.error = undefined;
  const program = applyChoices(sc.program, st.choices, sc.sites, sc.model);
  performance.mark('explore-start');
  try {
    st.result = explore(program, { ...BUDGET, model: sc.model ?? 'rc11' });
  } catch (err) {
    st.result = undefined;
    st.error = `The engine could not explore this scenario: ${err instanceof Error ? err.message : String(err)}`;
  }
  performance.mark('explore-end');
  st.exploreMs = performance.measure('explore', 'explore-start', 'explore-end').duration;
  post({ type: 'timing', name: 'explore', ms: st.exploreMs });
  document.body.dataset.exploreMs = st.exploreMs.toFixed(1);
  st.cxs = st.result ? counterexamples(st.result) : [];
  st.cx = 0;
  buildView();
  st.step = -1;
  renderAll();
  save();
}

function buildView(): void {
  const cx = st.cxs[st.cx];
  st.view = cx && st.scenario ? traceView(cx.trace, st.scenario.flavour, cx.race, st.scenario.refcount, st.scenario.sites) : undefined;
}

// ---------------------------------------------------------------- rendering

function renderAll(): void {
  const sc = st.scenario;
  if (!sc) return;
  byId('title').textContent = sc.title;
  // Kernel code and ordinary Rust get different verdicts from the same orderings: say which applies.
  byId('model').textContent = st.gone ? '' : checkedUnder(sc.model ?? 'rc11');
  renderRelationNames(sc.model);
  document.title = `Simulate: ${sc.title}`;
  document.body.classList.toggle('is-gone', !!st.gone);
  byId('gone').textContent = st.gone ?? '';
  byId('notice').textContent = st.gone ? '' : sc.notice ?? '';
  renderOthers(sc);
  const v = byId('verdict');
  if (st.result && !st.gone) {
    // A verdict about orderings the source does not have must say so.
    const changed = Object.keys(st.choices).length;
    const prefix = changed ? `with ${changed} changed ordering${changed === 1 ? '' : 's'}: ` : '';
    v.textContent = `${prefix}${verdict(st.result)}${st.exploreMs !== undefined ? ` \u2014 explored in ${Math.round(st.exploreMs)} ms` : ''}`;
    v.className = st.result.races.length > 0 ? 'race' : st.result.bounded ? '' : 'clean';
  } else { v.textContent = ''; v.className = ''; }
  byId('error').textContent = st.error ?? '';
  renderToggles();
  renderTrace();
}

/** The legend and the graph's relation toggles name the edges in the terms of the model the trace is under. */
function renderRelationNames(model: SimScenario['model']): void {
  byId('legend').replaceChildren(...arrowLegend(model).map(a => el('span', { class: `${a.kind}-key`, title: a.title }, a.text)));
  for (const r of RELATIONS) {
    const name = relationName(r, model);
    byId(`rel-name-${r}`).textContent = ` ${name.short}`;
    byId(`rel-name-${r}`).parentElement!.title = name.title;
  }
}

/** Other scenarios through the same sites that race: one button each, so a clean panel never reads as "all clear". */
function renderOthers(sc: SimScenario): void {
  const box = byId('others');
  const list = st.gone ? [] : sc.others ?? [];
  box.replaceChildren(...(list.length ? [
    el('span', { class: 'muted' }, list.length === 1 ? 'Also through these sites: ' : `Also through these sites (${list.length}): `),
    ...list.map(o => {
      const b = el('button', { type: 'button', class: 'link', title: `Open "${o.title}" in its own panel` }, `${o.title} (${o.verdict})`);
      b.addEventListener('click', () => post({ type: 'openScenario', id: o.id }));
      return b;
    }),
  ] : []));
}

function renderTrace(): void {
  const grid = byId('grid');
  const view = st.view;
  const cx = st.cxs[st.cx];
  byId('cxtitle').textContent = cx && !st.gone ? `Counterexample ${st.cx + 1} of ${st.cxs.length}: ${cx.title} (seen in ${cx.executions} execution${cx.executions === 1 ? '' : 's'})` : '';
  byId('ordernote').textContent = view && cx?.trace.orderNote ? cx.trace.orderNote : '';
  byId('explanation').textContent = view?.race?.explanation ?? '';
  byId('gloss').textContent = view?.race?.gloss ?? '';
  for (const id of ['prev', 'next']) (byId(id) as HTMLButtonElement).disabled = st.cxs.length < 2;
  for (const id of ['reset', 'back', 'forward', 'play']) (byId(id) as HTMLButtonElement).disabled = !view;
  (byId('race') as HTMLButtonElement).disabled = !view?.race;
  byId('empty').textContent = st.gone ? 'Undo the edit to bring it back, or open the simulator again from a CodeLens.' : view || !st.result ? ''
    : noRaceNote(st.result, st.scenario?.model);
  for (const id of ['legend', 'memory-head', 'controls', 'graph']) byId(id).classList.toggle('hidden', !view);
  if (!view) {
    grid.replaceChildren();
    grid.style.gridTemplateColumns = '';
    byId('graph-svg').replaceChildren();
    renderStep();
    return;
  }
  grid.style.gridTemplateColumns = `2.5em repeat(${view.threads.length}, minmax(9em, 1fr))`;
  const kids: HTMLElement[] = [el('div', { class: 'colhead', role: 'columnheader' }, '#')];
  for (const t of view.threads) kids.push(el('div', { class: 'colhead', role: 'columnheader' }, t));
  for (const row of view.rows) {
    kids.push(el('div', { class: 'stepno', 'data-step': String(row.step), role: 'rowheader' }, String(row.step + 1)));
    for (let t = 0; t < view.threads.length; t++) {
      if (t !== row.thread) { kids.push(el('div', { 'data-step': String(row.step), class: 'filler' })); continue; }
      const where = row.lineNo !== undefined ? `line ${row.lineNo}: ` : '';
      const cell = el('div', { class: `cell${row.inRace ? ' race' : ''}${row.stale ? ' stale' : ''}${row.synthetic ? ' synthetic' : ''}`, id: `cell-${row.step}`, 'data-step': String(row.step), role: 'gridcell' },
        el('span', { class: 'code', title: `${where}${row.label}` },
          ...(row.lineNo !== undefined ? [el('span', { class: 'lineno', 'aria-label': `line ${row.lineNo}` }, `${row.lineNo}`)] : []),
          // The scenario's own steps are prose: they wrap at spaces like any sentence.
          ...(row.synthetic ? [row.short] : breakable(row.short))),
        el('span', { class: 'detail' }, row.detail));
      cell.addEventListener('click', () => { stopPlay(); setStep(row.step); revealCurrent(); });
      cell.addEventListener('mouseenter', () => setHover(`e${row.step}`));
      cell.addEventListener('mouseleave', () => setHover(undefined));
      kids.push(cell);
    }
  }
  grid.replaceChildren(...kids);
  renderGraph();
  renderStep();
}

/** The counterexample's execution graph, rebuilt when the counterexample changes (stepping only restyles it). */
function renderGraph(): void {
  const cx = st.cxs[st.cx];
  const box = byId('graph-svg');
  if (!cx || !st.scenario) { box.replaceChildren(); return; }
  const g = executionGraph(cx.trace, { race: cx.race, flavour: st.scenario.flavour, siteTexts: st.scenario.sites.map(s => s.text), siteFamilies: st.scenario.sites.map(s => s.family) });
  const root = svgTree(graphSvgTree(layoutGraph(g), `Execution graph of counterexample ${st.cx + 1}`));
  for (const node of Array.from(root.querySelectorAll<SVGGElement>('g.node'))) {
    const id = node.dataset.node!;
    const step = Number(node.dataset.step);
    node.addEventListener('mouseenter', () => setHover(id));
    node.addEventListener('mouseleave', () => setHover(undefined));
    if (step >= 0) node.addEventListener('click', () => { stopPlay(); setStep(step); revealCurrent(); });
  }
  box.replaceChildren(root);
  applyRelations();
}

/** Hidden relations are a class on the graph, so that restyling after a step keeps them hidden. */
function applyRelations(): void {
  const root = document.querySelector('#graph-svg svg');
  for (const r of RELATIONS) {
    root?.classList.toggle(`hide-${r}`, !st.relations.has(r));
    (byId(`rel-${r}`) as HTMLInputElement).checked = st.relations.has(r);
  }
}

/** Events after the current step are dimmed and their edges hidden; the current one is marked. */
function graphStep(): void {
  const root = document.querySelector('#graph-svg svg');
  if (!root) return;
  for (const n of Array.from(root.querySelectorAll<SVGGElement>('g.node'))) {
    const s = Number(n.dataset.step);
    n.classList.toggle('future', s > st.step);
    n.classList.toggle('current', s === st.step && s >= 0);
  }
  for (const e of Array.from(root.querySelectorAll<SVGGElement>('g.edge'))) {
    e.classList.toggle('future', !edgeVisibleAt({ kind: e.dataset.kind as Relation, from: e.dataset.from!, to: e.dataset.to!, fromStep: Number(e.dataset.fromStep), toStep: Number(e.dataset.toStep) }, st.step));
  }
  showHover();
}

function setHover(id: string | undefined): void {
  st.hover = id;
  showHover();
}

/** The hovered event's edges and its step row stand out; the rest of the graph steps back. */
function showHover(): void {
  const id = st.hover;
  const root = document.querySelector('#graph-svg svg');
  root?.classList.toggle('hovering', !!id);
  for (const n of Array.from(document.querySelectorAll<SVGGElement>('#graph-svg g.node'))) n.classList.toggle('hl', n.dataset.node === id);
  for (const e of Array.from(document.querySelectorAll<SVGGElement>('#graph-svg g.edge'))) e.classList.toggle('hl', !!id && (e.dataset.from === id || e.dataset.to === id));
  const step = id?.startsWith('e') ? Number(id.slice(1)) : NaN;
  for (const c of Array.from(document.querySelectorAll<HTMLElement>('#grid .cell'))) c.classList.toggle('hover', Number(c.dataset.step) === step);
}

function renderStep(): void {
  const view = st.view;
  const n = stepCount();
  byId('position').textContent = view ? `${st.step < 0 ? 'start' : stepNumber(st.step)} of ${n}` : '';
  const current = view?.rows[st.step];
  const readFrom = current && st.cxs[st.cx]?.trace.steps[current.step]?.read?.from;
  for (const node of Array.from(document.querySelectorAll<HTMLElement>('#grid [data-step]'))) {
    const s = Number(node.dataset.step);
    node.classList.toggle('row-future', s > st.step);
    if (!node.classList.contains('cell')) continue;
    const row = view?.rows[s];
    node.classList.toggle('current', s === st.step);
    node.classList.toggle('source', readFrom !== undefined && s === readFrom);
    node.classList.toggle('linked', !!row && ((row.site !== undefined && st.linkedSites.has(row.site)) || (row.line !== undefined && row.line === st.linkedLine)));
    node.setAttribute('aria-selected', String(s === st.step));
  }
  document.getElementById(`cell-${st.step}`)?.scrollIntoView({ block: 'nearest' });
  renderMemory();
  graphStep();
  requestAnimationFrame(drawArrows);
}

function renderMemory(): void {
  const cx = st.cxs[st.cx];
  const box = byId('memory');
  const rc = byId('refcount');
  if (!cx || !st.view) {
    box.replaceChildren();
    rc.replaceChildren();
    return;
  }
  const mem = memoryAt(cx.trace, st.step);
  const kids: HTMLElement[] = [];
  for (const l of mem) {
    const chips: (HTMLElement | string)[] = [];
    const threads = cx.trace.threads;
    const who = (step: number) => `${stepNumber(step)} (${threads[cx.trace.steps[step]?.thread ?? -1] ?? '?'})`;
    l.mo.forEach((w, i) => {
      if (i > 0) chips.push('\u2192');
      const latest = i === l.mo.length - 1;
      const from = w.step < 0 ? 'initial value' : `written at ${who(w.step)}`;
      const seen = w.readBy.length ? `read by ${w.readBy.map(who).join(', ')}` : '';
      chips.push(el('span', { class: `w${latest ? ' latest' : ''}${l.writtenNow && latest ? ' now' : ''}${w.readBy.includes(st.step) ? ' readnow' : ''}`, title: seen ? `${from}; ${seen}` : from },
        `${w.value} `, el('span', { class: 'muted' }, w.step < 0 ? 'initial' : `by ${stepNumber(w.step)}`),
        ...(seen ? [el('span', { class: 'seen' }, ` \u00b7 ${seen}`)] : [])));
    });
    kids.push(el('div', { class: 'loc-name code' }, `${l.name}${l.atomic ? '' : ' (plain)'}`), el('div', { class: 'mo', 'aria-label': `modification order of ${l.name}` }, ...chips));
  }
  box.replaceChildren(...kids);
  const counter = mem.find(l => l.name === st.view?.refcount);
  rc.replaceChildren(...(counter ? [
    el('span', { class: 'muted' }, `${counter.name} =`), el('span', { class: 'value', id: 'refcount-value' }, String(counter.value)),
    el('span', { class: 'muted' }, `newest value ${st.step < 0 ? 'at the start' : `after ${stepNumber(st.step)}`} (a thread may still read an older one)`),
  ] : []));
}

function drawArrows(): void {
  const wrap = byId('gridwrap');
  const old = document.getElementById('arrows');
  if (old) old.remove();
  const view = st.view;
  if (!view) return;
  const box = wrap.getBoundingClientRect();
  const layer = svg('svg', { id: 'arrows', width: String(wrap.scrollWidth), height: String(wrap.scrollHeight), 'aria-hidden': 'true' });
  const defs = svg('defs', {});
  for (const k of ['rf', 'sw', 'hb', 'race']) {
    const m = svg('marker', { id: `head-${k}`, viewBox: '0 0 10 10', refX: '9', refY: '5', markerWidth: '7', markerHeight: '7', orient: 'auto-start-reverse' });
    m.append(svg('path', { d: 'M0,0 L10,5 L0,10 z', class: k }));
    defs.append(m);
  }
  layer.append(defs);
  const visible = (a: Arrow) => a.to <= st.step || (a.kind === 'race' && Math.max(a.from, a.to) <= st.step);
  for (const a of view.arrows) {
    if (!visible(a)) continue;
    const from = document.getElementById(`cell-${a.from}`);
    const to = document.getElementById(`cell-${a.to}`);
    if (!from || !to) continue;
    const f = from.getBoundingClientRect();
    const t = to.getBoundingClientRect();
    const dx = wrap.scrollLeft - box.left;
    const dy = wrap.scrollTop - box.top;
    const rightward = t.left > f.left;
    // Leave the source cell on the side facing the target column and enter the target on its facing side.
    const x1 = (rightward ? f.right : f.left) + dx;
    const x2 = (rightward ? t.left : t.right) + dx;
    const y1 = f.top + f.height / 2 + dy;
    const y2 = t.top + Math.min(t.height / 2, 12) + dy;
    const bend = Math.max(20, Math.abs(x2 - x1) / 2);
    const c1 = x1 + (rightward ? bend : -bend);
    const c2 = x2 - (rightward ? bend : -bend);
    const p = svg('path', { d: `M${x1},${y1} C${c1},${y1} ${c2},${y2} ${x2},${y2}`, class: `arrow ${a.kind}`, 'marker-end': `url(#head-${a.kind})`, 'data-kind': a.kind, 'data-from': String(a.from), 'data-to': String(a.to) });
    layer.append(p);
  }
  wrap.append(layer);
}

function renderToggles(): void {
  const sc = st.scenario;
  const box = byId('toggles');
  if (!sc) return;
  const flavour = sc.flavour;
  const kids: HTMLElement[] = [];
  for (const t of st.toggles) {
    const cur = st.choices[t.key] ?? t.original;
    const sel = el('select', { 'aria-label': `ordering of ${t.label}${t.which !== 'single' ? ` (${t.which})` : ''}`, 'data-key': t.key });
    for (const m of t.options) {
      const o = el('option', { value: m, title: modeTitle(m, sc.model) }, modeName(m, flavour, sc.model, t.family) + (m === t.original ? ' (source)' : ''));
      if (m === cur) o.selected = true;
      sel.append(o);
    }
    if (!t.options.includes(t.original)) {
      // An ordering the slot does not accept (e.g. a Release load): show it so the user sees what the source says.
      const o = el('option', { value: t.original }, `${modeName(t.original, flavour, sc.model, t.family)} (source, invalid here)`);
      if (cur === t.original) o.selected = true;
      sel.prepend(o);
    }
    sel.addEventListener('change', () => {
      const m = sel.value as Mode;
      if (m === t.original) delete st.choices[t.key]; else st.choices[t.key] = m;
      reexplore();
      (document.querySelector(`select[data-key="${CSS.escape(t.key)}"]`) as HTMLSelectElement | null)?.focus();
    });
    const threads = t.threads.map(i => sc.program.threads[i]?.name ?? String(i)).join(', ');
    const which = t.which === 'single' ? '' : ` \u00b7 ${t.which === 'success' ? 'on success' : 'on failure'}`;
    const changed = st.choices[t.key] !== undefined ? ' changed' : '';
    kids.push(el('div', { class: `code${changed}`, title: t.label }, ...breakable(t.label), el('span', { class: 'detail muted' }, ` \u2014 ${threads}${which}`)));
    kids.push(el('div', { class: changed.trim() }, sel));
  }
  if (st.toggles.length === 0) kids.push(el('div', { class: 'muted' }, 'This program has no atomic instructions.'));
  box.replaceChildren(...kids);
  const changes = changedSiteOrderings(st.toggles, st.choices);
  const apply = byId('apply') as HTMLButtonElement;
  apply.hidden = sc.flavour !== 'rust';
  // The sites' positions are gone with the scenario: nothing may be written to them.
  apply.disabled = changes.length === 0 || !!st.gone;
  (byId('revert') as HTMLButtonElement).disabled = Object.keys(st.choices).length === 0;
}

// ---------------------------------------------------------------- host messages and state

function save(): void {
  const sc = st.scenario;
  if (!sc) return;
  const s: SavedState = { uri: sc.uri, id: sc.id, choices: st.choices, counterexample: st.cx, step: st.step, relations: RELATIONS.filter(r => st.relations.has(r)) };
  vscode.setState(s);
}

function onScenario(sc: SimScenario): void {
  const prev = st.scenario;
  const saved = parseSavedState(vscode.getState());
  st.scenario = sc;
  st.gone = undefined;
  st.toggles = togglesOf(sc.program, sc.sites, sc.model);
  // Keep the user's choices when the same scenario comes again (panel re-shown, or restored after a
  // reload), as far as they are still choices: the model may have changed since (an AcqRel picked
  // under C11 is no choice under LKMM), and a choice the page would not apply must not be written.
  const keep = prev && prev.uri === sc.uri && prev.id === sc.id ? st.choices
    : saved && saved.uri === sc.uri && saved.id === sc.id ? saved.choices : {};
  st.choices = Object.fromEntries(Object.entries(keep).filter(([k, m]) => {
    const t = st.toggles.find(x => x.key === k);
    return !!t && t.original !== m && t.options.includes(m);
  }));
  if (!prev && saved?.relations) st.relations = new Set(saved.relations);
  reexplore();
  if (!prev && saved && saved.uri === sc.uri && saved.id === sc.id && saved.counterexample < st.cxs.length) {
    st.cx = saved.counterexample;
    buildView();
    renderTrace();
    setStep(saved.step);
  }
  if (!st.painted) {
    st.painted = true;
    requestAnimationFrame(() => post({ type: 'painted', scenarioId: sc.id }));
  }
}

function onGone(reason: string): void {
  stopPlay();
  st.gone = reason;
  st.cxs = [];
  st.view = undefined;
  st.step = -1;
  if (!st.scenario) { byId('gone').textContent = reason; byId('empty').textContent = ''; return; }
  renderAll();
}

function onSelectSource(sites: number[], line: number | undefined): void {
  st.linkedSites = new Set(sites);
  st.linkedLine = line;
  const view = st.view;
  if (view) {
    const linked = (s: number) => {
      const row = view.rows[s];
      return !!row && ((row.site !== undefined && st.linkedSites.has(row.site)) || (line !== undefined && row.line === line));
    };
    // Move only when the current step is not already one of them (the editor moved because we revealed it).
    if (!linked(st.step)) {
      const first = view.rows.find(r => linked(r.step));
      if (first) { stopPlay(); st.step = first.step; save(); }
    }
  }
  renderStep();
}

window.addEventListener('message', e => {
  const msg = parseToWebview(e.data);
  if (!msg) { console.warn('simulator: ignored a malformed message from the extension', e.data); return; }
  if (msg.type === 'scenario') onScenario(msg.scenario);
  else if (msg.type === 'gone') onGone(msg.reason);
  else onSelectSource(msg.sites, msg.line);
});
window.addEventListener('resize', () => requestAnimationFrame(drawArrows));

layout();
renderAll();
post({ type: 'ready' });
