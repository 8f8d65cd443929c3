// The kernel-dialect printer: every kernel fixture printed and read back explores to the same
// executions under LKMM, printing is stable, and what the dialect cannot say is noted in the file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { readLitmus } from '../../server/src/litmus/parse';
import { printLitmus } from '../../server/src/litmus/print';
import { printKernelLitmus } from '../../server/src/litmus/print-kernel';
import { explore } from '../../server/src/memory/explore';
import { addressOf, bin, c, r, type Program } from '../../server/src/memory/ir';

const DIR = path.resolve(__dirname, '../../../test/fixtures/litmus-lkmm');
function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap(e => (e.isDirectory() ? walk(path.join(dir, e.name)) : [path.join(dir, e.name)]));
}
const files = walk(DIR).filter(f => f.endsWith('.litmus'));

/** What an exploration says about a program, in terms that survive renaming hidden registers. */
function verdict(p: Program) {
  const res = explore(p, { model: 'lkmm', maxMillis: 60_000 });
  assert.equal(res.bounded, undefined);
  return { executions: res.executions, blocked: res.blocked, outcome: res.condition?.outcome, witnesses: res.condition?.witnesses, states: res.states };
}

test('every kernel fixture: print, read back, same executions under LKMM; printing again gives the same text', () => {
  assert.equal(files.length, 55);
  for (const f of files) {
    const rel = path.relative(DIR, f);
    const p = readLitmus(readFileSync(f, 'utf8'), rel).program;
    const text = printKernelLitmus(p);
    assert.doesNotMatch(text, /note:/, `${rel}: the printer needed a note:\n${text}`);
    const back = readLitmus(text, `printed ${rel}`, { dialect: 'kernel' }).program;
    assert.deepEqual(verdict(back), verdict(p), `${rel} printed as:\n${text}`);
    assert.equal(printKernelLitmus(back), text, `${rel}: printing is not stable`);
  }
});

test('printLitmus prints the kernel dialect when asked, with the doc as a comment', () => {
  const p = readLitmus('C K\n{}\nP0(int *x)\n{\n  WRITE_ONCE(*x, 1);\n  smp_mb();\n}\nexists (x=1)\n').program;
  const text = printLitmus(p, { dialect: 'kernel', doc: 'from the simulator' });
  assert.equal(text, 'C K\n\n(*\n * from the simulator\n *)\n\n{\n  int x;\n}\n\nP0(int *x)\n{\n  WRITE_ONCE(*x, 1);\n  smp_mb();\n}\n\nexists (x=1)\n');
  assert.match(printLitmus(p), /atomic_store_explicit|\*x = 1|C K/); // the C11 printer is still the default
});

test('a compare-exchange with a success flag and a pointer-register access print as kernel code that means the same', () => {
  const p: Program = {
    name: 'cas-flag',
    locations: [{ name: 'x', init: 0, atomic: true }, { name: 'p', init: 0, atomic: true }],
    threads: [
      { name: 'P0', body: [
        { k: 'let', reg: 'e', val: c(0) },
        { k: 'cas', reg: 'e', okReg: 'ok', loc: 'x', expected: r('e'), desired: c(1), succ: 'acq', fail: 'rlx' },
        { k: 'load', reg: 'q', loc: 'p', mo: 'rlx' },
        { k: 'store', loc: '*q', addr: r('q'), val: c(2), mo: 'rlx' },
      ] },
      { name: 'P1', body: [{ k: 'rmw', reg: 'o', loc: 'x', op: 'add', val: c(1), mo: 'rel' }] },
    ],
    condition: { quantifier: 'exists', cond: { k: 'eqReg', thread: 0, reg: 'ok', v: 1 } },
  };
  p.locations[1].init = addressOf(p, 'x');
  const text = printKernelLitmus(p);
  assert.match(text, /int expected = e;\n {2}e = cmpxchg_acquire\(x, expected, 1\);\n {2}ok = e == expected;/);
  assert.match(text, /WRITE_ONCE\(\*q, 2\);/);
  assert.match(text, /int \*p = &x;/);
  assert.match(text, /o = atomic_fetch_add_release\(1, x\);/);
  assert.deepEqual(verdict(readLitmus(text, 'printed', { dialect: 'kernel' }).program), verdict(p));
});

test('what the kernel dialect cannot say is printed as the closest code with a note', () => {
  const p: Program = {
    name: 'odd',
    locations: [{ name: 'x', init: 0, atomic: true }],
    threads: [{ name: 'P0', body: [
      { k: 'fence', mo: 'acq' },
      { k: 'rmw', reg: 'm', loc: 'x', op: 'max', val: c(3), mo: 'rlx' },
      { k: 'update', oldReg: 'o', loc: 'x', guard: bin('<', r('o'), c(5)), next: bin('*', r('o'), c(2)), succ: 'sc', fail: 'rlx' },
      { k: 'while', cond: bin('==', r('o'), c(0)), body: [{ k: 'load', reg: 'o', loc: 'x', mo: 'rlx' }], bound: 1 },
      { k: 'assume', cond: bin('<', r('o'), c(9)) },
    ] }],
  };
  const text = printKernelLitmus(p);
  assert.match(text, /note: a C11 acq fence has no kernel spelling; printed as smp_mb\(\)/);
  assert.match(text, /note: fetch_max has no kernel atomic/);
  assert.match(text, /note: a guarded update other than add-unless has no kernel atomic/);
  assert.match(text, /note: a loop bounded to 1 iterations is unrolled/);
  assert.match(text, /note: an assume \(o < 9\) is not a filter herd can state/);
  // Still a kernel test the reader takes.
  assert.doesNotThrow(() => readLitmus(text, 'printed', { dialect: 'kernel' }));
});
