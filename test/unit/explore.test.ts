// Hand-checked outcomes of the explorer on the classic shapes (counts worked out by hand from
// RC11's axioms; see the comments). The litmus fixtures and the differential test cover more.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { explore, type ExecutionGraph } from '../../server/src/memory/explore';
import type { Cond, Instr, Mode, Program } from '../../server/src/memory/ir';
import { c, r } from '../../server/src/memory/ir';
import { checkedUnder } from '../../server/src/memory/result';

const A = (name: string, init = 0) => ({ name, init, atomic: true });
const P = (name: string, init = 0) => ({ name, init, atomic: false });
const and = (a: Cond, b: Cond): Cond => ({ k: 'and', a, b });
const reg = (thread: number, rg: string, v: number): Cond => ({ k: 'eqReg', thread, reg: rg, v });
const ld = (rg: string, loc: string, mo: Mode): Instr => ({ k: 'load', reg: rg, loc, mo });
const st = (loc: string, v: number, mo: Mode): Instr => ({ k: 'store', loc, val: c(v), mo });

function mp(w: Mode, rd: Mode): Program {
  return {
    name: 'MP', locations: [A('x'), A('y')],
    threads: [{ name: 'P0', body: [st('x', 1, 'rlx'), st('y', 1, w)] }, { name: 'P1', body: [ld('r0', 'y', rd), ld('r1', 'x', 'rlx')] }],
    condition: { quantifier: 'exists', cond: and(reg(1, 'r0', 1), reg(1, 'r1', 0)) },
  };
}

test('MP: relaxed allows the stale read, release/acquire forbids it', () => {
  const rlx = explore(mp('rlx', 'rlx'));
  assert.equal(rlx.executions, 4); // each load reads 0 or 1
  assert.equal(rlx.condition?.outcome, 'sometimes');
  const ra = explore(mp('rel', 'acq'));
  assert.equal(ra.executions, 3); // r0=1 forces r1=1
  assert.equal(ra.condition?.outcome, 'never');
});

test('SB: only SC accesses (or SC fences) forbid both loads reading 0', () => {
  const sb = (m: Mode, lm: Mode, fence: boolean): Program => ({
    name: 'SB', locations: [A('x'), A('y')],
    threads: [
      { name: 'P0', body: [st('x', 1, m), ...(fence ? [{ k: 'fence', mo: 'sc' } as Instr] : []), ld('r0', 'y', lm)] },
      { name: 'P1', body: [st('y', 1, m), ...(fence ? [{ k: 'fence', mo: 'sc' } as Instr] : []), ld('r0', 'x', lm)] },
    ],
    condition: { quantifier: 'exists', cond: and(reg(0, 'r0', 0), reg(1, 'r0', 0)) },
  });
  assert.equal(explore(sb('rlx', 'rlx', false)).condition?.outcome, 'sometimes');
  assert.equal(explore(sb('rel', 'acq', false)).condition?.outcome, 'sometimes');
  const scr = explore(sb('sc', 'sc', false));
  assert.equal(scr.condition?.outcome, 'never');
  assert.equal(scr.executions, 3);
  assert.equal(explore(sb('rlx', 'rlx', true)).condition?.outcome, 'never');
});

test('LB: no load buffering in RC11 (sb ∪ rf acyclic)', () => {
  const lb: Program = {
    name: 'LB', locations: [A('x'), A('y')],
    threads: [{ name: 'P0', body: [ld('r0', 'x', 'rlx'), st('y', 1, 'rlx')] }, { name: 'P1', body: [ld('r0', 'y', 'rlx'), st('x', 1, 'rlx')] }],
    condition: { quantifier: 'exists', cond: and(reg(0, 'r0', 1), reg(1, 'r0', 1)) },
  };
  const res = explore(lb);
  assert.equal(res.executions, 3);
  assert.equal(res.condition?.outcome, 'never');
});

