// The real-code corpus: where each crate's sources are on this machine, which version they are,
// and its review through the same entry point as `refcount-review check` (one workspace per crate,
// so helpers and sites pair across the crate's files but never across crates).

import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { readRustFiles, runCheck } from '../../server/src/check';
import type { Finding, RuleId, Severity } from '../../server/src/protocol/finding';

export const repoRoot = path.resolve(__dirname, '../../..');
export const corpusDir = path.join(repoRoot, 'test/corpus');
/** A time budget no review reaches: results must not depend on how loaded the machine is. */
export const UNBOUNDED_MILLIS = 3_600_000;

export interface CrateSpec {
  name: string;
  /** The Debian package that ships the sources. */
  package: string;
  /** Root with `{version}` for the version found; default: `<registry>/<name>-{version}`. */
  root?: string;
  /** What to review, relative to the root; default: the whole root. */
  paths?: string[];
}

interface CrateList { registry: string; crates: CrateSpec[] }

export function loadCrateList(): CrateList {
  return JSON.parse(readFileSync(path.join(corpusDir, 'crates.json'), 'utf8')) as CrateList;
}

export interface LocatedCrate {
  spec: CrateSpec;
  /** Every version of the crate present, newest first (Debian installs one, but a registry may hold several). */
  versions: string[];
  /** The version chosen: the pinned one when present, else the newest. */
  version: string;
  root: string;
  /** The installed package's Debian version, when dpkg knows it. */
  debVersion: string | null;
}

const versionKey = (v: string): number[] => v.split(/[^0-9]+/).filter(Boolean).map(Number);
function newestFirst(a: string, b: string): number {
  const ka = versionKey(a), kb = versionKey(b);
  for (let i = 0; i < Math.max(ka.length, kb.length); i++) if ((ka[i] ?? -1) !== (kb[i] ?? -1)) return (kb[i] ?? -1) - (ka[i] ?? -1);
  return 0;
}

function debVersionOf(pkg: string): string | null {
  try {
    return execFileSync('dpkg-query', ['-W', '-f=${Version}', pkg], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim() || null;
  } catch {
    return null;
  }
}

/** Finds a crate's sources; null when none of its versions is installed. */
export function locateCrate(list: CrateList, spec: CrateSpec, pinned?: string): LocatedCrate | null {
  const pattern = spec.root ?? path.join(list.registry, `${spec.name}-{version}`);
  const parent = path.dirname(pattern.slice(0, pattern.indexOf('{version}')) + 'x');
  const prefix = path.basename(pattern.slice(0, pattern.indexOf('{version}')) + 'x').slice(0, -1);
  if (!existsSync(parent)) return null;
  const versions = readdirSync(parent)
    .filter(n => n.startsWith(prefix) && /^\d/.test(n.slice(prefix.length)))
    .map(n => n.slice(prefix.length))
    .filter(v => existsSync(pattern.replace('{version}', v)))
    .sort(newestFirst);
  if (versions.length === 0) return null;
  const version = pinned && versions.includes(pinned) ? pinned : versions[0];
  return { spec, versions, version, root: pattern.replace('{version}', version), debVersion: debVersionOf(spec.package) };
}

/** A finding as the ledger names it: no line numbers, so it survives edits elsewhere in the file. */
export interface FindingKey {
  crate: string;
  /** Relative to the crate root, with `/` separators. */
  path: string;
  rule: RuleId;
  severity: Severity;
  /** The trimmed text of the line the finding starts on. */
  line: string;
}

export const keyString = (k: FindingKey): string => [k.crate, k.path, k.rule, k.severity, k.line].join('\u0000');

export interface ObservedFinding extends FindingKey {
  /** How many findings share this key (duplicates, or two orderings of one call on one line). */
  count: number;
  /** 1-based line numbers, for people reading the output. */
  lines: number[];
  message: string;
  /** Different messages among them: fewer than `count` means the same finding was printed again. */
  messages: string[];
}

export interface CrateReview {
  crate: LocatedCrate;
  files: number;
  lines: number;
  findings: ObservedFinding[];
  problems: { file: string; message: string }[];
  /** Files whose exploration hit the execution budget: their findings may be incomplete. */
  bounded: { file: string; message: string }[];
  millis: number;
}

export function relPath(root: string, file: string): string {
  return path.relative(root, file).split(path.sep).join('/');
}

/** Groups findings by ledger key, in file and line order. */
export function observe(crate: string, root: string, findings: Finding[], readText: (file: string) => string): ObservedFinding[] {
  const byKey = new Map<string, ObservedFinding>();
  const sorted = [...findings].sort((a, b) => a.file.localeCompare(b.file) || a.range.start.line - b.range.start.line);
  for (const f of sorted) {
    const text = readText(f.file).split('\n')[f.range.start.line]?.trim() ?? '';
    const key: FindingKey = { crate, path: relPath(root, f.file), rule: f.rule, severity: f.severity, line: text };
    const k = keyString(key);
    const seen = byKey.get(k);
    if (seen) {
      seen.count++;
      seen.lines.push(f.range.start.line + 1);
      if (!seen.messages.includes(f.message)) seen.messages.push(f.message);
    } else byKey.set(k, { ...key, count: 1, lines: [f.range.start.line + 1], message: f.message, messages: [f.message] });
  }
  return [...byKey.values()];
}

export async function reviewCrate(c: LocatedCrate, opts: { hints?: boolean } = {}): Promise<CrateReview> {
  const paths = (c.spec.paths ?? ['.']).map(p => path.join(c.root, p));
  const texts = new Map<string, string>();
  for (const f of await readRustFiles(paths)) if (f.text !== undefined) texts.set(f.file, f.text);
  const readText = (f: string): string => {
    if (!texts.has(f)) texts.set(f, readFileSync(f, 'utf8'));
    return texts.get(f)!;
  };
  const lines = [...texts.values()].reduce((n, t) => n + t.split('\n').length, 0);
  const t0 = process.hrtime.bigint();
  // Bounded by explored executions only: a wall-clock limit would make findings depend on the
  // machine's load.
  const r = await runCheck(paths, { maxMillis: UNBOUNDED_MILLIS }, opts);
  const millis = Number(process.hrtime.bigint() - t0) / 1e6;
  return {
    crate: c, files: r.files, lines, millis,
    findings: observe(c.spec.name, c.root, r.findings, readText),
    problems: r.problems.map(p => ({ file: relPath(c.root, p.file), message: p.message })),
    bounded: r.bounded.map(b => ({ file: relPath(c.root, b.file), message: b.message })),
  };
}
