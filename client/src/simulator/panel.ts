// The simulator's host side: opens one webview panel per scenario, keeps each true to its source
// (re-read after every edit of the files it shows, whoever made it), restores panels after a
// reload, and does what the webview cannot (reveal, edit, export). Every message from the webview
// is validated (messages.ts) before it is acted on.

import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import type { SimulatorHost } from './api';
import type { ScenarioView } from '../../../server/src/protocol/finding';
import { parseFromWebview, parseSavedState, type FromWebview } from '../../webview/messages';
import { applyOrderings } from './applyEdits';
import { linkCursorToPanels } from './cursorLink';
import { exportLitmus } from './litmusExport';
import { saveGraph } from './graphExport';
import { messageHtml, simulatorHtml } from './panelHtml';
import { SourceHighlight, toUri } from './reveal';
import { findAgain, othersRacing, scenarioVerdict, stillRacingAtSites } from './scenarioList';
import { baseName, chooseScenario, readScenarios, toSimScenario, type Flavour, type ScenarioSet } from './scenarioSource';
import { SimPanel } from './simPanel';

export const SIMULATOR_VIEW_TYPE = 'refcountReview.simulator';
/** Quiet time after the last edit before the panel asks for the scenario again. */
export const REFRESH_DEBOUNCE_MS = 300;

function errText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function keyOf(uri: string, id: string): string {
  return `${uri}#${id}`;
}

/** What the panel shows besides the scenario: the other racing scenarios at its sites. */
function extrasFor(set: ScenarioSet, view: ScenarioView, notice?: string) {
  return { notice, others: othersRacing(set.scenarios, view).map(s => ({ id: s.id, title: s.title, verdict: scenarioVerdict(s) })) };
}

