// The simulator on kernel code, in a real VS Code (code-server + headless Chromium), as a kernel
// reviewer meets it: a driver file in a Linux source tree (test/e2e/kernel-tree, recognised by its
// `rust/kernel/` directory) whose last drop is `fetch_sub(1, Release)`. Under the Linux kernel
// memory model the control dependency on the count orders the free's stores but not its loads, so
// the freeing thread's read of the buffer races with another holder's write, and the fix is `Full`
// (the kernel has no AcqRel). The spec sees the LKMM finding (squiggle, Problems, hover), opens the
// simulator from the CodeLens and checks from the webview's DOM that
//   1. the panel names LKMM and offers only the kernel's orderings, in the kernel's words;
//   2. stepping replays the counterexample up to the racing read, and `r` lands there too;
//   3. the execution graph draws the race, the rf edge the last decrement read, and the hb edge
//      the control dependency gives the free's store (and none into the racing read); the table's
//      legend and the graph name the edges as the kernel model has them (rfe, the cat model's hb,
//      co), not C11's synchronizes-with and happens-before;
//   4. picking `Full` in the panel gives "no race", Apply writes `Full` and imports it, the finding
//      goes away, and the clean site's hover names the kernel tree as the reason for LKMM.
// Screenshots go to test-results/e2e/kernel-simulator/ (one per step, the graph on its own).

import assert from 'node:assert/strict';
import { cpSync } from 'node:fs';
import path from 'node:path';
import { after, before, test, type TestContext } from 'node:test';
import type { FrameLocator, Locator, Page } from 'playwright-core';
import { CodeServerSession, contrastOf, editorText, ensureVsix, focusEditor, goToLine, quickOpen, RESULTS, ROOT, waitForWorkbench, mainEditor, problemRows as problemRowsIn, visibleWebview, withFailureShot } from './harness';

const NAME = 'kernel-simulator';
const KERNEL_TREE = path.join(ROOT, 'test', 'e2e', 'kernel-tree');
const FILE = 'buffer.rs';
// 1-based lines of the fixture: the marker import, and the last drop with its ordering's column.
const IMPORT_LINE = 10;
const DEC_LINE = 28;
const DEC_ORDERING_COLUMN = 36;
const DEC_RELEASE = 'self.users.fetch_sub(1, Release)';
const DEC_FULL = 'self.users.fetch_sub(1, Full)';
const LKMM = 'Checked under the Linux kernel memory model (LKMM)';
const T = 30_000;

let s: CodeServerSession;
let page: Page;

before(async () => {
  const vsix = ensureVsix();
  s = await CodeServerSession.start({ name: NAME, vsix });
  // The workspace folder is a kernel tree of its own, beside the session's default fixture files.
  const linux = path.join(s.workspace, 'linux');
  cpSync(KERNEL_TREE, linux, { recursive: true });
  page = await s.launchBrowser();
  await page.goto(s.workbenchUrl({ folder: linux }));
  await waitForWorkbench(page);
});

after(async () => {
  await s?.close();
});

/** Runs a test body and leaves a screenshot of the workbench behind when it fails. */
function step(name: string, body: (t: TestContext) => Promise<void>): (t: TestContext) => Promise<void> {
  return withFailureShot((n: string) => s.screenshot(n), name, body);
}

/** The visible webview's document (hidden webviews stay in the DOM). */
function sim(): FrameLocator {
  return visibleWebview(page);
}

function rustEditor(): Locator {
  return mainEditor(page);
}

function problemRows(hasText: string | RegExp): Locator {
  return problemRowsIn(page, hasText);
}

async function text(l: Locator): Promise<string> {
  return (await l.textContent()) ?? '';
}

/** Shows the hover on the decrement's ordering argument (keyboard: Go to Line:Column, Ctrl+K Ctrl+I) once it reads `expect`. */
async function hoverOnDecrement(expect: string): Promise<string> {
  await focusEditor(page, T);
  await page.keyboard.press('Control+G');
  await page.locator('.quick-input-widget input').fill(`:${DEC_LINE}:${DEC_ORDERING_COLUMN + 1}`);
  await page.keyboard.press('Enter');
  await rustEditor().locator('.line-numbers.active-line-number', { hasText: new RegExp(`^${DEC_LINE}$`) }).waitFor({ timeout: T });
  await page.keyboard.press('Control+K');
  await page.keyboard.press('Control+I');
  const hover = page.locator('.monaco-hover:visible', { hasText: expect });
  await hover.waitFor({ timeout: T });
  return text(hover);
}

/** A key for the panel: its title takes the focus first (a select or the editor may hold it). */
async function panelKey(key: string): Promise<void> {
  await sim().locator('#title').click();
  await sim().locator('body').press(key);
}

