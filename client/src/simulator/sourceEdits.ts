// Writing orderings chosen in the simulator back into Rust source. The text work (style of the
// site, imports) is shared with the quick fixes in server/src/protocol/orderingEdits.ts; this
// maps the simulator's choices (engine modes per site argument) onto it. Pure (no VS Code API);
// the panel turns the plan into a WorkspaceEdit.
//
// The ranges come from the review the panel was opened or last refreshed from; the file may have
// changed since. An edit is planned only where the source still reads as recorded: the whole call
// (its one-line text) and every ordering argument's exact text. A site that only moved by whole
// lines (lines added or removed above it) is found again when it reads the same at exactly one
// place; anything else refuses the whole Apply, so no text but an ordering argument is ever written.

import type { ModelName } from '../../../server/src/memory/ir';
import type { Range, ScenarioView } from '../../../server/src/protocol/finding';
import { planOrderingEdits as planEdits, type EditPlan, type OrderingChange } from '../../../server/src/protocol/orderingEdits';
import { orderingOfMode } from '../../../server/src/protocol/orderings';
import { callText, textAt } from '../../../server/src/protocol/siteText';
import type { SiteOrdering } from '../../webview/messages';
import { writtenArgument, type Which } from '../../webview/toggles';

type ViewSite = ScenarioView['sites'][number];

export interface ApplyPlan extends EditPlan {
  /** Sites that no longer read as recorded: when there are any, nothing is planned. */
  stale: string[];
}

/**
 * `model` is the one the scenario was explored under: under LKMM a failure ordering is refused, as
 * the engine reads a failed compare as relaxed whatever it says (the page offers no such choice;
 * this holds against a page that sends one anyway).
 */
export function planOrderingEdits(source: string, sites: ScenarioView['sites'], orderings: SiteOrdering[], model?: ModelName): ApplyPlan {
  const lines = source.split('\n');
  const changes: OrderingChange[] = [];
  const problems: string[] = [];
  const stale: string[] = [];
  const shifts = new Map<number, number | string>();
  for (const o of orderings) {
    const site = sites[o.site];
    if (!site) { problems.push(`Unknown site ${o.site}.`); continue; }
    if (model === 'lkmm' && o.which === 'failure') {
      problems.push(`${site.text.trim()}: the failure ordering is not written under LKMM, which reads a failed compare as relaxed whatever it says.`);
      continue;
    }
    const to = orderingOfMode(o.mode);
    if (!to) continue;
    const target = writtenArgument(o.which, site.orderingRanges.map(r => r.which));
    if (target === undefined) { problems.push(notWritten(site, o.which)); continue; }
    const ranges = site.orderingRanges.filter(r => r.which === target);
    const variable = ranges.find(r => r.notConstant);
    if (variable) { problems.push(notConstant(site, variable)); continue; }
    if (!shifts.has(o.site)) shifts.set(o.site, locate(lines, site));
    const shift = shifts.get(o.site)!;
    if (typeof shift === 'string') { if (!stale.includes(shift)) stale.push(shift); continue; }
    for (const { range } of ranges) changes.push({ range: moved(range, shift), to });
  }
  if (stale.length > 0) return { edits: [], problems, stale };
  const plan = planEdits(source, changes);
  return { edits: plan.edits, problems: [...problems, ...plan.problems], stale };
}

/**
 * Why a slot has no argument to write: the API fixes its ordering (the page offers no such choice;
 * this holds against a page that sends one anyway), or the reader recorded no argument for it.
 */
function notWritten(site: ViewSite, which: Which): string {
  // The implied slot the choice stands for, matched as a written argument would be.
  const slot = writtenArgument(which, site.implied?.map(i => i.which) ?? []);
  const implied = site.implied?.find(i => i.which === slot);
  const call = `\`${site.text.trim()}\``;
  if (implied) return `${call}: its ordering is implied by the API (${implied.how}), not written as an argument: there is nothing to change.`;
  return `${call}: no ${which} ordering argument to change.`;
}

/**
 * Why an argument that is no constant ordering is not rewritten (the page offers no such choice;
 * this holds against a page that sends one anyway): a parameter is its callers' choice, and an
 * expression is the code's; overwriting either changes more than this call, or loses the choice.
 */
function notConstant(site: ViewSite, r: ViewSite['orderingRanges'][number]): string {
  const call = `\`${site.text.trim()}\``;
  const how = r.notConstant!;
  if (how.parameter) return `${call}: the ordering is the parameter \`${how.parameter}\`, passed by its callers; change it at the call sites.`;
  const written = r.text !== undefined ? `\`${r.text.trim()}\`` : 'its argument';
  return `${call}: its ordering ${written} is computed, not written as a constant (${how.how}); change it where the code chooses it.`;
}

function moved(r: Range, lines: number): Range {
  return { start: { line: r.start.line + lines, character: r.start.character }, end: { line: r.end.line + lines, character: r.end.character } };
}

/** An ordering argument as written: a name or a path to one (`Relaxed`, `Ordering::Acquire`, a constant). */
const ORDERING_TOKEN = /^\s*(?:[A-Za-z_]\w*\s*::\s*)*[A-Za-z_]\w*\s*$/;

/** The site reads as recorded when its ranges are moved down by `shift` lines. */
function readsAsRecorded(lines: readonly string[], site: ViewSite, shift: number): boolean {
  if (site.range.start.line + shift < 0 || site.range.end.line + shift >= lines.length) return false;
  if (callText(lines, moved(site.range, shift)) !== site.text) return false;
  return site.orderingRanges.every(r => {
    const now = textAt(lines, moved(r.range, shift));
    // A review from before the argument text was recorded: the call's text is the evidence, and the argument must still look like one.
    return r.text !== undefined ? now === r.text : ORDERING_TOKEN.test(now);
  });
}

/** How many lines the site moved (0 when it is where it was), or why it cannot be written to. */
function locate(lines: readonly string[], site: ViewSite): number | string {
  if (readsAsRecorded(lines, site, 0)) return 0;
  const found: number[] = [];
  for (let shift = -site.range.start.line; site.range.end.line + shift < lines.length; shift++) {
    if (shift !== 0 && readsAsRecorded(lines, site, shift)) found.push(shift);
    if (found.length > 1) break;
  }
  if (found.length === 1) return found[0];
  const line = site.range.start.line;
  return found.length === 0
    ? `\`${site.text}\` is no longer in the file as it was when the scenario was read (line ${line + 1} changed)`
    : `\`${site.text}\` now appears more than once in the file; which one the scenario meant is not known`;
}
