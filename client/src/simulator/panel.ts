// The simulator panel's host side: fetches a scenario (from the language server for Rust, from
// the litmus reader for .litmus files), owns one webview panel per scenario, and does what the
// webview cannot: reveal source lines, edit the Rust file, open the litmus export. Every message
// from the webview is validated (messages.ts) before it is acted on.

import * as vscode from 'vscode';
import { randomBytes } from 'node:crypto';
import type { LanguageClient } from 'vscode-languageclient/node';
import type { SimulatorHost } from './api';
import { planOrderingEdits } from './sourceEdits';
import { scenariosMethod, type ScenariosParams, type ScenariosResult } from '../../../server/src/lsp/requests';
import type { ScenarioView } from '../../../server/src/protocol/finding';
import { dialectModel, readLitmus } from '../../../server/src/litmus/parse';
import { printLitmus } from '../../../server/src/litmus/print';
import { SIMULATOR_CSS } from '../../webview/style';
import { parseFromWebview, parseSavedState, type FromWebview, type SimScenario, type SiteOrdering, type ToWebview } from '../../webview/messages';
import { applyChoices, type SiteInfo } from '../../webview/toggles';

export const SIMULATOR_VIEW_TYPE = 'refcountReview.simulator';

function toUri(file: string): vscode.Uri {
  // Sites carry URIs from the language server; tolerate plain paths (CLI-style) too.
  return /^[a-zA-Z][\w+.-]+:/.test(file) ? vscode.Uri.parse(file) : vscode.Uri.file(file);
}

function isLitmus(uri: vscode.Uri, doc?: vscode.TextDocument): boolean {
  return doc?.languageId === 'litmus' || uri.path.endsWith('.litmus');
}

function baseName(uri: vscode.Uri): string {
  return uri.path.slice(uri.path.lastIndexOf('/') + 1);
}

function sitesForWebview(view: ScenarioView): SiteInfo[] {
  return view.sites.map(s => ({ line: s.range.start.line, text: s.text, role: s.role, which: s.orderingRanges.map(r => r.which) }));
}

/** Source-text labels: for Rust the engine's label is the instruction; the site's own text reads better. */
function toSimScenario(uri: string, view: ScenarioView, flavour: 'rust' | 'litmus'): SimScenario {
  return { uri, id: view.id, title: view.title, flavour, program: view.program, sites: sitesForWebview(view), ...(view.model ? { model: view.model } : {}) };
}

class SimPanel {
  /** When `open` was called, for the command-to-first-paint timing. */
  openedAt = Date.now();
  private lastLinked = '';
  constructor(readonly key: string, readonly uri: string, public view: ScenarioView, public sim: SimScenario, readonly panel: vscode.WebviewPanel) {}
  post(m: ToWebview): void {
    void this.panel.webview.postMessage(m);
  }
  sendScenario(): void {
    this.post({ type: 'scenario', scenario: this.sim });
  }
  /** Tell the webview which of its steps the editor cursor is on (only when that changes). */
  link(sites: number[], line?: number): void {
    const key = `${sites.join(',')}|${line ?? ''}`;
    if (key === this.lastLinked) return;
    this.lastLinked = key;
    this.post({ type: 'selectSource', sites, line });
  }
}

