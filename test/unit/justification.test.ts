// ORDERING justifications on fixtures: the text names the paired site by function and file:line,
// and every counterexample it quotes is re-derived here with the engine directly (the scenario
// rebuilt from the source, the site's ordering weakened, explored): the race must exist with the
// weakening and not without it, so a made-up justification fails.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { explore } from '../../server/src/memory/explore';
import type { Instr, Program } from '../../server/src/memory/ir';
import { justificationLines, orderingComment, staleOrderingComment, type HalfClaim, type Justification } from '../../server/src/protocol/justification';
import { classify } from '../../server/src/protocol/roles';
import { buildScenarios } from '../../server/src/protocol/scenarios';
import { reviewText } from '../../server/src/review';
import { analyzeRustFile } from '../../server/src/rust/extract';
import { initRustParser } from '../../server/src/rust/parser';
import type { Ordering } from '../../server/src/rust/site';

const ROOT = path.resolve(__dirname, '../../..');
const where = (file: string, line: number) => `${path.relative(ROOT, file)}:${line + 1}`;

async function justify(rel: string) {
  const file = path.join(ROOT, rel);
  const text = readFileSync(file, 'utf8');
  const review = await reviewText(file, text, { justify: true, orderingCommentLint: true });
  return { file, text, review, lines: text.split('\n') };
}

/** The justification of the site on 1-based `line` whose call text contains `op`. */
function at(js: Justification[] | undefined, lines: string[], line: number, op: string): Justification {
  const j = (js ?? []).find(x => x.range.start.line <= line - 1 && x.range.end.line >= line - 1 && lines.slice(x.range.start.line, x.range.end.line + 1).join('\n').includes(op));
  assert.ok(j, `no justification for ${op} on line ${line}`);
  return j;
}

function withoutFence(p: Program, tag: number): Program {
  const strip = (b: Instr[]): Instr[] => b.flatMap((i): Instr[] => i.k === 'fence' && i.site === tag ? [] : i.k === 'if' ? [{ ...i, then: strip(i.then), else: strip(i.else) }] : [i]);
  return { ...p, threads: p.threads.map(t => ({ ...t, body: strip(t.body) })) };
}

/**
 * Rebuilds the quoted scenario from the source on our own and explores it with the site's
 * ordering as it is (no race) and with the claim's weakening (the quoted race).
 */
async function assertCounterexample(file: string, text: string, j: Justification, claim: HalfClaim, model: 'rc11' | 'lkmm' = 'rc11'): Promise<void> {
  await initRustParser();
  const { sites } = analyzeRustFile(file, text);
  const byId = new Map(sites.map(s => [`${s.file}#${s.id}`, s]));
  const sc = classify(sites, file).flatMap(c => (c.isRefcount ? buildScenarios(c, byId, model) : [])).find(s => s.id === claim.needed!.counterexample.scenario);
  assert.ok(sc, `scenario ${claim.needed!.counterexample.scenario} exists`);
  const tag = sc.sites.findIndex(s => s.id === j.siteId);
  assert.ok(tag >= 0, 'the justified site takes part in the quoted scenario');
  const slot = sc.slots.find(sl => sl.site.id === j.siteId && sl.which !== 'failure' && sl.which !== 'fetch')!;
  assert.equal(explore(sc.build(), { model }).races.length, 0, 'the scenario is clean with the source orderings');
  const weakened = claim.weakened ? sc.build(new Map([[slot.key, claim.weakened as Ordering]])) : withoutFence(sc.build(), tag);
  const res = explore(weakened, { model });
  const labels = res.races.map(r => r.race.labels.join(' | '));
  assert.ok(labels.includes(claim.needed!.counterexample.accesses.join(' | ')), `the quoted race is among ${JSON.stringify(labels)}`);
}

