// Which part each atomic site plays in a reference-count protocol (DESIGN.md section 2), and
// which counters are reference counts at all. Flags, state machines and statistics counters
// share the same atomic operations, so a counter only counts as a refcount when its sites show
// the shape of one: a decrement together with a last-reference test, a takeover, a uniqueness
// test, an increment that can conjure a reference, or the kernel's Refcount type.

import type { Site } from '../rust/site';
import { counterLabel } from '../rust/receiver';

export type Role =
  | { kind: 'inc-existing' }                       // clone: a new reference from one already held
  | { kind: 'inc-conjure'; fromLoad: Site | null } // inc-not-zero / upgrade / lookup; fromLoad: a separate load feeding a CAS (ABA shape)
  | { kind: 'dec' }                                // drop that is never the last (result unused)
  | { kind: 'dec-last' }                           // drop whose result decides "last reference: destroy"
  | { kind: 'takeover'; from: number; to?: string } // CAS from -> 0 (or -> a lock value such as usize::MAX): take exclusive ownership
  | { kind: 'unique-load' }                        // load compared with 1 before exclusive access
  | { kind: 'store'; value: number | null }        // set/reset of the count
  | { kind: 'feeding-load' }                       // the load that feeds a conjuring CAS
  | { kind: 'observe' }                            // a read that grants nothing (strong_count, debug output)
  | { kind: 'other'; why: string };

export function describeRole(r: Role): string {
  switch (r.kind) {
    case 'inc-existing': return 'increment from an existing reference';
    case 'inc-conjure': return r.fromLoad ? 'increment that conjures a reference (load, then CAS)' : 'increment that conjures a reference';
    case 'dec': return 'decrement that is not the last';
    case 'dec-last': return 'decrement that may drop the last reference';
    case 'takeover': return r.to ? `lock CAS ${r.from} -> ${r.to}` : `takeover CAS ${r.from} -> 0`;
    case 'unique-load': return 'uniqueness test (load == 1)';
    case 'store': return r.value === null ? 'store of the count' : `store of the count (= ${r.value})`;
    case 'feeding-load': return 'load feeding a conjuring CAS';
    case 'observe': return 'read of the count (grants nothing)';
    case 'other': return `other use of the count (${r.why})`;
  }
}

export interface CounterSite { site: Site; role: Role }

export interface Counter {
  key: string;
  sites: CounterSite[];
  /** Fences are attached to the sites whose paths they sit on; kept here for hovers. */
  isRefcount: boolean;
  why: string;
}

const argValue = (s: Site, i: number): number | null => s.args[i]?.value ?? null;
/** The amount is one reference: 1, or the unit of a packed count (`REF_ONE`, see ValueArg.reference). */
const oneRef = (s: Site): boolean => argValue(s, 0) === 1 || !!s.args[0]?.reference;
const isDecByOne = (s: Site): boolean =>
  ((s.op === 'fetch_sub' || s.op === 'sub') && oneRef(s)) ||
  (s.op === 'fetch_update' && s.closure?.kind === 'sub' && s.closure.amount === 1) ||
  s.op === 'dec' || s.op === 'dec_and_test';
const isIncByOne = (s: Site): boolean =>
  ((s.op === 'fetch_add' || s.op === 'add') && oneRef(s)) ||
  (s.op === 'fetch_update' && s.closure?.kind === 'add' && s.closure.amount === 1) ||
  s.op === 'inc';
const isCas = (s: Site): boolean => s.op === 'compare_exchange' || s.op === 'compare_exchange_weak' || s.op === 'cmpxchg' || s.op === 'try_cmpxchg';

