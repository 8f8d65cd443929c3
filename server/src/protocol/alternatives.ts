// Alternative fixes that change the program's shape (an inserted `fence(Acquire)`), which the
// scenarios of the unedited file cannot express as a slot change. They are verified the way a
// user would check them: apply the edits, review the edited file again (its reader finds the new
// fence on the path, its scenarios model it, its exploration judges it), and keep the alternative
// only when nothing is left at the finding's site.

import type { Finding, Fix } from './finding';
import { applyTextEdits } from './fixCheck';

/** Alternatives planned by report.ts and not yet confirmed by a re-review. */
export const unconfirmed = new WeakSet<Fix>();

/** What a re-review of an edited text reports back. */
export interface Rereview {
  findings: Finding[]; scenarios: number; executions: number;
  /** The re-review stopped early (a budget, the time cap, a cancel): its silence proves nothing. */
  incomplete?: boolean;
}

/**
 * Re-reviews the file with each unconfirmed alternative applied; keeps those after which the
 * finding's site has no warning or error left and the file has no new error, with what was
 * explored as their evidence. The rest are dropped.
 */
export async function confirmAlternatives(findings: Finding[], text: string, rereview: (text: string) => Promise<Rereview>, limit = Infinity): Promise<void> {
  const errorsBefore = findings.filter(f => f.severity === 'error').length;
  let rereviews = 0;
  for (const f of findings) {
    if (!f.alternatives) continue;
    const kept: Fix[] = [];
    for (const alt of f.alternatives) {
      if (!unconfirmed.has(alt)) { kept.push(alt); continue; }
      unconfirmed.delete(alt);
      // Past the limit an alternative is dropped unconfirmed: only verified fixes are offered.
      if (rereviews >= limit) continue;
      rereviews++;
      const applied = applyTextEdits(text, alt.edits);
      if (!applied || alt.edits.some(e => e.file)) continue;
      const again = await rereview(applied.text);
      if (again.incomplete) continue;
      const line = lineOf(applied.text, applied.map(offsetOf(text, f.range.start.line, f.range.start.character), 'before'));
      const left = again.findings.filter(g => g.range.start.line === line && (g.severity === 'warning' || g.severity === 'error'));
      const errors = again.findings.filter(g => g.severity === 'error').length;
      if (left.length === 0 && errors <= errorsBefore) kept.push({ ...alt, verified: { scenarios: again.scenarios, executions: again.executions } });
    }
    if (kept.length) {
      f.alternatives = kept;
      const notes = (f.explanation ??= { why: f.message, notes: [] }).notes;
      if (!notes.some(n => /fence\(Acquire\)/.test(n))) notes.push(`Alternatively: ${kept[0].title.charAt(0).toLowerCase()}${kept[0].title.slice(1)} (a second quick fix, verified the same way).`);
    } else delete f.alternatives;
  }
}

function offsetOf(text: string, line: number, character: number): number {
  let at = 0;
  for (let l = 0; l < line; l++) { const nl = text.indexOf('\n', at); if (nl < 0) return text.length; at = nl + 1; }
  return at + character;
}

function lineOf(text: string, offset: number): number {
  let n = 0;
  for (let i = 0; i < offset && i < text.length; i++) if (text[i] === '\n') n++;
  return n;
}
