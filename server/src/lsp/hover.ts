// Hover on an ordering argument. The diagnostic's one-line message is shown by the editor right
// above the hover, so the hover does not repeat it: it explains what goes wrong, links the sites it
// pairs with and the rule's documentation, and names the model the verdict was reached under.
// Each part is a small section function; other features append their own to HOVER_SECTIONS.

import { MarkupKind, type Hover } from 'vscode-languageserver';
import type { FileReview } from '../review';
import type { Position, Range } from '../protocol/finding';
import { RULES } from '../protocol/rules';
import { modelTitle } from '../protocol/memoryModel';
import { racy } from './codeLens';
import { locationHref, ruleHref, type RuleLinks } from './diagnostics';
import { siteAtOrdering, type CheckedSite } from './sites';
import { whySection } from './orderingComments';

/** What every hover section can read. */
export interface HoverContext {
  review: FileReview;
  cs: CheckedSite;
  /** The ordering argument under the cursor. */
  which: 'success' | 'failure' | 'single';
  /** How links are written for this client (command: URIs when it registered the commands). */
  links: RuleLinks | undefined;
  /** Workspace roots, for workspace-relative file names. */
  roots: readonly string[];
}

/** One part of the hover, as markdown; undefined leaves it out. */
export type HoverSection = (c: HoverContext) => string | undefined;

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;

function where(file: string, line: number): string {
  return `${file.split(/[\\/]/).pop()}:${line + 1}`;
}

/** A markdown link to a location, or plain text when the client has no way to follow one. */
function locationLink(c: HoverContext, text: string, file: string, range: Range): string {
  const href = locationHref(c.links, file, range);
  return href ? `[${text}](${href})` : text;
}

function heading(c: HoverContext): string {
  const arg = c.which === 'single' ? 'ordering' : `${c.which} ordering`;
  return `**Refcount Review** — the ${arg} of a ${c.cs.site.role}`;
}

/** What goes wrong (the explanation's first sentences and its notes), or the verdict when nothing does. */
function whatGoesWrong(c: HoverContext): string | undefined {
  const { cs } = c;
  const racing = cs.scenarios.filter(racy);
  if (cs.findings.length === 0 && racing.length > 0) {
    // The race is reported at another site of the scenario; saying "no race" here would contradict the lens.
    return `**Verdict:** ⚠ race in ${racing.length} of ${plural(cs.scenarios.length, 'scenario')} through this site (${racing.map(s => s.title).join('; ')}); the finding is reported at the other site.`;
  }
  if (cs.findings.length === 0) {
    return `**Verdict:** ✓ no race or broken invariant in ${plural(cs.scenarios.length, 'explored scenario')} (${cs.scenarios.map(s => s.title).join('; ')}).`;
  }
  return cs.findings.map(f => {
    const e = f.explanation;
    if (!e) return `**What goes wrong:** see the rule below (found ${f.ordering}).`;
    return [`**What goes wrong:** ${e.why}`, ...e.notes.map(n => `- ${n}`)].join('\n');
  }).join('\n\n');
}

/** Related locations as a list of links, each with its file and line. */
function locationList(c: HoverContext, title: string, items: { text: string; file: string; range: Range }[]): string | undefined {
  const seen = new Set<string>();
  const lines: string[] = [];
  for (const it of items) {
    const k = `${it.file}:${it.range.start.line}:${it.range.start.character}:${it.text}`;
    if (seen.has(k)) continue;
    seen.add(k);
    lines.push(`- ${locationLink(c, it.text, it.file, it.range)} (${where(it.file, it.range.start.line)})`);
  }
  return lines.length ? `**${title}:**\n${lines.join('\n')}` : undefined;
}

const PAIRS = /^pairs with this /;

