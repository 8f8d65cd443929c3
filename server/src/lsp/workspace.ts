// The workspace's Rust files: found at start-up (bounded, skipping build output and VCS
// directories), kept current from file-watcher events, and handed to the review workers so
// cross-file helpers and paired sites can be resolved. Which files are read, and how, follows
// the rules shared with the CLI (../sourceFiles).

import { readSource as readSourceFile, walkSources, type SourceRead } from '../sourceFiles';

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
  /** Entries left out, with why (FIFOs, devices, links leaving the workspace, unreadable directories). */
  skipped: { file: string; reason: string }[];
  /** Set when the walk stopped at maxFiles. */
  truncated: boolean;
}

/**
 * Lists the .rs files under `roots`, breadth-first so a huge tree still yields its top-level crates.
 * Symlinks are followed once each, and only while they stay inside the workspace roots.
 */
export async function scanRustFiles(roots: string[], limits: ScanLimits = DEFAULT_LIMITS, shouldStop: () => boolean = () => false): Promise<ScanResult> {
  return walkSources(roots, {
    skipDir: n => SKIP_DIRS.has(n) || n.startsWith('.'),
    wanted: n => n.endsWith('.rs'),
    maxFiles: limits.maxFiles,
    within: roots,
    shouldStop,
  });
}

export type ReadOutcome = SourceRead;

/** Reads a source file for review or indexing: a regular file, size checked first; every failure is a reason. */
export async function readSource(file: string): Promise<ReadOutcome> {
  const r = await readSourceFile(file);
  if ('skipped' in r && /no such file/.test(r.skipped)) return { file, skipped: 'file was deleted or renamed before it could be read' };
  return r;
}
