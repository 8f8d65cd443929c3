// Code actions: only the fixes the review verified (Finding.fix comes from the pipeline, which
// re-explores the fixed program before offering it). Each is a preferred quickfix, unless the
// verified change spans several sites: then "Fix the protocol" (all of them, in one workspace
// edit) is the preferred one. "Fix all in file" combines them, and when it combines more than one it is re-reviewed before its edit is
// handed out (codeAction/resolve), because the fixes were verified one at a time.

import { CodeActionKind, type CodeAction, type Diagnostic, type Range, type TextDocumentEdit, type TextEdit, type WorkspaceEdit } from 'vscode-languageserver';
import { fileToUri } from './uris';
import { SIMULATE_COMMAND, type SimulateArgs } from './codeLens';
import type { Finding } from '../protocol/finding';
import type { FileReview } from '../review';
import { effectiveSeverity, type Settings } from './config';
import { DIAGNOSTIC_SOURCE, type DiagnosticData } from './diagnostics';
import { intersects, rangeKey } from './sites';
import { ORDERING_COMMENT_KIND, orderingCommentActions } from './orderingComments';

export const FIX_ALL_KIND = `${CodeActionKind.SourceFixAll}.refcountReview`;
export const FIX_ALL_TITLE = 'Fix all Refcount Review issues in this file';

export interface FixAllData { fixAll: true; uri: string; version: number }

interface Doc { uri: string; version: number }

/**
 * The edits of fixes as one workspace edit. Edits in this document are versioned, so an editor
 * refuses them if the text moved on since the review; a fix that changes a helper's ordering in
 * another file (`file` set) edits that file too.
 */
function workspaceEdit(doc: Doc, edits: (TextEdit & { file?: string })[]): WorkspaceEdit {
  const here = edits.filter(e => !e.file).map(({ range, newText }) => ({ range, newText }));
  const changes: TextDocumentEdit[] = [{ textDocument: { uri: doc.uri, version: doc.version }, edits: here }];
  const byFile = new Map<string, TextEdit[]>();
  for (const e of edits) if (e.file) byFile.set(e.file, [...(byFile.get(e.file) ?? []), { range: e.range, newText: e.newText }]);
  for (const [file, list] of byFile) changes.push({ textDocument: { uri: fileToUri(file), version: null }, edits: list });
  return { documentChanges: changes };
}

function fixable(review: FileReview, settings: Settings): { f: Finding; index: number }[] {
  return review.findings
    .map((f, index) => ({ f, index }))
    .filter(({ f }) => f.fix && f.fix.edits.length > 0 && effectiveSeverity(settings, f.rule, f.severity) !== undefined);
}

function matchingDiagnostics(f: Finding, index: number, diags: readonly Diagnostic[]): Diagnostic[] {
  return diags.filter(d => {
    if (d.source !== DIAGNOSTIC_SOURCE) return false;
    const data = d.data as DiagnosticData | undefined;
    if (data && typeof data.index === 'number') return data.index === index && data.rule === f.rule;
    return d.code === f.rule && rangeKey(d.range) === rangeKey(f.range);
  });
}

function cmp(p: { line: number; character: number }, q: { line: number; character: number }): number {
  return p.line - q.line || p.character - q.character;
}

/** Edits conflict if they share text, or start at one position (the order of the two would matter). */
function overlaps(a: TextEdit, b: TextEdit): boolean {
  if (cmp(a.range.start, b.range.start) === 0) return true;
  return cmp(a.range.end, b.range.start) > 0 && cmp(b.range.end, a.range.start) > 0;
}

/**
 * The edits of all fixes in one list: identical edits (the same import added by two fixes) once;
 * a fix whose edits conflict with an earlier one is left out (it stays available on its own).
 */
export function combineFixes(findings: Finding[]): { edits: TextEdit[]; included: Finding[] } {
  const edits: TextEdit[] = [];
  const included: Finding[] = [];
  const key = (e: TextEdit) => `${rangeKey(e.range)}=${e.newText}`;
  for (const f of findings) {
    const mine = f.fix!.edits.filter(e => !edits.some(x => key(x) === key(e)));
    if (mine.some(e => edits.some(x => overlaps(x, e)))) continue;
    edits.push(...mine);
    included.push(f);
  }
  return { edits, included };
}

