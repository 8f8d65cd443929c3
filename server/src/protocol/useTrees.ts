// The `use` declarations of a Rust text, read without a parser: where each imported name comes
// from, which block it is visible in, and the offsets an edit needs to add a sibling name (the
// end of its `{..}` group, or the last segment of a path that can become a group). Pure text, so
// the extension host can plan edits too; the server checks every planned fix with tree-sitter.
//
// Comments, strings and char literals are skipped, so `use` inside them is not an import.

/** A `{..}` group of a use tree. */
export interface UseList {
  /** Full path the group's items are relative to, e.g. ['crate', 'sync'] for `crate::sync::{..}`. */
  prefix: string[];
  /** Offset just after the last item (before an optional trailing comma). */
  lastItemEnd: number;
  /** Offset of `{`; `lastItemEnd` is `open + 1` when the group is empty. */
  open: number;
  empty: boolean;
}

/** One imported name (or glob) of a use tree. */
export interface UseLeaf {
  /** Full path of the imported item, e.g. ['crate', 'sync', 'atomic', 'Relaxed']; a glob's module. */
  path: string[];
  /** The name it binds in scope (the alias if renamed); null for a glob. */
  local: string | null;
  glob: boolean;
  /** Offsets of the leaf's last path segment through its alias: `Relaxed as R` in `atomic::Relaxed as R`. */
  tailStart: number;
  end: number;
  /** The group the leaf is an item of, if any. */
  list: UseList | null;
}

export interface UseDecl {
  start: number;
  /** Offset just after `;`. */
  end: number;
  /** Visibility and `use`, as written (`pub(crate) use `), for a sibling declaration. */
  head: string;
  indent: string;
  leaves: UseLeaf[];
  /** The block the declaration is visible in: [after `{`, before `}`], or the whole file. */
  scope: { start: number; end: number };
  /** True for declarations at file level (not inside any block). */
  fileLevel: boolean;
}

interface Token { text: string; start: number; end: number }

const IDENT_START = /[A-Za-z_]/;
const IDENT = /[A-Za-z0-9_]/;

