// Scenarios: the small concurrent programs a counter's protocol implies. Each pairs a holder that
// touches the protected object and then drops its reference with a site that then takes the
// object exclusively (takeover CAS, last drop, uniqueness test), the obligation being that the
// holder's accesses happen-before the new owner's; or pairs the write that makes the count live
// (publication) with an increment that conjures a reference from it. The programs use the
// orderings found in the source, looked up through `Slot`s so that fix search can try others.

import type { Expr, Instr, Mode, ModelName, Program } from '../memory/ir';
import { c, r, bin } from '../memory/ir';
import type { Ordering, OrderingArg, OrderingSlot, Site, ControlPath, UnknownPath } from '../rust/site';
import { writtenAsConstant } from '../rust/site';
import { isLockValue, type Counter, type CounterSite, type Role } from './roles';
import { MODE_OF, VALID } from './orderings';
import { lkmmMode, notInLkmm } from './memoryModel';

/** One ordering argument a fix may change (or that is fixed by the API). */
export interface Slot {
  key: string;
  site: Site;
  which: OrderingSlot;
  arg: OrderingArg | null;
  /** What the ordering applies to, which decides the valid orderings. */
  access: 'load' | 'store' | 'rmw' | 'fence';
  current: Ordering;
  /**
   * A fix may rewrite the argument: it is written here as a constant ordering (site.ts
   * `writtenAsConstant`). A parameter is its callers' choice: their own sites carry their arguments.
   */
  editable: boolean;
}

export type Assignment = ReadonlyMap<string, Ordering>;

export interface Scenario {
  id: string;
  kind: 'takeover' | 'last-drop' | 'unique' | 'republish' | 'clone';
  title: string;
  counter: string;
  exclusive: CounterSite;
  holder: CounterSite;
  /** Sites referenced by the program's `site` tags, by index. */
  sites: Site[];
  slots: Slot[];
  build(assign?: Assignment): Program;
}

export class ScenarioError extends Error {}

export function modeOf(access: Slot['access'], o: Ordering): Mode {
  if (!VALID[access].includes(o)) throw new ScenarioError(`${o} is not a valid ordering for a ${access}`);
  return MODE_OF[o];
}

const isCasOp = (s: Site): boolean => s.op === 'compare_exchange' || s.op === 'compare_exchange_weak' || s.op === 'cmpxchg' || s.op === 'try_cmpxchg';

/** The ordering slots of a site, with implied orderings for APIs that fix them. */
export function slotsOf(s: Site): Slot[] {
  const mk = (which: OrderingSlot, access: Slot['access'], fallback: Ordering): Slot => {
    const arg = s.orderings.find(o => o.which === which) ?? null;
    const current = arg?.ordering ?? fallback;
    return { key: `${s.id}/${which}`, site: s, which, arg, access, current, editable: !!arg && arg.ordering !== null && writtenAsConstant(arg) };
  };
  switch (s.op) {
    case 'load': case 'read': return [mk('single', 'load', 'Relaxed')];
    case 'store': case 'set': return [mk('single', 'store', 'Relaxed')];
    case 'fence': return [mk('single', 'fence', 'SeqCst')];
    case 'inc': return [mk('single', 'rmw', 'Relaxed')];
    case 'dec': case 'dec_and_test': return [mk('single', 'rmw', 'Release')];
    case 'compare_exchange': case 'compare_exchange_weak': return [mk('success', 'rmw', 'SeqCst'), mk('failure', 'load', 'Relaxed')];
    case 'cmpxchg': case 'try_cmpxchg': {
      // Kernel cmpxchg has one ordering, for success; a failed cmpxchg is a relaxed load.
      const arg = s.orderings.find(o => o.which === 'success' || o.which === 'single') ?? null;
      const succ: Slot = { key: `${s.id}/success`, site: s, which: arg?.which ?? 'success', arg, access: 'rmw', current: arg?.ordering ?? 'SeqCst', editable: !!arg && arg.ordering !== null && writtenAsConstant(arg) };
      return [succ, { key: `${s.id}/failure`, site: s, which: 'failure', arg: null, access: 'load', current: 'Relaxed', editable: false }];
    }
    case 'fetch_update': return [mk('set', 'rmw', 'SeqCst'), mk('fetch', 'load', 'Relaxed')];
    default: return [mk('single', 'rmw', 'SeqCst')];
  }
}