test('a driver in a kernel tree: the last drop is flagged under LKMM, with `Full` as the fix', { timeout: 180_000 }, step('diagnostic', async () => {
  await quickOpen(page, FILE);
  await editorText(page).filter({ hasText: 'Sector buffers shared between the submission path' }).waitFor({ timeout: T });
  await focusEditor(page, T);
  await goToLine(page, DEC_LINE, T);
  await editorText(page).filter({ hasText: DEC_RELEASE }).waitFor({ timeout: T });
  await rustEditor().locator('.squiggly-warning').first().waitFor({ timeout: T });
  await page.keyboard.press('Control+Shift+M');
  // The kernel has no AcqRel: the fix the finding names is the fully ordered RMW.
  const row = problemRows('last-dec-needs-acquire');
  await row.first().waitFor({ timeout: T });
  assert.equal(await row.count(), 1, 'one finding');
  assert.match(await text(row.first()), /`fetch_sub` should be `Full`/);
  await s.screenshot('1-diagnostic');
  await page.keyboard.press('Control+Shift+M');

  // The hover on the ordering argument says which model the verdict was reached under.
  const hoverText = await hoverOnDecrement(LKMM);
  // (Markdown: the backticks render as code.)
  assert.match(hoverText, /Verified fix: Use Full/);
  assert.match(hoverText, /control dependency on the count orders the stores on the path that follows it/);
  await s.screenshot('2-hover');
  await page.keyboard.press('Escape');
}));

test('the CodeLens opens the simulator: the panel says LKMM and offers only the kernel\'s orderings', { timeout: 180_000 }, step('panel', async () => {
  const lens = rustEditor().locator('.codelens-decoration a', { hasText: /^Simulate: race$/ });
  await lens.first().waitFor({ timeout: T });
  assert.equal(await lens.count(), 1, 'one racing lens: the last drop');
  await lens.click();
  await page.locator('.tab', { hasText: 'Simulate: ' }).first().waitFor({ timeout: T });
  await sim().locator('#cell-0').waitFor({ timeout: T });

  // (a) The model, in the panel's header, readable in the theme.
  assert.equal(await text(sim().locator('#model')), LKMM);
  const [fg, bg] = await sim().locator('#model').evaluate(e => [getComputedStyle(e).color, getComputedStyle(document.body).backgroundColor]);
  assert.ok(contrastOf(fg, bg) >= 4.5, `the model line ${fg} on ${bg} is ${contrastOf(fg, bg).toFixed(2)}:1`);
  assert.equal(await text(sim().locator('#title')), 'two holders drop; the last one frees the object');
  assert.match(await text(sim().locator('#verdict')), /^1 race in \d+ executions?/);
  assert.deepEqual(await sim().locator('#grid .colhead').allTextContents(), ['#', 'T1 last', 'T2 holder']);

  // The decrement's toggle: the kernel's orderings by their kernel names, tooltips in kernel C.
  const dec = sim().locator('select[data-key="site:0:single"]');
  assert.equal(await dec.inputValue(), 'rel');
  assert.deepEqual(await dec.locator('option').allTextContents(), ['Relaxed', 'Acquire', 'Release (source)', 'Full']);
  assert.match((await dec.locator('option[value="sc"]').getAttribute('title')) ?? '', /^fully ordered: /);
  // No toggle anywhere offers an ordering LKMM does not have.
  for (const o of await sim().locator('#toggles option').allTextContents()) assert.doesNotMatch(o, /AcqRel|SeqCst/, o);
  // Nothing in the panel speaks C11 about this trace, the legend of its arrows included.
  assert.doesNotMatch(await text(sim().locator('body')), /SeqCst|AcqRel|memory_order|C11|RC11|synchronizes-with|happens-before/);
  assert.deepEqual(await sim().locator('#legend span').allTextContents(),
    ['\u2192 rfe (reads-from)', '\u2192 rfe release\u2192acquire', '\u21e2 LKMM hb', '\u21e2 data race']);
  await s.screenshot('3-panel');
}));

