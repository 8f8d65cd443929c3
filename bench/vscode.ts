// Section 4: numbers the end-to-end tests record in a real VS Code (code-server + Chromium): the
// extension's activation time and the simulator's first paint and live re-exploration. This
// section only reads them; running VS Code is the e2e suite's job.

import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import type { Section, SectionResult } from './section';
import type { Cell, Table } from './table';

/** Flattens a JSON value into dotted keys with printable values (arrays of numbers kept together). */
export function flatten(v: unknown, prefix = '', out: [string, string][] = []): [string, string][] {
  if (Array.isArray(v) && v.every(x => typeof x === 'number')) out.push([prefix, v.join(', ')]);
  else if (v !== null && typeof v === 'object') {
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) flatten(x, prefix ? `${prefix}.${k}` : k, out);
  } else out.push([prefix, String(v)]);
  return out;
}

export function e2eResultFiles(root: string): string[] {
  const files: string[] = [];
  const activation = path.join(root, 'test-results', 'e2e', 'activation.json');
  if (existsSync(activation)) files.push(activation);
  const sim = path.join(root, 'test-results', 'simulator');
  if (existsSync(sim)) for (const f of readdirSync(sim).sort()) if (f.endsWith('.json')) files.push(path.join(sim, f));
  return files;
}

export function vscodeNumbers(root: string): SectionResult {
  const files = e2eResultFiles(root);
  if (!files.length) return { tables: [], data: {}, skipped: 'no e2e results found: run npm run test:e2e first' };
  const rows: Cell[][] = [];
  const data: Record<string, unknown> = {};
  for (const f of files) {
    const rel = path.relative(root, f);
    const when = statSync(f).mtime.toISOString().replace('T', ' ').slice(0, 16);
    try {
      const json: unknown = JSON.parse(readFileSync(f, 'utf8'));
      data[rel] = json;
      // Long prose (e.g. how a number was measured) would stretch the table; results.json keeps it whole.
      for (const [k, v] of flatten(json)) rows.push([rel, k, v.length > 60 ? `${v.slice(0, 57)}...` : v, when]);
    } catch (e) {
      rows.push([rel, '(unreadable)', (e as Error).message, when]);
    }
  }
  const table: Table = { title: 'VS Code (recorded by the e2e tests)', columns: ['file', 'metric', 'value', 'recorded'], rows };
  if (!files.some(f => f.endsWith('activation.json'))) table.notes = ['no activation.json yet: run npm run test:e2e for the activation time'];
  return { tables: [table], data };
}

export const vscodeSection: Section = {
  id: 'vscode',
  title: 'VS Code',
  async run(): Promise<SectionResult> {
    return vscodeNumbers(path.resolve(__dirname, '../..'));
  },
};
