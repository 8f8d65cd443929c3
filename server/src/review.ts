// The review pipeline shared by the language server and the CLI:
//   Rust text -> Site[] -> Protocol[] -> Scenario[] -> verdicts -> Finding[]
// (DESIGN.md section 1). Being filled in; the signature is the contract.

import type { Budget } from './memory/result';
import type { Finding, RuleId, ScenarioView, Severity, Range } from './protocol/finding';

export interface ReviewOptions {
  budget?: Budget;
  model?: 'c11';
  /** Per-rule severity overrides ('off' drops the rule). */
  severity?: Partial<Record<RuleId, Severity | 'off'>>;
  /** Include 'stronger-than-needed' hints (off by default). */
  hints?: boolean;
}

export interface FileReview {
  file: string;
  findings: Finding[];
  /** Scenarios explored for this file, for the simulator (referenced by Finding.scenario). */
  scenarios: ScenarioView[];
  /** Per-file problems that are not findings (parse errors, skipped file reasons). */
  problems: { message: string; range?: Range }[];
  /** Set when the file was not reviewed at all (binary, too large, not UTF-8), with the reason. */
  skipped?: string;
}

export async function reviewText(file: string, _text: string, _opts: ReviewOptions = {}): Promise<FileReview> {
  return { file, findings: [], scenarios: [], problems: [] };
}
