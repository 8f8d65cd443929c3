// The execution graph (client/webview/graph.ts) on traces the engine produced: its events and
// relations, the layout, and the two files the panel exports (DOT read back by a small DOT
// parser, SVG by a small XML reader), plus the host's check of the export message.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { explore } from '../../server/src/memory/explore';
import type { Trace } from '../../server/src/memory/result';
import { clip, DEFAULT_RELATIONS, edgeVisibleAt, executionGraph, layoutGraph, RELATIONS, toDot, toSvg, type GraphEdge } from '../../client/webview/graph';
import { glossRace, shortenCall, threadTitle, traceView } from '../../client/webview/model';
import { parseFromWebview, parseSavedState } from '../../client/webview/messages';
import { fenceMp, takeover } from './simulator-fixtures';

function firstRace(p: Parameters<typeof explore>[0]) {
  const res = explore(p);
  assert.ok(res.races.length > 0, `expected a race in ${p.name}`);
  return res.races[0];
}

// ---------------------------------------------------------------- a DOT reader for the checks

interface Dot { name: string; nodes: Map<string, Record<string, string>>; edges: { from: string; to: string; attrs: Record<string, string> }[]; clusters: Map<string, string[]> }

function tokens(text: string): string[] {
  const out: string[] = [];
  const re = /\s+|\/\/[^\n]*|"((?:[^"\\]|\\.)*)"|(->)|([A-Za-z_][A-Za-z0-9_]*|-?[0-9.]+)|([{}[\];,=])/gy;
  let m: RegExpExecArray | null;
  while (re.lastIndex < text.length) {
    const at = re.lastIndex;
    m = re.exec(text);
    assert.ok(m && re.lastIndex > at, `DOT: unexpected text at ${at}: ${JSON.stringify(text.slice(at, at + 30))}`);
    if (m[1] !== undefined) out.push(`"${m[1].replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c))}`);
    else if (m[2] ?? m[3] ?? m[4]) out.push((m[2] ?? m[3] ?? m[4])!);
  }
  return out;
}