export function createSimulatorHost(context: vscode.ExtensionContext, client: LanguageClient, log: (msg: string) => void): SimulatorHost {
  const panels = new Map<string, SimPanel>();
  const dist = vscode.Uri.joinPath(context.extensionUri, 'dist');
  const highlight = vscode.window.createTextEditorDecorationType({
    isWholeLine: true,
    backgroundColor: new vscode.ThemeColor('editor.rangeHighlightBackground'),
    border: '1px solid', borderColor: new vscode.ThemeColor('editor.rangeHighlightBorder'),
  });
  context.subscriptions.push(highlight);

  async function loadScenario(uriText: string, scenarioId?: string, position?: { line: number; character: number }): Promise<{ view: ScenarioView; flavour: 'rust' | 'litmus' } | undefined> {
    const uri = vscode.Uri.parse(uriText);
    // Opening the document makes the client send didOpen, so the server reviews it even after a reload.
    const doc = await vscode.workspace.openTextDocument(uri);
    if (isLitmus(uri, doc)) {
      try {
        const { program, dialect } = readLitmus(doc.getText(), baseName(uri));
        return { flavour: 'litmus', view: { id: 'litmus', title: program.name || baseName(uri), file: uriText, program, sites: [], model: dialectModel(dialect) } };
      } catch (err) {
        void vscode.window.showErrorMessage(`Refcount Review: cannot open ${baseName(uri)} in the simulator: ${err instanceof Error ? err.message : String(err)}`);
        return undefined;
      }
    }
    const params: ScenariosParams = { uri: uriText, position };
    const res = await client.sendRequest<ScenariosResult>(scenariosMethod, params);
    const list = res?.scenarios ?? [];
    if (list.length === 0) {
      void vscode.window.showInformationMessage(`Refcount Review: nothing to simulate ${position ? 'at the cursor' : `in ${baseName(uri)}`}${res?.reason ? ` (${res.reason})` : ''}.`);
      return undefined;
    }
    let view: ScenarioView | undefined;
    if (scenarioId !== undefined) {
      view = list.find(s => s.id === scenarioId);
      if (!view) {
        void vscode.window.showWarningMessage('Refcount Review: that scenario no longer exists (the file changed). Use the CodeLens again.');
        return undefined;
      }
    } else if (list.length === 1) view = list[0];
    else {
      const pick = await vscode.window.showQuickPick(list.map(s => ({ label: s.title, id: s.id })), { placeHolder: 'Which scenario to simulate?' });
      view = pick && list.find(s => s.id === pick.id);
    }
    return view && { view, flavour: 'rust' };
  }

  function html(webview: vscode.Webview): string {
    const nonce = randomBytes(16).toString('hex');
    const script = webview.asWebviewUri(vscode.Uri.joinPath(dist, 'webview.js'));
    const csp = `default-src 'none'; script-src 'nonce-${nonce}'; style-src ${webview.cspSource} 'nonce-${nonce}';`;
    return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>Refcount Review simulator</title>
<style nonce="${nonce}">${SIMULATOR_CSS}</style>
</head>
<body>
<p>Loading the simulator…</p>
<script nonce="${nonce}" src="${script}"></script>
</body>
</html>`;
  }

  function attach(panel: vscode.WebviewPanel, p: SimPanel): void {
    panel.webview.options = { enableScripts: true, localResourceRoots: [dist] };
    panel.webview.html = html(panel.webview);
    panel.onDidDispose(() => { panels.delete(p.key); clearHighlight(); }, null, context.subscriptions);
    panel.webview.onDidReceiveMessage(raw => {
      const msg = parseFromWebview(raw);
      if (!msg) {
        log(`simulator: ignored a malformed message from the webview: ${safeJson(raw)}`);
        return;
      }
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
      case 'apply': return apply(p, msg.orderings);
      case 'openLitmus': {
        const program = applyChoices(p.view.program, msg.choices, p.sim.sites);
        // A program explored under LKMM is printed as a kernel litmus test, which reads back as LKMM.
        const text = printLitmus(program, { doc: `Exported from the Refcount Review simulator: ${p.view.title}`, ...(p.view.model === 'lkmm' ? { dialect: 'kernel' as const } : {}) });
        const doc = await vscode.workspace.openTextDocument({ language: 'litmus', content: text });
        await vscode.window.showTextDocument(doc, { viewColumn: vscode.ViewColumn.Active, preview: false });
        return;
      }
    }
  }

  function clearHighlight(): void {
    for (const e of vscode.window.visibleTextEditors) e.setDecorations(highlight, []);
  }

  async function reveal(p: SimPanel, site: number | undefined, line: number | undefined): Promise<void> {
    let uri: vscode.Uri;
    let range: vscode.Range;
    if (site !== undefined) {
      const s = p.view.sites[site];
      if (!s) { log(`simulator: reveal of unknown site ${site}`); return; }
      uri = toUri(s.file);
      range = new vscode.Range(s.range.start.line, s.range.start.character, s.range.end.line, s.range.end.character);
    } else if (line !== undefined && line >= 1) {
      uri = vscode.Uri.parse(p.uri);
      range = new vscode.Range(line - 1, 0, line - 1, 0);
    } else return;
    const doc = await vscode.workspace.openTextDocument(uri);
    if (range.start.line >= doc.lineCount) return;
    const existing = vscode.window.visibleTextEditors.find(e => e.document.uri.toString() === doc.uri.toString());
    // Keep the focus in the panel, so arrow keys keep stepping.
    const editor = await vscode.window.showTextDocument(doc, { viewColumn: existing?.viewColumn ?? vscode.ViewColumn.One, preserveFocus: true, preview: false });
    clearHighlight();
    editor.setDecorations(highlight, [range]);
    editor.selection = new vscode.Selection(range.start, range.start);
    // Reveal the start: revealing a long multi-line range scrolls a narrow editor sideways.
    editor.revealRange(new vscode.Range(range.start, range.start), vscode.TextEditorRevealType.InCenterIfOutsideViewport);
  }

  async function apply(p: SimPanel, orderings: SiteOrdering[]): Promise<void> {
    if (p.sim.flavour !== 'rust' || orderings.length === 0) return;
    // Sites may live in several files (a helper in another module); plan each file on its own text.
    const byFile = new Map<string, typeof orderings>();
    for (const o of orderings) {
      const s = p.view.sites[o.site];
      if (!s) { log(`simulator: apply to unknown site ${o.site}`); continue; }
      const list = byFile.get(s.file) ?? [];
      list.push(o);
      byFile.set(s.file, list);
    }
    const edit = new vscode.WorkspaceEdit();
    const problems: string[] = [];
    let count = 0;
    for (const [file, list] of byFile) {
      const doc = await vscode.workspace.openTextDocument(toUri(file));
      const plan = planOrderingEdits(doc.getText(), p.view.sites.map(s => (s.file === file ? s : { ...s, orderingRanges: [] })), list);
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
    if (count > 0) await refreshFromSource(p);
  }

  /**
   * After the source changed under the panel (Apply to source), take the scenario as the server now
   * sees it, so "(source)" marks the orderings the file has and applying again has nothing stale to send.
   */
  async function refreshFromSource(p: SimPanel): Promise<void> {
    try {
      const res = await client.sendRequest<ScenariosResult>(scenariosMethod, { uri: p.uri } satisfies ScenariosParams);
      const kind = p.view.id.split(':')[0];
      // Ids carry positions; an added import line shifts them, so fall back to the same kind and title.
      const fresh = res?.scenarios.find(s => s.id === p.view.id) ?? res?.scenarios.find(s => s.id.split(':')[0] === kind && s.title === p.view.title);
      if (!fresh) { log('simulator: the scenario is gone after the edit; the panel keeps its state'); return; }
      p.view = fresh;
      p.sim = toSimScenario(p.uri, fresh, 'rust');
      p.sendScenario();
    } catch (err) {
      log(`simulator: refreshing after the edit failed: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  async function show(uri: string, view: ScenarioView, flavour: 'rust' | 'litmus', openedAt: number): Promise<void> {
    const key = `${uri}#${view.id}`;
    const sim = toSimScenario(uri, view, flavour);
    const existing = panels.get(key);
    if (existing) {
      existing.view = view;
      existing.sim = sim;
      existing.openedAt = openedAt;
      existing.panel.reveal(undefined, true);
      existing.sendScenario();
      return;
    }
    const panel = vscode.window.createWebviewPanel(SIMULATOR_VIEW_TYPE, `Simulate: ${view.title}`,
      { viewColumn: vscode.ViewColumn.Beside, preserveFocus: false },
      { enableScripts: true, localResourceRoots: [dist] });
    const p = new SimPanel(key, uri, view, sim, panel);
    p.openedAt = openedAt;
    panels.set(key, p);
    attach(panel, p);
  }

  context.subscriptions.push(vscode.window.registerWebviewPanelSerializer(SIMULATOR_VIEW_TYPE, {
    async deserializeWebviewPanel(panel: vscode.WebviewPanel, state: unknown) {
      const saved = parseSavedState(state);
      const gone = (why: string) => {
        panel.webview.options = { enableScripts: false, localResourceRoots: [] };
        panel.webview.html = `<!DOCTYPE html><html><head><meta http-equiv="Content-Security-Policy" content="default-src 'none';"></head><body><p>${why}</p></body></html>`;
      };
      if (!saved) { gone('Nothing to restore: open the simulator again from the CodeLens.'); return; }
      try {
        const loaded = await loadScenario(saved.uri, saved.id);
        if (!loaded) { gone('This scenario no longer exists (the file changed): open the simulator again from the CodeLens.'); return; }
        const key = `${saved.uri}#${loaded.view.id}`;
        panels.get(key)?.panel.dispose();
        const p = new SimPanel(key, saved.uri, loaded.view, toSimScenario(saved.uri, loaded.view, loaded.flavour), panel);
        panels.set(key, p);
        panel.title = `Simulate: ${loaded.view.title}`;
        attach(panel, p);
      } catch (err) {
        log(`simulator: restoring a panel failed: ${err instanceof Error ? err.message : String(err)}`);
        gone('The simulator could not be restored: open it again from the CodeLens.');
      }
    },
  }));

  context.subscriptions.push(vscode.window.onDidChangeTextEditorSelection(e => {
    // Programmatic selections (our own reveal) have no kind: following them would undo the step the user chose.
    if (e.kind === undefined || panels.size === 0) return;
    const doc = e.textEditor.document;
    const pos = e.selections[0]?.active;
    if (!pos) return;
    const docUri = doc.uri.toString();
    for (const p of panels.values()) {
      if (p.sim.flavour === 'litmus') {
        if (p.uri === docUri) p.link([], pos.line + 1);
        continue;
      }
      const sites: number[] = [];
      p.view.sites.forEach((s, i) => {
        if (toUri(s.file).toString() !== docUri) return;
        if (pos.line >= s.range.start.line && pos.line <= s.range.end.line) sites.push(i);
      });
      if (sites.length > 0 || p.uri === docUri) p.link(sites);
    }
  }));

  return {
    async open(args) {
      const openedAt = Date.now();
      try {
        const loaded = await loadScenario(args.uri, args.scenarioId, args.position);
        if (loaded) await show(args.uri, loaded.view, loaded.flavour, openedAt);
      } catch (err) {
        log(`simulator: open failed: ${err instanceof Error ? err.stack ?? err.message : String(err)}`);
        void vscode.window.showErrorMessage(`Refcount Review: the simulator could not open: ${err instanceof Error ? err.message : String(err)}`);
      }
    },
  };
}

function safeJson(x: unknown): string {
  try {
    const s = JSON.stringify(x);
    return s === undefined ? String(x) : s.length > 300 ? `${s.slice(0, 300)}…` : s;
  } catch {
    return '(unserializable)';
  }
}