/** Skips a comment, string or char literal starting at i; returns the offset after it, or i when there is none. */
function skipOpaque(s: string, i: number): number {
  const c = s[i];
  const n = s[i + 1];
  if (c === '/' && n === '/') {
    const e = s.indexOf('\n', i);
    return e < 0 ? s.length : e;
  }
  if (c === '/' && n === '*') {
    let depth = 1;
    let j = i + 2;
    while (j < s.length && depth > 0) {
      if (s[j] === '/' && s[j + 1] === '*') { depth++; j += 2; } else if (s[j] === '*' && s[j + 1] === '/') { depth--; j += 2; } else j++;
    }
    return j;
  }
  // Raw strings: r"..", r#".."#, br#".."# (an identifier character before `r` makes it a name).
  const raw = (c === 'r' || c === 'b') && (i === 0 || !IDENT.test(s[i - 1])) ? /^b?r(#*)"/.exec(s.slice(i, i + 40)) : null;
  if (raw) {
    const close = '"' + raw[1];
    const e = s.indexOf(close, i + raw[0].length);
    return e < 0 ? s.length : e + close.length;
  }
  if (c === '"' || (c === 'b' && n === '"' && (i === 0 || !IDENT.test(s[i - 1])))) {
    let j = c === 'b' ? i + 2 : i + 1;
    while (j < s.length && s[j] !== '"') j += s[j] === '\\' ? 2 : 1;
    return j + 1;
  }
  if (c === '\'') {
    // A char literal ('x', '\n', '\u{..}', a surrogate pair) or a lifetime ('a): only the former is skipped.
    if (n === '\\') {
      const e = s.indexOf('\'', i + 2 + (s[i + 2] === '\'' ? 1 : 0));
      return e < 0 ? s.length : e + 1;
    }
    if (s[i + 2] === '\'') return i + 3;
    if (/[\uD800-\uDBFF]/.test(n ?? '') && s[i + 3] === '\'') return i + 4;
  }
  return i;
}

function tokenize(s: string, from: number, to: number): Token[] {
  const out: Token[] = [];
  let i = from;
  while (i < to) {
    const skipped = skipOpaque(s, i);
    if (skipped !== i) { i = skipped; continue; }
    const c = s[i];
    if (/\s/.test(c)) { i++; continue; }
    if (c === ':' && s[i + 1] === ':') { out.push({ text: '::', start: i, end: i + 2 }); i += 2; continue; }
    if (IDENT_START.test(c)) {
      let j = i + 1;
      while (j < to && IDENT.test(s[j])) j++;
      if (s.slice(i, i + 2) === 'r#' && j === i + 1) { j = i + 2; while (j < to && IDENT.test(s[j])) j++; }
      out.push({ text: s.slice(i, j), start: i, end: j });
      i = j;
      continue;
    }
    out.push({ text: c, start: i, end: i + 1 });
    i++;
  }
  return out;
}

/** Parses the tree of one `use` (tokens after `use`, before `;`). */
function parseTree(toks: Token[]): UseLeaf[] {
  const leaves: UseLeaf[] = [];
  let p = 0;
  // Nested groups recurse; real `use` trees are a few levels deep, so deeper text is not read further.
  let depth = 0;
  const tree = (prefix: string[], list: UseList | null): void => {
    if (depth > MAX_USE_DEPTH) { p = toks.length; return; }
    if (toks[p]?.text === '::') p++;
    const segs: Token[] = [];
    while (toks[p] && IDENT_START.test(toks[p].text)) {
      segs.push(toks[p++]);
      if (toks[p]?.text === '::' && toks[p + 1] && IDENT_START.test(toks[p + 1].text)) p++;
      else break;
    }
    const path = [...prefix, ...segs.map(t => t.text)];
    if (toks[p]?.text === '::') p++;
    if (toks[p]?.text === '*') {
      leaves.push({ path, local: null, glob: true, tailStart: toks[p].start, end: toks[p].end, list });
      p++;
      return;
    }
    if (toks[p]?.text === '{') {
      const group: UseList = { prefix: path, open: toks[p].start, lastItemEnd: toks[p].end, empty: true };
      p++;
      while (toks[p] && toks[p].text !== '}') {
        if (toks[p].text === ',') { p++; continue; }
        const before = p;
        depth++;
        tree(path, group);
        depth--;
        // Broken text can end inside the group: keep the last token that exists.
        group.lastItemEnd = toks[Math.min(p, toks.length) - 1]?.end ?? group.lastItemEnd;
        group.empty = false;
        if (p === before) p++; // not a use tree: skip the token rather than loop
      }
      p++;
      return;
    }
    if (segs.length === 0) return;
    const last = segs[segs.length - 1];
    let local = last.text;
    let full = path;
    let end = last.end;
    if (local === 'self') { full = path.slice(0, -1); local = full[full.length - 1] ?? 'self'; }
    if (toks[p]?.text === 'as' && toks[p + 1]) { local = toks[p + 1].text; end = toks[p + 1].end; p += 2; }
    leaves.push({ path: full, local: local === '_' ? null : local, glob: false, tailStart: last.start, end, list });
  };
  tree([], null);
  return leaves;
}

/** Every `use` declaration of the text, with the block each one is visible in. */
/** How deep nested `use` groups are read (rustfmt'd code rarely goes past 3). */
const MAX_USE_DEPTH = 64;

export function useDecls(s: string): UseDecl[] {
  const out: UseDecl[] = [];
  const open: { at: number; decls: UseDecl[] }[] = [];
  const fileDecls: UseDecl[] = [];
  let i = 0;
  while (i < s.length) {
    const skipped = skipOpaque(s, i);
    if (skipped !== i) { i = skipped; continue; }
    const c = s[i];
    if (c === '{') { open.push({ at: i, decls: [] }); i++; continue; }
    if (c === '}') {
      const b = open.pop();
      if (b) for (const d of b.decls) d.scope = { start: b.at + 1, end: i };
      i++;
      continue;
    }
    if (c === 'u' && s.startsWith('use', i) && /\s/.test(s[i + 3] ?? '') && (i === 0 || !IDENT.test(s[i - 1]))) {
      const lineStart = s.lastIndexOf('\n', i - 1) + 1;
      const before = s.slice(lineStart, i);
      const vis = /^(\s*)((?:pub(?:\s*\([^)]*\))?\s+)?)$/.exec(before);
      if (vis) {
        // The declaration ends at the first `;` outside comments.
        let j = i + 3;
        while (j < s.length && s[j] !== ';') { const k = skipOpaque(s, j); j = k === j ? j + 1 : k; }
        const decl: UseDecl = {
          start: lineStart + vis[1].length, end: Math.min(j + 1, s.length), head: `${vis[2]}use `, indent: vis[1],
          leaves: parseTree(tokenize(s, i + 3, j)), scope: { start: 0, end: s.length }, fileLevel: open.length === 0,
        };
        out.push(decl);
        (open.length ? open[open.length - 1].decls : fileDecls).push(decl);
        i = j + 1;
        continue;
      }
    }
    if (IDENT.test(c)) { let j = i + 1; while (j < s.length && IDENT.test(s[j])) j++; i = j; continue; }
    i++;
  }
  return out;
}