/** The barrier on a control path: a fence, or an Acquire load of the counter; `late` when a possible access precedes it. */
type PathBarrierSite = { site: Site; late: boolean };

function pathBarrier(owner: Site, path: ControlPath | UnknownPath | undefined, sites: Map<string, Site>): PathBarrierSite | null {
  if (!path || path.how === 'unknown') return null;
  const b = path.fence ?? path.acquireLoad;
  if (!b) return null;
  const site = sites.get(`${b.file ?? owner.file}#${b.siteId}`);
  return site ? { site, late: !!b.afterPossibleTouch } : null;
}

interface Builder {
  /** The model the program is written for: LKMM programs use kernel barriers and marked owner accesses. */
  model: ModelName;
  /** Every site of the review by `${file}#${id}`, for barriers the sites refer to. */
  sitesById: Map<string, Site>;
  sites: Site[];
  slots: Map<string, Slot>;
  tag(s: Site): number;
  mode(slot: Slot, assign?: Assignment): Mode;
}

function newBuilder(sitesById: Map<string, Site>, model: ModelName): Builder {
  const sites: Site[] = [];
  const slots = new Map<string, Slot>();
  return {
    model, sitesById, sites, slots,
    tag(s: Site): number {
      let i = sites.indexOf(s);
      if (i < 0) { i = sites.length; sites.push(s); for (const sl of slotsOf(s)) slots.set(sl.key, sl); }
      return i;
    },
    mode(slot: Slot, assign?: Assignment): Mode {
      const o = assign?.get(slot.key) ?? slot.current;
      if (model === 'rc11') return modeOf(slot.access, o);
      // Under LKMM a failed compare-exchange is an unordered read whatever its failure ordering says.
      if (slot.which === 'failure' || slot.which === 'fetch') return 'rlx';
      const m = lkmmMode(slot.access, o);
      if (!m) throw new ScenarioError(notInLkmm(slot.access, o));
      return m;
    },
  };
}

function label(s: Site): string {
  return `${s.receiverText ? s.receiverText + '.' : ''}${s.op}(${[...s.args.map(a => a.text), ...s.orderings.filter(o => !o.implied).map(o => o.text)].join(', ')})`;
}

const RC = 'count';
const LOCKED = 1_000_000;
const DATA = 'object';

/**
 * The instructions for a counter operation: `old` gets the value read, `ok` whether it wrote.
 * Decrements subtract 1; CASes use the site's constants; the caller adds the paths.
 */