test('stepping replays the counterexample to the racing read; `r` jumps to the same step', { timeout: 120_000 }, step('replay', async () => {
  const cells = sim().locator('#grid .cell');
  const n = await cells.count();
  assert.equal(await text(sim().locator('#position')), `start of ${n}`);
  assert.equal(await text(sim().locator('#refcount-value')), '2', 'two holders at the start');
  const racing = (await sim().locator('#grid .cell.race').evaluateAll(cs => cs.map(c => Number((c as HTMLElement).dataset.step)))).sort((a, b) => a - b);
  assert.equal(racing.length, 2, 'two racing accesses');
  const [a, b] = racing;
  // The first racing access is the holder's write, the second the last holder's read.
  assert.match(await text(sim().locator(`#cell-${a} .detail`)), /^plain write · wrote object = \d+$/);
  assert.match(await text(sim().locator(`#cell-${b} .detail`)), /^Relaxed load · read object = \d+ from init, NOT the newest$/);

  const counts: string[] = [];
  for (let k = 0; k <= b; k++) {
    await panelKey('ArrowRight');
    await sim().locator('#position', { hasText: new RegExp(`^step ${k + 1} of ${n}$`) }).waitFor({ timeout: T });
    await sim().locator(`#cell-${k}.current`).waitFor({ timeout: T });
    counts.push(await text(sim().locator('#refcount-value')));
    // The race arrow in the table appears once both accesses have run, not before.
    const arrows = sim().locator('#arrows path.arrow.race');
    if (k < b) assert.equal(await arrows.count(), 0, `no race arrow at step ${k + 1}`);
    else await arrows.first().waitFor({ state: 'attached', timeout: T });
  }
  // Both decrements ran before the racing read: the count went 2 -> 1 -> 0.
  assert.equal(counts[counts.length - 1], '0', counts.join(' '));
  assert.deepEqual([...new Set(counts)].filter(c => c !== '2'), ['1', '0'], counts.join(' '));
  await sim().locator('.cell.current.race').waitFor({ timeout: T });
  assert.equal(await text(sim().locator('#explanation')),
    `holder wrote object at step ${a + 1}; last read it at step ${b + 1}; nothing orders step ${a + 1} before step ${b + 1} because `
    + 'last\'s decrement (1\u21920) read holder\'s Release decrement (2\u21921) without Acquire');
  assert.equal(await text(sim().locator('#gloss')),
    'T1 read the count from T2\'s Release decrement; nothing makes T2\'s write to the object happen before T1\'s read of the object');
  await s.screenshot('4-race');

  // From the start, `r` lands on the second racing access.
  await panelKey('Home');
  await sim().locator('#position', { hasText: /^start of / }).waitFor({ timeout: T });
  await panelKey('r');
  await sim().locator('#position', { hasText: new RegExp(`^step ${b + 1} of ${n}$`) }).waitFor({ timeout: T });
  await sim().locator(`#cell-${b}.current.race`).waitFor({ timeout: T });
}));

test('the execution graph draws the race, the rf the last decrement read, and the control dependency\'s hb into the free', { timeout: 120_000 }, step('graph', async () => {
  const graph = sim().locator('#graph-svg svg.execgraph');
  await graph.waitFor({ timeout: T });
  const cells = await sim().locator('#grid .cell').count();
  // One box per event and per location's initial value (the count and the object).
  assert.equal(await graph.locator('g.node').count(), cells + 2);
  const events = await graph.locator('g.node .ev').allTextContents();
  // The kernel's words for orderings; none of herd's C11 abbreviations.
  for (const e of events) assert.doesNotMatch(e, /\b(na|rlx|acq|rel|acq_rel|sc)\b/, e);
  const nodeWith = async (re: RegExp): Promise<string> => {
    const ids = await graph.locator('g.node').evaluateAll((ns, src) => ns.filter(n => new RegExp(src).test(n.querySelector('.ev')?.textContent ?? '')).map(n => (n as SVGGElement).dataset.node!), re.source);
    assert.equal(ids.length, 1, `one node matches ${re}: ${events.join(' | ')}`);
    return ids[0];
  };
  const holderWrite = await nodeWith(/: W plain object=/);
  const holderDec = await nodeWith(/: RMW Release count 2→1$/);
  const lastDec = await nodeWith(/: RMW Release count 1→0$/);
  const lastRead = await nodeWith(/: R Relaxed object=/);
  const lastFree = await nodeWith(/: W Relaxed object=/);
  const edge = (kind: string, from: string, to: string) => graph.locator(`g.edge.${kind}[data-from="${from}"][data-to="${to}"]`);

  // At the racing read every edge has happened: the race, and what decided it.
  const race = graph.locator('g.edge.race');
  assert.equal(await race.count(), 1);
  assert.deepEqual([await race.getAttribute('data-from'), await race.getAttribute('data-to')].sort(), [holderWrite, lastRead].sort());
  assert.equal(await race.isVisible(), true);
  assert.equal(await edge('rf', holderDec, lastDec).isVisible(), true, 'the last decrement read the holder\'s');
  // LKMM's control dependency: the holder's Release decrement happens before the free's store,
  // but nothing of the holder's reaches the read of the object.
  assert.equal(await edge('hb', holderDec, lastFree).count(), 1, 'hb into the free');
  // Named as the kernel model's hb, and the coherence order as co.
  assert.match((await edge('hb', holderDec, lastFree).locator('title').textContent()) ?? '', /^LKMM hb \(ppo, rfe and prop, between marked accesses\)/);
  assert.deepEqual(await sim().locator('#graph-controls label.rel-toggle').allTextContents(), [' po', ' rf', ' co', ' fr', ' rel\u2192acq', ' hb', ' race']);
  assert.equal(await graph.locator(`g.edge.hb[data-to="${lastRead}"]`).count(), 0, 'no hb into the racing read');
  // Every edge is drawn: a path with a length.
  const lengths = await graph.locator('g.edge path').evaluateAll(ps => ps.map(p => (p as SVGPathElement).getTotalLength()));
  assert.ok(lengths.length >= 5 && lengths.every(l => l > 0), JSON.stringify(lengths));
  // The free has not run yet at the racing read: its box is dimmed, its hb edge waits.
  assert.equal(await graph.locator(`#gn-${lastFree}`).evaluate(n => n.classList.contains('future')), true);
  assert.equal(await edge('hb', holderDec, lastFree).isVisible(), false);
  await panelKey('ArrowRight');
  assert.equal(await graph.locator(`#gn-${lastFree}`).evaluate(n => n.classList.contains('future')), false);
  assert.equal(await edge('hb', holderDec, lastFree).isVisible(), true);

  await sim().locator('#graph').evaluate(e => e.scrollIntoView({ block: 'end' }));
  await sim().locator('#graph').screenshot({ path: path.join(RESULTS, NAME, '5-graph.png') });
  await s.screenshot('5-graph-panel');
}));

