// ORDERING justifications in the editor: the "Insert ORDERING comment" action on a clean checked
// site and the "Why `Release`:" hover section. The justifications themselves come with the review
// (protocol/justification.ts); this module only places and words them.

import path from 'node:path';
import { CodeActionKind, type CodeAction, type Range } from 'vscode-languageserver';
import type { FileReview } from '../review';
import { justificationLines, orderingComment, type Justification } from '../protocol/justification';
import { intersects, rangeKey } from './sites';

export const ORDERING_COMMENT_KIND = `${CodeActionKind.RefactorRewrite}.orderingComment`;
export const INSERT_ORDERING_COMMENT = 'Insert ORDERING comment';
export const UPDATE_ORDERING_COMMENT = 'Update ORDERING comment';

/** `src/lib.rs:88`: relative to the workspace folder that holds the file, else the file name. */
export function siteWhere(roots: readonly string[]): (file: string, line: number) => string {
  return (file, line) => {
    const root = roots.find(r => file.startsWith(r.endsWith(path.sep) ? r : r + path.sep));
    return `${root ? path.relative(root, file).split(path.sep).join('/') : path.basename(file)}:${line + 1}`;
  };
}

function at(review: FileReview, range: Range): Justification[] {
  return (review.justifications ?? []).filter(j => intersects(j.range, range));
}

/** The comment action for each justified site the range touches (a site with a finding has none: its fix is offered). */
export function orderingCommentActions(doc: { uri: string; version: number }, review: FileReview, range: Range, roots: readonly string[]): CodeAction[] {
  const where = siteWhere(roots);
  return at(review, range).map(j => {
    const old = j.anchor.existing;
    const from = old ? old.start : j.anchor.line;
    const to = old ? old.end : j.anchor.line;
    // Lines of this file below the comment move by what the edit adds: name them where they will
    // be. A shifted number can change the wrapping, so settle on a line count that agrees.
    let delta = 0;
    let text = orderingComment(j, where);
    for (let round = 0; round < 3; round++) {
      const next = text.split('\n').length - 1 - (to - from);
      if (round > 0 && next === delta) break;
      delta = next;
      text = orderingComment(j, (file, line) => where(file, file === review.file && line >= to ? line + delta : line));
    }
    const edit = { range: { start: { line: from, character: 0 }, end: { line: to, character: 0 } }, newText: text };
    return {
      title: old ? UPDATE_ORDERING_COMMENT : INSERT_ORDERING_COMMENT,
      kind: ORDERING_COMMENT_KIND,
      edit: { documentChanges: [{ textDocument: { uri: doc.uri, version: doc.version }, edits: [edit] }] },
    };
  });
}

/** "Why `Release`:" and the justification, for the hover over the site's ordering. */
export function whySection(review: FileReview, siteRange: Range, roots: readonly string[]): string[] {
  const all = review.justifications ?? [];
  const j = all.find(x => rangeKey(x.range) === rangeKey(siteRange)) ?? all.find(x => intersects(x.range, siteRange));
  if (!j) return [];
  const [first, ...rest] = justificationLines(j, siteWhere(roots));
  return ['', `**Why \`${j.ordering}\`:** ${first.replace(/^`[^`]+`:?\s*/, '')}`, ...rest.map(l => `- ${l}`)];
}
