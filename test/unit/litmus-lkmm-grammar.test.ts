// The litmus grammar colours the kernel dialect too: its types, barriers, lock calls, marked
// accesses and atomics, and the `Result:` line of a kernel test's header comment.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '../../..');
const grammar = JSON.parse(readFileSync(path.join(ROOT, 'syntaxes/litmus.tmLanguage.json'), 'utf8'));
type Rule = { name?: string; match?: string; patterns?: Rule[] };
const code: Rule[] = grammar.repository.code.patterns;

/** The scope the first matching `code` rule gives the text at the start of `s` (TextMate tries rules in order). */
function scopeAt(s: string): string | undefined {
  let best: { at: number; name?: string } | undefined;
  for (const r of code) {
    if (!r.match) continue;
    const m = new RegExp(r.match).exec(s);
    if (m && (!best || m.index < best.at)) best = { at: m.index, name: r.name };
  }
  return best?.at === 0 ? best.name : undefined;
}

test('kernel words get kernel scopes, before the generic variable rule', () => {
  for (const f of ['smp_mb()', 'smp_mb__after_unlock_lock()', 'rcu_read_lock()', 'synchronize_rcu()']) assert.equal(scopeAt(f), 'support.function.fence.kernel.litmus', f);
  for (const f of ['spin_lock(s)', 'spin_is_locked(s)']) assert.equal(scopeAt(f), 'support.function.lock.kernel.litmus', f);
  for (const f of ['READ_ONCE(*x)', 'smp_store_release(y, 1)', 'rcu_dereference(*p)', 'atomic_inc_return_relaxed(v)', 'atomic64_fetch_add(1, v)', 'cmpxchg_acquire(x, 0, 1)', 'xchg(x, 1)']) {
    assert.equal(scopeAt(f), 'support.function.kernel.litmus', f);
  }
  for (const t of ['spinlock_t', 'atomic_t', 'atomic_long_t']) assert.equal(scopeAt(t), 'storage.type.litmus', t);
  // C11 atomics keep their own scope.
  assert.equal(scopeAt('atomic_fetch_add_explicit(x, 1, memory_order_relaxed)'), 'support.function.atomic.litmus');
  assert.equal(scopeAt('my_var'), 'variable.other.litmus');
});

test('the Result line of a kernel test header is coloured', () => {
  const rule = (grammar.repository['ocaml-comment'].patterns as Rule[]).find(r => r.match?.includes('Result'))!;
  const m = new RegExp(rule.match!).exec(' * Result: Sometimes');
  assert.equal(m?.[3], 'Sometimes');
  assert.doesNotMatch(' * Result: Maybe', new RegExp(rule.match!));
});
