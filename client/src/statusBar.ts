// The status bar item: "Refcount Review: N findings" / "checking…" / "disabled" / "stopped",
// fed by the server's refcountReview/status notification.

import * as vscode from 'vscode';
import type { StatusParams } from '../../server/src/lsp/requests';

export class StatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('refcountReview.status', vscode.StatusBarAlignment.Left, 10);

  constructor() {
    this.item.name = 'Refcount Review';
    this.item.command = 'refcountReview.showOutput';
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
      this.item.text = '$(sync~spin) Refcount Review: checking…';
      this.item.tooltip = `${s.pending} review(s) running or waiting`;
    } else {
      this.item.text = `$(shield) Refcount Review: ${s.findings} finding${s.findings === 1 ? '' : 's'}`;
      this.item.tooltip = 'Findings in open files (and from the last workspace check). Click for the log.';
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
