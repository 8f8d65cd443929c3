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
  /**
   * Some exploration stopped at its budget (or the review was stopped): its silence proves
   * nothing, so the alternative is not confirmed, and the answer is not kept for reuse.
   */
  bounded?: boolean;
}

/**
 * Earlier confirmations a review may reuse. `key` names everything a re-review's answer about one
 * alternative reads (null: it cannot tell, re-review). An answer is kept as the difference the
 * alternative makes to the file's scenario and execution counts, so it holds for a text whose
 * other parts changed: `totals` are the counts of the text under review, without the alternative.
 */
export interface ConfirmationMemo {
  key(finding: Finding, alt: Fix): string | null;
  totals: { scenarios: number; executions: number };
}

interface Confirmation { kept: boolean; scenarios: number; executions: number }

const confirmations = new Map<string, Confirmation>();
const CONFIRMATIONS_LIMIT = 512;

/** Re-reviews run to confirm alternatives, and confirmations reused instead of a re-review. */
export interface ConfirmationCounts { rereviewed: number; reused: number }
const counts: ConfirmationCounts = { rereviewed: 0, reused: 0 };

/** Forgets every confirmation kept for reuse (tests compare a review with one that reuses nothing). */
export function forgetConfirmations(): void {
  confirmations.clear();
}

/** Confirmation counts so far in this process (tests read the difference across a review). */
export function confirmationCounts(): ConfirmationCounts {
  return { ...counts };
}

/**
 * Re-reviews the file with each unconfirmed alternative applied; keeps those after which the
 * finding's site has no warning or error left and the file has no new error, with what was
 * explored as their evidence. The rest are dropped.
 */
export async function confirmAlternatives(findings: Finding[], text: string, rereview: (text: string) => Promise<Rereview>, limit = Infinity, memo?: ConfirmationMemo): Promise<void> {
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
      const key = memo?.key(f, alt) ?? null;
      const known = key === null ? undefined : confirmations.get(key);
      if (memo && key !== null && known) {
        counts.reused++;
        confirmations.delete(key);
        confirmations.set(key, known);
        if (known.kept) kept.push({ ...alt, verified: { scenarios: memo.totals.scenarios + known.scenarios, executions: memo.totals.executions + known.executions } });
        continue;
      }
      const applied = applyTextEdits(text, alt.edits);
      if (!applied || alt.edits.some(e => e.file)) continue;
      counts.rereviewed++;
      const again = await rereview(applied.text);
      if (again.bounded) continue;
      const line = lineOf(applied.text, applied.map(offsetOf(text, f.range.start.line, f.range.start.character), 'before'));
      const left = again.findings.filter(g => g.range.start.line === line && (g.severity === 'warning' || g.severity === 'error'));
      const errors = again.findings.filter(g => g.severity === 'error').length;
      const ok = left.length === 0 && errors <= errorsBefore;
      if (ok) kept.push({ ...alt, verified: { scenarios: again.scenarios, executions: again.executions } });
      if (memo && key !== null) {
        confirmations.set(key, { kept: ok, scenarios: again.scenarios - memo.totals.scenarios, executions: again.executions - memo.totals.executions });
        if (confirmations.size > CONFIRMATIONS_LIMIT) confirmations.delete(confirmations.keys().next().value!);
      }
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
