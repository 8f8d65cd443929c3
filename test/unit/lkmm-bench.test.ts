// The LKMM benchmark families have the counts and verdicts they are built to have (no timings).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { measure } from '../../bench/engine';
import { lkmmAtomicInc, lkmmIriw, lkmmLbRing, lkmmMpChain, lkmmSbRing, lkmmTakeover } from '../../bench/engineFamilies';

test('LKMM families: counts and verdicts', () => {
  for (const n of [2, 3, 4]) assert.equal(measure(lkmmAtomicInc, n, 0).executions, [0, 1, 2, 6, 24][n]);
  assert.match(measure(lkmmMpChain(true), 3, 0).check, /exists: never/);
  assert.match(measure(lkmmMpChain(false), 3, 0).check, /exists: sometimes/);
  // Store buffering: 2^n executions with once accesses; smp_mb removes exactly the all-zero one.
  assert.equal(measure(lkmmSbRing(false), 3, 0).executions, 8);
  const sbMb = measure(lkmmSbRing(true), 3, 0);
  assert.equal(sbMb.executions, 7);
  assert.match(sbMb.check, /exists: never/);
  // Load buffering: every read may see 1 unless control dependencies order the writes.
  const lb = measure(lkmmLbRing(false), 3, 0);
  assert.equal(lb.executions, 8);
  assert.match(lb.check, /exists: sometimes/);
  const lbCtrl = measure(lkmmLbRing(true), 3, 0);
  assert.equal(lbCtrl.executions, 7);
  assert.match(lbCtrl.check, /exists: never/);
  assert.match(measure(lkmmIriw(false), 2, 0).check, /exists: sometimes/);
  const iriwMb = measure(lkmmIriw(true), 2, 0);
  assert.equal(iriwMb.executions, 15);
  assert.match(iriwMb.check, /exists: never/);
  // Takeover: release drop + acquire cmpxchg orders each holder's plain write before the reuse.
  assert.equal(measure(lkmmTakeover('rel', 'acq'), 2, 0).check, 'race-free');
  assert.match(measure(lkmmTakeover('rlx', 'rlx'), 2, 0).check, /^2 race pair/);
});
