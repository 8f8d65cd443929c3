// "Apply to source": the orderings chosen in the panel as one WorkspaceEdit over every file the
// scenario's sites live in (a helper may be in another module). The panel then refreshes like
// after any other edit; when the source no longer reads as the scenario recorded it, nothing is
// written and the panel refreshes from the current source instead.

import * as vscode from 'vscode';
import type { ScenarioView } from '../../../server/src/protocol/finding';
import type { SiteOrdering } from '../../webview/messages';
import { toUri } from './reveal';
import { planOrderingEdits } from './sourceEdits';

export interface Applied {
  /** Edits written. */
  count: number;
  /** The source no longer reads as the scenario recorded it: nothing was written. */
  stale: boolean;
}

export async function applyOrderings(view: ScenarioView, orderings: SiteOrdering[], log: (m: string) => void): Promise<Applied> {
  const byFile = new Map<string, SiteOrdering[]>();
  for (const o of orderings) {
    const s = view.sites[o.site];
    if (!s) { log(`simulator: apply to unknown site ${o.site}`); continue; }
    byFile.set(s.file, [...(byFile.get(s.file) ?? []), o]);
  }
  const edit = new vscode.WorkspaceEdit();
  const problems: string[] = [];
  const stale: string[] = [];
  let count = 0;
  for (const [file, list] of byFile) {
    const doc = await vscode.workspace.openTextDocument(toUri(file));
    // Each file is planned on its own text, with the other files' sites left out.
    const plan = planOrderingEdits(doc.getText(), view.sites.map(s => (s.file === file ? s : { ...s, orderingRanges: [] })), list, view.model);
    problems.push(...plan.problems);
    stale.push(...plan.stale);
    for (const e of plan.edits) {
      edit.replace(doc.uri, new vscode.Range(e.range.start.line, e.range.start.character, e.range.end.line, e.range.end.character), e.newText);
      count++;
    }
  }
  if (stale.length > 0) {
    // One stale site makes the whole choice suspect: write nothing rather than part of it.
    void vscode.window.showWarningMessage(`Refcount Review: nothing applied: ${stale.join('; ')}. The simulator now shows the scenario from the current source.`);
    log(`simulator: apply refused, the source changed: ${stale.join('; ')}`);
    return { count: 0, stale: true };
  }
  if (count > 0 && !(await vscode.workspace.applyEdit(edit))) problems.push('VS Code refused the edit.');
  if (problems.length > 0) void vscode.window.showWarningMessage(`Refcount Review: ${problems.join(' ')}`);
  else void vscode.window.showInformationMessage(`Refcount Review: applied ${orderings.length} ordering change${orderings.length === 1 ? '' : 's'} (undo with Ctrl+Z in the editor).`);
  log(`simulator: applied ${count} edit(s) for ${orderings.length} ordering(s); ${problems.length} problem(s)`);
  return { count, stale: false };
}
