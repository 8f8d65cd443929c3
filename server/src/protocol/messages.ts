// The words of a finding, in the manner of rustc and Clippy: a first line that names the call and
// the ordering it should have, short enough for a Problems list or a terminal line, and an
// explanation (what races with what, the model, the fix's evidence) for the hover, the CLI's notes,
// JSON and SARIF. Fix titles live here too, apart from the code that verifies the fixes.

import type { Site } from '../rust/site';
import type { Explanation, RuleId } from './finding';
import type { Role } from './roles';

/**
 * Past this a headline falls back to a shorter form (a Problems row shows about this much). It is
 * measured as shown: editors render the backticks as code, not as characters.
 */
export const HEADLINE_TARGET = 100;

const code = (s: string): string => `\`${s}\``;

/** The length of a message as an editor shows it (backticks rendered, not printed). */
export const shownLength = (line: string): number => line.replace(/`/g, '').length;

/** What a site does in the protocol, as a noun short enough for a related-information line. */
export function roleNoun(role: Role | undefined, site: Site): string {
  switch (role?.kind) {
    case 'takeover': return role.to ? 'lock CAS' : 'takeover CAS';
    case 'dec': return 'decrement';
    case 'dec-last': return role.flag ? 'flag swap' : 'last-reference decrement';
    case 'dec-notify': return 'countdown decrement';
    case 'unique-load': return 'uniqueness test';
    case 'inc-conjure': return 'conjuring increment';
    case 'inc-existing': return 'increment';
    case 'feeding-load': return 'load before the CAS';
    case 'store': return role.fromZero ? 'publishing increment' : 'store';
    default: return code(site.op);
  }
}

/** What the first line of a verified-fix finding is built from. */
export interface HeadlineInput {
  rule: RuleId;
  /** The call whose ordering changes: `fetch_sub`, `compare_exchange`, `fence`. */
  call: string;
  /** The success ordering of a compare-exchange or update that has two. */
  success?: boolean;
  /** The ordering it should have, as the file's vocabulary names it (`Full` in kernel code). */
  to: string;
  /** The role of the protocol step the site belongs to. */
  role: Role;
  /** The change adds Release to an ordering that had none (AcqRel from Relaxed or Acquire). */
  gainsRelease: boolean;
  /** The other side of the race: its function, and whether its ordering is already Release. */
  partner?: { fn: string | null; release: boolean };
}

/** The reasons a headline may give, longest first: the first that fits the target is used. */
function reasons(h: HeadlineInput): string[] {
  const fn = h.partner?.fn ? code(h.partner.fn) : null;
  switch (h.rule) {
    case 'takeover-needs-acquire': {
      const verb = h.role.kind === 'takeover' && h.role.to ? 'it locks the object against' : 'it takes ownership from';
      const drop = h.partner?.release ? `the ${code('Release')}` : 'the drop';
      return [...(fn ? [`${verb} ${drop} in ${fn}`] : []), `${verb} ${drop} of another holder`, 'it takes ownership of the object'];
    }
    case 'dec-needs-release':
      if (h.role.kind === 'dec-last' && h.role.flag) return ["the side that sets the flag second must see this side's accesses"];
      return ["whoever frees the object next must see this holder's accesses", "the next owner must see this holder's accesses"];
    case 'last-dec-needs-acquire':
      if (h.role.kind === 'dec-last' && h.role.flag) return ['the side that sets the flag second frees what the other side used'];
      return h.gainsRelease
        ? ['the last reference frees the object other holders used']
        : ["the last reference must see other holders' accesses before freeing", 'the last reference frees the object'];
    case 'unique-load-needs-acquire':
      return [`the ${code('&mut')} access after ${code('== 1')} must see other holders' last accesses`, `the ${code('&mut')} access after it races`];
    case 'conjure-needs-acquire':
      return ["the new reference must see the object's initialisation", "it must see the object's initialisation", 'the new reference must see the object'];
    case 'republish-needs-release':
      return h.role.kind === 'store' && h.role.fromZero
        ? ['this increment from 0 publishes the object and its initialisation', 'it publishes the object']
        : ['threads that find the object through it must see its initialisation', 'it re-publishes the object'];
    default:
      return [];
  }
}

