// The checked sites of one file's review, joined with the scenarios that exercise them and the
// findings reported at them: what hover and CodeLens present.

import type { FileReview } from '../review';
import type { Finding, Position, Range, ScenarioView } from '../protocol/finding';
import { uriToFile } from './uris';

type SiteView = ScenarioView['sites'][number];

export interface CheckedSite {
  site: SiteView;
  scenarios: ScenarioView[];
  findings: Finding[];
  /** The other sites of its scenarios: what it pairs with. */
  partners: SiteView[];
}

export function rangeKey(r: Range): string {
  return `${r.start.line}:${r.start.character}-${r.end.line}:${r.end.character}`;
}

export function contains(r: Range, p: Position): boolean {
  const afterStart = p.line > r.start.line || (p.line === r.start.line && p.character >= r.start.character);
  const beforeEnd = p.line < r.end.line || (p.line === r.end.line && p.character <= r.end.character);
  return afterStart && beforeEnd;
}

export function intersects(a: Range, b: Range): boolean {
  return contains(a, b.start) || contains(a, b.end) || contains(b, a.start) || contains(b, a.end);
}

function sameFile(a: string, b: string): boolean {
  return uriToFile(a) === uriToFile(b);
}

/** Sites of `review` that lie in the reviewed file itself, each once, in source order. */
export function checkedSites(review: FileReview): CheckedSite[] {
  const byKey = new Map<string, CheckedSite>();
  for (const sc of review.scenarios) {
    for (const site of sc.sites) {
      if (!sameFile(site.file, review.file)) continue;
      const key = rangeKey(site.range);
      let cs = byKey.get(key);
      if (!cs) byKey.set(key, cs = { site, scenarios: [], findings: [], partners: [] });
      if (!cs.scenarios.includes(sc)) cs.scenarios.push(sc);
    }
  }
  for (const cs of byKey.values()) {
    const seen = new Set<string>([`${cs.site.file}@${rangeKey(cs.site.range)}`]);
    for (const sc of cs.scenarios) {
      for (const other of sc.sites) {
        const k = `${other.file}@${rangeKey(other.range)}`;
        if (!seen.has(k)) { seen.add(k); cs.partners.push(other); }
      }
    }
    cs.findings = review.findings.filter(f => sameFile(f.file, review.file) && intersects(f.range, cs.site.range));
    // The scenario a finding names first (the simulator opens it), then the other racing ones.
    const rank = (sc: ScenarioView) => (cs.findings.some(f => f.scenario === sc.id) ? 0 : (sc.races ?? 0) > 0 ? 1 : 2);
    cs.scenarios = cs.scenarios.map((sc, i) => ({ sc, i })).sort((a, b) => rank(a.sc) - rank(b.sc) || a.i - b.i).map(x => x.sc);
  }
  return [...byKey.values()].sort((a, b) => a.site.range.start.line - b.site.range.start.line || a.site.range.start.character - b.site.range.start.character);
}

/** The site whose ordering argument covers `p` (hover), if any. */
export function siteAtOrdering(review: FileReview, p: Position): { cs: CheckedSite; which: 'success' | 'failure' | 'single'; range: Range } | undefined {
  for (const cs of checkedSites(review)) {
    for (const o of cs.site.orderingRanges) if (contains(o.range, p)) return { cs, which: o.which, range: o.range };
  }
  return undefined;
}
