// Turns a counter's verdict into findings: which site is to blame (the one whose ordering the
// verified fix changes), in words a non-expert can act on, with the edit and the counterexample.

import type { Ordering, Site } from '../rust/site';
import { orderingName, planOrderingEdits } from './orderingEdits';
import { isAcquireOrStronger, isReleaseOrStronger } from '../rust/site';
import type { Finding, Fix, Related, RuleId, TextEdit, Range } from './finding';
import type { CounterVerdict } from './fixes';
import { describeRole, type Counter, type Role } from './roles';
import type { Slot } from './scenarios';

/** The edits that set `slot` to `to` (the argument, and an import when a bare name needs one). */
export function slotEdits(slot: Slot, to: Ordering, fileText: (file: string) => string | undefined): TextEdit[] {
  const arg = slot.arg!;
  const file = arg.file && arg.file !== slot.site.file ? arg.file : undefined;
  const text = fileText(arg.file ?? slot.site.file);
  if (text === undefined) return [{ range: arg.range!, newText: orderingName(to, arg.family), ...(file ? { file } : {}) }];
  const plan = planOrderingEdits(text, [{ range: arg.range!, to, family: arg.family }]);
  return plan.edits.map(e => (file ? { ...e, file } : e));
}

function ruleFor(role: Role, slot: Slot, to: Ordering): RuleId {
  const gainsRelease = isReleaseOrStronger(to) && !isReleaseOrStronger(slot.current);
  const gainsAcquire = isAcquireOrStronger(to) && !isAcquireOrStronger(slot.current);
  switch (role.kind) {
    case 'takeover': return 'takeover-needs-acquire';
    case 'unique-load': return 'unique-load-needs-acquire';
    case 'inc-conjure': case 'feeding-load': return 'conjure-needs-acquire';
    case 'store': return 'republish-needs-release';
    case 'dec-last': return gainsAcquire && !gainsRelease ? 'last-dec-needs-acquire' : gainsRelease && !gainsAcquire ? 'dec-needs-release' : slot.access === 'fence' ? 'last-dec-needs-acquire' : 'last-dec-needs-acquire';
    default: return gainsAcquire ? 'last-dec-needs-acquire' : 'dec-needs-release';
  }
}

function siteName(s: Site): string {
  return `${s.fnName ? s.fnName + ': ' : ''}${s.receiverText ? s.receiverText + '.' : ''}${s.op}`;
}

function message(rule: RuleId, slot: Slot, to: Ordering, role: Role, partner: Site | null, executions: number): string {
  const cur = slot.current;
  const where = partner ? ` (${siteName(partner)})` : '';
  const how = slot.access === 'fence' ? `make this fence ${to}` : slot.which === 'success' || slot.which === 'set' ? `use ${to} for the success ordering (the failure ordering may stay Relaxed)` : `use ${to}`;
  const proof = `Checked under the C11/Rust memory model: the fix makes all ${executions} executions of the scenarios race-free.`;
  switch (rule) {
    case 'takeover-needs-acquire':
      return `Takeover CAS reads the count with ${cur}: a holder's writes before its Release decrement${where} are not visible to the new owner, so reusing the object races with them. ${cap(how)}. ${proof}`;
    case 'dec-needs-release':
      return `This decrement uses ${cur}: writes this thread made to the object before dropping its reference can race with the thread that later takes it exclusively${where}. ${cap(how)}. ${proof}`;
    case 'last-dec-needs-acquire':
      if (isReleaseOrStronger(to) && !isReleaseOrStronger(cur) && slot.access !== 'fence') {
        return `This decrement is ${cur}: it neither releases this thread's accesses to the object nor acquires the other holders' before the last reference destroys it${where}. ${cap(how)} (or Release here plus fence(Acquire) on the last-reference path). ${proof}`;
      }
      return `The last reference is dropped without Acquire before the object is destroyed: other holders' accesses before their Release decrements${where} may not have happened-before the destroy. ${cap(how)}. ${proof}`;
    case 'unique-load-needs-acquire':
      return `This uniqueness test reads the count with ${cur}: seeing 1 does not make the other holders' earlier accesses${where} visible, so the exclusive access that follows races with them. ${cap(how)}. ${proof}`;
    case 'conjure-needs-acquire':
      return `This ${describeRole(role)} takes a new reference with ${cur}: the object's state written before the last Release${where} is not guaranteed visible through it${role.kind === 'feeding-load' || (role.kind === 'inc-conjure' && role.fromLoad) ? ' (an Acquire load before a Relaxed CAS is not enough: the CAS may succeed on a later write of the same value — ABA)' : ''}. ${cap(how)}. ${proof}`;
    case 'republish-needs-release':
      return `This store re-publishes the object through the count with ${cur}: a thread that then takes a reference may not see its initialisation. ${cap(how)}. ${proof}`;
    default:
      return `${cap(how)}. ${proof}`;
  }
}

const cap = (s: string): string => s.charAt(0).toUpperCase() + s.slice(1);

export function rangeOfSite(s: Site): Range { return s.range; }

