// "Open scenario as litmus test": the program with the panel's orderings, printed so that it
// reads back (server/src/litmus/parse.ts) as the same test: no locals nothing reads, and an
// `exists` clause when the scenario has no condition of its own (a Rust scenario). Pure: no VS
// Code API, so the round trip is unit-tested.

import { explore } from '../../../server/src/memory/explore';
import type { Cond, Expr, Instr, ModelName, Program } from '../../../server/src/memory/ir';
import { printLitmus } from '../../../server/src/litmus/print';
import { applyChoices, type Choices, type SiteInfo } from '../../webview/toggles';

const BUDGET = { maxMillis: 4000, maxExplored: 200_000 };
const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Registers a thread writes (loads, RMWs, CAS results, lets), in program order. */
function writtenRegs(body: Instr[], out: string[] = []): string[] {
  for (const i of body) {
    const add = (r?: string) => { if (r && IDENT.test(r) && !out.includes(r)) out.push(r); };
    switch (i.k) {
      case 'load': case 'rmw': add(i.reg); break;
      case 'cas': add(i.reg); add(i.okReg); break;
      case 'update': add(i.oldReg); add(i.okReg); break;
      case 'let': add(i.reg); break;
      case 'if': writtenRegs(i.then, out); writtenRegs(i.else, out); break;
      case 'while': writtenRegs(i.body, out); break;
      default: break;
    }
  }
  return out;
}

function exprRegs(e: Expr | undefined, out: Set<string>): void {
  if (!e) return;
  if (e.k === 'reg') out.add(e.r);
  else if (e.k === 'bin') { exprRegs(e.a, out); exprRegs(e.b, out); }
  else if (e.k === 'not') exprRegs(e.a, out);
}

/** Registers an instruction list reads (in expressions). */
function readRegs(body: Instr[], out: Set<string>): Set<string> {
  for (const i of body) {
    switch (i.k) {
      case 'store': case 'rmw': exprRegs(i.val, out); break;
      case 'cas': exprRegs(i.expected, out); exprRegs(i.desired, out); break;
      case 'update': exprRegs(i.guard, out); exprRegs(i.next, out); break;
      case 'let': exprRegs(i.val, out); break;
      case 'assume': exprRegs(i.cond, out); break;
      case 'if': exprRegs(i.cond, out); readRegs(i.then, out); readRegs(i.else, out); break;
      case 'while': exprRegs(i.cond, out); readRegs(i.body, out); break;
      default: break;
    }
  }
  return out;
}

function condRegs(c: Cond | undefined, thread: number, out: Set<string>): void {
  if (!c) return;
  if (c.k === 'eqReg' && c.thread === thread) out.add(c.reg);
  else if (c.k === 'and' || c.k === 'or') { condRegs(c.a, thread, out); condRegs(c.b, thread, out); }
  else if (c.k === 'not') condRegs(c.a, thread, out);
}

/** Drops `let`s nothing reads (scenario building leaves some, e.g. a success flag of a plain decrement). */
function dropDeadLets(body: Instr[], live: Set<string>): Instr[] {
  return body.filter(i => i.k !== 'let' || live.has(i.reg)).map(i =>
    i.k === 'if' ? { ...i, then: dropDeadLets(i.then, live), else: dropDeadLets(i.else, live) }
      : i.k === 'while' ? { ...i, body: dropDeadLets(i.body, live) } : i);
}

/** The program without locals that no instruction or condition reads. */
export function withoutDeadLocals(p: Program): Program {
  return {
    ...p,
    threads: p.threads.map((t, n) => {
      let body = t.body;
      // A dropped let may have been the only reader of another: repeat until nothing changes.
      for (;;) {
        const live = readRegs(body, new Set());
        condRegs(p.condition?.cond, n, live);
        const next = dropDeadLets(body, live);
        if (JSON.stringify(next) === JSON.stringify(body)) return { ...t, body };
        body = next;
      }
    }),
  };
}

function conj(parts: Cond[]): Cond {
  return parts.reduce((a, b) => ({ k: 'and', a, b }));
}

/**
 * The `exists` clause for a program without a condition: the registers and final atomic values of
 * the first racing execution. Undefined when the program does not race (nothing to witness).
 */
export function raceCondition(p: Program, model: ModelName): Program['condition'] | undefined {
  const res = explore(p, { ...BUDGET, model });
  const trace = res.races[0]?.trace;
  if (!trace) return undefined;
  const parts: Cond[] = [];
  p.threads.forEach((t, n) => {
    for (const r of writtenRegs(t.body)) {
      const v = trace.registers[n]?.[r];
      if (typeof v === 'number') parts.push({ k: 'eqReg', thread: n, reg: r, v });
    }
  });
  for (const l of p.locations) {
    const v = trace.final[l.name];
    if (l.atomic && typeof v === 'number') parts.push({ k: 'eqLoc', loc: l.name, v });
  }
  return parts.length ? { quantifier: 'exists', cond: conj(parts) } : undefined;
}

export interface ExportInput { program: Program; title: string; model?: ModelName; sites?: readonly SiteInfo[] }

/**
 * The litmus text of a scenario with the user's orderings; a program explored under LKMM prints in
 * the kernel dialect. Without a condition of its own the test gets `exists` over the final state
 * of a racing execution: of the chosen orderings, else of the source's (the outcome the race
 * produced, which herd then reports reachable or not under the chosen orderings).
 */
export function exportLitmus(sc: ExportInput, choices: Choices): string {
  let program = withoutDeadLocals(applyChoices(sc.program, choices, sc.sites, sc.model));
  const model = sc.model ?? 'rc11';
  let note = '';
  if (!program.condition) {
    let cond = raceCondition(program, model);
    if (cond) note = ' (the exists clause is the final state of a racing execution)';
    else if (Object.keys(choices).length) {
      cond = raceCondition(withoutDeadLocals(sc.program), model);
      if (cond) note = ' (race-free with these orderings; the exists clause is the final state the race reached with the source orderings)';
    }
    if (cond) program = { ...program, condition: cond };
  }
  return printLitmus(program, { doc: `Exported from the Refcount Review simulator: ${sc.title}${note}`, ...(model === 'lkmm' ? { dialect: 'kernel' as const } : {}) });
}
