import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { initRustParser } from '../../server/src/rust/parser';
import { analyzeRustFile, extractSites, summarizeRustFile } from '../../server/src/rust/extract';
import { RustIndex } from '../../server/src/rust/index';

before(() => initRustParser());

const HELPERS = `use core::sync::atomic::{AtomicU64, Ordering};
pub(crate) fn bump_unless_zero(target: &AtomicU64) -> bool {
    target
        .fetch_update(Ordering::Acquire, Ordering::Relaxed, |x| if x == 0 { None } else { Some(x + 1) })
        .is_ok()
}
pub struct Wrapper { pub count: kernel::sync::Refcount }
`;

const USER = `use crate::helpers::bump_unless_zero;
struct Node { refs: AtomicU64, w: Wrapper }
impl Node {
    fn lookup(&self) -> Option<&Self> {
        if !bump_unless_zero(&self.refs) {
            return None;
        }
        Some(self)
    }
    fn get(&self) { self.w.count.inc(); }
}
`;

test('helpers and field types from another file reach a file through the index', () => {
  const index = new RustIndex();
  index.update(summarizeRustFile('helpers.rs', HELPERS));
  const { sites } = extractSites('user.rs', USER, undefined, index);
  const via = sites.find(s => s.fnName === 'lookup');
  assert.ok(via, 'the helper call is a site');
  assert.equal(via.op, 'fetch_update');
  assert.equal(via.receiver, '<Node>.refs');
  assert.equal(via.via?.helperFile, 'helpers.rs');
  assert.deepEqual(via.orderings.map(o => [o.which, o.ordering, o.file]), [['set', 'Acquire', 'helpers.rs'], ['fetch', 'Relaxed', 'helpers.rs']]);
  assert.deepEqual([via.closure?.kind, via.closure?.amount, via.closure?.unlessZero], ['add', 1, true]);
  const p = via.context.successPath;
  assert.equal(p?.how, 'after-early-exit');
  // Wrapper.count is declared a Refcount in the other file, so `inc()` is a Refcount op.
  const inc = sites.find(s => s.op === 'inc');
  assert.equal(inc?.api, 'kernel-refcount');
  assert.equal(inc?.receiver, '<Node>.w.count');

  // Without the index neither is recognised.
  const alone = extractSites('user.rs', USER).sites;
  assert.equal(alone.length, 0);
});

test('updating and removing a file changes what others see; a file never reads its own stale summary', () => {
  const index = new RustIndex();
  index.update(summarizeRustFile('helpers.rs', HELPERS));
  index.update(analyzeRustFile('user.rs', USER, undefined, { index }).summary);
  assert.equal(index.size, 2);
  // helpers.rs re-read with the helper renamed: user.rs no longer has the via site.
  index.update(summarizeRustFile('helpers.rs', HELPERS.replace('bump_unless_zero', 'bump')));
  assert.equal(extractSites('user.rs', USER, undefined, index).sites.filter(s => s.via).length, 0);
  index.remove('helpers.rs');
  assert.equal(index.helperNames().length, 0);
  // A file's own old summary is hidden while it is re-read (its text is the fresher truth).
  index.update(summarizeRustFile('helpers.rs', HELPERS));
  const own = extractSites('helpers.rs', HELPERS.replace(/fn bump_unless_zero[\s\S]*?\n}\n/, ''), undefined, index);
  assert.equal(own.sites.length, 0);
});
