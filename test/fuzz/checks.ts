// What the fuzzer asks of one Rust or litmus input. A check returns a short note when the input was
// handled (reviewed, rejected with a position...) and throws when it found a defect; crashes of the
// code under test surface as those throws, hangs and memory blow-ups are caught by the runner.

import { reviewText } from '../../server/src/review';
import { ScenarioCache } from '../../server/src/protocol/fixes';
import type { Range, TextEdit } from '../../server/src/protocol/finding';
import { initRustParser, withRustTree } from '../../server/src/rust/parser';
import { TreeCache } from '../../server/src/rust/trees';
import { dialectModel, LitmusError, readLitmus } from '../../server/src/litmus/parse';
import { explore, ProgramError } from '../../server/src/memory/explore';
import type { LitmusInput, RustInput, TextInput } from './inputs';

/** Small budgets: the fuzzer wants many inputs, not deep explorations (those have their own tests). */
export const REVIEW_BUDGET = { maxExplored: 2_000, maxMillis: 250 };
export const LITMUS_BUDGET = { maxExplored: 2_000, maxMillis: 250 };

/** A defect found by a check (as opposed to an exception escaping the code under test). */
export class CheckFailure extends Error {}

/** ERROR and MISSING nodes of a tree, counted from its S-expression. */
function parseErrors(sexp: string): number {
  let n = 0;
  for (const word of ['(ERROR', '(MISSING']) for (let i = sexp.indexOf(word); i >= 0; i = sexp.indexOf(word, i + 1)) n++;
  return n;
}

/** UTF-16 offset of an LSP position in `text` (positions past a line's end clamp to it, as editors do). */
function offsetOf(lineStarts: number[], text: string, p: Range['start']): number {
  if (p.line >= lineStarts.length) return text.length;
  const start = lineStarts[p.line];
  const end = p.line + 1 < lineStarts.length ? lineStarts[p.line + 1] - 1 : text.length;
  return Math.min(start + p.character, end);
}

export function applyEdits(text: string, edits: readonly TextEdit[]): string {
  const lineStarts = [0];
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) lineStarts.push(i + 1);
  const spans = edits.map(e => ({ a: offsetOf(lineStarts, text, e.range.start), b: offsetOf(lineStarts, text, e.range.end), t: e.newText }));
  spans.sort((x, y) => y.a - x.a || y.b - x.b);
  let out = text;
  for (const s of spans) out = out.slice(0, s.a) + s.t + out.slice(s.b);
  return out;
}

export async function checkRust(input: RustInput): Promise<string> {
  await initRustParser();
  const file = `/fuzz/${input.index}.rs`;
  const trees = new TreeCache(2);
  try {
    const review = await reviewText(file, input.text, { budget: REVIEW_BUDGET, cache: new ScenarioCache(64), trees });
    // A file the reader gives up on (binary, or a parse past its time cap) has no tree to compare.
    if (review.skipped) return 'skipped';

    // Every offered fix must leave the file parsing as well as it did.
    let before: number | undefined;
    const fixes = new Map<string, TextEdit[]>();
    for (const f of review.findings) {
      if (!f.fix) continue;
      const edits = f.fix.edits.filter(e => !e.file || e.file === file);
      fixes.set(JSON.stringify(edits), edits);
    }
    for (const edits of [...fixes.values()].slice(0, 4)) {
      before ??= withRustTree(input.text, t => parseErrors(t.rootNode.toString()));
      const fixed = applyEdits(input.text, edits);
      const after = withRustTree(fixed, t => parseErrors(t.rootNode.toString()));
      if (after > before) throw new CheckFailure(`fix ${JSON.stringify(edits.map(e => e.newText))} adds parse errors (${before} -> ${after})`);
    }

    // An edit re-parsed from the previous tree must give the tree a fresh parse gives.
    trees.parse(file, input.text);
    const { start, end, newText } = input.edit;
    const edited = input.text.slice(0, start) + newText + input.text.slice(end);
    const incremental = trees.parse(file, edited).rootNode.toString();
    const fresh = withRustTree(edited, t => t.rootNode.toString());
    if (incremental !== fresh) throw new CheckFailure(`incremental re-parse differs from a fresh parse after the edit ${JSON.stringify(input.edit)}`);
    return review.skipped ? 'skipped' : review.findings.length ? 'findings' : 'clean';
  } finally {
    trees.clear();
  }
}

export function checkLitmus(input: LitmusInput): string {
  let read;
  try {
    read = readLitmus(input.text, `/fuzz/${input.index}.litmus`);
  } catch (e) {
    if (e instanceof LitmusError) {
      if (!(e.line >= 1 && e.column >= 1 && e.detail)) throw new CheckFailure(`LitmusError without a position or message: ${JSON.stringify(e.message)}`);
      return 'rejected';
    }
    throw e;
  }
  try {
    const res = explore(read.program, { ...LITMUS_BUDGET, model: dialectModel(read.dialect) });
    return res.bounded ? 'bounded' : 'explored';
  } catch (e) {
    if (e instanceof ProgramError) {
      if (!e.message) throw new CheckFailure('ProgramError without a message');
      return 'rejected';
    }
    throw e;
  }
}

export function checkInput(input: TextInput): Promise<string> | string {
  return input.kind === 'rust' ? checkRust(input) : checkLitmus(input);
}
