// What an exploration reports. Everything here is plain JSON (the CLI prints it, the webview
// replays it), so only numbers, strings, booleans, arrays and plain objects.

import type { KernelFence, ModelName, Mode } from './ir';

export type { ModelName };

/** How verdict text names a model. */
export const MODEL_TITLES: Record<ModelName, string> = {
  rc11: 'C11/Rust memory model (RC11)',
  lkmm: 'Linux kernel memory model (LKMM)',
};

/** "Checked under the ..." line for verdicts. */
export function checkedUnder(model: ModelName): string {
  return `Checked under the ${MODEL_TITLES[model]}`;
}

export type EventKind = 'R' | 'W' | 'U' | 'F';
//  R: read (load, failed CAS/update)   W: write (store)   U: successful RMW (read+write)   F: fence

/** One event of an execution, in the order the trace replays it. */
export interface TraceStep {
  /** Position in the trace (0-based). */
  step: number;
  thread: number;
  /** Index of the event within its thread (0-based, program order). */
  index: number;
  kind: EventKind;
  mode: Mode;
  /** Present for memory accesses. */
  loc?: string;
  /** Source text of the instruction. */
  label: string;
  site?: number;
  line?: number;
  /** For R and U: the value read, the step of the write it read from (-1: the initial value), and whether that write was the newest in modification order among the writes so far. */
  read?: { value: number; from: number; newest: boolean };
  /** For W and U: the value written. */
  wrote?: { value: number };
  /** For compare-exchange / update steps. */
  cas?: 'success' | 'failure';
  /** LKMM: which kernel barrier a fence step is (its `mode` is then always 'sc' and says nothing). */
  barrier?: KernelFence;
  /** Modification order of `loc` so far, as step numbers (-1: the initial value), oldest first. Only for writes. */
  mo?: number[];
  /** Steps this step synchronizes with (sw edges ending here). */
  sw: number[];
  /** Steps of other threads that happen-before this one and did not before the previous step of this thread (new hb edges). */
  hb: number[];
}

export interface Race {
  loc: string;
  /** Trace steps of the two accesses (first is the earlier in the trace). */
  a: number;
  b: number;
  /** Threads and instruction labels, for grouping races across executions. */
  threads: [number, number];
  labels: [string, string];
  sites: [number | undefined, number | undefined];
  /** A one-line explanation in plain words. */
  explanation: string;
}

export interface Trace {
  /** The model whose execution this is (always set by the engine; absent only in hand-made traces). */
  model?: ModelName;
  /**
   * Set when the step order is not a timeline (LKMM executions with load buffering: a read may take
   * its value from a write that appears later in the steps). Plain words for the simulator.
   */
  orderNote?: string;
  threads: string[];
  locations: { name: string; init: number; atomic: boolean }[];
  steps: TraceStep[];
  /** Final value of every location. */
  final: Record<string, number>;
  /** Final registers per thread. */
  registers: Record<string, number>[];
  /** Final modification order per location (step numbers, -1 = initial value). */
  mo: Record<string, number[]>;
  /** The race this trace witnesses, if it was recorded for one. */
  race?: Race;
}

export type Outcome = 'never' | 'sometimes' | 'always';

export interface Bounded {
  reason: 'executions' | 'time' | 'cancelled';
  explored: number;
  message: string;
}

export interface ExploreResult {
  program: string;
  /** The memory model the program was explored under (always set by the engine). */
  model?: ModelName;
  /** Consistent, complete executions found (each execution graph once). */
  executions: number;
  /**
   * Leaves of the search (complete executions plus dead ends); executions/explored is the search's
   * efficiency. Under LKMM: candidate executions checked against the axioms plus path combinations
   * pruned before that.
   */
  explored: number;
  /** Executions discarded by `assume` or a loop bound. */
  blocked: number;
  /** The condition's truth over the executions, when the program has one. */
  condition?: { quantifier: string; outcome: Outcome; witnesses: number; holds: boolean; trace: Trace | null };
  /** Distinct races (by instruction pair), each with the trace of its first witness execution. */
  races: { race: Race; executions: number; trace: Trace }[];
  /** Distinct final states: "x=1; 0:r0=2" -> count. */
  states: Record<string, number>;
  bounded?: Bounded;
  elapsedMs: number;
}

export interface Budget {
  /** The memory model to explore under; default 'rc11'. */
  model?: ModelName;
  /** Stop after this many search leaves. */
  maxExplored?: number;
  /** Stop after this many milliseconds. */
  maxMillis?: number;
  /** Checked periodically; when `aborted` is true the search stops and reports `bounded: cancelled`. */
  signal?: { readonly aborted: boolean };
  /** Keep at most this many distinct races (default 16). */
  maxRaces?: number;
}
