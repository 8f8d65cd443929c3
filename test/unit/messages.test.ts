// Messages in the rustc/Clippy manner: for every rule, the first line names the call and the
// ordering it should have and fits a Problems row; the reasoning is in the explanation. Checked on
// the review's own findings (fixtures), and on the headline builder for the roles whose wording
// differs (a flag swap, a publishing increment).

import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { reviewText } from '../../server/src/review';
import { initRustParser } from '../../server/src/rust/parser';
import { ScenarioCache } from '../../server/src/protocol/fixes';
import type { Finding, RuleId } from '../../server/src/protocol/finding';
import { fixTitle, headline, HEADLINE_TARGET, protocolFixTitle, shownLength, fenceAlternativeTitle } from '../../server/src/protocol/messages';

const FIXTURES = path.join(__dirname, '..', '..', '..', 'test', 'fixtures', 'rust');
const read = (name: string): string => readFileSync(path.join(FIXTURES, name), 'utf8');

before(async () => { await initRustParser(); });

async function findingsOf(name: string, text = read(name), hints = false): Promise<Finding[]> {
  return (await reviewText(path.join(FIXTURES, name), text, { cache: new ScenarioCache(), hints })).findings;
}

/** The ordering a fix writes at the finding's own argument, by its last path segment (`Ordering::Acquire` -> `Acquire`). */
function written(f: Finding): string | undefined {
  const e = f.fix?.edits.find(x => !x.file && x.range.start.line === f.range.start.line);
  return e && /(\w+)\s*$/.exec(e.newText)?.[1];
}

/** The call on the finding's line the message must name. */
function callOnLine(f: Finding): string {
  return /^`(\w+)`/.exec(f.message)?.[1] ?? '';
}