test('arc_done_right: the Release decrement pairs with the Acquire fence in drop, and the quoted race is real', async () => {
  const { file, text, review, lines } = await justify('examples/arc_done_right.rs');
  assert.equal(review.findings.length, 0);
  const dec = at(review.justifications, lines, 52, 'fetch_sub');
  assert.equal(dec.ordering, 'Release');
  assert.equal(dec.claims.length, 1);
  const [claim] = dec.claims;
  assert.equal(claim.half, 'release');
  assert.equal(claim.weakened, 'Relaxed');
  // Every exclusive step of this Arc acquires what the decrement releases.
  const paired = claim.needed!.paired.map(p => `${p.fnName}:${p.line + 1}:${p.fence ? 'fence' : p.op}:${p.ordering}`);
  assert.deepEqual(paired.sort(), ['drop:55:fence:Acquire', 'get_mut:24:load:Acquire', 'try_unwrap:36:fence:Acquire']);
  const [line] = justificationLines(dec, where);
  assert.match(line, /^`Release` pairs with .*the `Acquire` fence in `drop` \(examples\/arc_done_right\.rs:55\)/);
  assert.match(line, /as `Relaxed`, "[^"]+" races with "[^"]+"/);
  await assertCounterexample(file, text, dec, claim);

  // The fence on the last-reference path: without it, the last drop races with a holder's write.
  const fence = at(review.justifications, lines, 55, 'fence');
  assert.equal(fence.claims[0].weakened, null);
  assert.deepEqual(fence.claims[0].needed!.paired.map(p => `${p.fnName}:${p.line + 1}:${p.op}`), ['drop:52:fetch_sub']);
  assert.match(justificationLines(fence, where)[0], /^`Acquire` pairs with the `Release` `fetch_sub` in `drop` \(examples\/arc_done_right\.rs:52\); without the fence, /);
  await assertCounterexample(file, text, fence, fence.claims[0]);

  // The uniqueness test acquires from the decrement.
  const unique = at(review.justifications, lines, 24, 'load');
  assert.deepEqual(unique.claims[0].needed!.paired.map(p => `${p.fnName}:${p.line + 1}`), ['drop:52']);
  await assertCounterexample(file, text, unique, unique.claims[0]);
});

