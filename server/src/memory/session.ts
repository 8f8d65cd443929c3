// What every model's exploration shares: budgets and cancellation, counting, the litmus condition
// and final states, grouping races by instruction pair, and assembling the result. A model finds
// consistent executions its own way and hands each one here as a `Completed`.

import type { Cond, ModelName, Program } from './ir';
import type { Compiled } from './program';
import type { Bounded, Budget, ExploreResult, Outcome, Race, Trace } from './result';
import type { Mode } from './ir';

/** A complete execution in canonical form (for the differential oracles and for tests). */
export interface ExecutionGraph {
  events: { id: string; thread: number; index: number; kind: 'R' | 'W' | 'U' | 'F'; loc?: string; mode: Mode; readValue?: number; writeValue?: number; rf?: string }[];
  mo: Record<string, string[]>;
  races: [string, string][];
}

export interface ExploreOptions extends Budget {
  onExecution?: (g: ExecutionGraph) => void;
}

/** One consistent, complete execution as a model presents it to the session. */
export interface Completed<P> {
  /** Racing pairs of this execution, in the model's own terms. */
  races: P[];
  /** The instruction pcs of a racing pair (races group by these). */
  racePcs(p: P): [number, number];
  describeRace(p: P): Race;
  regValue(thread: number, name: string): number;
  finalValue(loc: number): number;
  registers(): Record<string, number>[];
  trace(race?: Race): Trace;
  graph(): ExecutionGraph;
}

/** Work units (see Session.tick) between two looks at the clock: well under a millisecond of work. */
const WORK_PER_CHECK = 1 << 16;

/** Thrown to unwind a search when a budget is reached or the caller cancels. */
export class Stop extends Error {}

export class Session {
  readonly result: ExploreResult;
  private readonly started = Date.now();
  private nodes = 0;
  private work = 0;
  private stopped: Bounded | undefined;
  private readonly raceIndex = new Map<string, { race: Race; executions: number; trace: Trace }>();
  private condWitnesses = 0;
  private condTrace: Trace | null = null;
  private readonly condVars: { thread?: number; name: string }[];
  private readonly maxRaces: number;

  constructor(readonly c: Compiled, readonly model: ModelName, readonly opts: ExploreOptions) {
    const program = c.program;
    this.result = { program: program.name, model, executions: 0, explored: 0, blocked: 0, races: [], states: {}, elapsedMs: 0 };
    this.condVars = program.condition ? conditionVars(program.condition.cond) : [];
    this.maxRaces = opts.maxRaces ?? 16;
  }

  /** Call once per search node: stops on the execution budget, and now and then checks time and cancellation. */
  checkBudget(): void {
    const { opts, result } = this;
    if (opts.maxExplored !== undefined && result.explored >= opts.maxExplored) {
      this.stopped = { reason: 'executions', explored: result.explored, message: `bounded: explored ${result.explored} (execution budget reached)` };
      throw new Stop();
    }
    if ((++this.nodes & 255) === 0) this.checkClock();
  }

  /**
   * Call inside long stretches of work within one search node (an LKMM consistency check over a
   * large candidate): `units` of work were done (about one machine word operation each). Time and
   * cancellation are checked every WORK_PER_CHECK units, so the stretch stops within a bounded
   * amount of work past the budget.
   */
  tick(units: number): void {
    this.work += units;
    if (this.work < WORK_PER_CHECK) return;
    this.work = 0;
    this.checkClock();
  }

  private checkClock(): void {
    const { opts, result } = this;
    if (opts.signal?.aborted) {
      this.stopped = { reason: 'cancelled', explored: result.explored, message: `bounded: explored ${result.explored} (cancelled)` };
      throw new Stop();
    }
    if (opts.maxMillis !== undefined && Date.now() - this.started > opts.maxMillis) {
      this.stopped = { reason: 'time', explored: result.explored, message: `bounded: explored ${result.explored} (time budget of ${opts.maxMillis} ms reached)` };
      throw new Stop();
    }
  }

