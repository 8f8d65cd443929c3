// What the re-review that confirms an alternative fix reads, as a key for reusing its answer on
// the next text of the file (alternatives.ts). The alternative edits one function; the re-review
// can only change what the counters with a site in that function report. Those counters' answer
// reads: that function's text, the items that hold their sites, the sites and roles as the
// reader saw them (made independent of where in the file they sit), the names the file declares
// (imports, consts) and the settings. An edit elsewhere in the file leaves all of that as it was.
// Facts from other files (the workspace index: field types, helpers, callers) reach the answer
// only through how the counters' sites are read, which is in the key; a counter with a site in
// another file is not keyed at all.

import { createHash } from 'node:crypto';
import type { Finding, Fix, Position } from './finding';
import type { Counter } from './roles';
import type { FileScope } from '../rust/scope';
import type { Site } from '../rust/site';
import { lineStarts, scopeNames } from './fixCheck';

/** A declaration or a block edge: an alternative or function with one may change more than its function. */
const DECLARES = /\b(?:use|const|static)\b/;

export interface KeyInput {
  file: string;
  text: string;
  /** The scope of `text` (its items in document order, its names). */
  scope: FileScope;
  counters: Counter[];
  /** Everything else the review's answer depends on (the model chosen and asked for, the budget). */
  setting: string;
}

/** Keys for the alternatives of one review: `key(finding, alt)`, null when the answer may read more. */
export function confirmationKeys(input: KeyInput): (finding: Finding, alt: Fix) => string | null {
  const { file, text, scope, counters } = input;
  const starts = lineStarts(text);
  const offset = (p: Position): number => Math.min((starts[p.line] ?? text.length) + p.character, text.length);
  const names = scopeNames(scope);
  /** The innermost span of `kind` around [from, to), strictly inside it for a function. */
  const around = (from: number, to: number, kind: 'fn' | 'top'): { start: number; end: number } | null => {
    let best: { start: number; end: number; outer: number } | null = null;
    for (const sp of scope.spans) {
      if (sp.start > from) break;
      if (kind === 'fn' ? sp.kind === 'fn' && sp.start < from && to < sp.end : sp.outer === -1 && sp.start <= from && to <= sp.end) best = sp;
    }
    return best;
  };
  return (finding, alt) => {
    if (alt.edits.length === 0 || alt.edits.some(e => e.file || DECLARES.test(e.newText) || /[{}]/.test(e.newText))) return null;
    const ranges = [...alt.edits.map(e => e.range), finding.range].map(r => ({ from: offset(r.start), to: offset(r.end) }));
    const fn = around(Math.min(...ranges.map(r => r.from)), Math.max(...ranges.map(r => r.to)), 'fn');
    if (!fn) return null;
    const fnText = text.slice(fn.start, fn.end);
    if (DECLARES.test(fnText)) return null;
    const inFn = (s: Site): boolean => s.file === file && offset(s.range.start) > fn.start && offset(s.range.end) < fn.end;
    const deps = counters.filter(c => c.sites.some(cs => inFn(cs.site) || (cs.site.via && inFn(cs.site.via.helperSite))));
    const foreign = (s: Site): boolean => s.file !== file || (!!s.via && s.via.helperFile !== file);
    if (deps.some(c => c.sites.some(cs => foreign(cs.site)))) return null;
    // The items holding the counters' sites, and the sites as read, each relative to its item.
    const items = new Map<number, string>();
    const read: unknown[] = [];
    for (const c of deps) {
      const sites: unknown[] = [];
      for (const cs of c.sites) {
        const here = [cs.site, ...(cs.site.via ? [cs.site.via.helperSite] : [])];
        let firstLine = 0;
        for (const s of here) {
          const item = around(offset(s.range.start), offset(s.range.end), 'top');
          if (!item) return null;
          items.set(item.start, text.slice(item.start, item.end));
          if (s === cs.site) firstLine = lineOf(starts, item.start);
        }
        sites.push(JSON.parse(JSON.stringify({ site: cs.site, role: cs.role }, relativeTo(firstLine))));
      }
      read.push([c.key, c.isRefcount, c.why, sites]);
    }
    const rel = (p: Position): number => offset(p) - fn.start;
    return createHash('sha1').update(JSON.stringify([
      input.setting, names, fnText,
      alt.title, alt.edits.map(e => [rel(e.range.start), rel(e.range.end), e.newText]),
      rel(finding.range.start),
      [...items.entries()].sort((a, b) => a[0] - b[0]).map(([, t]) => t),
      read,
    ])).digest('base64');
  };
}

function lineOf(starts: number[], offset: number): number {
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) { const mid = (lo + hi + 1) >> 1; if (starts[mid] <= offset) lo = mid; else hi = mid - 1; }
  return lo;
}

/**
 * A JSON replacer that writes positions relative to `line` and leaves out site ids (they hold
 * the line): the same site read at another place of the file gives the same JSON.
 */
function relativeTo(line: number): (key: string, value: unknown) => unknown {
  return (key, value) => {
    if (key === 'id' || key === 'file') return undefined;
    if (value && typeof value === 'object' && typeof (value as Position).line === 'number' && typeof (value as Position).character === 'number') {
      return { line: (value as Position).line - line, character: (value as Position).character };
    }
    return value;
  };
}