function opInstrs(b: Builder, s: Site, assign: Assignment | undefined, old: string, ok: string, expected?: number, amount = 1): Instr[] {
  const t = b.tag(s);
  const [main, second] = slotsOf(s).map(sl => b.slots.get(sl.key)!);
  const tagged = (i: Instr): Instr => ({ ...i, site: t, label: label(s) });
  const m = b.mode(main, assign);
  switch (s.op) {
    case 'load': case 'read':
      return [tagged({ k: 'load', reg: old, loc: RC, mo: m }), { k: 'let', reg: ok, val: c(1) }];
    case 'store': case 'set':
      return [tagged({ k: 'store', loc: RC, val: c(s.args[0]?.value ?? 1), mo: m }), { k: 'let', reg: ok, val: c(1) }];
    case 'fetch_sub': case 'sub': case 'dec': case 'dec_and_test':
      return [tagged({ k: 'rmw', reg: old, loc: RC, op: 'sub', val: c(amount), mo: m }), { k: 'let', reg: ok, val: c(1) }];
    case 'swap':
      // Only `swap(true, ..)` of a destroy flag is modelled: the flag is 0/1, set to 1.
      if (s.args[0]?.text.trim() !== 'true') throw new ScenarioError(`no model for swap(${s.args[0]?.text ?? '?'})`);
      return [tagged({ k: 'rmw', reg: old, loc: RC, op: 'xchg', val: c(1), mo: m }), { k: 'let', reg: ok, val: c(1) }];
    case 'fetch_add': case 'add': case 'inc':
      // The kernel's void `Atomic::add` is atomic_add(): under LKMM a "noreturn" RMW, which smp_rmb() does not order.
      return [tagged({ k: 'rmw', reg: old, loc: RC, op: 'add', val: c(1), mo: m, ...(b.model === 'lkmm' && s.op === 'add' && m === 'rlx' ? { noreturn: true } : {}) }), { k: 'let', reg: ok, val: c(1) }];
    case 'fetch_update': {
      const eff = s.closure;
      const next = eff?.kind === 'add' ? bin('+', r(old), c(eff.amount ?? 1)) : eff?.kind === 'sub' ? bin('-', r(old), c(eff.amount ?? 1)) : eff?.kind === 'set' ? c(eff.amount ?? 0) : null;
      if (!next) throw new ScenarioError(`cannot model the fetch_update closure \`${eff?.text ?? '?'}\``);
      const guard = eff?.unlessZero ? bin('!=', r(old), c(0)) : undefined;
      return [tagged({ k: 'update', oldReg: old, okReg: ok, loc: RC, guard, next, succ: m, fail: b.mode(second, assign) })];
    }
    case 'compare_exchange': case 'compare_exchange_weak': case 'cmpxchg': case 'try_cmpxchg': {
      // A CAS loop that takes one reference off a packed word: its successful write is the drop.
      if (s.context.packedStep?.delta === -1) return [tagged({ k: 'rmw', reg: old, loc: RC, op: 'sub', val: c(1), mo: m }), { k: 'let', reg: ok, val: c(1) }];
      const exp = expected !== undefined ? r(old + '_exp') : c(s.args[0]?.value ?? 0);
      const pre: Instr[] = expected !== undefined ? [{ k: 'let', reg: old + '_exp', val: c(expected) }] : [];
      const desired = s.args[1]?.value;
      // A lock sentinel (usize::MAX) is modelled as a value no count reaches.
      const des = desired !== null && desired !== undefined ? c(desired) : isLockValue(s.args[1]?.text) ? c(LOCKED) : bin('+', exp, c(1));
      return [...pre, tagged({ k: 'cas', reg: old, okReg: ok, loc: RC, expected: exp, desired: des, succ: m, fail: b.mode(second, assign), weak: s.op === 'compare_exchange_weak' })];
    }
    default:
      throw new ScenarioError(`no model for ${s.op}`);
  }
}

/** What runs on a path after the op: the barrier (before or after the object access, as in the source) and the access. */
function guarded(b: Builder, cond: Expr, barrier: PathBarrierSite | null, access: Instr[], assign: Assignment | undefined): Instr {
  const body: Instr[] = [];
  const barrierInstr = (): Instr => {
    const f = barrier!.site;
    const t = b.tag(f);
    const slot = b.slots.get(slotsOf(f)[0].key)!;
    return f.op === 'fence'
      ? fenceInstr(b, b.mode(slot, assign), t, label(f))
      : { k: 'load', reg: 'seen', loc: RC, mo: b.mode(slot, assign), site: t, label: label(f) };
  };
  if (barrier && !barrier.late) body.push(barrierInstr());
  body.push(...access);
  if (barrier && barrier.late) body.push(barrierInstr());
  return { k: 'if', cond, then: body, else: [] };
}

const write = (v: number, what: string): Instr => ({ k: 'store', loc: DATA, val: c(v), mo: 'na', label: what });
const readObj = (reg: string, what: string): Instr => ({ k: 'load', reg, loc: DATA, mo: 'na', label: what });

/**
 * What the thread that now owns the object alone does with it: reads it (a destructor, the end of
 * a request) and then frees or reuses it (a write). Under LKMM these accesses are marked: they
 * happen inside the functions the exclusive path calls (kfree, blk_mq_end_request), whose stores a
 * compiler cannot hoist above the branch, so a control dependency orders the stores (not the
 * loads) as the kernel relies on. Holders' accesses stay plain.
 */
