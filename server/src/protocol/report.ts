// Turns a counter's verdict into findings: which site is to blame (the one whose ordering the
// verified fix changes), in words a non-expert can act on, with the edit and the counterexample.

import type { Ordering, Site } from '../rust/site';
import { planOrderingEdits, type FenceInsertion } from './orderingEdits';
import { fixProblem } from './fixCheck';
import { unconfirmed } from './alternatives';
import { rustName } from './orderings';
import { isAcquireOrStronger, isReleaseOrStronger } from '../rust/site';
import type { Finding, Fix, Related, RuleId, TextEdit } from './finding';
import type { CounterFix, CounterVerdict, ScenarioVerdict } from './fixes';
import { describeRole, type Counter, type Role } from './roles';
import { elsewhereHeadline, fenceAlternativeTitle, fixTitle, headline, protocolFixTitle, roleNoun, unfixedHeadline, unpublishedHeadline, unsearchedHeadline } from './messages';
import type { Slot } from './scenarios';
import { checkedUnder } from '../memory/result';
import { kernelEvidence } from './memoryModel';

/** How C11 judged an LKMM scenario that races (the instruction labels of each racing pair). */
export interface ModelContrast { c11Races: [string, string][] }

/** Edits for a fix, or why none can be offered (it would not compile, or its file cannot be read). */
export interface PlannedEdits { edits: TextEdit[]; problem: string | null }

/**
 * The edits that set each slot to its ordering (arguments, and imports where bare names need
 * them), planned per file and checked by re-parsing (fixCheck.ts) before they are offered.
 * `inFile` is the file the finding is in: edits elsewhere carry their file.
 */
export function plannedEdits(changes: { slot: Slot; to: Ordering }[], fileText: (file: string) => string | undefined, inFile: string, fences: FenceInsertion[] = []): PlannedEdits {
  const byFile = new Map<string, { slot: Slot; to: Ordering }[]>();
  for (const ch of changes) {
    const f = ch.slot.arg?.file ?? ch.slot.site.file;
    byFile.set(f, [...(byFile.get(f) ?? []), ch]);
  }
  if (fences.length && !byFile.has(inFile)) byFile.set(inFile, []);
  const edits: TextEdit[] = [];
  for (const [f, chs] of byFile) {
    const text = fileText(f);
    if (text === undefined) return { edits: [], problem: `${f} could not be read to write the change` };
    const writes = chs.map(ch => ({ range: ch.slot.arg!.range!, to: ch.to, family: ch.slot.arg!.family }));
    const here = f === inFile ? fences : [];
    const plan = planOrderingEdits(text, writes, here);
    if (plan.problems.length) return { edits: [], problem: plan.problems[0] };
    const problem = fixProblem(text, plan.edits, writes, here.map(fc => ({ to: fc.to })));
    if (problem) return { edits: [], problem };
    edits.push(...plan.edits.map(e => (f !== inFile ? { ...e, file: f } : e)));
  }
  return { edits, problem: null };
}

/** The edits that set `slot` to `to`, or none when they would not compile. */
export function slotEdits(slot: Slot, to: Ordering, fileText: (file: string) => string | undefined): TextEdit[] {
  return plannedEdits([{ slot, to }], fileText, slot.site.file).edits;
}

/**
 * std's other way to give a last decrement its Acquire half: Release on the decrement and
 * `fence(Acquire)` at the start of the last-reference path, instead of AcqRel on every decrement.
 * Offered only where the path is a block or a run of statements the fence can open, and only once
 * a re-review of the edited file confirms it (alternatives.ts); until then it is unconfirmed.
 */