/** The role of one site, judged from its operation and what the code does with the result. */
export function roleOf(s: Site, sameCounter: Site[]): Role {
  if (s.op === 'dec_and_test') return { kind: 'dec-last' };
  if (s.op === 'dec') return { kind: 'dec' };
  if (s.op === 'inc') return { kind: 'inc-existing' };
  if (s.op === 'set') return { kind: 'store', value: argValue(s, 0) };
  if (isDecByOne(s)) {
    const cmp = s.context.comparedWith;
    if ((s.context.lastPath && s.context.lastPath.how !== 'unknown') || (cmp && cmp.value === 1 && (cmp.op === '==' || cmp.op === '!='))) return { kind: 'dec-last' };
    if (s.context.resultUse === 'discarded') return { kind: 'dec' };
    // The result is used, but not in a last-reference test the reader can follow (`> 1`, a
    // `match`, passed on): saying "not the last" could hide a missing Acquire, so say we cannot tell.
    const why = s.context.lastPath?.how === 'unknown' ? s.context.lastPath.reason : 'the result is used in a way the reader does not follow';
    if (cmp && cmp.value !== 1 && !((cmp.op === '==' || cmp.op === '!=') && cmp.value === 0)) return { kind: 'other', why: `decrement whose result is compared ${cmp.op} ${cmp.value}: ${why}` };
    return cmp ? { kind: 'dec' } : { kind: 'other', why: `decrement: ${why}` };
  }
  if (isIncByOne(s)) {
    // An increment that refuses zero conjures a reference (lookup, upgrade) — unless it sits in
    // the clone path (`inc_ref`, `clone`), where the zero check is only a sanity check.
    const clonePath = s.fnName !== null && /^(inc_ref|clone)$/.test(s.fnName);
    if (s.op === 'fetch_update' && (s.closure?.unlessZero || s.closure?.guard) && !clonePath) return { kind: 'inc-conjure', fromLoad: null };
    return { kind: 'inc-existing' };
  }
  if (isCas(s)) {
    const expected = argValue(s, 0), desired = argValue(s, 1);
    if (desired === 0 && expected !== null && expected > 0) return { kind: 'takeover', from: expected };
    // `compare_exchange(1, usize::MAX, ..)`: the count is locked at a sentinel (std's is_unique
    // locks the weak count this way); it grants exclusive access just like a takeover to 0.
    if (expected !== null && expected > 0 && isLockValue(s.args[1]?.text)) return { kind: 'takeover', from: expected, to: s.args[1]!.text.trim() };
    const exp = s.args[0]?.text.trim(), des = s.args[1]?.text.replace(/\s+/g, '');
    if (exp && des && (des === `${exp}+1` || des === `${exp}.wrapping_add(1)` || des === `${exp}.checked_add(1)`)) {
      // x -> x+1 where x came from an earlier load of the same counter in the same function.
      const load = sameCounter.find(o => o.op === 'load' && o.fnName === s.fnName && o.file === s.file && before(o, s)) ?? null;
      return { kind: 'inc-conjure', fromLoad: load };
    }
    return { kind: 'other', why: `compare-exchange ${s.args[0]?.text ?? '?'} -> ${s.args[1]?.text ?? '?'}` };
  }
  if (s.op === 'load' || s.op === 'read') {
    const cmp = s.context.comparedWith;
    if (cmp && cmp.value === 1 && (cmp.op === '==' || cmp.op === '!=')) return { kind: 'unique-load' };
    const feeds = sameCounter.some(o => isCas(o) && o.fnName === s.fnName && o.file === s.file && before(s, o) && roleIsConjureText(o));
    if (feeds) return { kind: 'feeding-load' };
    // A plain read of the count (`strong_count()`, a statistics snapshot) grants nothing and cannot race.
    return { kind: 'observe' };
  }
  if (s.op === 'store') return { kind: 'store', value: argValue(s, 0) };
  return { kind: 'other', why: s.op };
}

/** A sentinel no count reaches: `usize::MAX`, `u64::MAX`, `!0`. */
export function isLockValue(text: string | undefined): boolean {
  return !!text && /^(core::|std::)?(usize|u64|u32|isize|i64|i32)::MAX$|^!0(usize|u64|u32)?$/.test(text.replace(/\s+/g, ''));
}

function roleIsConjureText(s: Site): boolean {
  const exp = s.args[0]?.text.trim(), des = s.args[1]?.text.replace(/\s+/g, '');
  return !!exp && !!des && des === `${exp}+1`;
}

function before(a: Site, b: Site): boolean {
  return a.range.start.line < b.range.start.line || (a.range.start.line === b.range.start.line && a.range.start.character < b.range.start.character);
}