/** Enough of the DOT grammar for what toDot writes: statements, attribute lists, subgraphs. */
function parseDot(text: string): Dot {
  const t = tokens(text);
  let i = 0;
  const peek = () => t[i];
  const next = () => { assert.ok(i < t.length, 'DOT: unexpected end'); return t[i++]; };
  const expect = (s: string) => assert.equal(next(), s);
  const id = () => { const x = next(); assert.ok(/^[A-Za-z_"0-9.-]/.test(x) && !['{', '}', '[', ']', ';', ',', '=', '->'].includes(x), `DOT: expected an id, got ${x}`); return x.startsWith('"') ? x.slice(1) : x; };
  const attrs = (): Record<string, string> => {
    const a: Record<string, string> = {};
    while (peek() === '[') {
      next();
      while (peek() !== ']') {
        const k = id(); expect('='); a[k] = id();
        if (peek() === ',' || peek() === ';') next();
      }
      expect(']');
    }
    return a;
  };
  const dot: Dot = { name: '', nodes: new Map(), edges: [], clusters: new Map() };
  const body = (cluster?: string) => {
    expect('{');
    while (peek() !== '}') {
      if (peek() === ';') { next(); continue; }
      if (peek() === 'subgraph' || peek() === '{') {
        let name: string | undefined;
        if (peek() === 'subgraph') { next(); name = id(); dot.clusters.set(name, []); }
        body(name ?? cluster);
        continue;
      }
      const a = id();
      if (['graph', 'node', 'edge'].includes(a) && peek() === '[') { attrs(); continue; }
      if (peek() === '=') { next(); id(); continue; }
      if (peek() === '->') {
        next();
        const b = id();
        dot.edges.push({ from: a, to: b, attrs: attrs() });
        continue;
      }
      assert.ok(!dot.nodes.has(a), `DOT: node ${a} declared twice`);
      dot.nodes.set(a, attrs());
      if (cluster) dot.clusters.get(cluster)!.push(a);
    }
    expect('}');
  };
  expect('digraph');
  dot.name = id();
  body();
  assert.equal(i, t.length, 'DOT: text after the graph');
  return dot;
}

// ---------------------------------------------------------------- an XML reader for the SVG

interface Xml { tag: string; attrs: Record<string, string>; kids: Xml[]; text: string }

function parseXml(text: string): Xml {
  const body = text.replace(/^<\?xml[^?]*\?>\s*/, '');
  const root: Xml = { tag: '#root', attrs: {}, kids: [], text: '' };
  const stack = [root];
  const re = /<(\/?)([A-Za-z][\w:-]*)((?:\s+[\w:-]+="[^"<]*")*)\s*(\/?)>|([^<]+)/gy;
  let m: RegExpExecArray | null;
  while (re.lastIndex < body.length) {
    const at = re.lastIndex;
    m = re.exec(body);
    assert.ok(m && re.lastIndex > at, `SVG: not well-formed at ${at}: ${JSON.stringify(body.slice(at, at + 40))}`);
    if (m[5] !== undefined) {
      assert.doesNotMatch(m[5], /&(?!amp;|lt;|gt;|quot;|apos;)/, 'SVG: a bare ampersand');
      stack[stack.length - 1].text += m[5];
      continue;
    }
    if (m[1]) {
      const open = stack.pop()!;
      assert.equal(open.tag, m[2], `SVG: </${m[2]}> closes <${open.tag}>`);
      continue;
    }
    const attrs: Record<string, string> = {};
    for (const a of m[3].matchAll(/([\w:-]+)="([^"]*)"/g)) attrs[a[1]] = a[2];
    const el: Xml = { tag: m[2], attrs, kids: [], text: '' };
    stack[stack.length - 1].kids.push(el);
    if (!m[4]) stack.push(el);
  }
  assert.equal(stack.length, 1, 'SVG: unclosed elements');
  assert.equal(root.kids.length, 1, 'SVG: one root element');
  return root.kids[0];
}

function all(x: Xml, pred: (e: Xml) => boolean, out: Xml[] = []): Xml[] {
  if (pred(x)) out.push(x);
  for (const k of x.kids) all(k, pred, out);
  return out;
}
const hasClass = (e: Xml, c: string) => (e.attrs.class ?? '').split(/\s+/).includes(c);

// ---------------------------------------------------------------- the graph

/** The read among the racing pair (the fence MP race is P0's write of data against P1's read of it). */
function racingRead(trace: Trace, race: { a: number; b: number }) {
  const r = [trace.steps[race.a], trace.steps[race.b]].find(s => s.read);
  assert.ok(r, 'one of the racing accesses is a read');
  return r;
}

test('the graph has one node per event and per initial value, and the rf edge of the racing read', () => {
  const { trace, race } = firstRace(fenceMp(null, null));
  const g = executionGraph(trace, { race, flavour: 'litmus' });
  assert.equal(g.nodes.filter(n => n.step >= 0).length, trace.steps.length);
  assert.equal(g.nodes.filter(n => n.step < 0).length, trace.locations.length);
  assert.deepEqual(g.threads, ['P0', 'P1']);
  const read = racingRead(trace, race);
  const from = read.read!.from < 0 ? `init${trace.locations.findIndex(l => l.name === read.loc)}` : `e${read.read!.from}`;
  assert.ok(g.edges.some(e => e.kind === 'rf' && e.from === from && e.to === `e${read.step}`), 'rf edge into the racing read');
  assert.ok(g.edges.some(e => e.kind === 'race' && [e.from, e.to].sort().join() === [`e${race.a}`, `e${race.b}`].sort().join()));
  // Every read has exactly one rf edge; po links consecutive events of a thread.
  for (const s of trace.steps.filter(x => x.read)) assert.equal(g.edges.filter(e => e.kind === 'rf' && e.to === `e${s.step}`).length, 1);
  assert.equal(g.edges.filter(e => e.kind === 'po').length, trace.steps.length - trace.threads.length);
  // mo: one chain per location, initial value first, in the trace's final order.
  for (const l of trace.locations) {
    const mo = g.edges.filter(e => e.kind === 'mo' && (e.fromStep < 0 ? e.from === `init${trace.locations.indexOf(l)}` : trace.steps[e.fromStep].loc === l.name));
    const order = trace.mo[l.name];
    assert.equal(mo.length, order.length - 1, `mo of ${l.name}`);
  }
  // Only the chosen relations.
  const rfOnly = executionGraph(trace, { race, relations: ['rf'] });
  assert.ok(rfOnly.edges.length > 0 && rfOnly.edges.every(e => e.kind === 'rf'));
});

test('under LKMM the events read in the kernel\'s words: a plain access is "plain", a fully ordered RMW "Full"', () => {
  const res = explore(takeover('rlx', 'sc'), { model: 'lkmm' });
  assert.ok(res.races.length > 0, 'the Relaxed decrement still races with the reuse');
  const { trace, race } = res.races[0];
  assert.equal(trace.model, 'lkmm');
  const events = executionGraph(trace, { race, flavour: 'rust' }).nodes.filter(n => n.step >= 0).map(n => n.event);
  assert.ok(events.some(e => /^\d+: W plain payload=1$/.test(e)), events.join(' | '));
  assert.ok(events.some(e => /^\d+: RMW Full refcount 2\u21920$/.test(e)), events.join(' | '));
  // None of herd's C11 abbreviations on an LKMM trace.
  for (const e of events) assert.doesNotMatch(e, /\b(na|rlx|acq|rel|acq_rel|sc)\b/, e);
  // RC11 keeps them.
  const rc11 = firstRace(takeover('rlx', 'sc'));
  assert.ok(executionGraph(rc11.trace, { race: rc11.race }).nodes.some(n => /: W na payload=1$/.test(n.event)));
});

test('sw and hb edges appear when release meets acquire, and only after both events ran', () => {
  // Message passing with a Release store and an Acquire load of the flag, witnessing r1 = 1.
  const mp = fenceMp(null, null);
  mp.threads[0].body[1] = { ...mp.threads[0].body[1], mo: 'rel' } as typeof mp.threads[0]['body'][1];
  mp.threads[1].body[0] = { ...mp.threads[1].body[0], mo: 'acq' } as typeof mp.threads[1]['body'][0];
  mp.condition = { quantifier: 'exists', cond: { k: 'eqReg', thread: 1, reg: 'r1', v: 1 } };
  const res = explore(mp);
  assert.equal(res.races.length, 0);
  const t = res.condition!.trace!;
  const g = executionGraph(t, { flavour: 'litmus' });
  const sw = g.edges.filter(e => e.kind === 'sw');
  assert.equal(sw.length, 1, JSON.stringify(g.edges));
  assert.equal(t.steps[sw[0].fromStep].loc, 'flag');
  assert.ok(!g.edges.some(e => e.kind === 'race'));
  const e: GraphEdge = sw[0];
  assert.equal(edgeVisibleAt(e, Math.max(e.fromStep, e.toStep) - 1), false);
  assert.equal(edgeVisibleAt(e, Math.max(e.fromStep, e.toStep)), true);
  assert.equal(edgeVisibleAt({ ...e, fromStep: -1, toStep: 0 }, 0), true, 'an edge from an initial value shows once its read ran');
});

test('the layout puts events in thread columns in program order, without overlaps', () => {
  const { trace, race } = firstRace(takeover('rlx', 'rlx'));
  const l = layoutGraph(executionGraph(trace, { race, flavour: 'rust' }));
  for (let i = 0; i < l.nodes.length; i++) {
    const a = l.nodes[i];
    assert.ok(a.x >= 0 && a.y >= 0 && a.x + a.w <= l.width && a.y + a.h <= l.height, `${a.id} inside the picture`);
    for (let j = i + 1; j < l.nodes.length; j++) {
      const b = l.nodes[j];
      const apart = a.x + a.w <= b.x || b.x + b.w <= a.x || a.y + a.h <= b.y || b.y + b.h <= a.y;
      assert.ok(apart, `${a.id} and ${b.id} overlap`);
    }
  }
  for (const t of [0, 1]) {
    const col = l.nodes.filter(n => n.thread === t);
    assert.ok(col.every(n => n.x === col[0].x), 'one column per thread');
    const idx = col.map(n => trace.steps[n.step].index);
    assert.deepEqual(idx, [...idx].sort((x, y) => x - y), 'program order top to bottom');
    assert.ok(col.every((n, k) => k === 0 || n.y > col[k - 1].y));
  }
  assert.deepEqual(l.columns.map(c => c.title), ['T1 A', 'T2 B']);
  assert.ok(l.edges.every(e => /^M[\d.]+,[\d.]+ [LQ]/.test(e.d)), 'every edge has a path');
});

/** Points along an edge's path (M..L or M..Q). */
function samples(d: string): { x: number; y: number }[] {
  const n = (d.match(/-?[\d.]+/g) ?? []).map(Number);
  if (d.includes('Q')) {
    const [x0, y0, cx, cy, x1, y1] = n;
    return Array.from({ length: 11 }, (_, i) => { const t = i / 10; return { x: (1 - t) ** 2 * x0 + 2 * (1 - t) * t * cx + t * t * x1, y: (1 - t) ** 2 * y0 + 2 * (1 - t) * t * cy + t * t * y1 }; });
  }
  return [{ x: n[0], y: n[1] }, { x: n[2], y: n[3] }];
}

test('every edge and label stays inside the picture, one thread or several', () => {
  const single = { name: 'one', locations: [{ name: 'x', init: 0, atomic: true }], threads: [{ name: 'P0', body: [
    { k: 'store' as const, loc: 'x', val: { k: 'const' as const, v: 1 }, mo: 'rlx' as const },
    { k: 'store' as const, loc: 'x', val: { k: 'const' as const, v: 2 }, mo: 'rlx' as const },
    { k: 'load' as const, reg: 'r0', loc: 'x', mo: 'rlx' as const },
  ] }] };
  // A program without a race gives its trace through a condition that always holds.
  const one = explore({ ...single, condition: { quantifier: 'exists', cond: { k: 'true' } } }).condition!.trace!;
  for (const trace of [firstRace(takeover('rlx', 'rlx')).trace, firstRace(fenceMp(null, null)).trace, one]) {
    const l = layoutGraph(executionGraph(trace, {}));
    for (const e of l.edges) {
      for (const p of samples(e.d)) assert.ok(p.x >= 0 && p.x <= l.width && p.y >= 0 && p.y <= l.height, `${e.kind} ${e.from}->${e.to} leaves the picture at ${p.x},${p.y} (${l.width}x${l.height})`);
      assert.ok(e.label.x > 0 && e.label.x < l.width && e.label.y > 0 && e.label.y < l.height);
    }
  }
});

test('DOT export: every node and edge present, grouped by thread, the racing read\'s rf edge included', () => {
  const { trace, race } = firstRace(fenceMp(null, null));
  const g = executionGraph(trace, { race, flavour: 'litmus' });
  const dot = parseDot(toDot(trace, { race, flavour: 'litmus', title: 'MP "without" fences' }));
  assert.equal(dot.name, 'execution');
  assert.deepEqual([...dot.nodes.keys()].sort(), g.nodes.map(n => n.id).sort());
  for (const n of g.nodes) assert.ok(dot.nodes.get(n.id)!.label.startsWith(n.event), `label of ${n.id}`);
  assert.equal(dot.edges.length, g.edges.length);
  for (const e of g.edges) {
    const found = dot.edges.filter(d => d.from === e.from && d.to === e.to && (e.kind === 'po' ? d.attrs.label === undefined : d.attrs.label === e.kind));
    assert.ok(found.length >= 1, `edge ${e.kind} ${e.from} -> ${e.to}`);
  }
  for (const d of dot.edges) assert.ok(dot.nodes.has(d.from) && dot.nodes.has(d.to), `edge ${d.from} -> ${d.to} joins declared nodes`);
  assert.deepEqual(dot.clusters.get('cluster_t0'), trace.steps.filter(s => s.thread === 0).sort((a, b) => a.index - b.index).map(s => `e${s.step}`));
  const read = racingRead(trace, race);
  assert.ok(dot.edges.some(d => d.to === `e${read.step}` && d.attrs.label === 'rf'), 'the racing read\'s rf edge');
  // Only what the panel shows is exported.
  const shown = parseDot(toDot(trace, { race, relations: ['rf', 'race'] }));
  assert.deepEqual([...new Set(shown.edges.map(e => e.attrs.label))].sort(), ['race', 'rf']);
});

test('SVG export: well-formed, one node per event, edges joining the right nodes', () => {
  const { trace, race } = firstRace(takeover('rlx', 'rlx'));
  const text = toSvg(trace, { race, flavour: 'rust', title: 'takeover <CAS> & drop', relations: DEFAULT_RELATIONS });
  const svg = parseXml(text);
  assert.equal(svg.tag, 'svg');
  assert.equal(svg.attrs.xmlns, 'http://www.w3.org/2000/svg');
  assert.equal(all(svg, e => e.tag === 'style').length, 1, 'the file carries its own colours');
  // Arrowheads live in <defs>, outside the edges' groups: the file's sheet colours them by their own class.
  const sheet = all(svg, e => e.tag === 'style')[0].text;
  for (const k of RELATIONS) assert.match(sheet, new RegExp(`\\.head\\.${k}\\b[^}]*\\{ fill: #`), `arrowhead colour of ${k}`);
  const nodes = all(svg, e => e.tag === 'g' && hasClass(e, 'node'));
  const events = nodes.filter(n => Number(n.attrs['data-step']) >= 0);
  assert.equal(events.length, trace.steps.length);
  assert.deepEqual(events.map(n => Number(n.attrs['data-step'])).sort((a, b) => a - b), trace.steps.map(s => s.step));
  assert.equal(nodes.length - events.length, trace.locations.length);
  const ids = new Set(nodes.map(n => n.attrs['data-node']));
  const edges = all(svg, e => e.tag === 'g' && hasClass(e, 'edge'));
  for (const e of edges) assert.ok(ids.has(e.attrs['data-from']) && ids.has(e.attrs['data-to']));
  // The CAS read the decrement: that rf edge is in the file, from the decrement's node to the CAS's.
  const cas = trace.steps.find(s => s.cas === 'success')!;
  assert.ok(edges.some(e => e.attrs['data-kind'] === 'rf' && e.attrs['data-from'] === `e${cas.read!.from}` && e.attrs['data-to'] === `e${cas.step}`));
  assert.ok(!edges.some(e => e.attrs['data-kind'] === 'fr'), 'fr is off by default');
  assert.match(text, /takeover &lt;CAS&gt; &amp; drop/);
});

// ---------------------------------------------------------------- the cells and the gloss

test('threads are T1, T2 with their role; litmus threads keep their names', () => {
  assert.equal(threadTitle(['owner', 'holder'], 0), 'T1 owner');
  assert.equal(threadTitle(['owner', 'holder'], 1), 'T2 holder');
  assert.equal(threadTitle(['P0', 'P1'], 1), 'P1');
});

test('long calls are shortened at a dot outside the argument list, never inside a name', () => {
  const call = 'this.data().refcount().fetch_sub(1, Ordering::Relaxed)';
  assert.equal(shortenCall(call), '\u2026refcount().fetch_sub(1, Ordering::Relaxed)');
  assert.equal(shortenCall('this.data().refcount().compare_exchange(2, 0, Ordering::Relaxed, Ordering::Relaxed)'), '\u2026compare_exchange(2, 0, Ordering::Relaxed, Ordering::Relaxed)');
  assert.equal(shortenCall('refcount_dec_and_test(&req->ref)'), 'refcount_dec_and_test(&req->ref)');
  // A dot inside the arguments is not a receiver.
  assert.equal(shortenCall('x.f(a.b.c.d.e.f.g.h.i.j.k.l.m.n.o.p.q.r.s.t.u.v.w.y.z.aa.bb)', 20), '\u2026f(a.b.c.d.e.f.g.h.i.j.k.l.m.n.o.p.q.r.s.t.u.v.w.y.z.aa.bb)');
});

test('cells carry the source text as written and its line; the race gets a one-line gloss', () => {
  const { trace, race } = firstRace(takeover('rlx', 'rlx'));
  const sites = [
    { line: 98, text: 'this.data().refcount().fetch_sub(1, Ordering::Relaxed)', role: 'dec', which: ['single' as const] },
    { line: 55, text: 'this.data().refcount().compare_exchange(2, 0, Ordering::Relaxed, Ordering::Relaxed)', role: 'takeover', which: ['success' as const, 'failure' as const] },
  ];
  const v = traceView(trace, 'rust', race, undefined, sites);
  const dec = v.rows.find(r => r.site === 0)!;
  assert.equal(dec.label, sites[0].text);
  assert.equal(dec.lineNo, 99);
  assert.equal(dec.short, '\u2026refcount().fetch_sub(1, Ordering::Relaxed)');
  assert.ok(v.rows.filter(r => r.site === undefined).every(r => r.synthetic && r.lineNo === undefined));
  assert.deepEqual(v.threads, ['T1 A', 'T2 B']);
  assert.equal(v.race!.gloss, "T1 read the refcount from T2's Relaxed decrement; nothing makes T2's write to the payload happen before T1's write to the payload");
  const mp = firstRace(fenceMp(null, null));
  assert.equal(glossRace(mp.trace, mp.race, 'litmus'), "P1 read flag from P0's relaxed store; nothing makes P0's write to data happen before P1's read of data");
});

// ---------------------------------------------------------------- the export message

test('the host takes an export request only with a well-formed trace', () => {
  const { trace, race } = firstRace(takeover('rlx', 'rlx'));
  const wire = JSON.parse(JSON.stringify({ type: 'exportGraph', format: 'dot', trace, race, relations: ['rf', 'race', 'rf'] }));
  const msg = parseFromWebview(wire);
  assert.ok(msg && msg.type === 'exportGraph');
  assert.deepEqual(msg.relations, ['rf', 'race']);
  assert.deepEqual(msg.trace.steps, trace.steps);
  // The host draws the same graph from the checked copy.
  assert.equal(toDot(msg.trace, { race: msg.race }), toDot(trace, { race }));
  const bad = (f: (w: Record<string, unknown> & { trace: Trace }) => void) => {
    const w = JSON.parse(JSON.stringify(wire));
    f(w);
    return parseFromWebview(w);
  };
  assert.equal(bad(w => { w.format = 'png'; }), undefined);
  assert.equal(bad(w => { w.relations = ['rf', 'psc']; }), undefined);
  assert.equal(bad(w => { w.trace.steps[1].read = { value: 1, from: 99, newest: true }; }), undefined, 'rf from a step that does not exist');
  assert.equal(bad(w => { w.trace.steps[0].step = 5; }), undefined);
  assert.equal(bad(w => { w.trace.steps[0].thread = 7; }), undefined);
  assert.equal(bad(w => { w.trace.threads = []; }), undefined);
  assert.equal(bad(w => { w.race = { ...race, a: 100 }; }), undefined);
  assert.equal(bad(w => { w.trace.steps[0].label = 'x'.repeat(5000); }), undefined);
  // The relations the panel shows survive a reload; unknown names from an older state are dropped.
  const saved = parseSavedState({ uri: 'u', id: 'i', choices: {}, counterexample: 0, step: 2, relations: ['rf', 'nope', 'sw'] });
  assert.deepEqual(saved?.relations, ['rf', 'sw']);
  assert.deepEqual(RELATIONS.filter(r => !DEFAULT_RELATIONS.includes(r)), ['fr']);
});

test('a box\'s source line is cut after punctuation, not inside a name', () => {
  assert.equal(clip('this.data().refcount().fetch_sub(1, Ordering::Relaxed)', 26), '\u2026fetch_sub(1, Ordering::\u2026');
  assert.equal(clip('this.data().refcount().compare_exchange(2, 0, Ordering::Relaxed, Ordering::Relaxed)', 26), '\u2026compare_exchange(2, 0,\u2026');
  assert.equal(clip('r1 = *data;', 26), 'r1 = *data;');
});