function fenceAlternative(slot: Slot, to: Ordering, fileText: (f: string) => string | undefined, file: string, more: number): Fix | null {
  const site = slot.site;
  if (slot.access !== 'rmw' || site.api !== 'std' || slot.arg?.family !== 'std' || !slot.editable) return null;
  if (!isAcquireOrStronger(to) || isAcquireOrStronger(slot.current)) return null;
  // Kernel code orders with the kernel's barriers, not Rust's fence, even around core atomics.
  if (kernelEvidence(fileText(file) ?? '', [site]) !== null) return null;
  const path = site.context.lastPath ?? site.context.comparedWith?.equalPath;
  if (!path || path.how === 'unknown' || path.fence || path.acquireLoad) return null;
  const changes = isReleaseOrStronger(slot.current) ? [] : [{ slot, to: 'Release' as Ordering }];
  const planned = plannedEdits(changes, fileText, file, [{ region: path.range, to: 'Acquire' }]);
  if (planned.problem || planned.edits.some(e => e.file)) return null;
  const fix: Fix = {
    title: fenceAlternativeTitle(changes.length > 0, more),
    edits: planned.edits,
    verified: { scenarios: 0, executions: 0 },
  };
  unconfirmed.add(fix);
  return fix;
}

function ruleFor(role: Role, slot: Slot, to: Ordering): RuleId {
  const gainsRelease = isReleaseOrStronger(to) && !isReleaseOrStronger(slot.current);
  const gainsAcquire = isAcquireOrStronger(to) && !isAcquireOrStronger(slot.current);
  switch (role.kind) {
    case 'takeover': return 'takeover-needs-acquire';
    case 'unique-load': return 'unique-load-needs-acquire';
    case 'inc-conjure': case 'feeding-load': return 'conjure-needs-acquire';
    case 'store': return 'republish-needs-release';
    // A decrement that gains only Release is the release obligation, whatever else it may be.
    case 'dec-last': return gainsRelease && !gainsAcquire ? 'dec-needs-release' : 'last-dec-needs-acquire';
    // Never the last reference: its only obligation is to release.
    case 'dec': return 'dec-needs-release';
    default: return gainsAcquire ? 'last-dec-needs-acquire' : 'dec-needs-release';
  }
}

function siteName(s: Site): string {
  return `${s.fnName ? s.fnName + ': ' : ''}${s.receiverText ? s.receiverText + '.' : ''}${s.op}`;
}

/**
 * For an LKMM verdict: which of the owner's accesses race, and how C11 judges the same protocol.
 * LKMM orders a marked store after a control dependency but never a load, so a Relaxed takeover or
 * last drop can leave only the owner's read unordered; C11 has no such ordering and sees both.
 */
function lkmmNote(sv: ScenarioVerdict, contrast: Map<string, ModelContrast> | undefined): string {
  if (sv.result.model !== 'lkmm') return '';
  const labels = sv.result.races.flatMap(r => r.race.labels);
  const ownerRead = labels.some(l => l.startsWith('read the object ('));
  const ownerWriteLabels = sv.program.threads.flatMap(t => collectLabels(t.body)).filter(l => /^(reuse|free|mutate) the object \((new owner|last reference|unique owner)\)$/.test(l));
  const ownerWrite = labels.some(l => ownerWriteLabels.includes(l));
  let note = '';
  if (ownerRead && !ownerWrite) note = ' Under LKMM the control dependency on the count orders the stores on the path that follows it (freeing or reusing the object), but not its loads: reading the object there is what races.';
  const c11 = contrast?.get(sv.scenario.id);
  if (c11) {
    const c11Write = c11.c11Races.some(pair => pair.some(l => ownerWriteLabels.includes(l)));
    note += c11.c11Races.length === 0 ? ' C11 would accept this code; LKMM does not.'
      : c11Write && !ownerWrite ? ' C11 reports the write as racing too: it has no control-dependency ordering.'
      : ' C11 reaches the same verdict.';
  }
  return note;
}

function collectLabels(body: import('../memory/ir').Instr[]): string[] {
  const out: string[] = [];
  for (const i of body) {
    if (i.label) out.push(i.label);
    if (i.k === 'if') out.push(...collectLabels(i.then), ...collectLabels(i.else));
    if (i.k === 'while') out.push(...collectLabels(i.body));
  }
  return out;
}