function ownerUse(b: Builder, verb: string, who: string): Instr[] {
  const mo: Mode = b.model === 'lkmm' ? 'rlx' : 'na';
  return [
    { k: 'load', reg: 'seen_obj', loc: DATA, mo, label: `read the object (${who})` },
    { k: 'store', loc: DATA, val: c(2), mo, label: `${verb} the object (${who})` },
  ];
}

/** A new reference's first read of the object (marked under LKMM, as for ownerUse). */
function referenceUse(b: Builder, what: string): Instr {
  return { k: 'load', reg: 'v', loc: DATA, mo: b.model === 'lkmm' ? 'rlx' : 'na', label: what };
}

/** A fence of the source: a C11 fence, or under LKMM smp_mb() (the only std fence LKMM can express). */
function fenceInstr(b: Builder, mo: Mode, site: number | undefined, text: string): Instr {
  return b.model === 'lkmm' ? { k: 'fence', mo: 'sc', kernel: 'mb', site, label: text } : { k: 'fence', mo, site, label: text };
}

/**
 * A holder's accesses and its drop, with the Release fence the source has before the drop (if
 * any) where the source has it: between the accesses and the drop, or — when a statement that
 * may touch the object sits between the fence and the drop — before the accesses, where it
 * releases nothing the model writes.
 */
function released(b: Builder, site: Site, assign: Assignment | undefined, access: Instr[], drop: Instr[]): Instr[] {
  const rf = site.context.releaseFence;
  const f = rf ? b.sitesById.get(`${site.file}#${rf.siteId}`) : undefined;
  if (!rf || !f) return [...access, ...drop];
  const slot = (b.tag(f), b.slots.get(slotsOf(f)[0].key)!);
  const fence: Instr = fenceInstr(b, b.mode(slot, assign), b.tag(f), label(f));
  return rf.afterPossibleTouch ? [fence, ...access, ...drop] : [...access, fence, ...drop];
}

/** The decrement a holder performs when it drops (the last-path, if any, is not taken: the count stays above 1). */
function holderDrop(b: Builder, y: Site, assign: Assignment | undefined): Instr[] {
  if (isCasOp(y)) {
    // A CAS that takes one unit off a packed word (`INITIAL - REF_ONE`): in the model, its
    // successful write is the drop, with the success ordering.
    const t = b.tag(y);
    const main = b.slots.get(slotsOf(y)[0].key)!;
    return [{ k: 'rmw', reg: 'old', loc: RC, op: 'sub', val: c(1), mo: b.mode(main, assign), site: t, label: label(y) }, { k: 'let', reg: 'ok', val: c(1) }];
  }
  return opInstrs(b, y, assign, 'old', 'ok');
}

/**
 * A drop with `use` before it; when this drop saw the last reference, the owner's use of the
 * object (its destructor reads, then the free).
 */
function lastDropInstrs(b: Builder, who: Site, assign: Assignment | undefined, old: string, ok: string, use: Instr[], refs = 1): Instr[] {
  const fence = pathBarrier(who, who.context.lastPath ?? who.context.comparedWith?.equalPath, b.sitesById);
  const ops = opInstrs(b, who, assign, old, ok, undefined, refs);
  // dec_and_test acquires on its true path (the kernel's contract: under LKMM that is the
  // control dependency plus smp_acquire__after_ctrl_dep(), an smp_rmb()).
  const implied: Instr[] = who.op !== 'dec_and_test' ? [] : b.model === 'lkmm'
    ? [{ k: 'fence', mo: 'sc', kernel: 'rmb', label: 'dec_and_test: smp_acquire__after_ctrl_dep() on the last reference' }]
    : [{ k: 'fence', mo: 'acq', label: 'dec_and_test: acquire on the last reference' }];
  return [...released(b, who, assign, use, ops), guarded(b, bin('&&', r(ok), bin('==', r(old), c(refs))), fence, [...implied, ...ownerUse(b, 'free', 'last reference')], assign)];
}

/**
 * How a last drop is modelled: it takes `refs` references off and is the last when it reads
 * exactly that many. A destroy flag counts the other way: it starts clear, each side sets it, and
 * the side that reads it already set (1) is the last.
 */
function lastDropShape(role: Role): { refs: number; flag: boolean } {
  return role.kind === 'dec-last' ? { refs: role.flag ? 1 : role.refs ?? 1, flag: !!role.flag } : { refs: 1, flag: false };
}

