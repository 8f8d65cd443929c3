// One canonical string per execution graph, so the explorer's executions and the oracle's can be
// compared as sets. Both sides produce the same summary shape (the explorer's ExecutionGraph, the
// oracle's OracleExecution); only the fields that define the execution are kept, in a fixed order,
// and every list whose order is not meaningful is sorted.

import type { OracleExecution } from './axiomatic';

const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** Orders "t:i" ids by thread, then index (numerically, so "0:10" sorts after "0:9"). */
function byId(a: string, b: string): number {
  const [ta, ia] = a.split(':').map(Number);
  const [tb, ib] = b.split(':').map(Number);
  return ta !== tb ? ta - tb : ia - ib;
}

/** The graph without its races: what makes two executions the same execution. */
export function canonicalGraph(g: OracleExecution): string {
  const events = g.events
    .slice()
    .sort((a, b) => byId(a.id, b.id))
    .map(e => [e.id, e.kind, e.loc ?? null, e.mode, e.readValue ?? null, e.rf ?? null, e.writeValue ?? null]);
  const mo = Object.keys(g.mo)
    .filter(l => g.mo[l].length > 0)
    .sort(cmp)
    .map(l => [l, g.mo[l]]);
  return JSON.stringify({ events, mo });
}

export function canonicalRaces(g: OracleExecution): string {
  const pairs = g.races.map(([a, b]) => (byId(a, b) <= 0 ? [a, b] : [b, a]));
  pairs.sort((x, y) => byId(x[0], y[0]) || byId(x[1], y[1]));
  return JSON.stringify(pairs);
}

/** The whole summary: graph and races. */
export function canonicalExecution(g: OracleExecution): string {
  return `${canonicalGraph(g)} races=${canonicalRaces(g)}`;
}