/** The orderings of the std success slot of a compare-exchange or update: the titles say "success ordering". */
const isSuccessSlot = (slot: Slot): boolean => (slot.which === 'success' || slot.which === 'set') && slot.site.api === 'std';

/** The ordering `slot` should have, as its argument's vocabulary names it. */
const nameOf = (slot: Slot, to: Ordering): string => rustName(to, slot.arg?.family ?? 'std');

/** The call a slot belongs to, as a message names it. */
const callOf = (slot: Slot): string => (slot.access === 'fence' ? 'fence' : slot.site.op);

/** The ordering a scenario's site has on its main (success or only) slot. */
function mainOrdering(sv: ScenarioVerdict, site: Site): Ordering | undefined {
  return sv.scenario.slots.find(sl => sl.site === site && sl.which !== 'failure' && sl.which !== 'fetch' && sl.access !== 'fence')?.current;
}

/** What goes wrong, in one or two sentences, and the notes that qualify it. */
function explain(rule: RuleId, slot: Slot, to: Ordering, role: Role, partner: Site | null, sv: ScenarioVerdict): { why: string; notes: string[] } {
  const cur = slot.current;
  const where = partner ? ` (${siteName(partner)})` : '';
  // The holder's drop as the scenario has it: say "Release decrement" only when it is one.
  const holderOrdering = mainOrdering(sv, sv.scenario.holder.site);
  const holderDrop = holderOrdering && isReleaseOrStronger(holderOrdering) ? 'its Release decrement' : 'it drops its reference';
  const notes: string[] = [];
  // An Acquire fence that exists but comes after code that may already use the object (said for the steps that take the object).
  const path = sv.scenario.exclusive.site.context.successPath ?? sv.scenario.exclusive.site.context.lastPath;
  const late = path && path.how !== 'unknown' && path.fence?.afterPossibleTouch
    ? `The fence(Acquire) on that path comes after code that may already use the object (line ${path.fence.afterPossibleTouch.start.line + 1}), so it does not protect it.`
    : null;
  if (late && (rule === 'takeover-needs-acquire' || rule === 'last-dec-needs-acquire')) notes.push(late);
  if (isSuccessSlot(slot)) notes.push('The failure ordering may stay as it is: a failed attempt changes nothing.');
  switch (rule) {
    case 'takeover-needs-acquire':
      return { why: `The ${describeRole(role)} reads the count with ${cur}: a holder's writes before ${holderDrop}${where} are not visible to the new owner, so reusing the object races with them.`, notes };
    case 'dec-needs-release':
      if (role.kind === 'dec-last' && role.flag) return { why: `The flag swap is ${cur}: this side's accesses to the object are not released to the side that sets the flag second and frees it${where}.`, notes };
      return { why: `The decrement is ${cur}: writes this thread made to the object before dropping its reference can race with the thread that later takes it exclusively${where}.`, notes };
    case 'last-dec-needs-acquire': {
      const what = role.kind === 'dec-last' && role.flag ? 'flag swap' : 'decrement';
      if (isReleaseOrStronger(to) && !isReleaseOrStronger(cur) && slot.access !== 'fence') {
        if (slot.site.api === 'std' && sv.result.model !== 'lkmm') notes.push('Release here plus fence(Acquire) on the last-reference path works too.');
        return { why: `The ${what} is ${cur}: it neither releases this thread's accesses to the object nor acquires the other ${role.kind === 'dec-last' && role.flag ? "side's" : "holders'"} before the last reference destroys it${where}.`, notes };
      }
      return { why: `The last reference is dropped without Acquire before the object is destroyed: other holders' accesses before their decrements${where} may not have happened-before the destroy.`, notes };
    }
    case 'unique-load-needs-acquire': {
      // Name the exclusive access the test guards, wherever it is (a query's caller).
      const eq = sv.scenario.exclusive.site.context.comparedWith?.equalPath;
      const access = eq && eq.how !== 'unknown'
        ? ` (${eq.effect?.kind === 'exclusive' ? eq.effect.evidence : 'the exclusive access'}${eq.caller ? ` in \`${eq.caller}\`` : ''}, line ${(eq.effect?.at ?? eq.range).start.line + 1})`
        : '';
      return { why: `The uniqueness test reads the count with ${cur}: another holder may read the object and then drop its reference${where}; seeing 1 does not order that read before the write through \`&mut\` that follows the test${access}, so the two race.`, notes };
    }
    case 'conjure-needs-acquire':
      if (role.kind === 'feeding-load' || (role.kind === 'inc-conjure' && role.fromLoad)) notes.push("An Acquire load before a Relaxed CAS is not enough: the load may read the count's previous life and the CAS succeed on the same value after the republish (ABA).");
      return { why: `The ${describeRole(role)} takes a new reference with ${cur}: the object was written while the count was 0 and made live by a Release write to the count${where}, and that initialisation is not guaranteed visible through the new reference.`, notes };
    case 'republish-needs-release':
      if (role.kind === 'store' && role.fromZero) return { why: `This increment from 0 makes the object live with ${cur}: a thread that then takes a reference may not see its initialisation.`, notes };
      return { why: `The store re-publishes the object through the count with ${cur}: a thread that then takes a reference may not see its initialisation.`, notes };
    default:
      return { why: `The protocol races with ${cur} here.`, notes };
  }
}