test('arc_done_right: the Relaxed clone says why Relaxed suffices, backed by its explored clone program', async () => {
  const { review, lines } = await justify('examples/arc_done_right.rs');
  const clone = at(review.justifications, lines, 45, 'fetch_add');
  assert.equal(clone.ordering, 'Relaxed');
  assert.deepEqual(clone.claims, []);
  assert.equal(clone.scenarios, 1);
  assert.match(justificationLines(clone, where)[0], /^`Relaxed` suffices: no other access is ordered by this operation: the count is only incremented while a reference is held \(1 scenario/);
  // A Relaxed takeover CAS is covered by the fence on its success path, which the text names.
  const cas = at(review.justifications, lines, 33, 'compare_exchange');
  assert.match(justificationLines(cas, where)[0], /Acquire fence at line 36 orders the object's accesses/);
});

test('the comment goes above the statement that contains the call, with its indentation', async () => {
  const { review, lines } = await justify('examples/arc_done_right.rs');
  const dec = at(review.justifications, lines, 52, 'fetch_sub');
  // `if self.inner().strong.fetch_sub(..) != 1 {` is the statement; the comment goes above the `if`.
  assert.deepEqual({ line: dec.anchor.line, indent: dec.anchor.indent }, { line: 51, indent: '        ' });
  const comment = orderingComment(dec, where);
  assert.ok(comment.startsWith('        // ORDERING: `Release` pairs with '), comment);
  assert.ok(comment.endsWith('.\n'));
  const commentLines = comment.slice(0, -1).split('\n');
  assert.ok(commentLines.length > 1 && commentLines.every(l => l.length <= 100), comment);
  assert.ok(commentLines.slice(1).every(l => l.startsWith('        //   ')), 'continuation lines are indented under the claim');
  assert.equal(commentLines.map(l => l.replace(/^\s*\/\/\s*/, '')).join(' '), `ORDERING: ${justificationLines(dec, where)[0]}`, 'wrapping only breaks at spaces');
});

test('AcqRel decrement: each half is justified on its own, both against the same call run by the other thread', async () => {
  const { file, text, review, lines } = await justify('test/fixtures/rust/arc_drop_acqrel.rs');
  const dec = at(review.justifications, lines, 33, 'fetch_sub');
  assert.equal(dec.ordering, 'AcqRel');
  assert.deepEqual(dec.claims.map(c => [c.half, c.weakened, c.needed?.paired[0]?.self]), [['release', 'Acquire', true], ['acquire', 'Release', true]]);
  for (const c of dec.claims) await assertCounterexample(file, text, dec, c);
  const out = justificationLines(dec, where);
  assert.equal(out[0], '`AcqRel`:');
  assert.match(out[1], /^Release half: pairs with the same `fetch_sub` run by the other thread in `drop`/);
  assert.match(out[2], /^Acquire half: /);
});

test('kernel code under LKMM: the takeover cmpxchg pairs with the dec_and_test of dec_ref', async () => {
  const { file, text, review, lines } = await justify('test/fixtures/rust/kernel_cmpxchg_acquire.rs');
  assert.equal(review.model, 'lkmm');
  const cas = at(review.justifications, lines, 38, 'cmpxchg');
  assert.equal(cas.ordering, 'Acquire');
  assert.deepEqual(cas.claims[0].needed!.paired.map(p => `${p.fnName}:${p.op}:${p.ordering}`), ['dec_ref:dec_and_test:Release']);
  await assertCounterexample(file, text, cas, cas.claims[0], 'lkmm');
});

test('an ordering no scenario exercises is not explained: only Relaxed is, by role', async () => {
  const { review } = await justify('test/fixtures/rust/packed_lifecycle_guard.rs');
  assert.ok((review.justifications ?? []).length > 0);
  for (const j of review.justifications ?? []) {
    if (j.scenarios === 0) assert.equal(j.ordering, 'Relaxed', `line ${j.range.start.line + 1}: ${j.ordering} without a scenario`);
    if (j.ordering !== 'Relaxed') assert.ok(j.claims.length > 0, `line ${j.range.start.line + 1}: ${j.ordering} has claims`);
  }
});

test('a site with a finding gets no justification (its fix is offered), nor does a site of a racing scenario', async () => {
  const { review } = await justify('examples/arc_done_wrong.rs');
  assert.ok(review.findings.length > 0);
  for (const f of review.findings) {
    for (const j of review.justifications ?? []) {
      const meets = !(j.range.end.line < f.range.start.line || f.range.end.line < j.range.start.line);
      assert.ok(!meets || f.rule === 'stale-ordering-comment', `justified site at line ${j.range.start.line + 1} has finding ${f.rule}`);
    }
  }
  const racing = new Set(review.scenarios.filter(s => (s.races ?? 0) > 0).flatMap(s => s.sites.map(x => x.range.start.line)));
  for (const j of review.justifications ?? []) assert.ok(!racing.has(j.range.start.line), `line ${j.range.start.line + 1} is in a racing scenario`);
  // The block-mq request races at its takeover: not even the clone's Relaxed is vouched for
  // (no scenario of its own is explored under LKMM) until the counter is clean.
  const bmq = await justify('examples/block_mq_request.rs');
  assert.equal(bmq.review.findings.length, 1);
  assert.deepEqual(bmq.review.justifications, []);
});

test('stale ORDERING comments: the subject is the first ordering named; other names are the paired site', async () => {
  await initRustParser();
  const src = (comment: string, ordering: string) => [
    'use std::sync::atomic::{AtomicUsize, Ordering};',
    'fn drop_ref(c: &AtomicUsize) -> bool {',
    `    ${comment}`,
    `    c.fetch_sub(1, Ordering::${ordering}) == 1`,
    '}',
  ].join('\n');
  const check = (comment: string, ordering: string) => {
    const text = src(comment, ordering);
    const site = analyzeRustFile('/w/a.rs', text).sites[0];
    return staleOrderingComment(text.split('\n'), 3, [site]);
  };
  assert.equal(check('// ORDERING: `Release` pairs with the `Acquire` fence in `drop`.', 'Release'), null);
  const stale = check('// ORDERING: `Release` pairs with the `Acquire` fence in `drop`.', 'Relaxed');
  assert.ok(stale);
  assert.equal(stale.named, 'Release');
  assert.deepEqual(stale.has, ['Relaxed']);
  assert.deepEqual(stale.range, { start: { line: 2, character: 18 }, end: { line: 2, character: 25 } });
  // Not an ORDERING comment, or none directly above: nothing to say.
  assert.equal(check('// SAFETY: Release is fine here.', 'Relaxed'), null);
  assert.equal(check('// ORDERING: see the drop path.', 'Relaxed'), null);
});
