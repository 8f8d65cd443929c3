// The workspace's Rust files: found at start-up (bounded, skipping build output and VCS
// directories), kept current from file-watcher events, and handed to the review workers so
// cross-file helpers and paired sites can be resolved.

import { opendir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { decodeSource, MAX_FILE_BYTES, tooLarge } from './limits';

export const SKIP_DIRS = new Set(['target', 'node_modules', '.git', '.hg', '.svn', '.e2e', 'out', 'dist']);

export interface ScanLimits {
  /** Stop after this many .rs files. */
  maxFiles: number;
  /** Stop reading texts for the index after this many bytes in total. */
  maxIndexBytes: number;
}

export const DEFAULT_LIMITS: ScanLimits = { maxFiles: 5000, maxIndexBytes: 64 * 1024 * 1024 };

export interface ScanResult {
  files: string[];
  /** Set when the walk stopped at maxFiles. */
  truncated: boolean;
}

/** Lists the .rs files under `roots`, breadth-first so a huge tree still yields its top-level crates. */
export async function scanRustFiles(roots: string[], limits: ScanLimits = DEFAULT_LIMITS, shouldStop: () => boolean = () => false): Promise<ScanResult> {
  const files: string[] = [];
  const queue = [...roots];
  while (queue.length) {
    if (shouldStop()) break;
    const dir = queue.shift()!;
    let handle;
    try { handle = await opendir(dir); } catch { continue; } // vanished or unreadable: not our business
    for await (const ent of handle) {
      // Symlinks are not followed: they can loop, and they point outside the workspace more often than not.
      if (ent.isDirectory()) {
        if (!SKIP_DIRS.has(ent.name) && !ent.name.startsWith('.')) queue.push(path.join(dir, ent.name));
      } else if (ent.isFile() && ent.name.endsWith('.rs')) {
        files.push(path.join(dir, ent.name));
        if (files.length >= limits.maxFiles) return { files: files.sort(), truncated: true };
      }
    }
  }
  return { files: files.sort(), truncated: false };
}

export type ReadOutcome = { file: string; text: string } | { file: string; skipped: string };

/** Reads a source file for review or indexing; every failure is a reason, never an exception. */
export async function readSource(file: string): Promise<ReadOutcome> {
  try {
    // Check the size first so a huge file is never read into memory.
    const st = await stat(file);
    if (st.size > MAX_FILE_BYTES) return { file, skipped: tooLarge(st.size) };
    const decoded = decodeSource(await readFile(file));
    return 'text' in decoded ? { file, text: decoded.text } : { file, skipped: decoded.skipped };
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return { file, skipped: code === 'ENOENT' ? 'file was deleted or renamed before it could be read' : `cannot read: ${(err as Error).message}` };
  }
}
