// Plain aligned text tables: the benchmark's output is read in a terminal and pasted into issues,
// so no colours and no box drawing — columns padded with spaces, numbers right-aligned.

export type Cell = string | number | null | undefined;

export interface Table {
  title: string;
  columns: string[];
  rows: Cell[][];
  /** Lines printed under the table (reference numbers, caveats). */
  notes?: string[];
}

/** Formats a number for a table: integers with thousands separators, others with `digits` decimals. */
export function fmt(v: number, digits = 1): string {
  if (!Number.isFinite(v)) return v > 0 ? 'inf' : v < 0 ? '-inf' : 'n/a';
  if (Number.isInteger(v)) return v.toLocaleString('en-US');
  return v.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

/** A fixed number of decimals, without the "-0.00" that rounding a tiny negative gives. */
export function fixed(v: number, digits: number): string {
  const s = v.toFixed(digits);
  return /^-0\.?0*$/.test(s) ? s.slice(1) : s;
}

function cellText(c: Cell): string {
  if (c === null || c === undefined) return '-';
  return typeof c === 'number' ? fmt(c) : c;
}

export function renderTable(t: Table): string {
  const cells = t.rows.map(r => t.columns.map((_, i) => cellText(r[i])));
  // Right-align columns of numbers, including numbers given pre-formatted as strings ("0.50").
  const numeric = t.columns.map((_, i) => cells.length > 0 && cells.every(r => /^(-|[-+]?[\d,]+(\.\d+)?|n\/a|inf)$/.test(r[i])));
  const widths = t.columns.map((h, i) => Math.max(h.length, ...cells.map(r => r[i].length)));
  const line = (parts: string[]): string =>
    parts.map((p, i) => (numeric[i] ? p.padStart(widths[i]) : p.padEnd(widths[i]))).join('  ').trimEnd();
  const out = [t.title, line(t.columns), widths.map(w => '-'.repeat(w)).join('  '), ...cells.map(line)];
  for (const n of t.notes ?? []) out.push(`  ${n}`);
  return out.join('\n');
}
