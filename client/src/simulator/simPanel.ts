// One simulator panel: its webview, the scenario it shows, and the messages it sends. The host
// (panel.ts) decides what it shows; this only keeps the state and talks to the page.

import type * as vscode from 'vscode';
import type { ScenarioView } from '../../../server/src/protocol/finding';
import type { SimScenario, ToWebview } from '../../webview/messages';
import type { Flavour } from './scenarioSource';

export class SimPanel {
  /** When `open` was called, for the command-to-first-paint timing (0 once painted). */
  openedAt = Date.now();
  /** The panel's last Apply to source has not been followed by a refresh yet. */
  applied = false;
  private lastLinked = '';
  private refreshTimer?: ReturnType<typeof setTimeout>;
  /** Bumped per refresh: an answer to an older one is dropped. */
  refreshSeq = 0;

  constructor(public key: string, readonly uri: string, public view: ScenarioView, public sim: SimScenario, readonly panel: vscode.WebviewPanel, readonly flavour: Flavour) {}

  post(m: ToWebview): void {
    void this.panel.webview.postMessage(m);
  }

  show(view: ScenarioView, sim: SimScenario): void {
    this.view = view;
    this.sim = sim;
    this.sendScenario();
  }

  sendScenario(): void {
    this.post({ type: 'scenario', scenario: this.sim });
  }

  /** The scenario is no longer in the source: say so instead of showing a verdict about text that is gone. */
  gone(reason: string): void {
    this.post({ type: 'gone', reason });
  }

  /** Tell the webview which of its steps the editor cursor is on (only when that changes). */
  link(sites: number[], line?: number): void {
    const key = `${sites.join(',')}|${line ?? ''}`;
    if (key === this.lastLinked) return;
    this.lastLinked = key;
    this.post({ type: 'selectSource', sites, line });
  }

  /** Files whose edits change what this panel shows. */
  sourceFiles(): Set<string> {
    return new Set([this.uri, ...this.view.sites.map(s => s.file)]);
  }

  /** Runs `fn` once the edits stop for `ms` (typing sends one change per key). */
  debounce(ms: number, fn: () => void): void {
    if (this.refreshTimer) clearTimeout(this.refreshTimer);
    this.refreshTimer = setTimeout(() => { this.refreshTimer = undefined; fn(); }, ms);
  }

  dispose(): void {
    if (this.refreshTimer) clearTimeout(this.refreshTimer);
  }
}