// One fixture per rule (and per wording: the flag swap and the publishing increment have their own).
const CASES: { file: string; rule: RuleId; start: RegExp; note?: RegExp }[] = [
  { file: 'blockmq_refcount_relaxed.rs', rule: 'takeover-needs-acquire', start: /^`compare_exchange` success ordering should be `Acquire`: it takes ownership from / },
  { file: 'blockmq_v618_marker_import.rs', rule: 'takeover-needs-acquire', start: /^`cmpxchg` should be `Acquire`: / },
  { file: 'arc_drop_relaxed_dec.rs', rule: 'dec-needs-release', start: /^`fetch_sub` should be `Release`: / },
  { file: 'arc_drop_no_acquire.rs', rule: 'last-dec-needs-acquire', start: /^`fetch_sub` should be `AcqRel`: the last reference / },
  { file: 'destroy_flag_handoff_release.rs', rule: 'last-dec-needs-acquire', start: /^`swap` should be `AcqRel`: the side that sets the flag second / },
  { file: 'kernel_atomic_last_drop_release.rs', rule: 'last-dec-needs-acquire', start: /^`fetch_sub` should be `Full`: / },
  { file: 'conjure_relaxed_upgrade.rs', rule: 'conjure-needs-acquire', start: /^`fetch_update` success ordering should be `Acquire`: (the new reference|it) must see the object/ },
  { file: 'lookup_aba_recycled.rs', rule: 'conjure-needs-acquire', start: /^`compare_exchange(_weak)?` success ordering should be `Acquire`: /, note: /ABA/ },
  { file: 'unique_query_relaxed.rs', rule: 'unique-load-needs-acquire', start: /^`load` should be `Acquire`: the `&mut` access after `== 1` / },
  { file: 'republish_store_relaxed.rs', rule: 'republish-needs-release', start: /^`store` should be `Release`: / },
  { file: 'cyclic_publish_increment_relaxed.rs', rule: 'republish-needs-release', start: /^`fetch_add` should be `Release`: this increment from 0 publishes the object/ },
  // An API that fixes the ordering (the kernel's `Refcount::set` is Relaxed): the line says so instead.
  { file: 'blockmq_tag_to_rq.rs', rule: 'republish-needs-release', start: /^`set` is `Relaxed` by its API, so it does not publish the object's initialisation$/ },
];

for (const c of CASES) {
  test(`${c.rule} (${c.file}): a short first line naming the call and the ordering, the reasoning in the explanation`, async () => {
    const text = read(c.file);
    const fs = (await findingsOf(c.file, text)).filter(f => f.rule === c.rule);
    assert.ok(fs.length > 0, `${c.file} has a ${c.rule} finding`);
    for (const f of fs) {
      assert.match(f.message, c.start);
      assert.ok(!f.message.includes('\n'), 'one line');
      assert.ok(shownLength(f.message) <= HEADLINE_TARGET, `${shownLength(f.message)} characters: ${f.message}`);
      // The call it names is on the flagged line, and the ordering it names is the one the fix writes.
      const line = text.split('\n')[f.range.start.line];
      assert.ok(line.includes(callOnLine(f)) || callOnLine(f) === 'fence', `\`${callOnLine(f)}\` on line ${f.range.start.line + 1}: ${line.trim()}`);
      const to = written(f);
      if (to) assert.ok(f.message.includes(`should be \`${to}\``), `${f.message} names the fix's ${to}`);
      assert.doesNotMatch(f.message, /^This |Checked under|LKMM|RC11/, 'no jargon or model talk in the first line');
      // The explanation carries what the first line leaves out.
      assert.ok(f.explanation && f.explanation.why.length > 20, JSON.stringify(f.explanation));
      assert.match(f.explanation.model ?? '', /^Checked under the (C11\/Rust memory model \(RC11\)|Linux kernel memory model \(LKMM\))/);
      if (c.note) assert.ok(f.explanation.notes.some(n => c.note!.test(n)), f.explanation.notes.join('\n'));
      assert.ok(f.related.every(r => shownLength(r.message) <= 80 && !r.message.includes('\n')), f.related.map(r => r.message).join('; '));
    }
  });
}

test('invalid, unresolved, ambiguous and stronger-than-needed findings get a short first line too', async () => {
  const invalid = (await findingsOf('invalid_orderings.rs')).filter(f => f.rule === 'invalid-ordering');
  assert.ok(invalid.length >= 4);
  for (const f of invalid) {
    assert.match(f.message, /^`\w+`( failure ordering)? cannot be `\w+`: it (panics at run time|does not compile)$/);
    assert.ok(f.explanation?.why, 'the rule Rust applies is explained');
  }
  assert.ok(invalid.some(f => /failure ordering cannot be `Release`/.test(f.message)), invalid.map(f => f.message).join('\n'));
  const unresolved = (await findingsOf('unresolved_param.rs')).filter(f => f.rule === 'unresolved-ordering');
  assert.ok(unresolved.length >= 1);
  for (const f of unresolved) {
    assert.match(f.message, /^cannot resolve the ordering `\w+` of `[\w:]+`$/);
    assert.match(f.explanation?.why ?? '', /the site was not checked\.$/);
  }
  const ambiguousText = `use std::sync::atomic::{fence, AtomicUsize, Ordering};
pub struct Inner { refs: AtomicUsize, data: u64 }
impl Inner {
    pub fn release(this: *const Inner) {
        if unsafe { (*this).refs.fetch_sub(1, Ordering::Release) } == 1 {
            fence(Ordering::Acquire);
            unsafe { drop(Box::from_raw(this as *mut Inner)); }
        }
    }
    pub fn retire_many(&self) -> bool {
        self.refs.fetch_sub(1, Ordering::Release) > 5
    }
}
`;
  const [amb] = (await findingsOf('ambiguous.rs', ambiguousText)).filter(f => f.rule === 'ambiguous-role');
  assert.ok(amb, 'the decrement compared > 5 has no role the reader can name');
  assert.equal(amb.message, 'cannot tell what `fetch_sub` does to `Inner.refs`; it was not checked');
  assert.match(amb.explanation?.why ?? '', /compared > 5/);
  const strong = readFileSync(path.join(__dirname, '..', '..', '..', 'examples', 'arc_done_right.rs'), 'utf8').replace('fetch_sub(1, Ordering::Release)', 'fetch_sub(1, Ordering::SeqCst)');
  const hint = (await findingsOf('strong.rs', strong, true)).find(f => f.rule === 'stronger-than-needed');
  assert.ok(hint);
  assert.equal(hint.message, '`fetch_sub` could be `Release`: `SeqCst` is stronger than this count needs');
  assert.equal(hint.fix?.title, 'Relax to `Release`');
});

test('headline: each rule names the call and the ordering, and falls back to a shorter reason past the target', () => {
  const dec = { kind: 'dec-last' } as const;
  assert.equal(headline({ rule: 'takeover-needs-acquire', call: 'compare_exchange', success: true, to: 'Acquire', role: { kind: 'takeover', from: 2 }, gainsRelease: false, partner: { fn: 'dec_ref', release: true } }),
    '`compare_exchange` success ordering should be `Acquire`: it takes ownership from the `Release` in `dec_ref`');
  // A partner whose function has a long name: the reason drops it rather than overflow.
  const long = headline({ rule: 'takeover-needs-acquire', call: 'compare_exchange_weak', success: true, to: 'Acquire', role: { kind: 'takeover', from: 1 }, gainsRelease: false, partner: { fn: 'drop_slow_path_after_the_last_reference', release: false } });
  assert.ok(shownLength(long) <= HEADLINE_TARGET, long);
  assert.match(long, /^`compare_exchange_weak` success ordering should be `Acquire`: /);
  assert.equal(headline({ rule: 'last-dec-needs-acquire', call: 'fetch_sub', to: 'AcqRel', role: dec, gainsRelease: true }),
    '`fetch_sub` should be `AcqRel`: the last reference frees the object other holders used');
  assert.equal(headline({ rule: 'last-dec-needs-acquire', call: 'fence', to: 'Acquire', role: dec, gainsRelease: false }),
    "`fence` should be `Acquire`: the last reference must see other holders' accesses before freeing");
  assert.equal(headline({ rule: 'dec-needs-release', call: 'swap', to: 'Release', role: { kind: 'dec-last', flag: true }, gainsRelease: true }),
    "`swap` should be `Release`: the side that sets the flag second must see this side's accesses");
  assert.equal(headline({ rule: 'republish-needs-release', call: 'fetch_add', to: 'Release', role: { kind: 'store', value: 1, fromZero: true }, gainsRelease: true }),
    '`fetch_add` should be `Release`: this increment from 0 publishes the object and its initialisation');
  assert.equal(headline({ rule: 'unique-load-needs-acquire', call: 'load', to: 'Acquire', role: { kind: 'unique-load' }, gainsRelease: false }),
    "`load` should be `Acquire`: the `&mut` access after `== 1` must see other holders' last accesses");
  assert.equal(headline({ rule: 'conjure-needs-acquire', call: 'fetch_update', success: true, to: 'Acquire', role: { kind: 'inc-conjure', fromLoad: null }, gainsRelease: false }),
    "`fetch_update` success ordering should be `Acquire`: it must see the object's initialisation");
});

test('fix titles: short, naming the ordering; what a fix leaves behind is said', () => {
  assert.equal(fixTitle('Acquire', { success: true }), 'Use `Acquire` (success ordering)');
  assert.equal(fixTitle('AcqRel'), 'Use `AcqRel`');
  assert.equal(fixTitle('Acquire', { more: 1 }), 'Use `Acquire` (1 more finding remains)');
  assert.equal(fixTitle('Acquire', { more: 2 }), 'Use `Acquire` (2 more findings remain)');
  assert.equal(fixTitle('Acquire', { fence: true }), 'Make the fence `Acquire`');
  assert.equal(fenceAlternativeTitle(true), 'Use `Release` + `fence(Acquire)` on the last-reference path');
  assert.equal(protocolFixTitle([{ call: 'fetch_sub', to: 'AcqRel' }, { call: 'load', to: 'Acquire' }]), 'Fix the protocol: `fetch_sub` → `AcqRel`, `load` → `Acquire` (2 sites)');
});