  /** Records a consistent complete execution. */
  execution<P>(x: Completed<P>): void {
    const { result, c } = this;
    const program = c.program;
    result.executions++;
    for (const p of x.races) {
      const [pa, pb] = x.racePcs(p);
      const key = pa <= pb ? `${pa}|${pb}` : `${pb}|${pa}`;
      const known = this.raceIndex.get(key);
      if (known) known.executions++;
      else if (this.raceIndex.size < this.maxRaces) {
        const race = x.describeRace(p);
        this.raceIndex.set(key, { race, executions: 1, trace: x.trace(race) });
      }
    }
    if (program.condition) {
      if (evalCond(program.condition.cond, x, c)) {
        this.condWitnesses++;
        if (!this.condTrace) this.condTrace = x.trace();
      }
      const key = this.condVars.map(v => `${v.thread === undefined ? v.name : `${v.thread}:${v.name}`}=${v.thread === undefined ? x.finalValue(c.locIndex.get(v.name)!) : x.regValue(v.thread, v.name)}`).join('; ');
      result.states[key] = (result.states[key] ?? 0) + 1;
    }
    this.opts.onExecution?.(x.graph());
  }

  /** Runs a model's search, turning a budget stop into a bounded result. */
  run(search: () => void): ExploreResult {
    try {
      // A search cancelled before it starts does not start.
      this.checkClock();
      search();
    } catch (e) {
      if (!(e instanceof Stop)) throw e;
    }
    return this.finish();
  }

  private finish(): ExploreResult {
    const { result } = this;
    const program = this.c.program;
    result.races = [...this.raceIndex.values()];
    if (program.condition) {
      const q = program.condition.quantifier;
      const w = this.condWitnesses;
      const outcome: Outcome = w === 0 ? 'never' : w === result.executions ? 'always' : 'sometimes';
      const holds = q === 'exists' ? w > 0 : q === 'not exists' ? w === 0 : w === result.executions;
      result.condition = { quantifier: q, outcome, witnesses: w, holds, trace: this.condTrace };
    }
    if (this.stopped) result.bounded = this.stopped;
    result.elapsedMs = Date.now() - this.started;
    return result;
  }
}

/**
 * The condition's truth in one execution. Conditions built in code can nest deeper than the call
 * stack (the litmus reader balances long chains and limits nesting; other callers need not), so
 * this folds the tree with explicit stacks: nodes to visit, and values of finished subtrees.
 */
function evalCond(cond: Cond, x: Completed<unknown>, c: Compiled): boolean {
  const vals: boolean[] = [];
  const stack: [Cond, boolean][] = [[cond, false]];
  while (stack.length > 0) {
    const [n, opened] = stack.pop()!;
    switch (n.k) {
      case 'true': vals.push(true); break;
      case 'eqReg': vals.push(x.regValue(n.thread, n.reg) === n.v); break;
      case 'eqLoc': vals.push(x.finalValue(c.locIndex.get(n.loc)!) === n.v); break;
      case 'not':
        if (opened) vals.push(!vals.pop()!);
        else stack.push([n, true], [n.a, false]);
        break;
      case 'and': case 'or':
        if (opened) {
          const b = vals.pop()!, a = vals.pop()!;
          vals.push(n.k === 'and' ? a && b : a || b);
        } else stack.push([n, true], [n.b, false], [n.a, false]);
        break;
    }
  }
  return vals[0];
}

function conditionVars(cond: Cond): { thread?: number; name: string }[] {
  const out = new Map<string, { thread?: number; name: string }>();
  const stack: Cond[] = [cond];
  while (stack.length > 0) {
    const x = stack.pop()!;
    switch (x.k) {
      case 'eqReg': out.set(`${x.thread}:${x.reg}`, { thread: x.thread, name: x.reg }); break;
      case 'eqLoc': out.set(x.loc, { name: x.loc }); break;
      case 'and': case 'or': stack.push(x.b, x.a); break;
      case 'not': stack.push(x.a); break;
      default: break;
    }
  }
  return [...out.values()].sort((a, b) => (a.thread ?? -1) - (b.thread ?? -1) || a.name.localeCompare(b.name));
}

/** Register value by name (0 when the thread never wrote it), skipping the engine's own `$` slots elsewhere. */
export function registerRecord(c: Compiled, t: number, regs: number[]): Record<string, number> {
  const out: Record<string, number> = {};
  c.threads[t].regNames.forEach((name, i) => { if (!name.startsWith('$')) out[name] = regs[i]; });
  return out;
}

export function regValueOf(c: Compiled, t: number, regs: number[], name: string): number {
  const i = c.threads[t].regNames.indexOf(name);
  return i < 0 ? 0 : regs[i];
}

export type { Program };