const NAME_HINT = /(^|_)(ref|refs|refcount|ref_count|rc|count|strong|weak|users|usage)(_|$)/i;

/**
 * Groups sites by counter and decides which counters are reference counts. A counter is the atomic
 * field itself (`Site.counter`: the declaring struct and field, `ArcInner.weak`), so the strong
 * count reached from `impl Arc` and from `impl Weak` is one protocol, and sites of other files join
 * a counter of this file only when they reach the same field. A site whose field the reader could
 * not name is grouped by its receiver key within its own file and never pairs across files:
 * a local variable's name or an accessor's name is not an identity.
 */
export function classify(sites: Site[], file?: string): Counter[] {
  const byKey = new Map<string, Site[]>();
  // Without a named field, the receiver key (`<Request>.refcount()`) stands for the counter in its
  // file; a receiver rooted at a local name (not `<Type>`) only within its function.
  const keyOf = (s: Site): string => s.counter ?? `${s.file}#${s.receiver.startsWith('<') ? '' : s.fnName ?? ''}#${s.receiver}`;
  const shown = new Map<string, string>();
  // A method forwarding its callers' ordering is checked at its calls, when there are any.
  const called = new Set(sites.filter(s => s.via).map(s => `${s.via!.helperFile}#${s.via!.helperSite.id}`));
  const usable = (s: Site): boolean =>
    s.op !== 'fence' && !!s.receiver &&
    // A helper's own operation on its parameter is reported through its callers (`via` sites).
    !s.notes.some(n => n.startsWith('operates on parameter')) &&
    !(s.notes.some(n => n.startsWith('forwards the ordering of its callers')) && called.has(`${s.file}#${s.id}`));
  const local = sites.filter(s => usable(s) && (file === undefined || s.file === file));
  for (const s of local) {
    const key = keyOf(s);
    if (!shown.has(key)) shown.set(key, s.counter ? counterLabel(s.counter) : s.receiver);
    const list = byKey.get(key) ?? [];
    list.push(s);
    byKey.set(key, list);
  }
  if (file !== undefined) {
    // Only a protocol that is split across files needs the other files: one whose exclusive step
    // or whose drops are missing here.
    const complete = new Set<string>();
    for (const [key, list] of byKey) {
      const kinds = new Set(list.map(s => roleOf(s, list).kind));
      const exclusive = kinds.has('takeover') || kinds.has('unique-load') || kinds.has('inc-conjure') || kinds.has('dec-last');
      const drops = kinds.has('dec') || kinds.has('dec-last');
      if (exclusive && drops) complete.add(key);
    }
    for (const s of sites) {
      if (s.file === file || !usable(s) || s.counter === null || complete.has(s.counter)) continue;
      byKey.get(s.counter)?.push(s);
    }
  }
  const counters: Counter[] = [];
  for (const [key, list] of byKey) {
    const roles = list.map(site => ({ site, role: roleOf(site, list) }));
    const has = (k: Role['kind']): boolean => roles.some(r => r.role.kind === k);
    let isRefcount = false;
    let why = '';
    if (list.some(s => s.api === 'kernel-refcount')) { isRefcount = true; why = 'kernel Refcount'; }
    else if (has('takeover') && (has('dec') || has('dec-last') || has('inc-existing') || has('inc-conjure'))) { isRefcount = true; why = 'takeover CAS with increments/decrements'; }
    else if (has('dec-last')) { isRefcount = true; why = 'decrement tested for the last reference'; }
    else if (has('unique-load') && (has('dec') || has('inc-existing'))) { isRefcount = true; why = 'uniqueness test with increments/decrements'; }
    else if (has('inc-conjure') && (has('dec') || has('dec-last'))) { isRefcount = true; why = 'conjuring increment with decrements'; }
    else if (list.some(isDecByOne) && (has('inc-existing') || has('inc-conjure')) && NAME_HINT.test(list[0].counterName)) { isRefcount = true; why = `increments and decrements of '${list[0].counterName}'`; }
    counters.push({ key: shown.get(key) ?? key, sites: roles, isRefcount, why: isRefcount ? why : 'no reference-count shape (no last-reference test, takeover or uniqueness test)' });
  }
  return counters;
}