test('n threads of fetch_add: n! executions, each visited once', () => {
  for (let n = 1; n <= 6; n++) {
    const p: Program = { name: 'fa', locations: [A('x')], threads: Array.from({ length: n }, (_, i) => ({ name: `P${i}`, body: [{ k: 'rmw', reg: 'r', loc: 'x', op: 'add', val: c(1), mo: 'rlx' } as Instr] })) };
    const seen = new Set<string>();
    const res = explore(p, { onExecution: g => seen.add(JSON.stringify(g)) });
    const fact = [1, 1, 2, 6, 24, 120, 720][n];
    assert.equal(res.executions, fact);
    assert.equal(seen.size, fact);
    assert.equal(res.explored, fact);
  }
});

test('IRIW: relaxed and acquire readers may disagree; SC forbids it', () => {
  const iriw = (w: Mode, rd: Mode): Program => ({
    name: 'IRIW', locations: [A('x'), A('y')],
    threads: [
      { name: 'P0', body: [st('x', 1, w)] },
      { name: 'P1', body: [ld('a', 'x', rd), ld('b', 'y', rd)] },
      { name: 'P2', body: [ld('c', 'y', rd), ld('d', 'x', rd)] },
      { name: 'P3', body: [st('y', 1, w)] },
    ],
    condition: { quantifier: 'exists', cond: and(and(reg(1, 'a', 1), reg(1, 'b', 0)), and(reg(2, 'c', 1), reg(2, 'd', 0))) },
  });
  const rlx = explore(iriw('rlx', 'rlx'));
  assert.equal(rlx.executions, 16);
  assert.equal(rlx.condition?.outcome, 'sometimes');
  assert.equal(explore(iriw('rel', 'acq')).condition?.outcome, 'sometimes');
  const sc = explore(iriw('sc', 'sc'));
  assert.equal(sc.executions, 15);
  assert.equal(sc.condition?.outcome, 'never');
});

test('coherence: CoRR forbids reading new then old', () => {
  const p: Program = {
    name: 'CoRR', locations: [A('x')],
    threads: [{ name: 'P0', body: [st('x', 1, 'rlx')] }, { name: 'P1', body: [ld('a', 'x', 'rlx'), ld('b', 'x', 'rlx')] }],
    condition: { quantifier: 'exists', cond: and(reg(1, 'a', 1), reg(1, 'b', 0)) },
  };
  const res = explore(p);
  assert.equal(res.executions, 3);
  assert.equal(res.condition?.outcome, 'never');
});

// The seed of the project: B drops 3 -> 2 after writing the payload; A's takeover CAS 2 -> 0 then
// reuses the payload. Only Release on the decrement together with Acquire on the CAS orders them.
function takeover(dec: Mode, cas: Mode, fenceAfter = false): Program {
  return {
    name: 'takeover', locations: [A('rc', 3), P('data')],
    threads: [
      { name: 'A', body: [
        { k: 'cas', okReg: 'ok', loc: 'rc', expected: c(2), desired: c(0), succ: cas, fail: 'rlx' },
        { k: 'if', cond: r('ok'), then: [...(fenceAfter ? [{ k: 'fence', mo: 'acq' } as Instr] : []), st('data', 2, 'na')], else: [] },
      ] },
      { name: 'B', body: [st('data', 1, 'na'), { k: 'rmw', loc: 'rc', op: 'sub', val: c(1), mo: dec }] },
    ],
  };
}

test('refcount takeover races unless Release decrement meets Acquire CAS', () => {
  for (const dec of ['rlx', 'rel'] as Mode[]) for (const cas of ['rlx', 'acq'] as Mode[]) {
    const res = explore(takeover(dec, cas));
    const clean = dec === 'rel' && cas === 'acq';
    assert.equal(res.races.length, clean ? 0 : 1, `dec ${dec} cas ${cas}`);
    // CAS fails (reads 3) or succeeds (reads 2); a racing success leaves the two payload writes unordered in mo.
    assert.equal(res.executions, clean ? 2 : 3);
  }
  assert.equal(explore(takeover('rel', 'rlx', true)).races.length, 0, 'Relaxed CAS + fence(Acquire) on the success path is enough');
  const racy = explore(takeover('rel', 'rlx'));
  const tr = racy.races[0].trace;
  assert.equal(tr.steps.length, 4);
  assert.equal(racy.races[0].race.loc, 'data');
  const casStep = tr.steps.find(s => s.cas === 'success')!;
  assert.equal(casStep.read?.value, 2);
  assert.deepEqual(casStep.sw, []); // the Relaxed CAS does not synchronize
});

