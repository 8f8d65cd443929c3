// Writing orderings chosen in the simulator back into Rust source. The text work (style of the
// site, imports) is shared with the quick fixes in server/src/protocol/orderingEdits.ts; this
// maps the simulator's choices (engine modes per site argument) onto it. Pure (no VS Code API);
// the panel turns the plan into a WorkspaceEdit.

import type { ScenarioView } from '../../../server/src/protocol/finding';
import { planOrderingEdits as planEdits, type EditPlan, type OrderingChange } from '../../../server/src/protocol/orderingEdits';
import { orderingOfMode } from '../../../server/src/protocol/orderings';
import type { SiteOrdering } from '../../webview/messages';

export type { EditPlan };

export function planOrderingEdits(source: string, sites: ScenarioView['sites'], orderings: SiteOrdering[]): EditPlan {
  const changes: OrderingChange[] = [];
  const problems: string[] = [];
  for (const o of orderings) {
    const site = sites[o.site];
    if (!site) { problems.push(`Unknown site ${o.site}.`); continue; }
    const to = orderingOfMode(o.mode);
    if (!to) continue;
    // One-argument APIs (kernel cmpxchg) carry the success ordering in their single argument.
    const target = site.orderingRanges.some(r => r.which === o.which) ? o.which : o.which === 'success' ? 'single' : o.which;
    const ranges = site.orderingRanges.filter(r => r.which === target);
    if (ranges.length === 0) { problems.push(`${site.text.trim()}: no ${o.which} ordering argument to change.`); continue; }
    for (const { range } of ranges) changes.push({ range, to });
  }
  const plan = planEdits(source, changes);
  return { edits: plan.edits, problems: [...problems, ...plan.problems] };
}