/** The model line of an explanation: what was checked, under which model, and how C11 differs. */
function modelLine(sv: ScenarioVerdict, executions: number, contrast?: Map<string, ModelContrast>): string {
  return `${checkedUnder(sv.result.model ?? 'rc11')}: the fix makes all ${executions} executions of the scenarios race-free.${lkmmNote(sv, contrast)}`;
}

function relatedOf(site: Site, others: { site: Site; message: string }[]): Related[] {
  const out: Related[] = others.filter(o => o.site !== site).map(o => ({ file: o.site.file, range: o.site.range, message: o.message }));
  // An operation done by a helper is reported at the helper's ordering; point back at the call, and the other way round.
  if (site.via) {
    out.unshift({ file: site.file, range: site.range, message: `called here through \`${site.via.helperFn}\`` });
    out.push({ file: site.via.helperFile, range: site.via.helperSite.range, message: `the operation inside \`${site.via.helperFn}\`` });
  }
  return out;
}

/** "pairs with this `Release` decrement". */
function pairsWith(sv: ScenarioVerdict, site: Site, roleOfSite: Map<Site, Role>): { site: Site; message: string } {
  const o = mainOrdering(sv, site);
  return { site, message: `pairs with this ${o ? `\`${o}\` ` : ''}${roleNoun(roleOfSite.get(site), site)}` };
}

/** Where the exclusive step uses the object, when the reader found it: the owner's side of the race. */
function racingAccess(sv: ScenarioVerdict): Related | null {
  const x = sv.scenario.exclusive.site;
  const path = x.context.successPath ?? x.context.lastPath ?? x.context.comparedWith?.equalPath;
  if (!path || path.how === 'unknown' || path.effect?.kind !== 'exclusive' || !path.effect.at) return null;
  return { file: path.file ?? x.file, range: path.effect.at, message: 'the racing access to the object' };
}

/** Findings for one counter (only those located in `file`). */
export function counterFindings(file: string, counter: Counter, v: CounterVerdict, fileText: (f: string) => string | undefined, contrast?: Map<string, ModelContrast>): Finding[] {
  if (v.racy.length === 0) return [];
  const roleOfSite = new Map(counter.sites.map(cs => [cs.site, cs.role]));
  const out: Finding[] = [];
  for (const fix of v.fixes) out.push(...fixFindings(file, counter, v, fix, fileText, contrast));
  for (const u of v.unfixed) {
    const f = unfixedFinding(file, u, roleOfSite);
    if (f) out.push(f);
  }
  for (const u of v.unsearched) {
    const f = unsearchedFinding(file, u, roleOfSite);
    if (f) out.push(f);
  }
  // A fix that lives entirely in another file still leaves this file's exclusive step racing today.
  if (out.length === 0) {
    const first = v.racy[0];
    const x = first.scenario.exclusive;
    if (x.site.file === file) {
      const fixFiles = [...new Set(v.fixes.flatMap(f => f.changed.map(ch => ch.slot.arg?.file ?? ch.slot.site.file)))];
      const holder = first.scenario.holder.site;
      out.push({
        file, rule: ruleOfExclusive(x.role), severity: 'warning',
        message: elsewhereHeadline(x.site.op, holder, fixFiles),
        explanation: {
          why: `The ${describeRole(x.role)} races with ${siteName(holder)}; the verified fix changes orderings in ${fixFiles.join(', ')} (see related information).`,
          notes: [],
          model: `${checkedUnder(first.result.model ?? 'rc11')}.`,
        },
        range: x.site.range, role: describeRole(x.role), ordering: orderingsOf(x.site), fix: null,
        related: relatedOf(x.site, [
          pairsWith(first, holder, roleOfSite),
          ...v.fixes.flatMap(f => f.changed.map(ch => ({ site: ch.slot.site, message: `the fix changes this to \`${nameOf(ch.slot, ch.to)}\`` }))),
        ]),
        trace: first.result.races[0]?.trace ?? null, scenario: first.scenario.id,
      });
    }
  }
  return out;
}