export function codeActions(
  doc: Doc, review: FileReview, settings: Settings, range: Range,
  context: { diagnostics: readonly Diagnostic[]; only?: string[] }, canResolve: boolean, roots: readonly string[] = [],
): CodeAction[] {
  const wants = (kind: string) => !context.only || context.only.some(o => kind === o || kind.startsWith(`${o}.`));
  const all = fixable(review, settings);
  const out: CodeAction[] = [];
  if (wants(CodeActionKind.QuickFix)) {
    const protocolFixes = new Set<string>();
    for (const { f, index } of all) {
      if (!intersects(f.range, range)) continue;
      const diagnostics = matchingDiagnostics(f, index, context.diagnostics);
      // When the verified change spans several sites, applying all of them is what was verified:
      // that one is preferred, and the per-site fix says what it leaves behind.
      if (f.protocolFix) {
        const key = `${f.protocolFix.title}\n${JSON.stringify(f.protocolFix.edits)}`;
        if (!protocolFixes.has(key)) {
          protocolFixes.add(key);
          out.push({ title: f.protocolFix.title, kind: CodeActionKind.QuickFix, isPreferred: true, diagnostics, edit: workspaceEdit(doc, f.protocolFix.edits) });
        }
      }
      out.push({
        title: f.fix!.title,
        kind: CodeActionKind.QuickFix,
        ...(f.protocolFix ? {} : { isPreferred: true }),
        diagnostics,
        edit: workspaceEdit(doc, f.fix!.edits),
      });
      // Other verified ways to the same end, after the preferred one.
      for (const alt of f.alternatives ?? []) {
        out.push({ title: alt.title, kind: CodeActionKind.QuickFix, diagnostics, edit: workspaceEdit(doc, alt.edits) });
      }
    }
  }
  // Every finding with a counterexample can be replayed from the diagnostic itself.
  if (wants(CodeActionKind.QuickFix)) {
    review.findings.forEach((f, index) => {
      if (!f.scenario || !intersects(f.range, range) || effectiveSeverity(settings, f.rule, f.severity) === undefined) return;
      const args: SimulateArgs = { uri: doc.uri, scenarioId: f.scenario };
      out.push({
        title: 'Show the counterexample in the simulator',
        kind: CodeActionKind.QuickFix,
        diagnostics: matchingDiagnostics(f, index, context.diagnostics),
        command: { title: 'Simulate', command: SIMULATE_COMMAND, arguments: [args] },
      });
    });
  }
  if (wants(ORDERING_COMMENT_KIND)) out.push(...orderingCommentActions(doc, review, range, roots));
  if (all.length === 0) return out;
  const fixAll = (kind: string): CodeAction | undefined => {
    const action: CodeAction = { title: FIX_ALL_TITLE, kind };
    if (all.length === 1) { action.edit = workspaceEdit(doc, all[0].f.fix!.edits); return action; }
    // More than one fix: the combination is checked in codeAction/resolve; a client that cannot
    // resolve gets no fix-all rather than an unverified one.
    if (!canResolve) return undefined;
    action.data = { fixAll: true, uri: doc.uri, version: doc.version } satisfies FixAllData;
    return action;
  };
  // In the quick-fix menu only where it adds something (two or more fixes) and near one of them.
  if (wants(CodeActionKind.QuickFix) && all.length > 1 && all.some(({ f }) => intersects(f.range, range))) {
    const a = fixAll(CodeActionKind.QuickFix);
    if (a) out.push(a);
  }
  if (context.only && wants(FIX_ALL_KIND)) {
    const a = fixAll(FIX_ALL_KIND);
    if (a) out.push(a);
  }
  return out;
}

/**
 * Completes a multi-fix "fix all": applies the combined edits, reviews the result and attaches
 * the edit only if every included finding is gone and nothing new appeared.
 */
export async function resolveFixAll(
  action: CodeAction, data: FixAllData, review: FileReview, settings: Settings, text: string,
  applyEdits: (text: string, edits: TextEdit[]) => string,
  reReview: (text: string) => Promise<FileReview | undefined>,
  log: (m: string) => void,
): Promise<CodeAction> {
  const { edits, included } = combineFixes(fixable(review, settings).map(x => x.f));
  if (included.length === 0) return action;
  const after = await reReview(applyEdits(text, edits));
  if (!after) { log('fix all: the re-review of the combined fixes did not finish; no edit offered'); return action; }
  const before = review.findings.length;
  if (after.findings.length > before - included.length) {
    log(`fix all: the combined fixes leave ${after.findings.length} finding(s) (expected at most ${before - included.length}); no edit offered`);
    return action;
  }
  return { ...action, edit: workspaceEdit({ uri: data.uri, version: data.version }, edits) };
}
