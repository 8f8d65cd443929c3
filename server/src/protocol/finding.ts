// What a review reports about one file: findings in LSP coordinates (0-based line/character),
// each self-contained so the CLI, the language server and the simulator can use it as is.

import type { ModelName, Program } from '../memory/ir';
import type { Trace } from '../memory/result';
import type { Family } from './orderings';

export interface Position { line: number; character: number }
export interface Range { start: Position; end: Position }

export type Severity = 'error' | 'warning' | 'info' | 'hint';

/** Stable rule ids: they appear in diagnostics' `code`, in SARIF, and in docs/rules.md anchors. */
export type RuleId =
  | 'takeover-needs-acquire'     // takeover CAS (T -> 0) without Acquire on its success path
  | 'dec-needs-release'          // a decrement that may not be last is weaker than Release
  | 'last-dec-needs-acquire'     // the decrement that reaches zero has no Acquire before the destroy
  | 'conjure-needs-acquire'      // an increment that conjures a reference (inc-not-zero, upgrade) without Acquire
  | 'unique-load-needs-acquire'  // uniqueness test by load without Acquire
  | 'republish-needs-release'    // a counter store that re-publishes the object without Release
  | 'invalid-ordering'           // an ordering Rust rejects at run time (Release load, Acquire store, Release/AcqRel CAS failure)
  | 'unresolved-ordering'        // an ordering argument the reader could not resolve
  | 'ambiguous-role'             // a counter site whose role in the protocol could not be decided
  | 'stronger-than-needed'       // hint, off by default
  | 'stale-ordering-comment';    // an `// ORDERING:` comment naming an ordering the call no longer has (off by default)

/** A text edit; `file` is set when it applies to another file than the finding's (a helper's ordering). */
export interface TextEdit { range: Range; newText: string; file?: string }

export interface Fix {
  title: string;
  /** Edits in this file (imports included). */
  edits: TextEdit[];
  /** The orderings the fix sets, by site index of the scenario, for display. */
  verified: { scenarios: number; executions: number };
}

export interface Related { file: string; range: Range; message: string }

/**
 * The reasoning behind a finding's one-line message: what goes wrong (one or two sentences),
 * further notes (a fence that comes too late, ABA, a fix that cannot be written), and the model
 * the verdict and the fix were checked under, with how C11 and LKMM differ when they do.
 */
export interface Explanation { why: string; notes: string[]; model?: string }

export interface Finding {
  file: string;
  rule: RuleId;
  severity: Severity;
  /** One line, rustc style: the call and the ordering it should have, and why in a few words. */
  message: string;
  /** The full reasoning (hover, CLI notes, JSON and SARIF). */
  explanation?: Explanation;
  range: Range;
  /** The site's role in the protocol, e.g. "takeover CAS 2 -> 0". */
  role: string;
  /** The ordering(s) found at the site, e.g. "Relaxed/Relaxed". */
  ordering: string;
  fix: Fix | null;
  /**
   * Other verified fixes for the same finding, not preferred (e.g. Release on the decrement plus
   * fence(Acquire) on the last-reference path, instead of AcqRel).
   */
  alternatives?: Fix[];
  /**
   * When the verified fix changes several sites together: one fix that edits all of them (edits
   * in other files carry their `file`). Applying `fix` alone leaves the other sites' findings.
   */
  protocolFix?: Fix;
  related: Related[];
  trace: Trace | null;
  /** Id of the scenario (within the file's review) that produced it, for the simulator. */
  scenario?: string;
}

/** A scenario as the simulator needs it: the program with its source mapping, and its result. */
export interface ScenarioView {
  id: string;
  title: string;
  file: string;
  program: Program;
  /** The memory model the program is explored under (the simulator re-runs it under the same one). */
  model?: ModelName;
  /**
   * Races the review found in this scenario with the source's orderings (0: clean). The lens, the
   * hover and the simulator's scenario list all read this one number, so they cannot disagree.
   */
  races?: number;
  /** Set when the exploration stopped at its budget: a clean verdict is then not a proof. */
  bounded?: boolean;
  /**
   * Indexed by the `site` tag of the program's instructions. `text` is the call as it read when the
   * file was reviewed (protocol/siteText.ts), each ordering range's `text` its argument's exact text:
   * the simulator's Apply writes only where the source still reads the same. `family` is whose
   * ordering names Apply writes at the site (a std atomic in kernel code still takes `SeqCst`, not
   * `Full`); absent in reviews from before it was recorded. `implied` lists the slots whose
   * ordering the API fixes (a `Refcount` method, a `bindings::` call, a kernel cmpxchg's failure),
   * with the reader's reason: no argument exists there, so Apply refuses them and says why.
   * `notConstant` marks an argument written as something other than a constant ordering: a
   * parameter (`parameter` names it; its callers choose the ordering) or an expression the reader
   * could not resolve, with the reader's `how`. Rewriting it would change the ordering of every
   * caller, or delete the code's own choice, so the page offers no toggle and Apply refuses it.
   */
  sites: {
    file: string; range: Range; text: string; role: string; family?: Family;
    orderingRanges: { range: Range; which: 'success' | 'failure' | 'single'; text?: string; notConstant?: { parameter?: string; how: string } }[];
    implied?: { which: 'success' | 'failure' | 'single'; how: string }[];
  }[];
}
