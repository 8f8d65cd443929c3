// "Apply to source": the orderings chosen in the panel as one WorkspaceEdit over every file the
// scenario's sites live in (a helper may be in another module). The panel then refreshes like
// after any other edit (refresh.ts); nothing here re-reads the scenario.

import * as vscode from 'vscode';
import type { ScenarioView } from '../../../server/src/protocol/finding';
import type { SiteOrdering } from '../../webview/messages';
import { toUri } from './reveal';
import { planOrderingEdits } from './sourceEdits';

export async function applyOrderings(view: ScenarioView, orderings: SiteOrdering[], log: (m: string) => void): Promise<number> {
  const byFile = new Map<string, SiteOrdering[]>();
  for (const o of orderings) {
    const s = view.sites[o.site];
    if (!s) { log(`simulator: apply to unknown site ${o.site}`); continue; }
    byFile.set(s.file, [...(byFile.get(s.file) ?? []), o]);
  }
  const edit = new vscode.WorkspaceEdit();
  const problems: string[] = [];
  let count = 0;
  for (const [file, list] of byFile) {
    const doc = await vscode.workspace.openTextDocument(toUri(file));
    // Each file is planned on its own text, with the other files' sites left out.
    const plan = planOrderingEdits(doc.getText(), view.sites.map(s => (s.file === file ? s : { ...s, orderingRanges: [] })), list);
    problems.push(...plan.problems);
    for (const e of plan.edits) {
      edit.replace(doc.uri, new vscode.Range(e.range.start.line, e.range.start.character, e.range.end.line, e.range.end.character), e.newText);
      count++;
    }
  }
  if (count > 0 && !(await vscode.workspace.applyEdit(edit))) problems.push('VS Code refused the edit.');
  if (problems.length > 0) void vscode.window.showWarningMessage(`Refcount Review: ${problems.join(' ')}`);
  else void vscode.window.showInformationMessage(`Refcount Review: applied ${orderings.length} ordering change${orderings.length === 1 ? '' : 's'} (undo with Ctrl+Z in the editor).`);
  log(`simulator: applied ${count} edit(s) for ${orderings.length} ordering(s); ${problems.length} problem(s)`);
  return count;
}
