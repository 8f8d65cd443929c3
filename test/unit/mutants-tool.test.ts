// The mutation tool (bench/mutate.ts, bench/mutantsRun.ts, `npm run mutants`) on small inputs:
// sites found by line text, ordering slots found without the reviewer's reader, a real-bug mutant
// caught, a benign one clean, and stale or unclassified sites reported rather than skipped.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { locateCall, mutantsOf, SiteError } from '../../bench/mutate';
import { runWorkspace, type SitesFile } from '../../bench/mutantsRun';

const root = path.resolve(__dirname, '../../..');

const ARC = `use std::sync::atomic::{self, AtomicUsize, Ordering};

pub struct Inner<T> {
    strong: AtomicUsize,
    data: T,
}

pub struct Shared<T> {
    ptr: *mut Inner<T>,
}

impl<T> Shared<T> {
    fn inner(&self) -> &Inner<T> {
        unsafe { &*self.ptr }
    }

    pub fn count(&self) -> usize {
        self.inner().strong.load(Ordering::Acquire)
    }
}

impl<T> Clone for Shared<T> {
    fn clone(&self) -> Self {
        self.inner().strong.fetch_add(1, Ordering::Relaxed);
        Shared { ptr: self.ptr }
    }
}

impl<T> Drop for Shared<T> {
    fn drop(&mut self) {
        if self.inner().strong.fetch_sub(1, Ordering::Release) != 1 {
            return;
        }
        atomic::fence(Ordering::Acquire);
        unsafe { drop(Box::from_raw(self.ptr)) };
    }
}
`;

const SITES: SitesFile = {
  roles: {
    clone: { description: 'clone', inScope: true, mutants: [{ match: { kind: 'weaken' }, class: 'benign', why: 'increments need no ordering' }] },
    drop: { description: 'drop', inScope: true, mutants: [{ match: { kind: 'weaken', to: 'Relaxed' }, class: 'real-bug', why: 'no release' }] },
    'acquire-fence': { description: 'fence', inScope: true, mutants: [{ match: { kind: 'delete' }, class: 'real-bug', why: 'no acquire' }] },
    'count-query': { description: 'count', inScope: true, mutants: [{ match: { kind: 'weaken' }, class: 'benign', why: 'a snapshot' }] },
  },
  sites: [
    { id: 'count', source: 'repo', file: 'shared.rs', line: 'self.inner().strong.load(Ordering::Acquire)', op: 'load', role: 'count-query', group: 'g' },
    { id: 'clone', source: 'repo', file: 'shared.rs', line: 'self.inner().strong.fetch_add(1, Ordering::Relaxed);', op: 'fetch_add', role: 'clone', group: 'g' },
    { id: 'drop', source: 'repo', file: 'shared.rs', line: 'if self.inner().strong.fetch_sub(1, Ordering::Release) != 1 {', op: 'fetch_sub', role: 'drop', group: 'g' },
    { id: 'fence', source: 'repo', file: 'shared.rs', line: 'atomic::fence(Ordering::Acquire);', op: 'fence', role: 'acquire-fence', group: 'g' },
  ],
};

test('locateCall finds the ordering slots of a multi-line compare_exchange by text alone', () => {
  const text = [
    'fn f(a: &AtomicUsize) {',
    '    let _ = a.compare_exchange(',
    '        1,',
    '        0, // not an ordering: (Release)',
    '        Ordering::AcqRel,',
    '        Ordering::Acquire,',
    '    );',
    '}',
  ].join('\n');
  const call = locateCall(text, { id: 'x', line: 'let _ = a.compare_exchange(', op: 'compare_exchange' });
  assert.equal(call.line, 1);
  assert.deepEqual(call.slots.map(s => [s.slot, s.access, s.ordering]), [['success', 'rmw', 'AcqRel'], ['failure', 'load', 'Acquire']]);
  const labels = mutantsOf(text, call, 'compare_exchange').map(m => `${m.kind} ${m.label}`);
  assert.deepEqual(labels, [
    'weaken success: AcqRel -> Acquire', 'weaken success: AcqRel -> Release', 'weaken success: AcqRel -> Relaxed', 'strengthen success: AcqRel -> SeqCst',
    'weaken failure: Acquire -> Relaxed', 'strengthen failure: Acquire -> SeqCst',
  ]);
  assert.throws(() => locateCall(text, { id: 'y', line: 'no such line', op: 'load' }), SiteError);
});