function ruleOfExclusive(role: Role): RuleId {
  switch (role.kind) {
    case 'takeover': return 'takeover-needs-acquire';
    case 'unique-load': return 'unique-load-needs-acquire';
    case 'inc-conjure': case 'feeding-load': return 'conjure-needs-acquire';
    default: return 'last-dec-needs-acquire';
  }
}

/** One finding per site whose ordering the verified fix changes. */
function fixFindings(file: string, counter: Counter, v: CounterVerdict, fx: CounterFix, fileText: (f: string) => string | undefined, contrast?: Map<string, ModelContrast>): Finding[] {
  const roleOfSite = new Map(counter.sites.map(cs => [cs.site, cs.role]));
  const racy = fx.fixes;
  const first = racy[0];
  const out: Finding[] = [];
  const changedSites = fx.changed.map(ch => ch.slot.site);
  const protocolFix = protocolFixOf(v, fx, fileText, file);
  for (const ch of fx.changed) {
    const site = ch.slot.site;
    // A fence belongs to the protocol step it guards; report it with that step's role.
    const owner = roleOfSite.get(site) ? site : racy.find(r => r.scenario.sites.includes(site))?.scenario.exclusive.site ?? site;
    const role = roleOfSite.get(owner) ?? { kind: 'other', why: 'fence' } as Role;
    // Prefer the scenario in which this site is the exclusive step: its obligation is what the message explains.
    const racyHere = racy.find(r => r.scenario.exclusive.site === owner) ?? racy.find(r => r.scenario.sites.includes(site)) ?? first;
    const partnerSite = racyHere.scenario.exclusive.site === owner ? racyHere.scenario.holder.site : racyHere.scenario.exclusive.site;
    const partner = partnerSite === owner ? null : partnerSite;
    const rule = racyHere.scenario.kind === 'republish' && owner === racyHere.scenario.holder.site ? 'republish-needs-release' : ruleFor(role, ch.slot, ch.to);
    const reportAt = site.file === file ? site : owner.file === file ? owner : null;
    if (!reportAt) continue;
    const planned = plannedEdits(fx.changed.filter(c2 => c2.slot.site === site), fileText, file);
    // The other sites the verified fix changes: each is its own finding, left behind by this fix alone.
    const more = new Set(changedSites.filter(o => o !== site)).size;
    const fix: Fix | null = planned.problem ? null : {
      title: fixTitle(nameOf(ch.slot, ch.to), { success: isSuccessSlot(ch.slot), fence: ch.slot.access === 'fence', more }),
      edits: planned.edits,
      verified: { scenarios: v.verdicts.length, executions: fx.executions },
    };
    const alternative = role.kind === 'dec-last' && site.file === file ? fenceAlternative(ch.slot, ch.to, fileText, file, more) : null;
    const { why, notes } = explain(rule, ch.slot, ch.to, role, partner, racyHere);
    if (planned.problem) notes.push(`No quick fix is offered: the change cannot be written here so that it compiles (${planned.problem}).`);
    if (more > 0) notes.push(`The fix was verified together with the change at ${fx.changed.filter(c2 => c2.slot.site !== site).map(c2 => siteName(c2.slot.site)).join(', ')}; applied alone it leaves that finding.`);
    const partnerOrdering = partner ? mainOrdering(racyHere, partner) : undefined;
    // The sides of the race first, then the other sites the fix changes; a site that is both says so once.
    const changedElsewhere = fx.changed.filter(c2 => c2.slot.site !== site);
    const fixNote = (o: Site): string => changedElsewhere.filter(c2 => c2.slot.site === o).map(c2 => ` (the fix makes it \`${nameOf(c2.slot, c2.to)}\`)`).join('');
    const sides = [...new Set([partner, racyHere.scenario.exclusive.site, racyHere.scenario.holder.site])].filter((o): o is Site => !!o && o !== owner && o !== site);
    const related = [
      ...sides.map(o => { const p = pairsWith(racyHere, o, roleOfSite); return { site: o, message: p.message + fixNote(o) }; }),
      ...changedElsewhere.filter(c2 => !sides.includes(c2.slot.site)).map(c2 => ({ site: c2.slot.site, message: `changed with it: \`${callOf(c2.slot)}\` → \`${nameOf(c2.slot, c2.to)}\`` })),
    ];
    const access = racingAccess(racyHere);
    out.push({
      file, rule, severity: 'warning',
      message: headline({
        rule, call: callOf(ch.slot), success: isSuccessSlot(ch.slot), to: nameOf(ch.slot, ch.to), role,
        gainsRelease: isReleaseOrStronger(ch.to) && !isReleaseOrStronger(ch.slot.current),
        ...(partner ? { partner: { fn: partner.fnName, release: !!partnerOrdering && isReleaseOrStronger(partnerOrdering) } } : {}),
      }),
      explanation: { why, notes, model: modelLine(racyHere, fx.executions, contrast) },
      ...(alternative ? { alternatives: [alternative] } : {}),
      ...(protocolFix ? { protocolFix } : {}),
      range: ch.slot.arg?.range && (ch.slot.arg.file ?? site.file) === file ? ch.slot.arg.range : reportAt.range,
      role: describeRole(role),
      ordering: orderingsOf(site),
      fix,
      related: [...relatedOf(site, related), ...(access && !(access.file === site.file && access.range.start.line === site.range.start.line) ? [access] : [])],
      trace: racyHere.result.races[0]?.trace ?? null,
      scenario: racyHere.scenario.id,
    });
  }
  return out;
}

