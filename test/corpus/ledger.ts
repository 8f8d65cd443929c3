// The ledger: every finding the tool reports on the corpus, with a verdict a person wrote after
// reading the code, and the crate versions that reading applies to. The test compares a fresh
// review against it; `--update` proposes a new ledger (ledger.candidates.json) for a person to
// review, carrying over the verdicts of findings that are still there.

import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { corpusDir, keyString, type FindingKey, type ObservedFinding } from './corpus';

export const VERDICTS = {
  'true-positive': 'the code has the ordering problem the finding describes',
  'false-positive': 'the finding is wrong about this code',
  'info-undecidable': 'an info where the tool really cannot decide (the ordering comes from outside the crate)',
  'info-resolvable': 'an info the tool could have decided from the code (e.g. every caller passes a constant); tolerated, to be removed',
  'unreviewed': 'proposed by --update; a person must replace it with a verdict before it goes into ledger.json',
} as const;
export type Verdict = keyof typeof VERDICTS;

export interface LedgerEntry extends FindingKey {
  /** How many findings the tool prints with this key (more than one: duplicates, or several orderings of one call). */
  count: number;
  verdict: Verdict;
  reason: string;
}

export interface Ledger {
  comment?: string;
  verdicts?: Record<string, string>;
  /** The crate versions the entries were reviewed against. */
  versions: Record<string, { version: string; deb: string | null }>;
  entries: LedgerEntry[];
}

const ledgerPath = path.join(corpusDir, 'ledger.json');
export const candidatesPath = path.join(corpusDir, 'ledger.candidates.json');

export function loadLedger(file = ledgerPath): Ledger {
  return JSON.parse(readFileSync(file, 'utf8')) as Ledger;
}

export interface Comparison {
  /** Findings with no ledger entry. */
  unexpected: ObservedFinding[];
  /** Findings printed more often than the ledger says (new duplicates). */
  grown: { entry: LedgerEntry; observed: ObservedFinding }[];
  /** Printed less often than ledgered (fewer duplicates): fine, noted. */
  shrunk: { entry: LedgerEntry; observed: ObservedFinding }[];
  /** Ledgered true positives that the tool no longer reports. */
  lostTruePositives: LedgerEntry[];
  /** Other ledgered entries that are gone (fixed false positives, resolved infos). */
  gone: LedgerEntry[];
  matched: { entry: LedgerEntry; observed: ObservedFinding }[];
}

/** Compares one crate's findings with its ledger entries. */
export function compare(entries: LedgerEntry[], observed: ObservedFinding[]): Comparison {
  const byKey = new Map(entries.map(e => [keyString(e), e]));
  const seen = new Set<string>();
  const c: Comparison = { unexpected: [], grown: [], shrunk: [], lostTruePositives: [], gone: [], matched: [] };
  for (const o of observed) {
    const k = keyString(o);
    const e = byKey.get(k);
    if (!e) { c.unexpected.push(o); continue; }
    seen.add(k);
    c.matched.push({ entry: e, observed: o });
    if (o.count > e.count) c.grown.push({ entry: e, observed: o });
    else if (o.count < e.count) c.shrunk.push({ entry: e, observed: o });
  }
  for (const e of entries) {
    if (seen.has(keyString(e))) continue;
    if (e.verdict === 'true-positive') c.lostTruePositives.push(e); else c.gone.push(e);
  }
  return c;
}

/**
 * The proposed ledger: every finding observed now, with the verdict and reason of its ledger entry
 * when it has one and `unreviewed` otherwise; the entries that are gone are listed apart.
 */
export function candidates(ledger: Ledger, observed: ObservedFinding[], versions: Ledger['versions']): Ledger & { vanished: LedgerEntry[] } {
  const byKey = new Map(ledger.entries.map(e => [keyString(e), e]));
  const now = new Set(observed.map(keyString));
  const entries: LedgerEntry[] = observed.map(o => {
    const e = byKey.get(keyString(o));
    return { crate: o.crate, path: o.path, line: o.line, rule: o.rule, severity: o.severity, count: o.count, verdict: e?.verdict ?? 'unreviewed', reason: e?.reason ?? '' };
  });
  return {
    comment: ledger.comment, verdicts: { ...VERDICTS }, versions, entries,
    vanished: ledger.entries.filter(e => !now.has(keyString(e))),
  };
}

export function writeCandidates(c: Ledger & { vanished: LedgerEntry[] }): void {
  writeFileSync(candidatesPath, formatLedger(c));
}

/** One entry per line group, stable key order, so ledger diffs read well in review. */
export function formatLedger(l: Ledger & { vanished?: LedgerEntry[] }): string {
  const order: (keyof LedgerEntry)[] = ['crate', 'path', 'line', 'rule', 'severity', 'count', 'verdict', 'reason'];
  const entry = (e: LedgerEntry): string => '    {\n' + order.map(k => `      ${JSON.stringify(k)}: ${JSON.stringify(e[k])}`).join(',\n') + '\n    }';
  const list = (es: LedgerEntry[]): string => (es.length ? `[\n${es.map(entry).join(',\n')}\n  ]` : '[]');
  const parts = [
    `  "comment": ${JSON.stringify(l.comment ?? '')}`,
    `  "verdicts": ${JSON.stringify(l.verdicts ?? VERDICTS, null, 2).replace(/\n/g, '\n  ')}`,
    `  "versions": {\n${Object.entries(l.versions).map(([k, v]) => `    ${JSON.stringify(k)}: { "version": ${JSON.stringify(v.version)}, "deb": ${JSON.stringify(v.deb)} }`).join(',\n')}\n  }`,
    `  "entries": ${list(l.entries)}`,
  ];
  if (l.vanished) parts.push(`  "vanished": ${list(l.vanished)}`);
  return `{\n${parts.join(',\n')}\n}\n`;
}