function relatedOf(site: Site, others: Site[]): Related[] {
  const out: Related[] = others.filter(o => o !== site).map(o => ({ file: o.file, range: o.range, message: `paired site: ${siteName(o)}` }));
  // An operation done by a helper is reported at the helper's ordering; point back at the call, and the other way round.
  if (site.via) {
    out.unshift({ file: site.file, range: site.range, message: `called from ${siteName(site)} through helper ${site.via.helperFn}` });
    out.push({ file: site.via.helperFile, range: site.via.helperSite.range, message: `the operation inside helper ${site.via.helperFn}` });
  }
  return out;
}

/** Findings for one counter (only those located in `file`). */
export function counterFindings(file: string, counter: Counter, v: CounterVerdict, fileText: (f: string) => string | undefined): Finding[] {
  if (v.racy.length === 0) return [];
  const roleOfSite = new Map(counter.sites.map(cs => [cs.site, cs.role]));
  const first = v.racy[0];
  const trace = first.result.races[0]?.trace ?? null;
  const out: Finding[] = [];
  if (v.fix) {
    const changedSites = v.fix.changed.map(ch => ch.slot.site);
    for (const ch of v.fix.changed) {
      const site = ch.slot.site;
      // A fence belongs to the protocol step it guards; report it with that step's role.
      const owner = roleOfSite.get(site) ? site : v.racy.find(r => r.scenario.sites.includes(site))?.scenario.exclusive.site ?? site;
      const role = roleOfSite.get(owner) ?? { kind: 'other', why: 'fence' } as Role;
      // Prefer the scenario in which this site is the exclusive step: its obligation is what the message explains.
      const racyHere = v.racy.find(r => r.scenario.exclusive.site === owner) ?? v.racy.find(r => r.scenario.sites.includes(site)) ?? v.verdicts.find(r => r.scenario.exclusive.site === owner) ?? first;
      const partnerSite = racyHere.scenario.exclusive.site === owner ? racyHere.scenario.holder.site : racyHere.scenario.exclusive.site;
      const partner = partnerSite === owner ? null : partnerSite;
      const rule = ruleFor(role, ch.slot, ch.to);
      const reportAt = site.file === file ? site : owner.file === file ? owner : null;
      if (!reportAt) continue;
      const edits = v.fix.changed.filter(c2 => c2.slot.site === site).flatMap(c2 => slotEdits(c2.slot, c2.to, fileText));
      const together = v.fix.changed.length > 1 ? ` (verified together with ${v.fix.changed.filter(c2 => c2 !== ch).map(c2 => `${c2.to} at ${siteName(c2.slot.site)}`).join(', ')})` : '';
      const fix: Fix = {
        title: `Use ${ch.slot.arg?.family === 'kernel' ? orderingName(ch.to, 'kernel') : 'Ordering::' + ch.to} for ${ch.slot.access === 'fence' ? 'this fence' : ch.slot.which === 'success' || ch.slot.which === 'set' ? `the ${describeRole(role).replace(/ \(.*\)$/, '')}'s success ordering` : `the ${describeRole(role)}`}${together}`,
        edits,
        verified: { scenarios: v.verdicts.length, executions: v.fix.executions },
      };
      out.push({
        file, rule, severity: 'warning',
        message: message(rule, ch.slot, ch.to, role, partner, v.fix.executions),
        range: ch.slot.arg?.range && (ch.slot.arg.file ?? site.file) === file ? ch.slot.arg.range : reportAt.range,
        role: describeRole(role),
        ordering: orderingsOf(site),
        fix,
        related: relatedOf(site, [...new Set([...changedSites, racyHere.scenario.exclusive.site, racyHere.scenario.holder.site])]),
        trace: racyHere.result.races[0]?.trace ?? trace,
        scenario: racyHere.scenario.id,
      });
    }
  }
  if (out.length === 0) {
    // Races with no ordering fix within reach (or the fix is elsewhere): report at the exclusive site.
    const x = first.scenario.exclusive;
    if (x.site.file === file) {
      const rule: RuleId = x.role.kind === 'takeover' ? 'takeover-needs-acquire' : x.role.kind === 'unique-load' ? 'unique-load-needs-acquire' : x.role.kind === 'inc-conjure' ? 'conjure-needs-acquire' : 'last-dec-needs-acquire';
      out.push({
        file, rule, severity: 'warning',
        message: v.fix
          ? `This ${describeRole(x.role)} races with ${siteName(first.scenario.holder.site)}; the verified fix changes orderings in another file.`
          : `This ${describeRole(x.role)} races with ${siteName(first.scenario.holder.site)}, and no change of the orderings involved (up to ${3} at a time) removes the race: the protocol itself needs another look.`,
        range: x.site.range,
        role: describeRole(x.role),
        ordering: orderingsOf(x.site),
        fix: null,
        related: relatedOf(x.site, [first.scenario.holder.site]),
        trace,
        scenario: first.scenario.id,
      });
    }
  }
  return out;
}

export function orderingsOf(s: Site): string {
  return s.orderings.map(o => o.ordering ?? `? (${o.text})`).join('/') || 'implied';
}
