// The seam between exploration and memory models. A model is a named module that decides what each
// access and fence contributes, which candidate executions are consistent and what counts as a
// race; it hands every consistent execution to the shared Session (budgets, cancellation,
// condition, states, race grouping, traces, result).
//
// The two models enumerate differently because they must: RC11 forbids sb ∪ rf cycles, so it can
// build each graph event by event along one canonical order (rc11.ts); LKMM allows load buffering,
// so it enumerates whole candidates (thread paths, rf, co) and checks its axioms on each (lkmm.ts).

import type { ModelName } from './ir';
import type { Compiled } from './program';
import { MODEL_TITLES } from './result';
import { exploreRc11 } from './rc11';
import { exploreLkmm } from './lkmm';
import type { Session } from './session';

export interface MemoryModel {
  name: ModelName;
  /** How verdicts name the model, e.g. "Linux kernel memory model (LKMM)". */
  title: string;
  /** Finds every consistent execution of the compiled program and reports it to the session. */
  explore(c: Compiled, session: Session): void;
}

export const MODELS: Record<ModelName, MemoryModel> = {
  rc11: { name: 'rc11', title: MODEL_TITLES.rc11, explore: exploreRc11 },
  lkmm: { name: 'lkmm', title: MODEL_TITLES.lkmm, explore: exploreLkmm },
};
