// Terse constructors for the small programs the oracle tests are written in, so a test reads like
// the litmus test it encodes: `st('x', 1, 'rel')`, `ld('y', 'acq', 'r0')`.

import { c, type Expr, type Instr, type Mode, type Program, type RmwOp } from '../../../server/src/memory/ir';
import type { OracleExecution } from './axiomatic';

const val = (v: number | Expr): Expr => (typeof v === 'number' ? c(v) : v);

export const ld = (loc: string, mo: Mode, reg?: string): Instr => ({ k: 'load', loc, mo, reg });
export const st = (loc: string, v: number | Expr, mo: Mode): Instr => ({ k: 'store', loc, val: val(v), mo });
export const rmw = (loc: string, op: RmwOp, v: number | Expr, mo: Mode, reg?: string): Instr => ({ k: 'rmw', loc, op, val: val(v), mo, reg });
export const cas = (loc: string, expected: number, desired: number, succ: Mode, fail: Mode, weak = false): Instr =>
  ({ k: 'cas', loc, expected: c(expected), desired: c(desired), succ, fail, weak });
export const fence = (mo: Mode): Instr => ({ k: 'fence', mo });

/** `locs`: name -> atomic?, all initialised to 0. */
export function prog(name: string, locs: Record<string, boolean>, threads: Instr[][]): Program {
  return {
    name,
    locations: Object.entries(locs).map(([n, atomic]) => ({ name: n, init: 0, atomic })),
    threads: threads.map((body, i) => ({ name: `T${i}`, body })),
  };
}

/** The values read, as "t:i=v" joined by spaces in event order: one outcome per execution. */
export function readsOf(g: OracleExecution): string {
  return g.events
    .filter(e => e.readValue !== undefined)
    .map(e => `${e.id}=${e.readValue}`)
    .join(' ');
}