/**
 * One fix for all the sites a verified change touches together, so a reviewer can apply what was
 * verified in one step (the per-site fixes each leave the others' findings behind).
 */
function protocolFixOf(v: CounterVerdict, fx: CounterFix, fileText: (f: string) => string | undefined, file: string): Fix | undefined {
  if (new Set(fx.changed.map(ch => ch.slot.site)).size < 2) return undefined;
  const planned = plannedEdits(fx.changed, fileText, file);
  if (planned.problem) return undefined;
  return {
    title: protocolFixTitle(fx.changed.map(ch => ({ call: callOf(ch.slot), to: nameOf(ch.slot, ch.to) }))),
    edits: planned.edits,
    verified: { scenarios: v.verdicts.length, executions: fx.executions },
  };
}

/**
 * A race no ordering change within reach removes. When an API fixes the ordering that would
 * (kernel `Refcount::set` is Relaxed by contract), say so; the verdict rests on the scenario's
 * assumption, so it is informational.
 */
function unfixedFinding(file: string, u: ScenarioVerdict, roleOfSite: Map<Site, Role>): Finding | null {
  const sc = u.scenario;
  const fixedByApi = sc.slots.filter(sl => !sl.editable && sl.arg?.implied && sl.which !== 'failure' && sl.which !== 'fetch');
  const at = sc.kind === 'republish' ? sc.holder : sc.exclusive;
  if (at.site.file !== file) return null;
  const other = at === sc.holder ? sc.exclusive : sc.holder;
  const rule: RuleId = sc.kind === 'republish' ? 'republish-needs-release' : ruleOfExclusive(at.role);
  const api = fixedByApi.map(sl => `${siteName(sl.site)} is ${sl.current} by its API's contract`).join('; ');
  const own = mainOrdering(u, at.site) ?? orderingsOf(at.site);
  const message = sc.kind === 'republish'
    ? unpublishedHeadline(at.site.op, own, fixedByApi.some(sl => sl.site === at.site))
    : unfixedHeadline(at.site.op, other.site);
  const why = sc.kind === 'republish'
    ? `If ${siteName(other.site)} can find the object through this count after this store, it may not see the object's initialisation: the store is ${orderingsOf(at.site)}${api ? ` (${api})` : ''} and nothing else orders them.`
    : `The ${describeRole(at.role)} races with ${siteName(other.site)}, and no change of the orderings that can be edited (up to 3 at a time) removes the race${api ? ` (${api})` : ''}.`;
  const notes = [sc.kind === 'republish'
    ? 'Publish with a Release store (e.g. `as_atomic().store(n, Release)`) or make sure the object is published to such lookups by other synchronisation.'
    : 'The protocol itself needs another look.'];
  return {
    file, rule, severity: api || sc.kind === 'republish' ? 'info' : 'warning', message,
    explanation: { why, notes, model: `${checkedUnder(u.result.model ?? 'rc11')}.` },
    range: at.site.range, role: describeRole(at.role), ordering: orderingsOf(at.site), fix: null,
    related: relatedOf(at.site, [pairsWith(u, other.site, roleOfSite)]), trace: u.result.races[0]?.trace ?? null, scenario: sc.id,
  };
}