test('release sequence through another thread\'s RMW', () => {
  // P0 publishes data then x=1; P1 bumps x with a Relaxed RMW; P2 reads x with Acquire and, on
  // seeing 2 (so P1 read P0's store), reads data. P1's RMW continues P0's release sequence, so
  // P2 synchronizes with P0: no race. With a Relaxed store in P0 there is nothing to continue.
  const p = (m: Mode): Program => ({
    name: 'rs-rmw', locations: [A('x'), P('data')],
    threads: [
      { name: 'P0', body: [st('data', 1, 'na'), st('x', 1, m)] },
      { name: 'P1', body: [{ k: 'rmw', loc: 'x', op: 'add', val: c(1), mo: 'rlx' }] },
      { name: 'P2', body: [ld('r0', 'x', 'acq'), { k: 'if', cond: { k: 'bin', op: '==', a: r('r0'), b: c(2) }, then: [ld('r1', 'data', 'na')], else: [] }] },
    ],
  });
  assert.equal(explore(p('rel')).races.length, 0);
  const racy = explore(p('rlx'));
  assert.equal(racy.races.length, 1);
  assert.equal(racy.races[0].race.loc, 'data');
});

test('budgets stop the search and say so', () => {
  const p: Program = { name: 'fa', locations: [A('x')], threads: Array.from({ length: 7 }, (_, i) => ({ name: `P${i}`, body: [{ k: 'rmw', loc: 'x', op: 'add', val: c(1), mo: 'rlx' } as Instr] })) };
  const res = explore(p, { maxExplored: 100 });
  assert.equal(res.bounded?.reason, 'executions');
  assert.match(res.bounded!.message, /bounded: explored 100/);
  const cancelled = explore(p, { signal: { aborted: true } });
  assert.equal(cancelled.bounded?.reason, 'cancelled');
});

test('each execution is reported once with canonical ids', () => {
  const graphs: ExecutionGraph[] = [];
  explore(mp('rlx', 'rlx'), { onExecution: g => graphs.push(g) });
  const keys = new Set(graphs.map(g => JSON.stringify(g)));
  assert.equal(keys.size, 4);
  assert.ok(graphs.every(g => g.events.some(e => e.id === '1:0' && (e.rf === 'init' || e.rf === '0:1'))));
});

test('results and traces say which model produced them (RC11 unless asked otherwise)', () => {
  const res = explore(mp('rlx', 'rlx'));
  assert.equal(res.model, 'rc11');
  assert.equal(res.condition?.trace?.model, 'rc11');
  assert.equal(res.condition?.trace?.orderNote, undefined);
  const named = explore(mp('rlx', 'rlx'), { model: 'rc11' });
  assert.equal(named.executions, res.executions);
  const lk = explore(mp('rlx', 'rlx'), { model: 'lkmm' });
  assert.equal(lk.model, 'lkmm');
  assert.equal(lk.condition?.trace?.model, 'lkmm');
  assert.equal(checkedUnder(lk.model!), 'Checked under the Linux kernel memory model (LKMM)');
  assert.equal(checkedUnder(res.model!), 'Checked under the C11/Rust memory model (RC11)');
});

test('LKMM budgets stop the search and say so', () => {
  const p: Program = { name: 'fa', locations: [A('x')], threads: Array.from({ length: 6 }, (_, i) => ({ name: `P${i}`, body: [{ k: 'rmw', loc: 'x', op: 'add', val: c(1), mo: 'rlx' } as Instr] })) };
  const res = explore(p, { model: 'lkmm', maxExplored: 50 });
  assert.equal(res.bounded?.reason, 'executions');
  assert.equal(res.model, 'lkmm');
  const cancelled = explore(p, { model: 'lkmm', signal: { aborted: true } });
  assert.equal(cancelled.bounded?.reason, 'cancelled');
});
