// Turns a complete execution graph into a Trace: its events in the order they were added (an order
// consistent with sb and rf), each annotated with what a person replaying it needs to see.

import type { Ev, Graph } from './graph';
import { isAcquire, isRelease, MODE_ORDERING_NAMES, type Mode } from './ir';
import type { Compiled } from './program';
import type { Race, Trace, TraceStep } from './result';

export function modeWord(m: Mode): string { return m === 'na' ? 'plain' : MODE_ORDERING_NAMES[m]; }

/** Release heads whose release sequence contains write `w` (the events an acquiring reader of w synchronizes with). */
export function releaseHeads(g: Graph, w: Ev): Ev[] {
  const heads: Ev[] = [];
  let cur: Ev | undefined = w;
  const seen = new Set<number>();
  while (cur && cur.thread >= 0 && !seen.has(cur.id)) {
    seen.add(cur.id);
    if (cur.mode !== 'na') {
      if (isRelease(cur.mode)) heads.push(cur);
      else {
        // The latest release fence and the latest release write to the same location sb-before
        // cur: each heads a release sequence containing cur (earlier ones are hb-before these).
        let fence = false, write = false;
        for (let i = cur.index - 1; i >= 0 && !(fence && write); i--) {
          const e = g.at(cur.thread, i);
          if (!fence && e.kind === 'F' && isRelease(e.mode)) { heads.push(e); fence = true; }
          else if (!write && (e.kind === 'W' || e.kind === 'U') && e.loc === cur.loc && isRelease(e.mode)) { heads.push(e); write = true; }
        }
      }
    }
    cur = cur.kind === 'U' ? g.events[cur.rf] : undefined;
  }
  return heads;
}

/** Events that synchronize-with `e` (sw edges ending at e). */
export function swSources(g: Graph, e: Ev): Ev[] {
  if ((e.kind === 'R' || e.kind === 'U') && e.mode !== 'na' && isAcquire(e.mode)) return releaseHeads(g, g.events[e.rf]);
  if (e.kind === 'F' && isAcquire(e.mode)) {
    const out: Ev[] = [];
    for (let i = e.index - 1; i >= 0; i--) {
      const r = g.at(e.thread, i);
      if ((r.kind === 'R' || r.kind === 'U') && r.mode !== 'na') out.push(...releaseHeads(g, g.events[r.rf]));
    }
    return out;
  }
  return [];
}

export function buildTrace(g: Graph, c: Compiled, registers: Record<string, number>[], race?: Race): Trace {
  const stepOf = (id: number): number => g.events[id].step;
  const steps: TraceStep[] = [];
  for (let s = 0; s < g.steps; s++) {
    const e = g.events[g.nInit + s];
    const op = e.op!;
    const prev = e.index > 0 ? g.at(e.thread, e.index - 1) : null;
    const hb: number[] = [];
    for (let u = 0; u < g.nThreads; u++) {
      if (u === e.thread) continue;
      const before = prev ? prev.view[u] : -1;
      if (e.view[u] > before) hb.push(g.at(u, e.view[u]).step);
    }
    const step: TraceStep = {
      step: s, thread: e.thread, index: e.index, kind: e.kind, mode: e.mode, label: op.label,
      sw: [...new Set(swSources(g, e).map(x => x.step))].sort((a, b) => a - b), hb,
    };
    if (e.loc >= 0) step.loc = c.locNames[e.loc];
    if (op.site !== undefined) step.site = op.site;
    if (op.line !== undefined) step.line = op.line;
    if (e.cas) step.cas = e.cas;
    if (e.kind === 'R' || e.kind === 'U') {
      // "newest": no write to the location that was already in the trace is mo-later than the one read.
      const w = g.events[e.rf];
      const newest = g.mo[e.loc].every(x => g.events[x].step >= s || g.moPos[x] <= g.moPos[w.id]);
      step.read = { value: e.readVal, from: w.step, newest };
    }
    if (e.kind === 'W' || e.kind === 'U') {
      step.wrote = { value: e.writeVal };
      step.mo = g.mo[e.loc].filter(x => g.events[x].step <= s).map(stepOf);
    }
    steps.push(step);
  }
  const final: Record<string, number> = {};
  const mo: Record<string, number[]> = {};
  c.locNames.forEach((name, loc) => {
    const list = g.mo[loc];
    final[name] = g.events[list[list.length - 1]].writeVal;
    mo[name] = list.map(stepOf);
  });
  const trace: Trace = {
    model: 'rc11',
    threads: c.threads.map(t => t.name),
    locations: c.program.locations.map(l => ({ name: l.name, init: l.init, atomic: l.atomic })),
    steps, final, registers, mo,
  };
  if (race) trace.race = race;
  return trace;
}

export function describeRace(g: Graph, c: Compiled, a: Ev, b: Ev): Race {
  const [x, y] = a.step <= b.step ? [a, b] : [b, a];
  const what = (e: Ev): string => (e.kind === 'R' ? 'read' : 'write');
  const tn = (e: Ev): string => c.threads[e.thread].name;
  const loc = c.locNames[x.loc];
  return {
    loc,
    a: x.step,
    b: y.step,
    threads: [x.thread, y.thread],
    labels: [x.op!.label, y.op!.label],
    sites: [x.op!.site, y.op!.site],
    explanation: `${tn(x)}'s ${what(x)} of ${loc} (step ${x.step + 1}) and ${tn(y)}'s ${what(y)} of ${loc} (step ${y.step + 1}) are not ordered by happens-before: nothing makes ${tn(x)}'s access visible to ${tn(y)} before it, so this is a data race.`,
  };
}
