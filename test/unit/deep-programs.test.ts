// Programs built in code (not read from a litmus file, whose reader balances long chains and limits
// nesting) may nest as deep as they like: compiling and exploring them, and evaluating their
// conditions, must not recurse once per level. Each of these exhausted the call stack before.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { explore } from '../../server/src/memory/explore';
import type { Cond, Expr, Instr, Program, Thread } from '../../server/src/memory/ir';
import { c, r } from '../../server/src/memory/ir';

const DEPTH = 30_000;
const MODELS = ['rc11', 'lkmm'] as const;

/** P0 writes x = 1; P1 reads x into r0, then runs `then`. */
function program(name: string, then: Instr[], cond: Cond): Program {
  const threads: Thread[] = [
    { name: 'P0', body: [{ k: 'store', loc: 'x', val: c(1), mo: 'rlx' }] },
    { name: 'P1', body: [{ k: 'load', reg: 'r0', loc: 'x', mo: 'rlx' }, ...then] },
  ];
  return { name, locations: [{ name: 'x', init: 0, atomic: true }], threads, condition: { quantifier: 'exists', cond } };
}

test(`a condition of ${DEPTH} terms chained to the left is evaluated`, () => {
  let cond: Cond = { k: 'eqReg', thread: 1, reg: 'r0', v: 0 };
  for (let i = 1; i < DEPTH; i++) cond = { k: 'or', a: cond, b: { k: 'eqReg', thread: 1, reg: 'r0', v: i } };
  for (const model of MODELS) {
    const res = explore(program('or-chain', [], cond), { model });
    assert.deepEqual([res.executions, res.condition?.outcome], [2, 'always'], model);
    // And with the chain under a negation: never.
    const none = explore(program('not-or-chain', [], { k: 'not', a: cond }), { model });
    assert.equal(none.condition?.outcome, 'never', model);
  }
});

test(`an expression nested ${DEPTH} deep is compiled and evaluated`, () => {
  let sum: Expr = r('r0');
  for (let i = 1; i < DEPTH; i++) sum = { k: 'bin', op: '+', a: sum, b: r('r0') };
  for (const model of MODELS) {
    const res = explore(program('sum', [{ k: 'let', reg: 'r1', val: sum }], { k: 'eqReg', thread: 1, reg: 'r1', v: DEPTH }), { model });
    assert.deepEqual(res.states, { '1:r1=0': 1, [`1:r1=${DEPTH}`]: 1 }, model);
    assert.equal(res.condition?.outcome, 'sometimes', model);
  }
});

test(`if statements nested ${DEPTH} deep are compiled and run`, () => {
  let body: Instr[] = [{ k: 'let', reg: 'r2', val: c(7) }];
  // Every test holds only when r0 is 1: r2 is 7 exactly in the execution that read P0's write.
  for (let i = 0; i < DEPTH; i++) body = [{ k: 'if', cond: { k: 'bin', op: '==', a: r('r0'), b: c(1) }, then: body, else: [] }];
  for (const model of MODELS) {
    const res = explore(program('ifs', body, { k: 'eqReg', thread: 1, reg: 'r2', v: 7 }), { model });
    assert.deepEqual(res.states, { '1:r2=0': 1, '1:r2=7': 1 }, model);
  }
});
