// Which files the tools read, and how. `check`, `litmus` and the language server share these rules
// so a hostile tree (a symlink to /dev/zero, a FIFO named `x.rs`, directory symlink loops, a
// huge file) costs each of them one stat, never an unbounded read:
//   - only regular files are read, and their size is checked on the open descriptor first;
//   - symlinks are resolved once, and a real path is walked or read at most once;
//   - every entry that is not read comes back with a reason, never an exception.

import { closeSync, constants, fstatSync, openSync, readSync, type Stats } from 'node:fs';
import { open, opendir, realpath, stat } from 'node:fs/promises';
import path from 'node:path';

export const MAX_SOURCE_BYTES = 2 * 1024 * 1024;

export function tooLarge(bytes: number, max = MAX_SOURCE_BYTES): string {
  return `file is ${(bytes / 1024 / 1024).toFixed(1)} MB, over the ${max / 1024 / 1024} MB limit; not reviewed`;
}

/** Why an entry of this kind is never read (it has no end, or blocks), or undefined for a regular file. */
export function notRegular(st: Stats): string | undefined {
  if (st.isFile()) return undefined;
  const kind = st.isDirectory() ? 'a directory' : st.isFIFO() ? 'a FIFO' : st.isCharacterDevice() ? 'a character device'
    : st.isBlockDevice() ? 'a block device' : st.isSocket() ? 'a socket' : 'not a regular file';
  return `${kind}, not a regular file; not read`;
}

/** Source text from bytes: strict UTF-8 (a stray byte is an error, a real U+FFFD is text), no NULs. */
export function decodeSource(bytes: Uint8Array, max = MAX_SOURCE_BYTES): { text: string } | { skipped: string } {
  if (bytes.byteLength > max) return { skipped: tooLarge(bytes.byteLength, max) };
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return { skipped: 'file is not valid UTF-8 text; not reviewed' };
  }
  if (text.includes('\u0000')) return { skipped: 'file contains NUL bytes (binary, not source text); not reviewed' };
  return { text };
}

export type SourceRead = { file: string; text: string } | { file: string; skipped: string };

// O_NONBLOCK: if a FIFO replaced the file after its stat, opening it must not wait for a writer.
const OPEN_FLAGS = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0);

function readFailure(file: string, err: unknown): SourceRead {
  const code = (err as NodeJS.ErrnoException).code;
  const why = code === 'ENOENT' ? 'no such file or directory' : code === 'EACCES' || code === 'EPERM' ? 'permission denied' : code === 'EISDIR' ? 'is a directory' : (err as Error).message;
  return { file, skipped: `cannot read: ${why}` };
}

/**
 * The next read's size: what the stat promised plus one byte (to see EOF, or growth), then small
 * chunks, never past `max + 1` bytes in all. The size is a hint, not a bound: a file may grow after
 * the stat, and some regular files (procfs) report 0.
 */
function chunkSize(statSize: number, have: number, max: number): number {
  const wanted = have < statSize ? statSize - have + 1 : 64 * 1024;
  return Math.max(1, Math.min(wanted, max + 1 - have));
}

/** Reads one source file (CLI). At most `max + 1` bytes are ever read, whatever the file claims. */
export function readSourceSync(file: string, max = MAX_SOURCE_BYTES): SourceRead {
  let fd: number;
  try { fd = openSync(file, OPEN_FLAGS); } catch (err) { return readFailure(file, err); }
  try {
    const st = fstatSync(fd);
    const odd = notRegular(st);
    if (odd) return { file, skipped: odd };
    if (st.size > max) return { file, skipped: tooLarge(st.size, max) };
    const chunks: Buffer[] = [];
    let n = 0;
    for (;;) {
      const chunk = Buffer.allocUnsafe(chunkSize(st.size, n, max));
      const got = readSync(fd, chunk, 0, chunk.length, null);
      if (got === 0) break;
      chunks.push(chunk.subarray(0, got));
      n += got;
      if (n > max) return { file, skipped: tooLarge(n, max) }; // grew since the stat, or a size-0 special file
    }
    const decoded = decodeSource(Buffer.concat(chunks, n), max);
    return 'text' in decoded ? { file, text: decoded.text } : { file, skipped: decoded.skipped };
  } catch (err) {
    return readFailure(file, err);
  } finally {
    closeSync(fd);
  }
}

/** The same rules without blocking the caller's thread (language server). */
export async function readSource(file: string, max = MAX_SOURCE_BYTES): Promise<SourceRead> {
  let fh;
  try { fh = await open(file, OPEN_FLAGS); } catch (err) { return readFailure(file, err); }
  try {
    const st = await fh.stat();
    const odd = notRegular(st);
    if (odd) return { file, skipped: odd };
    if (st.size > max) return { file, skipped: tooLarge(st.size, max) };
    const chunks: Buffer[] = [];
    let n = 0;
    for (;;) {
      const chunk = Buffer.allocUnsafe(chunkSize(st.size, n, max));
      const { bytesRead: got } = await fh.read(chunk, 0, chunk.length, null);
      if (got === 0) break;
      chunks.push(chunk.subarray(0, got));
      n += got;
      if (n > max) return { file, skipped: tooLarge(n, max) };
    }
    const decoded = decodeSource(Buffer.concat(chunks, n), max);
    return 'text' in decoded ? { file, text: decoded.text } : { file, skipped: decoded.skipped };
  } catch (err) {
    return readFailure(file, err);
  } finally {
    await fh.close();
  }
}

