// The editor cursor selects the panel's steps: a click on a site's line (Rust) or an instruction's
// line (litmus) tells every open panel which of its steps that is.

import * as vscode from 'vscode';
import type { SimPanel } from './simPanel';
import { toUri } from './reveal';

export function linkCursorToPanels(panels: () => Iterable<SimPanel>): vscode.Disposable {
  return vscode.window.onDidChangeTextEditorSelection(e => {
    // Programmatic selections (our own reveal) have no kind: following them would undo the step the user chose.
    if (e.kind === undefined) return;
    const docUri = e.textEditor.document.uri.toString();
    const pos = e.selections[0]?.active;
    if (!pos) return;
    for (const p of panels()) {
      if (p.flavour === 'litmus') {
        if (p.uri === docUri) p.link([], pos.line + 1);
        continue;
      }
      const sites: number[] = [];
      p.view.sites.forEach((s, i) => {
        if (toUri(s.file).toString() === docUri && pos.line >= s.range.start.line && pos.line <= s.range.end.line) sites.push(i);
      });
      if (sites.length > 0 || p.uri === docUri) p.link(sites);
    }
  });
}
