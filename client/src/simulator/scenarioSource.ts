// Where a panel's scenarios come from: the language server's review of a Rust document (the
// same result its diagnostics and lenses come from), or the litmus reader for a .litmus file.

import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { scenariosMethod, type ScenariosParams, type ScenariosResult } from '../../../server/src/lsp/requests';
import type { Finding, ScenarioView } from '../../../server/src/protocol/finding';
import { dialectModel, readLitmus } from '../../../server/src/litmus/parse';
import type { SimScenario } from '../../webview/messages';
import { siteInfoOf } from '../../webview/toggles';
import { pickEntries } from './scenarioList';

export type Flavour = 'rust' | 'litmus';

export interface ScenarioSet {
  flavour: Flavour;
  scenarios: ScenarioView[];
  findings: Finding[];
  /** Why there is nothing, when there is nothing. */
  reason?: string;
  /** The text was edited while its review was awaited: a newer review is on its way. */
  pending?: boolean;
}

export function isLitmus(uri: vscode.Uri, doc?: vscode.TextDocument): boolean {
  return doc?.languageId === 'litmus' || uri.path.endsWith('.litmus');
}

export function baseName(uri: vscode.Uri): string {
  return uri.path.slice(uri.path.lastIndexOf('/') + 1);
}

/** The scenarios of a document as they are now. */
export async function readScenarios(client: LanguageClient, uriText: string, position?: { line: number; character: number }): Promise<ScenarioSet> {
  const uri = vscode.Uri.parse(uriText);
  // Opening the document makes the client send didOpen, so the server reviews it even after a reload.
  const doc = await vscode.workspace.openTextDocument(uri);
  if (isLitmus(uri, doc)) {
    try {
      const { program, dialect } = readLitmus(doc.getText(), baseName(uri));
      const view: ScenarioView = { id: 'litmus', title: program.name || baseName(uri), file: uriText, program, sites: [], model: dialectModel(dialect) };
      return { flavour: 'litmus', scenarios: [view], findings: [] };
    } catch (err) {
      return { flavour: 'litmus', scenarios: [], findings: [], reason: `${baseName(uri)} does not read as a litmus test: ${err instanceof Error ? err.message : String(err)}` };
    }
  }
  const params: ScenariosParams = { uri: uriText, position };
  const res = await client.sendRequest<ScenariosResult>(scenariosMethod, params);
  return { flavour: 'rust', scenarios: res?.scenarios ?? [], findings: res?.findings ?? [], reason: res?.reason, pending: res?.pending };
}

/**
 * The scenario to open: the one asked for, the only one, or the user's pick among `ids` (a lens
 * over a site with several scenarios) or all of them, each labelled with its verdict.
 */
export async function chooseScenario(set: ScenarioSet, scenarioId?: string, ids?: string[]): Promise<ScenarioView | undefined> {
  // In the lens's order: the scenario its site's finding names first, then the other racing ones.
  const list = ids && ids.length > 1 ? ids.map(id => set.scenarios.find(s => s.id === id)).filter((s): s is ScenarioView => !!s) : set.scenarios;
  if (scenarioId !== undefined && !(ids && ids.length > 1)) return set.scenarios.find(s => s.id === scenarioId);
  if (list.length <= 1) return list[0];
  const pick = await vscode.window.showQuickPick(pickEntries(list), { placeHolder: 'Which scenario to simulate? (racing ones first)', matchOnDescription: true });
  return pick && list.find(s => s.id === pick.id);
}

export function toSimScenario(uri: string, view: ScenarioView, flavour: Flavour, extra: Pick<SimScenario, 'notice' | 'others'> = {}): SimScenario {
  return {
    uri, id: view.id, title: view.title, flavour, program: view.program,
    sites: view.sites.map(siteInfoOf),
    ...(view.model ? { model: view.model } : {}),
    ...(extra.notice ? { notice: extra.notice } : {}),
    ...(extra.others?.length ? { others: extra.others } : {}),
  };
}