/**
 * Programs in which a clone's increment takes part: a holder clones, uses the object and drops
 * both references while another drops the last one (or takes the object over). No obligation
 * rests on the clone itself; these programs exist so that a stronger-than-needed clone ordering
 * can be shown to be unnecessary by exploring the weaker one, like any other hint.
 */
export function cloneScenarios(counter: Counter, sitesById: Map<string, Site>, model: ModelName = 'rc11'): Scenario[] {
  const out: Scenario[] = [];
  const exclusive = counter.sites.find(cs => cs.role.kind === 'dec-last') ?? counter.sites.find(cs => cs.role.kind === 'takeover');
  const drop = counter.sites.find(cs => cs.role.kind === 'dec') ?? counter.sites.find(cs => cs.role.kind === 'dec-last');
  if (!exclusive || !drop) return out;
  // Only an increment the code shows to be a clone (in `Clone::clone`, `inc_ref`, or a helper
  // they call): an increment elsewhere may publish the object (`new_cyclic`'s 0 -> 1 with
  // Release, which an upgrade conjures from), and a clone program would wrongly call it too strong.
  for (const cl of counter.sites.filter(cs => cs.role.kind === 'inc-existing' && cs.site.context.fromHeld)) {
    const x = exclusive, y = drop;
    const build = (b: Builder, assign?: Assignment): Program => {
      const holder: Instr[] = [
        ...opInstrs(b, cl.site, assign, 'cold', 'cok'),
        ...released(b, y.site, assign, [write(1, 'write the object (holder, through its clone)')], [...holderDrop(b, y.site, assign), ...opInstrs(b, y.site, assign, 'old2', 'ok2')]),
      ];
      if (x.role.kind === 'takeover') {
        const T = x.role.from;
        const fence = pathBarrier(x.site, x.site.context.successPath, sitesById);
        return {
          name: `clone ${cl.site.fnName ?? ''} then takeover ${x.site.fnName ?? ''}`.trim(),
          locations: [{ name: RC, init: T + 1, atomic: true }, { name: DATA, init: 0, atomic: false }],
          threads: [
            { name: 'owner', body: [...opInstrs(b, x.site, assign, 'old', 'ok'), guarded(b, r('ok'), fence, ownerUse(b, 'reuse', 'new owner'), assign)] },
            { name: 'holder', body: holder },
          ],
        };
      }
      const shape = lastDropShape(x.role);
      return {
        name: `clone ${cl.site.fnName ?? ''} then last drop ${x.site.fnName ?? ''}`.trim(),
        locations: [{ name: RC, init: shape.refs + 1, atomic: true }, { name: DATA, init: 0, atomic: false }],
        threads: [
          { name: 'last', body: lastDropInstrs(b, x.site, assign, 'old', 'ok', [], shape.refs) },
          { name: 'holder', body: holder },
        ],
      };
    };
    const b0 = newBuilder(sitesById, model);
    build(b0);
    out.push({
      id: `clone:${cl.site.id}:${x.site.id}`, kind: 'clone', title: 'a holder clones, uses the object and drops both references; the last reference frees it',
      counter: counter.key, exclusive: x, holder: cl, sites: b0.sites, slots: [...b0.slots.values()], build: assign => build(newBuilder(sitesById, model), assign),
    });
  }
  return out;
}

