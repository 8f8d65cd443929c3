// What every benchmark section returns: tables to print and plain data for bench/results.json.
// A section that cannot run here (missing build, no e2e results) says why in `skipped` instead
// of failing the whole benchmark.

import type { Table } from './table';

export interface SectionOptions {
  quick: boolean;
  /** Parts of the section to run (`--only review:crates`); null or absent runs every part. */
  parts?: Set<string> | null;
  /** Progress lines (stderr), so a long run shows it is alive without disturbing the tables. */
  log(msg: string): void;
}

export interface SectionResult {
  tables: Table[];
  data: unknown;
  skipped?: string;
}

export interface Section {
  id: 'engine' | 'review' | 'lsp' | 'vscode';
  title: string;
  /** Names of parts that can be run alone (see SectionOptions.parts). */
  parts?: string[];
  run(o: SectionOptions): Promise<SectionResult>;
}
