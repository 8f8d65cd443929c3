// Links to source locations in hovers: the server writes them as command: URIs carrying an LSP
// Location (the hover is trusted for this command only, see client.ts), and this opens it with the
// range selected, in the editor group the user is in.

import * as vscode from 'vscode';

export const SHOW_LOCATION_COMMAND = 'refcountReview.showLocation';

interface LspLocation { uri: string; range: { start: { line: number; character: number }; end: { line: number; character: number } } }

function isPosition(p: unknown): p is { line: number; character: number } {
  const q = p as { line?: unknown; character?: unknown } | null;
  return !!q && Number.isInteger(q.line) && Number.isInteger(q.character) && (q.line as number) >= 0 && (q.character as number) >= 0;
}

/** The argument comes from a link in text the server wrote; it is checked, not trusted. */
export function isLocation(x: unknown): x is LspLocation {
  const l = x as { uri?: unknown; range?: { start?: unknown; end?: unknown } } | null;
  return !!l && typeof l.uri === 'string' && /^(file|untitled):/.test(l.uri) && !!l.range && isPosition(l.range.start) && isPosition(l.range.end);
}

export function registerShowLocation(context: vscode.ExtensionContext): void {
  context.subscriptions.push(vscode.commands.registerCommand(SHOW_LOCATION_COMMAND, async (loc?: unknown) => {
    if (!isLocation(loc)) return;
    const { start, end } = loc.range;
    await vscode.window.showTextDocument(vscode.Uri.parse(loc.uri), {
      selection: new vscode.Range(start.line, start.character, end.line, end.character),
      preview: true,
    });
  }));
}
