// The status bar item: "Refcount Review: N findings" / "checking…" / "disabled" / "stopped",
// fed by the server's refcountReview/status notification.

import * as vscode from 'vscode';
import type { StatusParams } from '../../server/src/lsp/requests';

export class StatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('refcountReview.status', vscode.StatusBarAlignment.Left, 10);
  /** A review has run (the server reported work): before that, "0 findings" would be a claim about nothing. */
  private reviewed = false;

  constructor() {
    this.item.name = 'Refcount Review';
    // The findings are what the count is about: the click shows them (focus, not toggle: a second
    // click must not close the view).
    this.item.command = 'workbench.panel.markers.view.focus';
    this.starting();
    this.item.show();
  }

  starting(): void {
    this.item.text = '$(sync~spin) Refcount Review: starting…';
    this.item.tooltip = 'The Refcount Review language server is starting';
    this.item.backgroundColor = undefined;
  }

  update(s: StatusParams): void {
    this.item.backgroundColor = undefined;
    if (s.state === 'disabled') {
      this.item.text = '$(circle-slash) Refcount Review: disabled';
      this.item.tooltip = 'refcountReview.enable is false';
    } else if (s.state === 'checking') {
      this.reviewed = true;
      this.item.text = '$(sync~spin) Refcount Review: checking…';
      this.item.tooltip = `${s.pending} review(s) running or waiting`;
    } else if (!this.reviewed && s.findings === 0) {
      this.item.text = '$(shield) Refcount Review';
      this.item.tooltip = 'No Rust file reviewed yet. Click for the Problems view.';
    } else {
      this.reviewed = true;
      this.item.text = `$(shield) Refcount Review: ${s.findings} finding${s.findings === 1 ? '' : 's'}`;
      this.item.tooltip = 'Findings in open files (and from the last workspace check). Click for the Problems view.';
    }
  }

  stopped(reason: string): void {
    this.item.text = '$(error) Refcount Review: stopped';
    this.item.tooltip = reason;
    this.item.backgroundColor = new vscode.ThemeColor('statusBarItem.errorBackground');
  }

  dispose(): void {
    this.item.dispose();
  }
}