/** The other sides of the race (or, at a clean site, of its scenarios), each a link that opens it. */
function pairsWith(c: HoverContext): string | undefined {
  const { cs } = c;
  if (!cs.findings.length) return locationList(c, 'Pairs with', cs.partners.map(s => ({ text: s.role, file: s.file, range: s.range })));
  const related = cs.findings.flatMap(f => f.related).filter(r => PAIRS.test(r.message));
  if (related.length === 0 && cs.findings.some(f => f.scenario && cs.scenarios.some(sc => sc.id === f.scenario && (sc.races ?? 0) > 0))) {
    // Two threads running this same call (two holders dropping): the other side is here too.
    return '**Pairs with:** another thread running this same call';
  }
  return locationList(c, 'Pairs with', related.map(r => ({ text: r.message.replace(PAIRS, 'this '), file: r.file, range: r.range })));
}

/** The other related locations: the racing access to the object, the other sites the fix changes. */
function seeAlso(c: HoverContext): string | undefined {
  const related = c.cs.findings.flatMap(f => f.related).filter(r => !PAIRS.test(r.message));
  return locationList(c, 'See also', related.map(r => ({ text: r.message, file: r.file, range: r.range })));
}

/** Why the site's ordering is what it is (a clean site's justification, see orderingComments.ts). */
function why(c: HoverContext): string | undefined {
  const lines = whySection(c.review, c.cs.site.range, c.roots).filter(l => l !== '');
  return lines.length ? lines.join('\n') : undefined;
}

/** The verified fix, with its evidence (the quick-fix menu has the same title). */
function verifiedFix(c: HoverContext): string | undefined {
  const lines: string[] = [];
  for (const f of c.cs.findings) {
    // A multi-site change was verified as a whole: its one-site part alone is not clean.
    const fix = f.protocolFix ?? f.fix;
    if (!fix) continue;
    const v = fix.verified;
    lines.push(`**Verified fix:** ${fix.title} — clean in ${plural(v.scenarios, 'scenario')}, ${plural(v.executions, 'execution')}`);
  }
  return lines.length ? lines.join('\n\n') : undefined;
}

/** The rule's documentation: rendered beside the editor when the client registered the command. */
function ruleLink(c: HoverContext): string | undefined {
  const rules = [...new Set(c.cs.findings.map(f => f.rule))];
  if (!rules.length) return undefined;
  return rules.map(r => {
    const text = `\`${r}\`: ${RULES[r].title}`;
    const href = ruleHref(c.links, r);
    return `**Rule:** ${href ? `[${text}](${href})` : text}`;
  }).join('\n\n');
}

/** The memory model the verdict was reached under (and how C11 and LKMM differ, when they do). */
function modelUsed(c: HoverContext): string | undefined {
  const fromFindings = [...new Set(c.cs.findings.map(f => f.explanation?.model).filter((m): m is string => !!m))];
  if (fromFindings.length) return fromFindings.map(m => `**Model:** ${m}`).join('\n\n');
  const model = c.cs.scenarios[0]?.model ?? c.review.model;
  if (!model) return undefined;
  return `**Model:** Checked under the ${modelTitle(model)}${c.review.modelWhy ? ` — ${c.review.modelWhy}` : ''}.`;
}

/** The sections in display order. Append to add one (a feature's own part of the hover). */
export const HOVER_SECTIONS: HoverSection[] = [heading, whatGoesWrong, why, pairsWith, seeAlso, verifiedFix, ruleLink, modelUsed];

export function hoverAt(review: FileReview, p: Position, links?: RuleLinks, roots: readonly string[] = [], sections: readonly HoverSection[] = HOVER_SECTIONS): Hover | undefined {
  const hit = siteAtOrdering(review, p);
  if (!hit) return undefined;
  const c: HoverContext = { review, cs: hit.cs, which: hit.which, links, roots };
  const parts = sections.map(s => s(c)).filter((x): x is string => !!x);
  return { contents: { kind: MarkupKind.Markdown, value: parts.join('\n\n') }, range: hit.range };
}
