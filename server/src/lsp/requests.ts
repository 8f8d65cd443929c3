// The custom messages between the Refcount Review client and server. Plain method names and
// JSON shapes (no vscode-languageserver types), so the VS Code client, other editors' configs and
// the tests can all use them.

import type { Finding, Position, ScenarioView } from '../protocol/finding';

/** Request: the scenarios (and findings) of one document, optionally only those at a position. */
export const scenariosMethod = 'refcountReview/scenarios';
export interface ScenariosParams { uri: string; position?: Position }
export interface ScenariosResult {
  scenarios: ScenarioView[];
  findings: Finding[];
  /** Why there is nothing, when there is nothing (not reviewed, skipped, disabled). */
  reason?: string;
  /** The text was edited while the request waited for its review: ask again rather than conclude there is nothing. */
  pending?: boolean;
}

/** Request: review every Rust file of the workspace (work-done progress when the client offers a token). */
export const checkWorkspaceMethod = 'refcountReview/checkWorkspace';
export interface CheckWorkspaceResult {
  files: number;
  findings: number;
  filesWithFindings: number;
  skipped: { file: string; reason: string }[];
  cancelled: boolean;
  elapsedMs: number;
}

/** Notification server -> client: what the status bar shows. */
export const statusMethod = 'refcountReview/status';
export interface StatusParams {
  state: 'idle' | 'checking' | 'disabled';
  /** Findings in documents currently open (after severity settings). */
  findings: number;
  /** Reviews running or waiting. */
  pending: number;
  /** Requests (code actions, hover, code lens, scenarios) waiting for the review of the text they ask about. */
  waiting: number;
}

/** The client's initializationOptions (all optional; other editors may send none). */
export interface InitializationOptions {
  /** URI of docs/rules.md, used for diagnostics' codeDescription links (an offline file: URI in VS Code). */
  rulesDocUri?: string;
  /**
   * A client command that shows a rule's documentation (one argument: the rule id). When set,
   * diagnostics link to `command:<it>?["rule"]` instead of the file (VS Code: the rendered preview).
   */
  ruleCommand?: string;
  /**
   * A client command that opens a location (one argument: an LSP Location). When set, the sites a
   * hover names link to `command:<it>?[{"uri":..,"range":..}]`; otherwise to the file URI.
   */
  locationCommand?: string;
  /** Settings for clients that do not support workspace/configuration. */
  settings?: unknown;
  /** Debounce between an edit and its review, ms (default 150). The benchmark sets 0. */
  debounceMs?: number;
}
