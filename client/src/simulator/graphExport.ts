// "Export SVG" / "Export DOT": the host draws the panel's execution graph from the trace the page
// sent (validated in messages.ts) and writes it where the user says.

import * as vscode from 'vscode';
import { toDot, toSvg } from '../../webview/graph';
import type { FromWebview } from '../../webview/messages';
import { baseName } from './scenarioSource';
import type { SimPanel } from './simPanel';

type ExportMessage = Extract<FromWebview, { type: 'exportGraph' }>;

/** A file name from a scenario title: words kept, everything else a dash. */
export function graphFileName(title: string, format: 'svg' | 'dot'): string {
  const stem = title.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 60) || 'execution';
  return `${stem}.graph.${format}`;
}

export async function saveGraph(p: SimPanel, msg: ExportMessage, log: (m: string) => void): Promise<void> {
  const opts = { race: msg.race, flavour: p.flavour, siteTexts: p.sim.sites.map(s => s.text), siteFamilies: p.sim.sites.map(s => s.family), relations: msg.relations, title: p.sim.title };
  const text = msg.format === 'dot' ? toDot(msg.trace, opts) : toSvg(msg.trace, opts);
  const source = vscode.Uri.parse(p.uri);
  const folder = source.scheme === 'file' || source.scheme === 'vscode-remote' ? vscode.Uri.joinPath(source, '..') : vscode.workspace.workspaceFolders?.[0]?.uri;
  const uri = await vscode.window.showSaveDialog({
    title: `Export the execution graph as ${msg.format === 'dot' ? 'Graphviz DOT' : 'SVG'}`,
    saveLabel: 'Export',
    ...(folder ? { defaultUri: vscode.Uri.joinPath(folder, graphFileName(p.sim.title, msg.format)) } : {}),
    filters: msg.format === 'dot' ? { 'Graphviz DOT': ['dot', 'gv'] } : { 'SVG image': ['svg'] },
  });
  if (!uri) return;
  await vscode.workspace.fs.writeFile(uri, new TextEncoder().encode(text));
  log(`simulator: ${p.sim.title}: execution graph written to ${uri.toString()}`);
  void vscode.window.showInformationMessage(`Refcount Review: execution graph written to ${baseName(uri)}.`);
}
