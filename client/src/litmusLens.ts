// A "Simulate" lens on the first line of every .litmus file (the editor title has a button too):
// the litmus path into the simulator without the command palette.

import * as vscode from 'vscode';

export function registerLitmusLens(context: vscode.ExtensionContext): void {
  const lens: vscode.CodeLensProvider = {
    provideCodeLenses(doc) {
      return [new vscode.CodeLens(new vscode.Range(0, 0, 0, 0), {
        title: 'Simulate', command: 'refcountReview.openLitmus', arguments: [doc.uri],
        tooltip: 'Explore this litmus test and step through its counterexamples in the Refcount Review simulator',
      })];
    },
  };
  context.subscriptions.push(vscode.languages.registerCodeLensProvider({ language: 'litmus' }, lens));
}
