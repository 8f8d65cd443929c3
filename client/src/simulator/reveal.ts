// Showing a scenario's step in the source: open the file beside the panel, highlight the site's
// lines and put the cursor there, keeping the keyboard focus in the panel.

import * as vscode from 'vscode';

export function toUri(file: string): vscode.Uri {
  // Sites carry URIs from the language server; tolerate plain paths (CLI-style) too.
  return /^[a-zA-Z][\w+.-]+:/.test(file) ? vscode.Uri.parse(file) : vscode.Uri.file(file);
}

export class SourceHighlight implements vscode.Disposable {
  private readonly deco = vscode.window.createTextEditorDecorationType({
    isWholeLine: true,
    backgroundColor: new vscode.ThemeColor('editor.rangeHighlightBackground'),
    border: '1px solid', borderColor: new vscode.ThemeColor('editor.rangeHighlightBorder'),
  });

  clear(): void {
    for (const e of vscode.window.visibleTextEditors) e.setDecorations(this.deco, []);
  }

  async reveal(uri: vscode.Uri, range: vscode.Range): Promise<void> {
    const doc = await vscode.workspace.openTextDocument(uri);
    if (range.start.line >= doc.lineCount) return;
    const existing = vscode.window.visibleTextEditors.find(e => e.document.uri.toString() === doc.uri.toString());
    // Keep the focus in the panel, so arrow keys keep stepping.
    const editor = await vscode.window.showTextDocument(doc, { viewColumn: existing?.viewColumn ?? vscode.ViewColumn.One, preserveFocus: true, preview: false });
    this.clear();
    editor.setDecorations(this.deco, [range]);
    editor.selection = new vscode.Selection(range.start, range.start);
    // Reveal the start: revealing a long multi-line range scrolls a narrow editor sideways.
    editor.revealRange(new vscode.Range(range.start, range.start), vscode.TextEditorRevealType.InCenterIfOutsideViewport);
  }

  dispose(): void {
    this.deco.dispose();
  }
}