/**
 * The declarations of `next`, from `decls` (those of `prev`) when one edit turned `prev` into
 * `next` and the edit cannot change what the scan above reads: one identifier replaced by another
 * (neither `use`, not next to a quote, `#` or another identifier character), or whole `//` comment
 * lines inserted at a line start (no quote, backslash or block-comment marker in them), outside
 * every declaration. Offsets after the edit move with it. Null when the text must be read afresh.
 * Typing in a big file plans fixes on each new text: this spares a scan of the whole file.
 */
export function useDeclsAfterEdit(prev: string, decls: UseDecl[], next: string): UseDecl[] | null {
  if (prev === next) return decls;
  const min = Math.min(prev.length, next.length);
  let p = 0;
  while (p < min && prev.charCodeAt(p) === next.charCodeAt(p)) p++;
  let sfx = 0;
  while (sfx < min - p && prev.charCodeAt(prev.length - 1 - sfx) === next.charCodeAt(next.length - 1 - sfx)) sfx++;
  let oldEnd = prev.length - sfx;
  const was = prev.slice(p, oldEnd);
  let now = next.slice(p, next.length - sfx);
  // An insertion can be placed anywhere the text around it repeats it: slide it back to a line
  // start (a comment line typed above another that starts alike).
  if (was === '') {
    while (p > 0 && prev[p - 1] !== '\n' && prev[p - 1] === now[now.length - 1]) { now = prev[p - 1] + now.slice(0, -1); p--; }
    oldEnd = p;
  }
  const delta = now.length - was.length;
  const inert = (c: string | undefined): boolean => c === undefined || !/[\w'"#]/.test(c);
  const insertion = was === '' && (p === 0 || prev[p - 1] === '\n') && /^(?:[ \t]*\/\/[^\n]*\n)+$/.test(now) && !/["\\]|\/\*|\*\//.test(now);
  const renamed = /^\w+$/.test(was) && /^\w+$/.test(now) && was !== 'use' && now !== 'use' && inert(prev[p - 1]) && inert(prev[oldEnd]);
  if (!insertion && !renamed) return null;
  // What comes before `use` on its line decides whether it starts a declaration (`pub use`).
  if (renamed && /\buse\b/.test(prev.slice(prev.lastIndexOf('\n', p - 1) + 1, (prev.indexOf('\n', oldEnd) + 1 || prev.length + 1) - 1))) return null;
  // Inside a declaration (or in one the scan left open at the end of the file), read afresh.
  if (decls.some(d => d.end >= prev.length || (d.start < oldEnd && p < d.end) || (insertion && d.start < p && p < d.end))) return null;
  // Where an offset of `prev` lands in `next`. `opening`: the first offset inside a block, which
  // stays before text inserted exactly there (that text is inside the block too).
  const moved = (x: number, opening = false): number =>
    x < p || (x === p && (renamed || opening)) ? x : x >= oldEnd ? x + delta : NaN;
  const lists = new Map<UseList, UseList>();
  const list = (l: UseList | null): UseList | null => {
    if (!l) return null;
    let c = lists.get(l);
    if (!c) { c = { ...l, open: moved(l.open), lastItemEnd: moved(l.lastItemEnd) }; lists.set(l, c); }
    return c;
  };
  const out = decls.map(d => ({
    ...d,
    start: moved(d.start), end: moved(d.end),
    leaves: d.leaves.map(l => ({ ...l, tailStart: moved(l.tailStart), end: moved(l.end), list: list(l.list) })),
    scope: { start: moved(d.scope.start, true), end: moved(d.scope.end) },
  }));
  const offsets = out.flatMap(d => [d.start, d.end, d.scope.start, d.scope.end, ...d.leaves.flatMap(l => [l.tailStart, l.end])]);
  return offsets.some(Number.isNaN) || [...lists.values()].some(l => Number.isNaN(l.open) || Number.isNaN(l.lastItemEnd)) ? null : out;
}

/** The full path a bare `name` resolves to at `offset` through the text's imports, if any (named imports win over globs). */
export function bindingOf(decls: UseDecl[], name: string, offset: number, globExports?: (module: string[]) => boolean): string[] | null {
  let glob: string[] | null = null;
  for (const d of decls) {
    if (offset < d.scope.start || offset > d.scope.end) continue;
    for (const l of d.leaves) {
      if (!l.glob && l.local === name) return l.path;
      if (l.glob && !glob && globExports?.(l.path)) glob = [...l.path, name];
    }
  }
  return glob;
}

/** Leaves visible at `offset`. */
export function leavesAt(decls: UseDecl[], offset: number): { decl: UseDecl; leaf: UseLeaf }[] {
  return decls.filter(d => offset >= d.scope.start && offset <= d.scope.end).flatMap(decl => decl.leaves.map(leaf => ({ decl, leaf })));
}
