// Checks the kernel-program generator behind the LKMM differential test: deterministic, within
// its limits, covering every kernel instruction the IR has, and varied enough that the
// differential test can fail — for each LKMM axiom, some programs whose executions change when
// the oracle leaves that axiom out.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Instr, Program } from '../../server/src/memory/ir';
import { flatInstrs } from './oracle/generate';
import { decisiveAxioms, enumerateLkmm, evalCondition, type LkmmAxiom } from './oracle-lkmm/lkmm';
import { generateKernelProgram, LKMM_DIFFERENTIAL_SEEDS, LKMM_LIMITS } from './oracle-lkmm/generate';

const corpus: Program[] = [];
for (let s = LKMM_DIFFERENTIAL_SEEDS.first; s <= LKMM_DIFFERENTIAL_SEEDS.last; s++) corpus.push(generateKernelProgram(s));
const instrs = (p: Program): Instr[] => p.threads.flatMap(t => flatInstrs(t.body));

test('kernel programs: the same seed gives the same program, within the limits', () => {
  assert.deepEqual(generateKernelProgram(5), generateKernelProgram(5));
  assert.notDeepEqual(generateKernelProgram(5), generateKernelProgram(6));
  for (const p of corpus) {
    assert.ok(p.threads.length >= 2 && p.threads.length <= 4, p.name);
    const accesses = instrs(p).filter(i => i.k !== 'fence' && !('lock' in i && i.lock));
    assert.ok(accesses.length <= LKMM_LIMITS.maxInstrs, p.name);
    assert.ok(p.condition, p.name);
  }
});

test('kernel programs cover every barrier, RMW ordering, lock operation, and dependency kind', () => {
  const seen = new Set<string>();
  const walk = (body: readonly Instr[]): void => {
    for (const i of body) {
      switch (i.k) {
        case 'fence': seen.add(`fence:${i.kernel}`); break;
        case 'load': case 'store':
          seen.add(`${i.k}:${i.mo}`);
          if (i.addr) seen.add('addr');
          if ('lock' in i && i.lock) seen.add(`lock:${i.lock}`);
          if (i.k === 'store' && i.val.k !== 'const') seen.add('data');
          break;
        case 'rmw': seen.add(i.noreturn ? 'rmw:noreturn' : `rmw:${i.mo}`); break;
        case 'cas': seen.add(i.lock ? `lock:${i.lock}` : `cas:${i.succ}`); break;
        case 'update': seen.add('update'); break;
        case 'if': seen.add('ctrl'); walk(i.then); walk(i.else); break;
        case 'while': seen.add('while'); walk(i.body); break;
        case 'assume': seen.add('assume'); break;
        default: break;
      }
    }
  };
  for (const p of corpus) for (const t of p.threads) walk(t.body);
  const want = [
    ...['mb', 'rmb', 'wmb', 'before_atomic', 'after_atomic', 'after_spinlock', 'after_unlock_lock', 'rcu_read_lock', 'rcu_read_unlock', 'synchronize_rcu'].map(f => `fence:${f}`),
    'load:na', 'load:rlx', 'load:acq', 'store:na', 'store:rlx', 'store:rel',
    'rmw:rlx', 'rmw:acq', 'rmw:rel', 'rmw:sc', 'rmw:noreturn', 'cas:rlx', 'cas:acq', 'cas:rel', 'cas:sc', 'update',
    'lock:lock', 'lock:trylock', 'lock:unlock', 'addr', 'data', 'ctrl', 'while', 'assume',
  ];
  assert.deepEqual(want.filter(w => !seen.has(w)), []);
});

test('every LKMM axiom decides the executions of some generated programs; some race; conditions vary', () => {
  const decisive: Record<LkmmAxiom, number> = { coherence: 0, atomic: 0, 'happens-before': 0, propagation: 0, rcu: 0, 'plain-coherence': 0 };
  for (const p of corpus) for (const ax of decisiveAxioms(p)) decisive[ax]++;
  console.log(`programs on which each axiom alone rejects a candidate: ${JSON.stringify(decisive)}`);
  // Floors well under what the corpus has, far from zero: the differential test is only as strong as these.
  assert.ok(decisive.coherence >= 200 && decisive.atomic >= 50 && decisive['happens-before'] >= 20 && decisive.propagation >= 8 && decisive.rcu >= 3 && decisive['plain-coherence'] >= 20, JSON.stringify(decisive));
  let racy = 0;
  const outcomes = { never: 0, sometimes: 0, always: 0 };
  for (const p of corpus.slice(0, 300)) {
    const all = enumerateLkmm(p);
    if (all.some(g => g.races.length > 0)) racy++;
    const k = all.filter(g => evalCondition(p.condition!.cond, g.registers ?? [], g.final ?? {})).length;
    if (all.length > 0) outcomes[k === 0 ? 'never' : k === all.length ? 'always' : 'sometimes']++;
  }
  assert.ok(racy >= 20, `racy programs: ${racy}`);
  assert.ok(outcomes.never >= 20 && outcomes.sometimes >= 20 && outcomes.always >= 5, JSON.stringify(outcomes));
});