export function buildScenarios(counter: Counter, sitesById: Map<string, Site>, model: ModelName = 'rc11'): Scenario[] {
  const builder = (): Builder => newBuilder(sitesById, model);
  const out: Scenario[] = [];
  const drops = counter.sites.filter(cs => cs.role.kind === 'dec' || cs.role.kind === 'dec-last' || cs.role.kind === 'dec-notify');
  const stores = counter.sites.filter(cs => cs.role.kind === 'store' && cs.role.value !== null && cs.role.value > 0);
  for (const x of counter.sites) {
    const role = x.role;
    // A drop that may be the last one but whose last path the reader cannot follow (the last
    // guard reported to callers through a flag), and that does not release: it is checked against
    // itself, two holders dropping with it, the last one's path given the best case it can have
    // (an Acquire fence before the object is taken). Even then the first holder's accesses race
    // with the destroy, so the verdict does not depend on the path the reader could not see.
    if (role.kind === 'dec' && role.unsure) {
      const b0 = builder();
      const build = (b: Builder, assign?: Assignment): Program => {
        const acquire: Instr = fenceInstr(b, 'acq', undefined, 'acquire on the last-reference path (assumed: the reader does not follow it)');
        const last = (use: Instr[]): Instr[] => [
          ...released(b, x.site, assign, use, holderDrop(b, x.site, assign)),
          { k: 'if', cond: bin('==', r('old'), c(1)), then: [acquire, ...ownerUse(b, 'free', 'last reference')], else: [] },
        ];
        return {
          name: `last drop ${x.site.fnName ?? ''} (last path assumed to acquire)`.trim(),
          locations: [{ name: RC, init: 2, atomic: true }, { name: DATA, init: 0, atomic: false }],
          threads: [
            { name: 'last', body: last([]) },
            { name: 'holder', body: last([write(1, 'write the object (holder)')]) },
          ],
        };
      };
      build(b0);
      out.push({
        id: `last-drop:${x.site.id}:${x.site.id}`, kind: 'last-drop',
        title: 'two holders drop; the last one takes the object on a path the reader does not follow, assumed to acquire',
        counter: counter.key, exclusive: x, holder: x, sites: b0.sites, slots: [...b0.slots.values()], build: assign => build(builder(), assign),
      });
    }
    // A conjuring increment has one obligation: to acquire the write that made the count live
    // (a store of a live count, or an increment from 0 as in `new_cyclic`), because the object was
    // written while the count was 0, when no reference existed to order anything. Writes made by
    // holders while the count is live need nothing from it: a conjurer may take its reference at
    // any moment the count is not 0, so such a write races with the new reference's reads whatever
    // the orderings, unless something else (a lock, the handover of the Weak) orders them, and
    // that then orders them for the conjurer too. That is why std's Weak::upgrade acquires only
    // for `new_cyclic`, and a Relaxed upgrade without such a publication is sound. A
    // load-then-CAS conjurer is modelled by its CAS alone: after a republish the load may have
    // read the previous life of the count, and a CAS that then succeeds on the same value (ABA)
    // must acquire by itself.
    if (role.kind === 'inc-conjure') for (const y of stores) {
      const v = (y.role as { value: number }).value;
      const b0 = builder();
      const build = (b: Builder, assign?: Assignment): Program => {
        const yI = opInstrs(b, y.site, assign, 'old', 'ok');
        const xI = opInstrs(b, x.site, assign, 'old', 'ok', isCasOp(x.site) ? v : undefined);
        return {
          name: `republish ${y.site.fnName ?? ''} vs ${x.site.fnName ?? ''}`.trim(),
          locations: [{ name: RC, init: 0, atomic: true }, { name: DATA, init: 0, atomic: false }],
          threads: [
            { name: 'conjurer', body: [...xI, { k: 'assume', cond: bin('&&', r('ok'), bin('==', r('old'), c(v))) }, referenceUse(b, 'use the object (new reference)')] },
            { name: 'publisher', body: [write(1, 'initialise the object'), ...yI] },
          ],
        };
      };
      build(b0);
      out.push({
        id: `republish:${x.site.id}:${y.site.id}`, kind: 'republish',
        title: (y.role.kind === 'store' && y.role.fromZero ? 'the object is initialised and made live by an increment from 0' : `the object is initialised and published by storing ${v}`) + '; a reference is then conjured from the count',
        counter: counter.key, exclusive: x, holder: y, sites: b0.sites, slots: [...b0.slots.values()], build: assign => build(builder(), assign),
      });
    }
    for (const y of drops) {
      const make = (kind: Scenario['kind'], title: string, build: (b: Builder, assign?: Assignment) => Program): void => {
        const b0 = builder();
        const probe = build(b0); // registers the sites and slots
        void probe;
        out.push({
          id: `${kind}:${x.site.id}:${y.site.id}`, kind, title, counter: counter.key, exclusive: x, holder: y,
          sites: b0.sites, slots: [...b0.slots.values()],
          build: (assign?: Assignment) => {
            const b = builder();
            return build(b, assign);
          },
        });
      };
      if (role.kind === 'takeover') {
        const T = role.from;
        make('takeover', `holder drops ${T + 1} -> ${T}, then takeover CAS ${T} -> 0 reuses the object`, (b, assign) => {
          const yI = holderDrop(b, y.site, assign);
          const xI = opInstrs(b, x.site, assign, 'old', 'ok');
          const fence = pathBarrier(x.site, x.site.context.successPath, sitesById);
          return {
            name: `takeover ${x.site.fnName ?? ''} vs ${y.site.fnName ?? ''}`.trim(),
            locations: [{ name: RC, init: T + 1, atomic: true }, { name: DATA, init: 0, atomic: false }],
            threads: [
              { name: 'owner', body: [...xI, guarded(b, r('ok'), fence, ownerUse(b, 'reuse', 'new owner'), assign)] },
              { name: 'holder', body: released(b, y.site, assign, [write(1, 'write the object (holder)')], yI) },
            ],
          };
        });
      } else if (role.kind === 'dec-last') {
        // Two references. The holder writes the object and drops; the other thread drops and, when
        // it sees the count go 1 -> 0, reads the object (its destructor) and frees it. The first
        // thread touches nothing before its drop: two holders' own accesses are their business.
        // For one drop function run by both threads, whichever drops last plays the freeing part.
        // A drop of k references at once starts from k + 1 (the holder's one and its own k); a
        // destroy flag starts clear, and whichever side sets it second frees.
        const sym = x.site === y.site;
        const shape = lastDropShape(role);
        const title = shape.flag
          ? (sym ? 'two sides each use the object and set the destroy flag; the one that finds it set frees the object' : 'one side uses the object and sets the destroy flag; the other finds it set and frees the object')
          : shape.refs > 1 ? `a holder drops one reference, then ${role.kind === 'dec-last' && role.refsText ? role.refsText : shape.refs} references are dropped at once; the drop that leaves none frees the object`
          : sym ? 'two holders drop; the last one frees the object' : 'a holder drops, then the last reference frees the object';
        make('last-drop', title, (b, assign) => {
          const lastPath = (who: Site, old: string, ok: string, use: Instr[]): Instr[] => lastDropInstrs(b, who, assign, old, ok, use, shape.refs);
          const holderUse = [write(1, 'write the object (holder)')];
          const init = shape.flag ? 0 : sym ? 2 * shape.refs : shape.refs + 1;
          return {
            name: `last drop ${x.site.fnName ?? ''}`.trim(),
            locations: [{ name: RC, init, atomic: true }, { name: DATA, init: 0, atomic: false }],
            threads: [
              { name: 'last', body: lastPath(x.site, 'old', 'ok', []) },
              { name: 'holder', body: sym ? lastPath(y.site, 'old', 'ok', holderUse) : released(b, y.site, assign, holderUse, holderDrop(b, y.site, assign)) },
            ],
          };
        });
      } else if (role.kind === 'unique-load') {
        // The holder only reads: a shared reference grants no more, and a read racing with the
        // unique owner's `&mut` write is exactly what a Relaxed test allows.
        make('unique', 'a holder reads the object and drops 2 -> 1, then the uniqueness test grants `&mut` access', (b, assign) => {
          const yI = holderDrop(b, y.site, assign);
          const xI = opInstrs(b, x.site, assign, 'old', 'ok');
          return {
            name: `uniqueness ${x.site.fnName ?? ''}`.trim(),
            locations: [{ name: RC, init: 2, atomic: true }, { name: DATA, init: 0, atomic: false }],
            threads: [
              { name: 'owner', body: [...xI, guarded(b, bin('==', r('old'), c(1)), pathBarrier(x.site, x.site.context.comparedWith?.equalPath, sitesById), ownerUse(b, 'write through `&mut` to', 'unique owner'), assign)] },
              { name: 'holder', body: released(b, y.site, assign, [readObj('v', 'read the object (holder)')], yI) },
            ],
          };
        });
      }
    }
  }
  return out;
}