test('`Full` in the panel gives "no race"; Apply writes it with its import and the finding goes', { timeout: 180_000 }, step('apply', async () => {
  const tab = page.locator('.tab', { hasText: FILE });
  assert.equal(await tab.evaluate(e => e.classList.contains('dirty')), false, 'the file starts saved');
  await sim().locator('select[data-key="site:0:single"]').selectOption('sc');
  await sim().locator('#verdict', { hasText: /^with 1 changed ordering: no race in \d+ executions?/ }).waitFor({ timeout: T });
  await sim().locator('#empty', { hasText: /executions? has a data race under the LKMM: every plain access is ordered/ }).waitFor({ timeout: T });
  assert.equal(await text(sim().locator('#model')), LKMM);
  assert.equal(await sim().locator('#apply').isEnabled(), true);
  await s.screenshot('6-full-no-race');

  await sim().locator('#apply').click();
  await page.locator('.notifications-toasts .notification-list-item', { hasText: 'applied 1 ordering change' }).first().waitFor({ timeout: T });
  await page.locator('.tab.dirty', { hasText: FILE }).waitFor({ timeout: T });
  // The panel re-reads the scenario from the edited text: Full is now the source's ordering.
  await sim().locator('#verdict', { hasText: /^no race in \d+ executions?/ }).waitFor({ timeout: T });
  // (Options of a closed select are never "visible": wait for the element.)
  await sim().locator('select[data-key="site:0:single"] option[value="sc"]', { hasText: 'Full (source)' }).waitFor({ state: 'attached', timeout: T });
  assert.equal(await sim().locator('select[data-key="site:0:single"]').inputValue(), 'sc');
  assert.equal(await text(sim().locator('#model')), LKMM);

  // The file: the marker written at the site, and imported next to the others.
  await focusEditor(page, T);
  await goToLine(page, DEC_LINE, T);
  await editorText(page).filter({ hasText: DEC_FULL }).waitFor({ timeout: T });
  await goToLine(page, IMPORT_LINE, T);
  await editorText(page).filter({ hasText: 'use kernel::sync::atomic::{Atomic, Relaxed, Release, Full};' }).waitFor({ timeout: T });
  assert.equal(await editorText(page).filter({ hasText: DEC_RELEASE }).count(), 0);
  // The review of the edited text has nothing left to say.
  await page.keyboard.press('Control+Shift+M');
  await page.locator('.markers-panel', { hasText: 'No problems have been detected' }).waitFor({ timeout: T });
  assert.equal(await rustEditor().locator('.squiggly-warning').count(), 0);
  await page.keyboard.press('Control+Shift+M');
  await rustEditor().locator('.codelens-decoration a', { hasText: /^Simulate: no race$/ }).first().waitFor({ timeout: T });
  await s.screenshot('7-applied');
  // The clean site's hover says why the model is LKMM: the file's place in a kernel tree.
  const hoverText = await hoverOnDecrement('kernel code: the file is inside a kernel tree (rust/kernel/)');
  assert.match(hoverText, /Verdict: ✓ no race/);
  assert.ok(hoverText.includes(`${LKMM} — kernel code`), hoverText);
  await s.screenshot('8-clean-hover');
  await page.keyboard.press('Escape');
}));
