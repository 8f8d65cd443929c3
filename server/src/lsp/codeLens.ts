// CodeLens above every checked site: whether any scenario through the site has a counterexample,
// and a command that opens it in the simulator (a pick among them when there are several).

import type { CodeLens } from 'vscode-languageserver';
import type { ScenarioView } from '../protocol/finding';
import type { FileReview } from '../review';
import { checkedSites, type CheckedSite } from './sites';

export const SIMULATE_COMMAND = 'refcountReview.simulate';

export interface SimulateArgs {
  uri: string;
  /** The scenario to open: the first of `scenarioIds`. */
  scenarioId: string;
  /** Every scenario through the site, racing ones first; the client offers a pick when there are several. */
  scenarioIds?: string[];
}

export function racy(sc: ScenarioView): boolean {
  return (sc.races ?? 0) > 0;
}

/** The verdict of one scenario in a few words (lens titles, the scenario pick). */
export function scenarioVerdict(sc: ScenarioView): string {
  const n = sc.races ?? 0;
  if (n > 0) return n === 1 ? 'race' : `${n} races`;
  return sc.bounded ? 'no race found (search bounded)' : 'no race';
}

/** What the lens over one site says and opens. */
export function siteLens(cs: CheckedSite): { title: string; tooltip: string; scenarioIds: string[] } {
  const list = cs.scenarios;
  const racing = list.filter(racy).length;
  const n = list.length;
  const title = n === 1 ? `Simulate: ${racing ? 'race' : scenarioVerdict(list[0])}`
    : racing > 0 ? `Simulate: race (${racing} of ${n} scenarios)` : `Simulate: no race (${n} scenarios)`;
  const tooltip = n === 1 ? `Step through "${list[0].title}" (${scenarioVerdict(list[0])}) in the Refcount Review simulator`
    : `Choose one of the ${n} scenarios through this site to step through in the simulator`;
  return { title, tooltip, scenarioIds: list.map(s => s.id) };
}

export function codeLenses(uri: string, review: FileReview): CodeLens[] {
  return checkedSites(review).filter(cs => cs.scenarios.length > 0).map(cs => {
    const lens = siteLens(cs);
    const args: SimulateArgs = { uri, scenarioId: lens.scenarioIds[0], scenarioIds: lens.scenarioIds };
    const line = cs.site.range.start.line;
    return {
      range: { start: { line, character: 0 }, end: { line, character: 0 } },
      command: { title: lens.title, command: SIMULATE_COMMAND, arguments: [args], tooltip: lens.tooltip } as CodeLens['command'],
    };
  });
}
