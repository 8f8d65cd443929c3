// The text of a site as the simulator records it: the call in one line (whitespace collapsed, long
// calls cut) and the exact text of its ordering arguments. Shared by the review, which records
// them, and by the simulator's Apply, which writes only where the source still reads the same.

import type { Range } from './finding';

const MAX_CALL_TEXT = 160;

/** The exact text `range` covers in `lines` (clamped to the lines there are). */
export function textAt(lines: readonly string[], range: Range): string {
  const { start, end } = range;
  if (start.line === end.line) return (lines[start.line] ?? '').slice(start.character, end.character);
  const parts = [(lines[start.line] ?? '').slice(start.character)];
  for (let l = start.line + 1; l < end.line && l < lines.length; l++) parts.push(lines[l]);
  if (end.line < lines.length) parts.push(lines[end.line].slice(0, end.character));
  return parts.join('\n');
}

/** A call's text in one line: each line trimmed, whitespace runs collapsed, long calls cut at 160 characters. */
export function callText(lines: readonly string[], range: Range): string {
  const { start, end } = range;
  const parts: string[] = [];
  for (let l = start.line; l <= end.line && l < lines.length; l++) {
    const line = lines[l];
    parts.push(l === start.line && l === end.line ? line.slice(start.character, end.character) : l === start.line ? line.slice(start.character) : l === end.line ? line.slice(0, end.character) : line);
  }
  const text = parts.map(p => p.trim()).join('').replace(/\s+/g, ' ');
  return text.length > MAX_CALL_TEXT ? text.slice(0, MAX_CALL_TEXT - 3) + '...' : text;
}
