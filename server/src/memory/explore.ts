// Entry point of the engine: explore a program exhaustively under a memory model (RC11 unless the
// options name another), within the caller's budget.

import type { Program } from './ir';
import { MODELS } from './model';
import { compile, ProgramError } from './program';
import type { ExploreResult } from './result';
import { Session, type ExploreOptions } from './session';

export { ProgramError };
export type { ExecutionGraph, ExploreOptions } from './session';
export type { ModelName } from './ir';

export function explore(program: Program, opts: ExploreOptions = {}): ExploreResult {
  const model = MODELS[opts.model ?? 'rc11'];
  const c = compile(program, model.name);
  const session = new Session(c, model.name, opts);
  return session.run(() => model.explore(c, session));
}
