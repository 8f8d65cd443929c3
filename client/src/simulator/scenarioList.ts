// Which scenario a panel shows, decided from one review result (the same one the diagnostics and
// lenses come from). Pure: no VS Code API, so the choices are unit-tested.

import type { ScenarioView } from '../../../server/src/protocol/finding';
import type { Finding } from '../../../server/src/protocol/finding';
import { racy, scenarioVerdict } from '../../../server/src/lsp/codeLens';

export { racy, scenarioVerdict };

/** Scenario ids are `<kind>:<site>:<site>`; the kind survives edits that move the sites. */
function kindOf(id: string): string {
  return id.split(':')[0];
}

/**
 * The scenario `old` is after the source changed: the same id, else the same kind and title (an
 * added line shifts the positions ids carry). Undefined when it is gone.
 */
export function findAgain(list: readonly ScenarioView[], old: Pick<ScenarioView, 'id' | 'title'>): ScenarioView | undefined {
  return list.find(s => s.id === old.id) ?? list.find(s => kindOf(s.id) === kindOf(old.id) && s.title === old.title);
}

/** Racing scenarios first (in review order), then the clean ones. */
export function racesFirst(list: readonly ScenarioView[]): ScenarioView[] {
  return [...list.filter(racy), ...list.filter(s => !racy(s))];
}

export interface PickEntry { id: string; label: string; description: string }

/** Quick-pick entries: every scenario, labelled with its verdict, racing ones first. */
export function pickEntries(list: readonly ScenarioView[]): PickEntry[] {
  return racesFirst(list).map(s => ({ id: s.id, label: `${racy(s) ? '$(error)' : '$(pass)'} ${s.title}`, description: scenarioVerdict(s) }));
}

function siteKeys(s: ScenarioView): Set<string> {
  return new Set(s.sites.map(x => `${x.file}@${x.range.start.line}:${x.range.start.character}`));
}

/**
 * The racing scenario a clean panel should show instead: one that shares a site with `view` and
 * is named by a finding (the race the editor still reports there). Undefined when `view` races
 * itself or no finding remains at its sites.
 */
export function stillRacingAtSites(list: readonly ScenarioView[], findings: readonly Finding[], view: ScenarioView): ScenarioView | undefined {
  if (racy(view)) return undefined;
  const mine = siteKeys(view);
  const named = new Set(findings.map(f => f.scenario).filter((x): x is string => !!x));
  return list.find(s => s.id !== view.id && racy(s) && named.has(s.id) && [...siteKeys(s)].some(k => mine.has(k)));
}

/** Scenarios other than `view` that share one of its sites and race: the panel names them. */
export function othersRacing(list: readonly ScenarioView[], view: ScenarioView): ScenarioView[] {
  const mine = siteKeys(view);
  return list.filter(s => s.id !== view.id && racy(s) && [...siteKeys(s)].some(k => mine.has(k)));
}