/** "`fetch_sub` should be `AcqRel`: the last reference frees the object other holders used". */
export function headline(h: HeadlineInput): string {
  const subject = h.success ? `${code(h.call)} success ordering` : code(h.call);
  const head = `${subject} should be ${code(h.to)}`;
  const all = reasons(h).map(r => `${head}: ${r}`);
  return all.find(l => shownLength(l) <= HEADLINE_TARGET) ?? all.at(-1) ?? head;
}

/** The headline of a race no ordering change within reach removes. */
export function unfixedHeadline(call: string, other: Site): string {
  return `${code(call)} races with ${code(other.op)}${other.fnName ? ` in ${code(other.fnName)}` : ''}, and no ordering change fixes it`;
}

/** The headline of a race whose fix search stopped at its budget: nothing is claimed about a fix. */
export function unsearchedHeadline(call: string, other: Site): string {
  return `${code(call)} races with ${code(other.op)}${other.fnName ? ` in ${code(other.fnName)}` : ''}; the fix search stopped at its budget`;
}

/** The headline of a re-publishing step that cannot be given Release (an API fixes its ordering). */
export function unpublishedHeadline(call: string, current: string, byApi: boolean): string {
  return byApi
    ? `${code(call)} is ${code(current)} by its API, so it does not publish the object's initialisation`
    : `${code(call)} should be ${code('Release')}: threads that find the object must see its initialisation`;
}

/** The headline of a race whose verified fix lies entirely in other files. */
export function elsewhereHeadline(call: string, other: Site, fixFiles: string[]): string {
  const files = fixFiles.map(f => code(f.split(/[\\/]/).pop() ?? f)).join(', ');
  return `${code(call)} races with ${code(other.op)}${other.fnName ? ` in ${code(other.fnName)}` : ''}; the fix changes ${files}`;
}

export function invalidHeadline(call: string, ordering: string, kernel: boolean, failure = false): string {
  return `${code(call)}${failure ? ' failure ordering' : ''} cannot be ${code(ordering)}: ${kernel ? 'it does not compile' : 'it panics at run time'}`;
}

export function ambiguousHeadline(call: string, counter: string): string {
  return `cannot tell what ${code(call)} does to ${code(counter)}; it was not checked`;
}

export function weakerHeadline(call: string, current: string, to: string): string {
  return `${code(call)} could be ${code(to)}: ${code(current)} is stronger than this count needs`;
}

// ---- fix titles -----------------------------------------------------------------------------------

/** "(1 more finding remains)": what applying this fix alone leaves for another one. */
export function remainsSuffix(more: number): string {
  return more > 0 ? ` (${more} more finding${more === 1 ? ' remains' : 's remain'})` : '';
}

/** "Use `Acquire` (success ordering)", "Use `AcqRel`", "Make the fence `Acquire`". */
export function fixTitle(to: string, opts: { success?: boolean; fence?: boolean; more?: number } = {}): string {
  const base = opts.fence ? `Make the fence ${code(to)}` : `Use ${code(to)}${opts.success ? ' (success ordering)' : ''}`;
  return base + remainsSuffix(opts.more ?? 0);
}

/** The fence alternative to AcqRel on a last decrement. */
export function fenceAlternativeTitle(withRelease: boolean, more = 0): string {
  return (withRelease ? `Use ${code('Release')} + ${code('fence(Acquire)')} on the last-reference path` : `Add ${code('fence(Acquire)')} on the last-reference path`) + remainsSuffix(more);
}

/** "Fix the protocol: `fetch_sub` → `AcqRel`, `load` → `Acquire` (2 sites)". */
export function protocolFixTitle(changes: { call: string; to: string }[]): string {
  return `Fix the protocol: ${changes.map(c => `${code(c.call)} → ${code(c.to)}`).join(', ')} (${changes.length} sites)`;
}

// ---- explanations ---------------------------------------------------------------------------------

/** The explanation as running text (JSON readers, SARIF properties, a plain hover). */
export function explanationText(e: Explanation): string {
  return [e.why, ...e.notes, ...(e.model ? [e.model] : [])].join(' ');
}

/** The explanation as rustc-style note lines under the headline. */
export function explanationNotes(e: Explanation): string[] {
  return [e.why, ...e.notes, ...(e.model ? [e.model] : [])];
}
