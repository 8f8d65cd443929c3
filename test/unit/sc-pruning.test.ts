// The SC axiom checked while graphs are built (memory/psc.ts): it may only cut partial graphs that
// no extension can make consistent, so every count and verdict must equal what checking psc on
// complete graphs gives, while the search stops building graphs the axiom rejects.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { c, type Instr, type Mode, type Program } from '../../server/src/memory/ir';
import { compile } from '../../server/src/memory/program';
import { exploreRc11, type ScCheck } from '../../server/src/memory/rc11';
import { Session } from '../../server/src/memory/session';
import type { ExploreResult } from '../../server/src/memory/result';
import { explore } from '../../server/src/memory/explore';
import { iriw, storeBufferRing, storeBufferRingScFences } from '../../bench/engineFamilies';
import { generateProgram } from './oracle/generate';

function run(p: Program, scCheck: ScCheck): ExploreResult {
  const compiled = compile(p, 'rc11');
  const session = new Session(compiled, 'rc11', { maxExplored: 2_000_000 });
  return session.run(() => exploreRc11(compiled, session, scCheck));
}

/** What must not depend on how the SC axiom is checked. */
function verdict(r: ExploreResult): unknown {
  return {
    executions: r.executions,
    states: r.states,
    races: r.races.map(x => [...x.race.labels, x.race.loc, x.executions].join(' ')).sort(),
    condition: r.condition && [r.condition.outcome, r.condition.witnesses],
    bounded: r.bounded?.message,
  };
}

test('SC store-buffering rings: 2^n - 1 executions, and no partial graph the SC axiom rejects is completed', () => {
  for (const n of [2, 3, 5, 8, 10]) {
    const r = explore(storeBufferRing('sc').build(n));
    assert.equal(r.executions, 2 ** n - 1, `n=${n}`);
    assert.equal(r.explored, r.executions, `n=${n}: every search leaf is an execution`);
    assert.equal(r.condition!.outcome, 'never');
  }
});

test('store-buffering rings with SC fences: 2^n - 1 executions, and the forbidden graph is cut where its psc cycle closes', () => {
  for (const n of [2, 3, 4, 6, 8]) {
    const p = storeBufferRingScFences.build(n);
    const r = run(p, 'incremental');
    assert.equal(r.executions, 2 ** n - 1, `n=${n}`);
    assert.equal(r.explored, r.executions, `n=${n}: every search leaf is an execution`);
    assert.equal(r.condition!.outcome, 'never');
    // Checked on complete graphs only, the forbidden graph is built and then rejected.
    const complete = run(p, 'complete-graphs');
    assert.deepEqual(verdict(r), verdict(complete), `n=${n}`);
    assert.equal(complete.explored, complete.executions + 1, `n=${n}`);
  }
});

test('SC IRIW with n writers: (n+3)·3^(n-1) executions, explored = executions', () => {
  for (const n of [2, 3, 4, 5, 6]) {
    const r = explore(iriw('sc').build(n));
    assert.equal(r.executions, (n + 3) * 3 ** (n - 1), `n=${n}`);
    assert.equal(r.explored, r.executions, `n=${n}`);
    assert.equal(r.condition!.outcome, 'never');
  }
});

test('checking psc as events are added gives the same verdicts as checking complete graphs (generated programs)', () => {
  let withSc = 0, fewer = 0, withFence = 0, fewerFenced = 0;
  for (let seed = 1; seed <= 1500; seed++) {
    const p = generateProgram(seed);
    const incremental = run(p, 'incremental');
    const complete = run(p, 'complete-graphs');
    assert.deepEqual(verdict(incremental), verdict(complete), `seed ${seed}`);
    assert.ok(incremental.explored <= complete.explored, `seed ${seed}: pruning never explores more`);
    const fenced = p.threads.some(t => t.body.some(i => i.k === 'fence' && i.mo === 'sc'));
    if (compile(p).hasSc) withSc++;
    if (fenced) withFence++;
    if (incremental.explored < complete.explored) { fewer++; if (fenced) fewerFenced++; }
  }
  // The generator must exercise the tracker and the fence check, and both must actually cut something.
  assert.ok(withSc > 300, `only ${withSc} generated programs use SeqCst`);
  assert.ok(fewer >= 10, `pruning cut graphs in only ${fewer} programs`);
  assert.ok(withFence > 100, `only ${withFence} generated programs have an SC fence`);
  assert.ok(fewerFenced >= 5, `pruning cut graphs in only ${fewerFenced} programs with SC fences`);
});

/** Each of n threads: SC store to its own location, then SC loads of the others' (all of them). */
function scMesh(n: number, mode: Mode = 'sc'): Program {
  return {
    name: `sc-mesh-${n}`,
    locations: Array.from({ length: n }, (_, i) => ({ name: `x${i}`, init: 0, atomic: true })),
    threads: Array.from({ length: n }, (_, i) => ({
      name: `T${i}`,
      body: [
        { k: 'store', loc: `x${i}`, val: c(1), mo: mode } as Instr,
        ...Array.from({ length: n - 1 }, (_, k) => ({ k: 'load', reg: `r${k}`, loc: `x${(i + k + 1) % n}`, mo: mode }) as Instr),
      ],
    })),
  };
}

test('programs mixing SC with weaker accesses and fences agree with the complete check', () => {
  const variants: Program[] = [scMesh(3), scMesh(4)];
  // The same shapes with one thread weakened, and with an SC fence between a store and its loads.
  for (const n of [3, 4]) {
    const weak = scMesh(n);
    weak.threads[0].body = weak.threads[0].body.map(i => (i.k === 'load' ? { ...i, mo: 'acq' } : i.k === 'store' ? { ...i, mo: 'rel' } : i));
    variants.push(weak);
    const fenced = scMesh(n, 'rlx');
    fenced.threads[1].body.splice(1, 0, { k: 'fence', mo: 'sc' });
    fenced.threads[0].body.splice(1, 0, { k: 'fence', mo: 'sc' });
    fenced.threads[2].body = fenced.threads[2].body.map(i => ({ ...i, mo: 'sc' }) as Instr);
    variants.push(fenced);
  }
  for (const p of variants) {
    const a = run(p, 'incremental'), b = run(p, 'complete-graphs');
    assert.deepEqual(verdict(a), verdict(b), p.name);
    assert.ok(a.explored <= b.explored);
  }
});
