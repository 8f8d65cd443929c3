// CodeLens "Simulate" above every checked site: opens the simulator on the scenario that
// exercises it (the one that found a problem, when there is one).

import type { CodeLens } from 'vscode-languageserver';
import type { FileReview } from '../review';
import { checkedSites } from './sites';

export const SIMULATE_COMMAND = 'refcountReview.simulate';

export interface SimulateArgs { uri: string; scenarioId: string }

export function codeLenses(uri: string, review: FileReview): CodeLens[] {
  return checkedSites(review).filter(cs => cs.scenarios.length > 0).map(cs => {
    const sc = cs.scenarios[0];
    const args: SimulateArgs = { uri, scenarioId: sc.id };
    const line = cs.site.range.start.line;
    return {
      range: { start: { line, character: 0 }, end: { line, character: 0 } },
      command: {
        title: cs.findings.length ? 'Simulate (counterexample)' : 'Simulate',
        command: SIMULATE_COMMAND,
        arguments: [args],
        tooltip: `Step through "${sc.title}" in the Refcount Review simulator`,
      } as CodeLens['command'],
    };
  });
}
