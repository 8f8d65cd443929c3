// One finding per site. A counter with several drop sites has one scenario per pair of them, and
// when no single change fixes every scenario the fix search answers per scenario: the same site
// then comes back once per partner, sometimes under two rules (as the holder that must release,
// and as the last reference that must acquire). A reviewer wants one squiggle per ordering, with
// every partner in its related information and the fix that satisfies all of them.
//
// Merging is sound because strengthening orderings never adds a race: if each scenario is clean
// with its own fix applied, it stays clean when the other sites are strengthened too.

import type { Ordering } from '../rust/site';
import type { Finding, Related } from './finding';
import { atLeast, orderingFromName } from './orderings';

const rangeKey = (f: Finding): string => `${f.file}:${f.range.start.line}:${f.range.start.character}:${f.range.end.line}:${f.range.end.character}`;

/** The ordering a finding's fix writes at the finding's own site, if it writes one. */
function fixTarget(f: Finding): Ordering | undefined {
  if (!f.fix) return undefined;
  const written = f.fix.edits
    .filter(e => !e.file || e.file === f.file)
    .map(e => ({ e, name: /(?:^|::)\s*(\w+)\s*$/.exec(e.newText.trim())?.[1] }))
    .filter(x => x.name !== undefined && orderingFromName(x.name) !== undefined);
  const inside = written.find(x => x.e.range.start.line >= f.range.start.line && x.e.range.end.line <= f.range.end.line) ?? written[0];
  return inside ? orderingFromName(inside.name!) : undefined;
}

function relatedUnion(lists: Related[][], self: Finding): Related[] {
  const seen = new Set<string>([`${self.file}:${self.range.start.line}:${self.range.start.character}:`]);
  const out: Related[] = [];
  for (const r of lists.flat()) {
    const k = `${r.file}:${r.range.start.line}:${r.range.start.character}:${r.message}`;
    if (seen.has(k)) continue;
    seen.add(k);
    out.push(r);
  }
  return out;
}

export function mergeSiteFindings(findings: Finding[]): Finding[] {
  const groups = new Map<string, Finding[]>();
  for (const f of findings) {
    const k = rangeKey(f);
    const g = groups.get(k);
    if (g) g.push(f); else groups.set(k, [f]);
  }
  const out: Finding[] = [];
  for (const group of groups.values()) {
    if (group.length === 1) { out.push(group[0]); continue; }
    // Findings that carry no ordering fix (infos, unfixable races) are merged per rule only.
    const withTarget = group.map(f => ({ f, to: fixTarget(f) }));
    const fixed = withTarget.filter(x => x.to !== undefined);
    const keep: { f: Finding; covers: Finding[] }[] = [];
    const strongest = fixed.find(x => fixed.every(y => atLeast(x.to!, y.to!)));
    if (strongest) keep.push({ f: strongest.f, covers: fixed.map(x => x.f) });
    else {
      // No one fix covers the others (say Release against Acquire): keep one finding per target.
      const byTarget = new Map<string, Finding[]>();
      for (const x of fixed) byTarget.set(`${x.f.rule}:${x.to}`, [...(byTarget.get(`${x.f.rule}:${x.to}`) ?? []), x.f]);
      for (const fs of byTarget.values()) keep.push({ f: fs[0], covers: fs });
    }
    const byRule = new Map<string, Finding[]>();
    for (const x of withTarget) if (x.to === undefined) byRule.set(x.f.rule, [...(byRule.get(x.f.rule) ?? []), x.f]);
    for (const fs of byRule.values()) {
      // An unfixed finding under a rule a kept fix already answers adds only its partners.
      const host = keep.find(k => k.f.rule === fs[0].rule);
      if (host) host.covers.push(...fs); else keep.push({ f: fs[0], covers: fs });
    }
    for (const k of keep) out.push({ ...k.f, related: relatedUnion(k.covers.map(c => c.related), k.f) });
  }
  return out;
}