export function createSimulatorHost(context: vscode.ExtensionContext, client: LanguageClient, log: (msg: string) => void): SimulatorHost {
  const panels = new Map<string, SimPanel>();
  const dist = vscode.Uri.joinPath(context.extensionUri, 'dist');
  const highlight = new SourceHighlight();
  context.subscriptions.push(highlight);

  function attach(panel: vscode.WebviewPanel, p: SimPanel): void {
    panel.webview.options = { enableScripts: true, localResourceRoots: [dist] };
    panel.webview.html = simulatorHtml(panel.webview, dist);
    panel.onDidDispose(() => { p.dispose(); panels.delete(p.key); highlight.clear(); }, null, context.subscriptions);
    panel.webview.onDidReceiveMessage(raw => {
      const msg = parseFromWebview(raw);
      if (!msg) { log(`simulator: ignored a malformed message from the webview: ${safeJson(raw)}`); return; }
      handle(p, msg).catch(err => log(`simulator: ${msg.type} failed: ${err instanceof Error ? err.stack ?? err.message : String(err)}`));
    }, null, context.subscriptions);
  }

  async function handle(p: SimPanel, msg: FromWebview): Promise<void> {
    switch (msg.type) {
      case 'ready': p.sendScenario(); return;
      case 'painted':
        // Only the first paint after an `open` is a command-to-paint time; later ones are the panel being re-shown.
        if (p.openedAt > 0) log(`simulator: ${p.sim.title}: command to first paint ${Date.now() - p.openedAt} ms`);
        p.openedAt = 0;
        return;
      case 'timing': log(`simulator: ${p.sim.title}: ${msg.name} ${msg.ms.toFixed(1)} ms`); return;
      case 'reveal': return reveal(p, msg.site, msg.line);
      case 'apply': {
        if (p.flavour !== 'rust' || msg.orderings.length === 0) return;
        // The edit changes the document; the change listener refreshes the panel like after any edit.
        const r = await applyOrderings(p.view, msg.orderings, log);
        p.applied = r.count > 0;
        // Refused because the source moved on: show the scenario as the source reads now.
        if (r.stale) await refresh(p);
        return;
      }
      case 'openLitmus': {
        const text = exportLitmus({ program: p.view.program, title: p.view.title, model: p.view.model, sites: p.sim.sites }, msg.choices);
        const doc = await vscode.workspace.openTextDocument({ language: 'litmus', content: text });
        await vscode.window.showTextDocument(doc, { viewColumn: vscode.ViewColumn.Active, preview: false });
        return;
      }
      case 'openScenario': return open({ uri: p.uri, scenarioId: msg.id });
      case 'exportGraph': return saveGraph(p, msg, log);
    }
  }

  async function reveal(p: SimPanel, site: number | undefined, line: number | undefined): Promise<void> {
    if (site !== undefined) {
      const s = p.view.sites[site];
      if (!s) { log(`simulator: reveal of unknown site ${site}`); return; }
      return highlight.reveal(toUri(s.file), new vscode.Range(s.range.start.line, s.range.start.character, s.range.end.line, s.range.end.character));
    }
    if (line !== undefined && line >= 1) return highlight.reveal(vscode.Uri.parse(p.uri), new vscode.Range(line - 1, 0, line - 1, 0));
  }

  /** Puts `p` under the key of the scenario it now shows (ids carry positions, which edits move). */
  function rekey(p: SimPanel, id: string): void {
    const key = keyOf(p.uri, id);
    if (key === p.key) return;
    if (panels.get(p.key) === p) panels.delete(p.key);
    p.key = key;
    panels.set(key, p);
  }

  /** Takes the panel's scenario again from the source as it is now (after any edit, Apply included). */
  async function refresh(p: SimPanel): Promise<void> {
    const seq = ++p.refreshSeq;
    const applied = p.applied;
    p.applied = false;
    let set: ScenarioSet;
    try {
      set = await readScenarios(client, p.uri);
    } catch (err) {
      log(`simulator: re-reading the scenario failed: ${errText(err)}`);
      return;
    }
    if (seq !== p.refreshSeq || !panels.has(p.key)) return; // a newer edit is being read, or the panel closed
    if (set.pending) {
      // A slow review is not a vanished scenario: ask again (a newer edit restarts the wait anyway).
      p.applied = applied;
      p.debounce(REFRESH_DEBOUNCE_MS, () => void refresh(p));
      return;
    }
    let view = p.flavour === 'litmus' ? set.scenarios[0] : findAgain(set.scenarios, p.view);
    if (!view) {
      const why = set.reason ?? (p.flavour === 'litmus' ? 'the file does not read as a litmus test' : 'its sites are no longer in the file');
      log(`simulator: ${p.view.title}: gone after the edit (${why})`);
      p.gone(`"${p.view.title}" is no longer in ${baseName(vscode.Uri.parse(p.uri))}: ${why}.`);
      return;
    }
    let notice: string | undefined;
    // After Apply, a clean scenario whose sites still carry a finding would read as "fixed": show the race that remains.
    const still = applied ? stillRacingAtSites(set.scenarios, set.findings, view) : undefined;
    if (still) {
      notice = `The applied orderings make "${view.title}" race-free, but this scenario through the same sites still races.`;
      view = still;
      p.panel.title = `Simulate: ${view.title}`;
    }
    rekey(p, view.id);
    p.show(view, toSimScenario(p.uri, view, p.flavour, extrasFor(set, view, notice)));
  }

  context.subscriptions.push(vscode.workspace.onDidChangeTextDocument(e => {
    if (e.contentChanges.length === 0 || panels.size === 0) return;
    const changed = e.document.uri.toString();
    for (const p of panels.values()) {
      const files = [...p.sourceFiles()].map(f => toUri(f).toString());
      if (files.includes(changed)) p.debounce(REFRESH_DEBOUNCE_MS, () => void refresh(p));
    }
  }));

  async function show(uri: string, set: ScenarioSet, view: ScenarioView, openedAt: number): Promise<void> {
    const sim = toSimScenario(uri, view, set.flavour, extrasFor(set, view));
    const existing = panels.get(keyOf(uri, view.id));
    if (existing) {
      existing.openedAt = openedAt;
      existing.panel.reveal(undefined, true);
      existing.show(view, sim);
      return;
    }
    const panel = vscode.window.createWebviewPanel(SIMULATOR_VIEW_TYPE, `Simulate: ${view.title}`,
      { viewColumn: vscode.ViewColumn.Beside, preserveFocus: false },
      { enableScripts: true, localResourceRoots: [dist] });
    const p = new SimPanel(keyOf(uri, view.id), uri, view, sim, panel, set.flavour);
    p.openedAt = openedAt;
    panels.set(p.key, p);
    attach(panel, p);
  }

  async function open(args: Parameters<SimulatorHost['open']>[0]): Promise<void> {
    const openedAt = Date.now();
    try {
      const set = await readScenarios(client, args.uri, args.position);
      const where = args.position ? 'at the cursor' : `in ${baseName(vscode.Uri.parse(args.uri))}`;
      if (set.scenarios.length === 0) {
        const show = set.flavour === 'litmus' ? vscode.window.showErrorMessage : vscode.window.showInformationMessage;
        void show(`Refcount Review: nothing to simulate ${where}${set.reason ? ` (${set.reason})` : ''}.`);
        return;
      }
      const view = await chooseScenario(set, args.scenarioId, args.scenarioIds);
      if (!view) {
        if (args.scenarioId !== undefined) void vscode.window.showWarningMessage('Refcount Review: that scenario is no longer in the file (it changed). Use the CodeLens again.');
        return;
      }
      await show(args.uri, set, view, openedAt);
    } catch (err) {
      log(`simulator: open failed: ${err instanceof Error ? err.stack ?? err.message : String(err)}`);
      void vscode.window.showErrorMessage(`Refcount Review: the simulator could not open: ${errText(err)}`);
    }
  }

  context.subscriptions.push(vscode.window.registerWebviewPanelSerializer(SIMULATOR_VIEW_TYPE, {
    async deserializeWebviewPanel(panel: vscode.WebviewPanel, state: unknown) {
      const saved = parseSavedState(state);
      panel.webview.options = { enableScripts: false, localResourceRoots: [] };
      if (!saved) {
        log(`simulator: a restored panel had no usable state (${safeJson(state)})`);
        panel.webview.html = messageHtml('Nothing to restore: open the simulator again from the CodeLens.');
        return;
      }
      // The review of the file may take seconds after a reload: say what the panel is waiting for.
      panel.webview.html = messageHtml(`Loading the scenario: waiting for the review of ${baseName(vscode.Uri.parse(saved.uri))}…`);
      try {
        const set = await readScenarios(client, saved.uri);
        const view = set.flavour === 'litmus' ? set.scenarios[0] : set.scenarios.find(s => s.id === saved.id);
        if (!view) { panel.webview.html = messageHtml(`This scenario is no longer in the file${set.reason ? ` (${set.reason})` : ''}: open the simulator again from the CodeLens.`); return; }
        panels.get(keyOf(saved.uri, view.id))?.panel.dispose();
        const p = new SimPanel(keyOf(saved.uri, view.id), saved.uri, view, toSimScenario(saved.uri, view, set.flavour as Flavour, extrasFor(set, view)), panel, set.flavour);
        panels.set(p.key, p);
        panel.title = `Simulate: ${view.title}`;
        attach(panel, p);
      } catch (err) {
        log(`simulator: restoring a panel failed: ${errText(err)}`);
        panel.webview.html = messageHtml('The simulator could not be restored: open it again from the CodeLens.');
      }
    },
  }));

  context.subscriptions.push(linkCursorToPanels(() => panels.values()));

  return { open };
}

function safeJson(x: unknown): string {
  try {
    const s = JSON.stringify(x);
    return s === undefined ? String(x) : s.length > 300 ? `${s.slice(0, 300)}…` : s;
  } catch {
    return '(unserializable)';
  }
}
