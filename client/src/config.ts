// Client-side configuration: the settings section the server reads, and the few knobs the
// client itself uses (server restart policy).

import * as vscode from 'vscode';

export const SECTION = 'refcountReview';

/** A server that dies more than this many times within RESTART_WINDOW_MS is not restarted again. */
export const MAX_RESTARTS = 4;
export const RESTART_WINDOW_MS = 3 * 60 * 1000;

/** The raw settings object sent in initializationOptions (the server validates it). */
export function rawSettings(): unknown {
  const c = vscode.workspace.getConfiguration(SECTION);
  return {
    enable: c.get('enable'),
    model: c.get('model'),
    budget: c.get('budget'),
    severity: c.get('severity'),
    hints: c.get('hints'),
    orderingComments: c.get('orderingComments'),
  };
}