test('a deleted fence keeps the line count; a bare ordering is spelled so the mutant still compiles', () => {
  const text = 'use core::sync::atomic::Ordering::Release;\nfn f() {\n    atomic::fence(Acquire);\n    x.store(1, Release);\n}\n';
  const fence = mutantsOf(text, locateCall(text, { id: 'f', line: 'atomic::fence(Acquire);', op: 'fence' }), 'fence');
  const del = fence.find(m => m.kind === 'delete')!;
  assert.equal(del.text, 'use core::sync::atomic::Ordering::Release;\nfn f() {\n    \n    x.store(1, Release);\n}\n');
  const store = mutantsOf(text, locateCall(text, { id: 's', line: 'x.store(1, Release);', op: 'store' }), 'store');
  assert.deepEqual(store.map(m => m.text.split('\n')[3].trim()), ['x.store(1, core::sync::atomic::Ordering::Relaxed);', 'x.store(1, core::sync::atomic::Ordering::SeqCst);']);
});

test('runWorkspace: the Relaxed drop and the deleted fence are caught with fixes, benign weakenings stay clean', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'mutants-'));
  writeFileSync(path.join(dir, 'shared.rs'), ARC);
  const report = await runWorkspace({ source: 'shared.rs', root: dir, files: [path.join(dir, 'shared.rs')] }, SITES, SITES.sites, { strengthen: false });
  assert.deepEqual(report.stale, []);
  const by = (site: string) => report.results.filter(r => r.site === site).map(r => `${r.label}: ${r.class} ${r.outcome}`);
  assert.deepEqual(by('drop'), ['Release -> Relaxed: real-bug caught']);
  assert.deepEqual(by('fence'), ['fence deleted: real-bug caught']);
  assert.deepEqual(by('count'), ['Acquire -> Relaxed: benign clean']);
  assert.deepEqual(by('clone'), [], 'a Relaxed increment has nothing weaker');
  const drop = report.results.find(r => r.site === 'drop')!;
  assert.equal(drop.fix, 'restores');
  assert.ok(drop.rules.includes('dec-needs-release'), drop.rules.join());
});

test('runWorkspace reports a site whose line is gone and a mutant no rule classifies', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'mutants-'));
  writeFileSync(path.join(dir, 'shared.rs'), ARC);
  const sites: SitesFile = {
    roles: { drop: { description: 'drop', inScope: true, mutants: [] } },
    sites: [
      { id: 'gone', source: 'repo', file: 'shared.rs', line: 'self.inner().weak.fetch_sub(1, Ordering::Release);', op: 'fetch_sub', role: 'drop', group: 'g' },
      { id: 'drop', source: 'repo', file: 'shared.rs', line: 'if self.inner().strong.fetch_sub(1, Ordering::Release) != 1 {', op: 'fetch_sub', role: 'drop', group: 'g' },
    ],
  };
  const report = await runWorkspace({ source: 'shared.rs', root: dir, files: [path.join(dir, 'shared.rs')] }, sites, sites.sites, { strengthen: false });
  assert.deepEqual(report.stale.map(s => s.site), ['gone']);
  assert.deepEqual(report.results.map(r => [r.site, r.class]), [['drop', 'unclassified']]);
});

test('npm run mutants entry: a sites file over examples/ writes the report and exits 0', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'mutants-'));
  const sites: SitesFile = {
    roles: SITES.roles,
    sites: [
      { id: 'drop', source: 'repo', file: 'examples/arc_done_right.rs', line: 'if self.inner().strong.fetch_sub(1, Ordering::Release) != 1 {', op: 'fetch_sub', role: 'drop', group: 'g' },
      { id: 'clone', source: 'repo', file: 'examples/arc_done_right.rs', line: 'self.inner().strong.fetch_add(1, Ordering::Relaxed);', op: 'fetch_add', role: 'clone', group: 'g' },
    ],
  };
  writeFileSync(path.join(dir, 'sites.json'), JSON.stringify(sites));
  const r = spawnSync(process.execPath, [path.join(root, 'out/bench/mutants.js'), '--sites', path.join(dir, 'sites.json'), '--md', path.join(dir, 'm.md'), '--json', path.join(dir, 'm.json')], { cwd: root, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stdout + r.stderr);
  const md = readFileSync(path.join(dir, 'm.md'), 'utf8');
  assert.match(md, /Real-bug mutants caught: 1 of 1 \(100%\)/);
  const json = JSON.parse(readFileSync(path.join(dir, 'm.json'), 'utf8')) as { results: { site: string; kind: string; outcome: string }[] };
  assert.deepEqual(json.results.filter(x => x.kind === 'strengthen').map(x => x.site).sort(), ['clone', 'clone', 'drop']);
});
