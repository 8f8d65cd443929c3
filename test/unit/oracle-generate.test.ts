// Checks the program generator behind the differential test: deterministic, within its limits, and
// — most importantly — varied enough that the differential test can fail. A corpus on which no
// RC11 axiom ever decides anything would let a broken explorer pass, so for each axiom this test
// requires programs whose executions change when the oracle leaves that axiom out.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Instr, Mode, Program } from '../../server/src/memory/ir';
import { enumerateExecutions, evalCond, type Axiom } from './oracle/axiomatic';
import { candidateCount, DEFAULT_LIMITS, DIFFERENTIAL_SEEDS, flatInstrs, generateProgram, mulberry32 } from './oracle/generate';

const corpus: Program[] = [];
for (let s = DIFFERENTIAL_SEEDS.first; s <= DIFFERENTIAL_SEEDS.last; s++) corpus.push(generateProgram(s));
const instrs = (p: Program): Instr[] => p.threads.flatMap(t => flatInstrs(t.body));

test('mulberry32 is deterministic and spreads over [0, 1)', () => {
  const a = mulberry32(42), b = mulberry32(42), c = mulberry32(43);
  const xs = Array.from({ length: 1000 }, a);
  assert.deepEqual(Array.from({ length: 1000 }, b), xs);
  assert.notDeepEqual(Array.from({ length: 1000 }, c), xs);
  assert.ok(xs.every(x => x >= 0 && x < 1));
  // Each tenth of the interval gets a fair share (expected 100).
  for (let d = 0; d < 10; d++) {
    const k = xs.filter(x => Math.floor(x * 10) === d).length;
    assert.ok(k > 60 && k < 140, `decile ${d}: ${k}`);
  }
});

test('the same seed gives the same program', () => {
  for (const s of [1, 7, 500]) assert.deepEqual(generateProgram(s), generateProgram(s));
  assert.notDeepEqual(generateProgram(1), generateProgram(2));
});

test('generated programs respect the shape and size limits', () => {
  for (const p of corpus) {
    assert.ok(p.threads.length >= 2 && p.threads.length <= 4, p.name);
    const events = instrs(p).filter(i => i.k !== 'let');
    assert.ok(events.length <= DEFAULT_LIMITS.maxEvents, p.name);
    assert.ok(candidateCount(p) <= DEFAULT_LIMITS.maxCandidates, p.name);
    for (const t of p.threads) assert.ok(t.body.some(i => i.k !== 'let'), `${p.name}: empty thread`);
    for (const i of events) {
      assert.ok(['load', 'store', 'rmw', 'cas', 'update', 'fence'].includes(i.k), `${p.name}: ${i.k}`);
      if (i.k === 'fence') continue;
      const loc = p.locations.find(l => l.name === (i as { loc: string }).loc);
      assert.ok(loc, `${p.name}: undeclared location`);
      // Non-atomic locations only get plain loads and stores; atomic ones never plain accesses.
      if (!loc.atomic) assert.ok((i.k === 'load' || i.k === 'store') && i.mo === 'na', `${p.name}: ${JSON.stringify(i)}`);
      else assert.ok(!('mo' in i) || i.mo !== 'na', `${p.name}: ${JSON.stringify(i)}`);
      if (i.k === 'cas' || i.k === 'update') assert.ok(i.fail !== 'rel' && i.fail !== 'acq_rel', `${p.name}: failure mode ${i.fail}`);
    }
  }
});

test('the corpus covers every operation and every valid mode', () => {
  const seen = new Set<string>();
  const note = (k: string, m: Mode) => seen.add(`${k}:${m}`);
  let weak = 0, strong = 0, na = 0, dependent = 0;
  for (const p of corpus) {
    if (p.locations.some(l => !l.atomic)) na++;
    for (const i of instrs(p)) {
      switch (i.k) {
        case 'load': case 'store': case 'fence': note(i.k, i.mo); break;
        case 'rmw': note(`rmw-${i.op}`, i.mo); break;
        case 'cas': note('cas', i.succ); note('cas-fail', i.fail); if (i.weak) weak++; else strong++; break;
        case 'update': note('update', i.succ); note('update-fail', i.fail); break;
      }
      if (i.k === 'store' && i.val.k !== 'const') dependent++;
    }
  }
  const want = [
    ...['na', 'rlx', 'acq', 'sc'].map(m => `load:${m}`),
    ...['na', 'rlx', 'rel', 'sc'].map(m => `store:${m}`),
    ...['add', 'sub', 'xchg'].flatMap(op => ['rlx', 'acq', 'rel', 'acq_rel', 'sc'].map(m => `rmw-${op}:${m}`)),
    ...['rlx', 'acq', 'rel', 'acq_rel', 'sc'].flatMap(m => [`cas:${m}`, `update:${m}`]),
    ...['rlx', 'acq', 'sc'].flatMap(m => [`cas-fail:${m}`, `update-fail:${m}`]),
    ...['acq', 'rel', 'acq_rel', 'sc'].map(m => `fence:${m}`),
  ];
  assert.deepEqual(want.filter(w => !seen.has(w)), []);
  assert.ok(weak > 50 && strong > 50 && na > 100 && dependent > 50, JSON.stringify({ weak, strong, na, dependent }));
});

test('every RC11 axiom decides the executions of some generated programs, and some programs race', () => {
  const decisive: Record<Axiom, number> = { coherence: 0, atomicity: 0, sc: 0 };
  let racy = 0;
  // The first half of the corpus is enough to show it, at half the cost (4 oracle runs a program).
  for (const p of corpus.slice(0, corpus.length / 2)) {
    const all = enumerateExecutions(p);
    if (all.some(g => g.races.length > 0)) racy++;
    for (const ax of Object.keys(decisive) as Axiom[]) {
      if (enumerateExecutions(p, { without: [ax] }).length !== all.length) decisive[ax]++;
    }
  }
  // Floors well under what the corpus has (so small generator tweaks do not break this), but far
  // from zero: the differential test is only as strong as these counts.
  assert.ok(decisive.coherence >= 200 && decisive.atomicity >= 150 && decisive.sc >= 10, JSON.stringify(decisive));
  assert.ok(racy >= 100, `racy programs: ${racy}`);
});

test('a third of the corpus has control flow, and conditions come out every way', () => {
  const kinds = { if: 0, while: 0, assume: 0 };
  const walk = (body: readonly Instr[]): void => {
    for (const i of body) {
      if (i.k === 'if' || i.k === 'while' || i.k === 'assume') kinds[i.k]++;
      if (i.k === 'if') { walk(i.then); walk(i.else); }
      if (i.k === 'while') walk(i.body);
    }
  };
  for (const p of corpus) for (const t of p.threads) walk(t.body);
  assert.ok(kinds.if >= 120 && kinds.while >= 100 && kinds.assume >= 80, JSON.stringify(kinds));
  // Verdicts: a corpus whose conditions were always (or never) true would not test them.
  const outcomes = { never: 0, sometimes: 0, always: 0 };
  for (const p of corpus.slice(0, 300)) {
    const xs = enumerateExecutions(p);
    if (xs.length === 0) continue;
    const k = xs.filter(g => evalCond(p.condition!.cond, g.registers ?? [], g.final ?? {})).length;
    outcomes[k === 0 ? 'never' : k === xs.length ? 'always' : 'sometimes']++;
  }
  assert.ok(outcomes.never >= 30 && outcomes.sometimes >= 30 && outcomes.always >= 10, JSON.stringify(outcomes));
});
