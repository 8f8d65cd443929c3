// The rule documentation a diagnostic links to: docs/rules.md shipped in the extension, shown in
// the markdown preview beside the editor and scrolled to the rule's section (the preview honours
// the URI's fragment). Diagnostics reach this through a command: link (the server is told the
// command's name in initializationOptions.ruleCommand).

import * as vscode from 'vscode';

export const OPEN_RULE_COMMAND = 'refcountReview.openRule';

/** Rule ids are kebab-case words; anything else is not a section of the rules page. */
export function isRuleId(x: unknown): x is string {
  return typeof x === 'string' && /^[a-z][a-z0-9-]{0,60}$/.test(x);
}

export function rulesDoc(context: vscode.ExtensionContext): vscode.Uri {
  return vscode.Uri.joinPath(context.extensionUri, 'docs', 'rules.md');
}

export function registerRuleDocs(context: vscode.ExtensionContext): void {
  context.subscriptions.push(vscode.commands.registerCommand(OPEN_RULE_COMMAND, async (rule?: unknown) => {
    const doc = rulesDoc(context);
    const target = isRuleId(rule) ? doc.with({ fragment: rule }) : doc;
    // To the side: the user's editor (where the diagnostic is) stays where it was.
    await vscode.commands.executeCommand('markdown.showPreviewToSide', target);
  }));
}