export interface WalkOptions {
  /** Directory names not descended into (build output, VCS). */
  skipDir(name: string): boolean;
  /** File names collected from walked directories (explicit file roots are always collected). */
  wanted(name: string): boolean;
  /** Stop after this many files. */
  maxFiles?: number;
  /** When set, symlinks whose real path lies outside these directories are not followed. */
  within?: string[];
  shouldStop?: () => boolean;
}

export interface WalkResult {
  /** Regular files to read, sorted, each real file once (under the first path that reached it). */
  files: string[];
  /** Entries not collected, with why (missing roots, FIFOs, devices, unreadable directories, ...). */
  skipped: { file: string; reason: string }[];
  /** Set when the walk stopped at maxFiles. */
  truncated: boolean;
}

/**
 * The wanted files under `roots`, breadth-first (a huge tree still yields its top-level crates
 * before maxFiles). Iterative, and each real directory is listed once: a symlink loop ends where
 * it meets a directory already seen, however many loops there are.
 */
export async function walkSources(roots: string[], o: WalkOptions): Promise<WalkResult> {
  const files: string[] = [];
  const skipped: WalkResult['skipped'] = [];
  const seen = new Set<string>();
  const within = o.within && (await Promise.all(o.within.map(d => realpath(d).catch(() => d)))).map(d => d.endsWith(path.sep) ? d : d + path.sep);
  const max = o.maxFiles ?? Infinity;
  const queue: string[] = [];

  /** Follows `p` once; returns what it is, or records why it is left out. */
  const classify = async (p: string, explicit: boolean, isLink: boolean): Promise<'dir' | 'file' | undefined> => {
    let real: string;
    let st: Stats;
    try { real = await realpath(p); st = await stat(real); } catch (err) {
      if (explicit || (isLink && o.wanted(path.basename(p)))) skipped.push({ file: p, reason: (readFailure(p, err) as { skipped: string }).skipped.replace('cannot read', isLink ? 'broken symlink' : 'cannot read') });
      return undefined;
    }
    if (isLink && within && !within.some(d => (real + path.sep).startsWith(d))) {
      if (st.isDirectory() || o.wanted(path.basename(p))) skipped.push({ file: p, reason: `symlink to ${real}, outside the workspace; not followed` });
      return undefined;
    }
    if (seen.has(real)) return undefined;
    if (st.isDirectory()) { seen.add(real); return 'dir'; }
    if (!explicit && !o.wanted(path.basename(p))) return undefined;
    const odd = notRegular(st);
    if (odd) { skipped.push({ file: p, reason: odd }); return undefined; }
    seen.add(real);
    return 'file';
  };

  for (const r of roots) {
    const kind = await classify(r, true, false);
    if (kind === 'dir') queue.push(r);
    else if (kind === 'file') files.push(r);
  }
  // Links wait until every directory reachable without one is walked, so a file is named by its
  // own location when it has one inside the tree, and by a link only when it has not.
  const links: string[] = [];
  while (queue.length || links.length) {
    if (o.shouldStop?.()) break;
    if (!queue.length) {
      const p = links.shift()!;
      const kind = await classify(p, false, true);
      if (kind === 'dir') queue.push(p);
      else if (kind === 'file') {
        files.push(p);
        if (files.length >= max) return { files: files.sort(), skipped, truncated: true };
      }
      continue;
    }
    const dir = queue.shift()!;
    let handle;
    try { handle = await opendir(dir); } catch (err) { skipped.push({ file: dir, reason: (readFailure(dir, err) as { skipped: string }).skipped }); continue; }
    const names: { name: string; link: boolean; dir: boolean }[] = [];
    for await (const ent of handle) names.push({ name: ent.name, link: ent.isSymbolicLink(), dir: ent.isDirectory() });
    names.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const ent of names) {
      const p = path.join(dir, ent.name);
      if ((ent.dir || ent.link) && o.skipDir(ent.name)) continue;
      if (ent.link) { links.push(p); continue; }
      if (!ent.dir && !o.wanted(ent.name)) continue;
      const kind = await classify(p, false, false);
      if (kind === 'dir') queue.push(p);
      else if (kind === 'file') {
        files.push(p);
        if (files.length >= max) return { files: files.sort(), skipped, truncated: true };
      }
    }
  }
  return { files: files.sort(), skipped, truncated: false };
}