/**
 * A race whose fix search stopped at its budget. The race stands (it was found exhaustively); only
 * the fix is missing, and nothing is claimed about whether one exists.
 */
function unsearchedFinding(file: string, u: ScenarioVerdict, roleOfSite: Map<Site, Role>): Finding | null {
  const sc = u.scenario;
  const at = sc.kind === 'republish' ? sc.holder : sc.exclusive;
  if (at.site.file !== file) return null;
  const other = at === sc.holder ? sc.exclusive : sc.holder;
  const rule: RuleId = sc.kind === 'republish' ? 'republish-needs-release' : ruleOfExclusive(at.role);
  return {
    file, rule, severity: 'warning', message: unsearchedHeadline(at.site.op, other.site),
    explanation: {
      why: `The ${describeRole(at.role)} (${orderingsOf(at.site)}) races with ${siteName(other.site)}: the race was found by a complete exploration.`,
      notes: ['The search for a verified change of orderings stopped at its budget before finding one, so no fix is offered; this says nothing about whether one exists (a larger time budget may find it).'],
      model: `${checkedUnder(u.result.model ?? 'rc11')}.`,
    },
    range: at.site.range, role: describeRole(at.role), ordering: orderingsOf(at.site), fix: null,
    related: relatedOf(at.site, [pairsWith(u, other.site, roleOfSite)]), trace: u.result.races[0]?.trace ?? null, scenario: sc.id,
  };
}

export function orderingsOf(s: Site): string {
  return s.orderings.map(o => o.ordering ?? `? (${o.text})`).join('/') || 'implied';
}
