// The note a file gets when its review stopped at the time cap: an info diagnostic on the first
// line, so a file that takes too long never looks clean by saying nothing.

import { DiagnosticSeverity, type Diagnostic } from 'vscode-languageserver';
import { DIAGNOSTIC_SOURCE } from './diagnostics';

/** The setting that holds the per-file time cap (budget.timeoutMs in lsp/config.ts). */
export const TIME_CAP_SETTING = 'refcountReview.budget.timeoutMs';
export const TIME_CAP_CODE = 'review-time-cap';

export interface TimeCapNote {
  capMs: number;
  /** The review stopped its explorations at the cap and returned what it had; otherwise it returned nothing. */
  partial: boolean;
}

export function timeCapDiagnostic(note: TimeCapNote): Diagnostic {
  const message = note.partial
    ? `review of this file stopped at its ${note.capMs} ms time cap: some orderings were not checked\n`
      + `findings shown were found before the cap; raise \`${TIME_CAP_SETTING}\` to review the whole file`
    : `review of this file stopped at its ${note.capMs} ms time cap: nothing was checked\n`
      + `raise \`${TIME_CAP_SETTING}\` to review this file`;
  return {
    range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } },
    severity: DiagnosticSeverity.Information,
    code: TIME_CAP_CODE,
    source: DIAGNOSTIC_SOURCE,
    message,
  };
}
