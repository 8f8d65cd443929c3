// The simulator in a real VS Code (code-server + headless Chromium, through the shared harness):
// the packaged extension is installed into a fresh profile, then
//   1. the Rust path: a block-mq request whose drop (`fetch_sub`, Relaxed) and
//      takeover (`compare_exchange(2, 0, Relaxed, Relaxed)`) both spell their ordering in the
//      source; CodeLens "Simulate" -> jump to the race -> explanation -> CAS to Acquire and the
//      decrement to Release -> "no race";
//   2. selecting a step reveals its line in the Rust editor, and moving the editor's cursor to a
//      site selects its step;
//   3. "Apply to source" writes the orderings as a normal edit (diagnostics go, Ctrl+Z restores);
//   4. the litmus path (Open Litmus File in Simulator -> race -> toggles -> no race -> export);
//   5. the execution graph: the racing read's rf edge, relation toggles, stepping, DOT export
//      through the save dialog, and its colours in light, dark and both high-contrast themes
//      (e2e-graph-<theme>.png, e2e-rust-graph.dot).
// Screenshots go to test-results/simulator/ (e2e-rust-*.png, e2e-litmus-*.png) and the timings
// (command/CodeLens -> first paint, re-exploration after each toggle) to
// test-results/simulator/timings.json. Timings are recorded, never asserted.

import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, test, type TestContext } from 'node:test';
import type { FrameLocator, Locator, Page } from 'playwright-core';
import { CodeServerSession, contrastOf, editorText, focusEditor, goToLine, pickColorTheme, ensureVsix, quickOpen, ROOT, runCommand, waitForWorkbench, mainEditor, problemRows as problemRowsIn, visibleWebview, withFailureShot } from './harness';

const RESULTS = path.join(ROOT, 'test-results', 'simulator');
/** Kept out of test/e2e/workspace: blockmq.test.ts counts that workspace's Rust files and findings. */
const RUST_FIXTURE = path.join(ROOT, 'test', 'e2e', 'simulator-fixtures', 'request_counted.rs');
const LITMUS_FIXTURE = path.join(ROOT, 'test', 'fixtures', 'litmus', 'refcount-takeover+dec-rlx+cas-rlx.litmus');
const RUST_FILE = 'request_counted.rs';
const LITMUS_FILE = 'takeover.litmus';
// 1-based lines of the fixture's sites (the CAS site's range starts at its `if this` line).
const CAS_SITE_LINE = 56;
const CAS_ARGS_LINE = 59;
const DEC_LINE = 99;
const CAS_RELAXED = 'compare_exchange(2, 0, Ordering::Relaxed, Ordering::Relaxed)';
const CAS_ACQUIRE = 'compare_exchange(2, 0, Ordering::Acquire, Ordering::Relaxed)';
const DEC_RELAXED = 'fetch_sub(1, Ordering::Relaxed)';
const DEC_RELEASE = 'fetch_sub(1, Ordering::Release)';
const T = 30_000;

let s: CodeServerSession;
let page: Page;
const timings: Record<string, unknown> = { measuredAt: new Date().toISOString() };

before(async () => {
  const vsix = ensureVsix();
  s = await CodeServerSession.start({ name: 'simulator', vsix });
  // The session's workspace is a fresh copy of test/e2e/workspace; add this test's own files.
  copyFileSync(RUST_FIXTURE, path.join(s.workspace, 'src', 'block', 'mq', RUST_FILE));
  copyFileSync(LITMUS_FIXTURE, path.join(s.workspace, LITMUS_FILE));
  page = await s.launchBrowser();
  mkdirSync(RESULTS, { recursive: true });
  await page.goto(s.workbenchUrl());
  await waitForWorkbench(page);
});

after(async () => {
  // Chromium and code-server (with its extension host and language server) go even when a test failed.
  try {
    mkdirSync(RESULTS, { recursive: true });
    writeFileSync(path.join(RESULTS, 'timings.json'), JSON.stringify(timings, null, 2) + '\n');
  } finally {
    await s?.close();
  }
});

// ---------------------------------------------------------------- helpers

async function shot(name: string): Promise<void> {
  await page.screenshot({ path: path.join(RESULTS, `e2e-${name}.png`) });
}

/** Runs a test body and leaves a screenshot of the workbench behind when it fails. */
function step(name: string, body: (t: TestContext) => Promise<void>): (t: TestContext) => Promise<void> {
  return withFailureShot(shot, name, body);
}

/** The visible webview's document (hidden webviews stay in the DOM). */
function sim(): FrameLocator {
  return visibleWebview(page);
}

function rustEditor(): Locator {
  return mainEditor(page);
}

async function activeLineNumber(line: number): Promise<void> {
  await rustEditor().locator('.line-numbers.active-line-number', { hasText: new RegExp(`^${line}$`) }).waitFor({ timeout: T });
}

/**
 * Puts the keyboard focus in the Rust editor (group 1; the panel opens beside it) without moving
 * its cursor, and waits until the focus is really there: keys pressed earlier can still reach the
 * panel.
 */
async function focusRustEditor(): Promise<void> {
  await focusEditor(page, T);
}

/** Go to Line (Ctrl+G) in the focused editor, so that the line is rendered. */
async function gotoLine(line: number): Promise<void> {
  await goToLine(page, line, T);
}

async function text(l: Locator): Promise<string> {
  return (await l.textContent()) ?? '';
}

/** Changes one ordering toggle and waits until the verdict is re-rendered; returns the test-side time. */
async function toggle(key: string, mode: string, expectVerdict: RegExp): Promise<{ verdict: string; exploreMs: number; toggleToVerdictMs: number }> {
  const before = await text(sim().locator('#verdict'));
  const t0 = Date.now();
  await sim().locator(`select[data-key="${key}"]`).selectOption(mode);
  // The verdict line ends with "explored in N ms", so it changes on every exploration.
  await sim().locator('#verdict', { hasText: expectVerdict }).waitFor({ timeout: T });
  const verdict = await text(sim().locator('#verdict'));
  assert.notEqual(verdict, before, 'the verdict was re-rendered');
  const toggleToVerdictMs = Date.now() - t0;
  // The webview's own performance.measure around explore() (client/webview/main.ts).
  const exploreMs = Number(await sim().locator('body').getAttribute('data-explore-ms'));
  assert.ok(Number.isFinite(exploreMs), 'the webview exposes its exploration time');
  return { verdict, exploreMs, toggleToVerdictMs };
}

/** The host's "command to first paint" log line for a panel, when the output channel has flushed it. */
async function hostFirstPaintMs(title: RegExp): Promise<number | null> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    for (const m of s.readLogs(/Refcount Review\.log$/).matchAll(/simulator: (.*): command to first paint (\d+) ms/g)) {
      if (title.test(m[1])) return Number(m[2]);
    }
    await new Promise(r => setTimeout(r, 200));
  }
  return null;
}

/**
 * The CodeLens above the takeover CAS (shown on the CAS site's first line, `if this`): of the
 * lenses rendered, the nearest one above that line. Lenses carry no line number in the DOM.
 */
async function lensAboveCas(): Promise<Locator> {
  // (Only line 56 reads "if this": the doc comment above says "if `this`".)
  const casLine = rustEditor().locator('.view-line', { hasText: 'if this' }).first();
  await casLine.waitFor({ timeout: T });
  const lenses = rustEditor().locator('.codelens-decoration a', { hasText: 'Simulate' });
  await lenses.first().waitFor({ timeout: T });
  const casTop = (await casLine.boundingBox())!.y;
  let lens: Locator | undefined;
  let best = -Infinity;
  for (const l of await lenses.all()) {
    const b = await l.boundingBox();
    if (b && b.y < casTop && b.y > best) { best = b.y; lens = l; }
  }
  assert.ok(lens, 'a Simulate CodeLens is shown above the takeover');
  return lens;
}

function problemRows(hasText: string | RegExp): Locator {
  return problemRowsIn(page, hasText);
}

// ---------------------------------------------------------------- Rust

test('Rust: the CodeLens "Simulate" opens the seed counterexample; `r` jumps to the race and explains it', { timeout: 180_000 }, step('rust', async () => {
  await quickOpen(page, RUST_FILE);
  await editorText(page).filter({ hasText: 'A block-mq style request whose Rust-side count' }).waitFor({ timeout: T });
  await gotoLine(CAS_ARGS_LINE);
  // The review's warning on the CAS's success ordering.
  await editorText(page).filter({ hasText: CAS_RELAXED }).waitFor({ timeout: T });
  await rustEditor().locator('.squiggly-warning').first().waitFor({ timeout: T });
  await page.keyboard.press('Control+Shift+M');
  await problemRows('takeover-needs-acquire').first().waitFor({ timeout: T });
  await problemRows('dec-needs-release').first().waitFor({ timeout: T });
  await shot('rust-1-diagnostic');
  // Back to the editor (the Problems panel keeps the focus otherwise).
  await page.keyboard.press('Control+Shift+M');

  const lens = await lensAboveCas();
  assert.match(await text(lens), /^Simulate: race$/);
  await shot('rust-2-codelens');

  const t0 = Date.now();
  await lens.click();
  await page.locator('.tab', { hasText: 'Simulate: ' }).first().waitFor({ timeout: T });
  await sim().locator('#cell-0').waitFor({ timeout: T });
  const clickToFirstPaintMs = Date.now() - t0;
  assert.match(await text(sim().locator('#title')), /takeover CAS 2 -> 0/);
  assert.match(await text(sim().locator('#verdict')), /^\d+ races? in \d+ executions?/);
  // The toggles are the orderings written in the source: both Relaxed.
  assert.equal(await sim().locator('select[data-key="site:1:success"]').inputValue(), 'rlx');
  assert.equal(await sim().locator('select[data-key="site:0:single"]').inputValue(), 'rlx');
  const firstExploreMs = Number(await sim().locator('body').getAttribute('data-explore-ms'));
  await shot('rust-3-opened');

  // Keyboard: focus the panel (a click on its title), then `r` jumps to the race.
  await sim().locator('#title').click();
  await sim().locator('body').press('r');
  const position = await text(sim().locator('#position'));
  const m = /^step (\d+) of (\d+)$/.exec(position);
  assert.ok(m, `position "${position}"`);
  // The owner reads the object and then reuses it: the first race may be completed before the trace's last step.
  assert.ok(Number(m[1]) <= Number(m[2]), `the race step lies within the trace: ${position}`);
  await sim().locator('.cell.current.race').waitFor({ timeout: T });
  const explanation = await text(sim().locator('#explanation'));
  // Stable parts: who raced on what, and why nothing ordered it (the CAS read the Relaxed decrement without Acquire).
  assert.match(explanation, /^holder wrote object at step \d+; owner (wrote|read) it at step \d+; nothing orders step \d+ before step \d+ because /);
  assert.match(explanation, /owner's CAS \(2→0\) read holder's Relaxed decrement \(3→2\) without Acquire/);
  assert.match(explanation, /the decrement is not Release either/);
  // The source text of each step is shown as written, with its line: shortened at a dot in the
  // cell, whole in the tooltip.
  const decCode = sim().locator('.cell .code', { hasText: `refcount().${DEC_RELAXED}` });
  assert.equal(await decCode.getAttribute('title'), `line ${DEC_LINE}: this.data().refcount().${DEC_RELAXED}`);
  assert.equal(await decCode.locator('.lineno').textContent(), String(DEC_LINE));
  const casCode = sim().locator('.cell .code', { hasText: CAS_RELAXED });
  assert.equal(await casCode.getAttribute('title'), `line ${CAS_SITE_LINE}: this.data().refcount().${CAS_RELAXED}`);
  // Threads by number with their role, and the race in one line.
  assert.deepEqual(await sim().locator('#grid .colhead').allTextContents(), ['#', 'T1 owner', 'T2 holder']);
  assert.match(await text(sim().locator('#gloss')), /^T1 read the count from T2's Relaxed decrement; nothing makes T2's write to the object happen before T1's (write to|read of) the object$/);
  await shot('rust-4-race');
  timings.rust = {
    codeLensClickToFirstPaintMs: clickToFirstPaintMs,
    hostCommandToFirstPaintMs: await hostFirstPaintMs(/takeover CAS 2 -> 0/),
    firstExploreMs,
  };
}));

/** Endpoints of an edge's path and the boxes of the nodes it names, in the graph's coordinates. */
async function edgeGeometry(edge: Locator) {
  return edge.evaluate(g => {
    const path = g.querySelector('path')!;
    const box = (id: string) => ((g as SVGGElement).ownerSVGElement!.querySelector(`#gn-${id} rect`) as SVGRectElement).getBBox();
    const a = path.getPointAtLength(0);
    const b = path.getPointAtLength(path.getTotalLength());
    const from = box((g as SVGGElement).dataset.from!);
    const to = box((g as SVGGElement).dataset.to!);
    return { start: { x: a.x, y: a.y }, end: { x: b.x, y: b.y }, from: { x: from.x, y: from.y, w: from.width, h: from.height }, to: { x: to.x, y: to.y, w: to.width, h: to.height } };
  });
}

function onBorder(p: { x: number; y: number }, r: { x: number; y: number; w: number; h: number }): boolean {
  const inside = p.x >= r.x - 2 && p.x <= r.x + r.w + 2 && p.y >= r.y - 2 && p.y <= r.y + r.h + 2;
  const nearEdge = Math.min(Math.abs(p.x - r.x), Math.abs(p.x - r.x - r.w), Math.abs(p.y - r.y), Math.abs(p.y - r.y - r.h)) <= 2;
  return inside && nearEdge;
}

/** A key for the panel: its title takes the focus first (a checkbox or the editor may hold it). */
async function panelKey(key: string): Promise<void> {
  await sim().locator('#title').click();
  await sim().locator('body').press(key);
}

test('Rust: the execution graph shows the racing read\'s rf edge, follows the stepper, hides relations, exports DOT', { timeout: 180_000 }, step('rust-graph', async () => {
  const graph = sim().locator('#graph-svg svg.execgraph');
  await graph.waitFor({ timeout: T });
  // At the race: the racing read and the write it read from.
  const race = graph.locator('g.edge.race');
  assert.equal(await race.count(), 1);
  const ends = [await race.getAttribute('data-from'), await race.getAttribute('data-to')];
  const readId = (await Promise.all(ends.map(async id => ((await text(graph.locator(`#gn-${id} .ev`))).includes(': R ') ? id : null)))).find(Boolean);
  assert.ok(readId, `one racing access is a read: ${ends.join(', ')}`);
  const rf = graph.locator(`g.edge.rf[data-to="${readId}"]`);
  assert.equal(await rf.count(), 1, 'the racing read has one rf edge');
  assert.equal(await rf.isVisible(), true);
  const fromId = (await rf.getAttribute('data-from'))!;
  // It read the value that write wrote: both boxes end in "object=<v>".
  const readEv = await text(graph.locator(`#gn-${readId} .ev`));
  const fromEv = await text(graph.locator(`#gn-${fromId} .ev`));
  const value = /object=(\d+)$/.exec(readEv)?.[1];
  assert.ok(value !== undefined, readEv);
  assert.match(fromEv, new RegExp(`object=${value}$`), `${fromEv} -> ${readEv}`);
  const geo = await edgeGeometry(rf);
  assert.ok(onBorder(geo.start, geo.from), `the rf line leaves ${fromId}'s box: ${JSON.stringify(geo)}`);
  assert.ok(onBorder(geo.end, geo.to), `the rf line ends on ${readId}'s box: ${JSON.stringify(geo)}`);
  await shot('rust-graph-1-race');

  // Toggles: rf off hides the edge, on brings it back.
  await sim().locator('#rel-rf').uncheck();
  assert.equal(await rf.isVisible(), false);
  assert.equal(await graph.locator('g.edge.race').isVisible(), true, 'the other relations stay');
  await sim().locator('#rel-rf').check();
  assert.equal(await rf.isVisible(), true);

  // Stepping: one step back the read has not run (dimmed, no rf edge into it); forward again it has.
  const position = await text(sim().locator('#position'));
  await panelKey('ArrowLeft');
  await sim().locator('#position', { hasText: /^(start|step \d+) of/ }).waitFor();
  assert.notEqual(await text(sim().locator('#position')), position);
  assert.equal(await rf.isVisible(), false);
  assert.equal(await graph.locator(`#gn-${readId}`).evaluate(n => n.classList.contains('future')), true);
  await panelKey('ArrowRight');
  assert.equal(await text(sim().locator('#position')), position);
  assert.equal(await rf.isVisible(), true);
  assert.equal(await graph.locator(`#gn-${readId}`).evaluate(n => n.classList.contains('future')), false);

  // Hover: the node's edges and its step row stand out.
  await graph.locator(`#gn-${readId}`).hover();
  await sim().locator(`#cell-${readId!.slice(1)}.hover`).waitFor({ timeout: T });
  assert.equal(await rf.evaluate(e => e.classList.contains('hl')), true);
  await sim().locator('#title').hover();

  // Export DOT: the host asks where (the save dialog is a quick input in the browser) and writes the file.
  const target = path.join(s.workspace, 'race.graph.dot');
  await sim().locator('#export-dot').click();
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ timeout: T });
  // The dialog fills in its default (next to the Rust file, named after the scenario) a moment
  // after it shows: replace it only then, or the default comes back over the typed path.
  const deadline = Date.now() + T;
  while (Date.now() < deadline && !(await input.inputValue()).endsWith('.graph.dot')) await page.waitForTimeout(100);
  assert.match(await input.inputValue(), /holder-drops-3-2-then-takeover.*\.graph\.dot$/);
  await input.fill(target);
  assert.equal(await input.inputValue(), target);
  // The dialog checks the typed path before it accepts: an OK during that check is dropped, so
  // press it until the dialog goes (at most a few times).
  const ok = page.locator('.quick-input-widget .monaco-button', { hasText: /^OK$/ });
  for (let attempt = 0; attempt < 6 && await input.isVisible(); attempt++) {
    await ok.click().catch(() => { /* closed meanwhile */ });
    await input.waitFor({ state: 'hidden', timeout: 5000 }).catch(() => { /* still checking: press again */ });
  }
  assert.equal(await input.isVisible(), false, 'the save dialog accepted the path');
  await page.locator('.notifications-toasts .notification-list-item', { hasText: 'execution graph written to race.graph.dot' }).first().waitFor({ timeout: T });
  const dot = readFileSync(target, 'utf8');
  assert.match(dot, /^digraph execution \{/);
  assert.ok(dot.includes(`  ${fromId} -> ${readId} [label="rf"`), `the rf edge ${fromId} -> ${readId} is in the file:\n${dot}`);
  assert.ok(dot.includes(`label="T1 owner"`) && dot.includes(`label="T2 holder"`));
  copyFileSync(target, path.join(RESULTS, 'e2e-rust-graph.dot'));
}));

test('Rust: the graph in light, dark and high-contrast themes: lines 3:1, text 4.5:1 against the page', { timeout: 240_000 }, step('rust-graph-themes', async () => {
  const themes: [string, string, string][] = [
    ['Dark Modern', 'vs-dark', 'vscode-dark'],
    ['Dark High Contrast', 'hc-black', 'vscode-high-contrast'],
    ['Light High Contrast', 'hc-light', 'vscode-high-contrast-light'],
    ['Light Modern', 'vs', 'vscode-light'],
  ];
  for (const [theme, workbenchClass, bodyClass] of themes) {
    await focusRustEditor();
    await pickColorTheme(page, theme, workbenchClass, T);
    await sim().locator(`body.${bodyClass}`).waitFor({ timeout: T });
    const colours = await sim().locator('#graph-svg svg').evaluate(svg => {
      const page = getComputedStyle(document.body).backgroundColor;
      const lines: Record<string, string> = {};
      for (const g of Array.from(svg.querySelectorAll<SVGGElement>('g.edge'))) {
        if (getComputedStyle(g).display === 'none') continue;
        lines[g.dataset.kind!] = getComputedStyle(g.querySelector('path')!).stroke;
      }
      const text = getComputedStyle(svg.querySelector('g.node .ev')!).fill;
      return { page, lines, text };
    });
    for (const [kind, stroke] of Object.entries(colours.lines)) {
      if (kind === 'po') continue; // the columns already say program order; its line is a guide
      const c = contrastOf(stroke, colours.page);
      assert.ok(c >= 3, `${theme}: ${kind} line ${stroke} on ${colours.page} is ${c.toFixed(2)}:1`);
    }
    assert.ok(Object.keys(colours.lines).includes('rf') && Object.keys(colours.lines).includes('race'), JSON.stringify(colours));
    const t = contrastOf(colours.text, colours.page);
    assert.ok(t >= 4.5, `${theme}: box text ${colours.text} on ${colours.page} is ${t.toFixed(2)}:1`);
    timings[`graphColours ${theme}`] = colours;
    // The graph at the bottom of the panel, clear of the sticky header and of notifications.
    await runCommand(page, 'Notifications: Clear All Notifications');
    await page.locator('.notifications-toasts .notification-list-item').first().waitFor({ state: 'detached', timeout: T });
    await sim().locator('#graph').evaluate(e => e.scrollIntoView({ block: 'end' }));
    await sim().locator('#graph').screenshot({ path: path.join(RESULTS, `e2e-graph-${workbenchClass}.png`) });
    await shot(`graph-theme-${workbenchClass}`);
  }
}));


test('Rust: selecting a step reveals its line in the editor, and the editor cursor selects the step', { timeout: 120_000 }, step('rust-reveal', async () => {
  // Step 2 is the holder's decrement (site 0), step 3 the owner's CAS (site 1).
  const dec = sim().locator('.cell', { hasText: DEC_RELAXED });
  const cas = sim().locator('.cell', { hasText: CAS_RELAXED });
  await dec.click();
  await sim().locator('.cell.current', { hasText: DEC_RELAXED }).waitFor();
  await activeLineNumber(DEC_LINE);
  await editorText(page).filter({ hasText: `this.data().refcount().${DEC_RELAXED};` }).waitFor({ timeout: T });
  await shot('rust-5-reveal-decrement');
  await cas.click();
  await sim().locator('.cell.current', { hasText: CAS_RELAXED }).waitFor();
  await activeLineNumber(CAS_SITE_LINE);
  await shot('rust-6-reveal-cas');
  // The other way: a click on the decrement's line in the editor selects the decrement's step.
  // (Focus the editor first: Go to Line acts on the active editor, not the panel.)
  await focusRustEditor();
  await gotoLine(DEC_LINE);
  await rustEditor().locator('.view-line', { hasText: `this.data().refcount().${DEC_RELAXED};` }).click();
  await sim().locator('.cell.current', { hasText: DEC_RELAXED }).waitFor({ timeout: T });
  await sim().locator('.cell.linked', { hasText: DEC_RELAXED }).waitFor({ timeout: T });
  await shot('rust-7-cursor-selects-step');
}));

test('Rust: the CAS to Acquire and the decrement to Release give "no race"', { timeout: 120_000 }, step('rust-toggles', async () => {
  // CAS success -> Acquire alone is not enough: the Relaxed decrement heads no release sequence.
  const acq = await toggle('site:1:success', 'acq', /^with 1 changed ordering: \d+ races? /);
  const half = await text(sim().locator('#explanation'));
  assert.match(half, /because owner's Acquire CAS \(2→0\) read holder's decrement \(3→2\), but it is Relaxed, not Release$/,
    `after Acquire on the CAS the explanation blames the decrement: "${half}"`);
  await shot('rust-8-cas-acquire');
  // ... and the decrement -> Release closes the gap.
  const rel = await toggle('site:0:single', 'rel', /^with 2 changed orderings: no race in \d+ executions?/);
  assert.equal(await text(sim().locator('#explanation')), '');
  // The fixture is kernel code (it calls `bindings::`), so the note is in LKMM's data-race terms.
  await sim().locator('#empty', { hasText: /none of the \d+ executions? has a data race under the LKMM/ }).waitFor();
  assert.equal(await sim().locator('#apply').isEnabled(), true, 'Apply to source is offered for the changed orderings');
  await shot('rust-9-no-race');

  timings.rust = {
    ...(timings.rust as object | undefined),
    reexploreAfterToggleMs: [acq.exploreMs, rel.exploreMs],
    toggleToVerdictMs: [acq.toggleToVerdictMs, rel.toggleToVerdictMs],
    notes: 'click/toggle times are measured by the test (Playwright round trips included); explore times are the webview\'s performance.measure around explore(); the host time is the extension\'s "command to first paint" log line (null when the log was not flushed in time)',
  };
}));

test('Rust: "Apply to source" writes the orderings as one undoable edit', { timeout: 120_000 }, step('rust-apply', async () => {
  const tab = page.locator('.tab', { hasText: RUST_FILE });
  assert.equal(await tab.evaluate(e => e.classList.contains('dirty')), false, 'the Rust file starts saved');
  await sim().locator('#apply').click();
  await page.locator('.notifications-toasts .notification-list-item', { hasText: 'applied 2 ordering changes' }).first().waitFor({ timeout: T });
  await page.locator('.tab.dirty', { hasText: RUST_FILE }).waitFor({ timeout: T });
  // The panel takes the scenario again from the edited source: the toggles now start from the
  // applied orderings, the verdict is the clean one, and there is nothing left to apply.
  await sim().locator('#verdict', { hasText: /^no race/ }).waitFor({ timeout: T });
  const deadlineApplied = Date.now() + T;
  while (Date.now() < deadlineApplied && await sim().locator('#apply').isEnabled()) await page.waitForTimeout(100);
  assert.equal(await sim().locator('#apply').isEnabled(), false, 'nothing stale left to apply');
  assert.equal(await sim().locator('select[data-key="site:1:success"]').inputValue(), 'acq');
  assert.equal(await sim().locator('select[data-key="site:0:single"]').inputValue(), 'rel');
  // The edit is in the editor's text (not saved to disk): check both sites' lines.
  await focusRustEditor();
  await gotoLine(DEC_LINE);
  await editorText(page).filter({ hasText: DEC_RELEASE }).waitFor({ timeout: T });
  await gotoLine(CAS_ARGS_LINE);
  await editorText(page).filter({ hasText: CAS_ACQUIRE }).waitFor({ timeout: T });
  assert.equal(await editorText(page).filter({ hasText: CAS_RELAXED }).count(), 0);
  // The review of the edited text has nothing left to say about this file.
  await page.keyboard.press('Control+Shift+M');
  await problemRows(RUST_FILE).first().waitFor({ state: 'detached', timeout: T });
  assert.equal(await problemRows(/takeover-needs-acquire|dec-needs-release/).filter({ hasText: 'fetch_sub' }).count(), 0);
  await page.keyboard.press('Control+Shift+M');
  // The lens over the takeover no longer announces a counterexample: it follows the edited text.
  // (Only the rendered lens is checked: Monaco refreshes off-screen lenses when they scroll in.)
  const deadline = Date.now() + T;
  let lensText = '';
  while (Date.now() < deadline) {
    // A lens being re-rendered has no box for a moment: try again.
    lensText = await lensAboveCas().then(text, () => '');
    if (lensText === 'Simulate: no race') break;
    await page.waitForTimeout(100);
  }
  assert.equal(lensText, 'Simulate: no race');
  await shot('rust-10-applied');

  // One Ctrl+Z in the editor takes both orderings back: it was one ordinary edit.
  await focusRustEditor();
  await page.keyboard.press('Control+Z');
  await page.locator('.tab.dirty', { hasText: RUST_FILE }).waitFor({ state: 'detached', timeout: T });
  await gotoLine(CAS_ARGS_LINE);
  await editorText(page).filter({ hasText: CAS_RELAXED }).waitFor({ timeout: T });
  await gotoLine(DEC_LINE);
  await editorText(page).filter({ hasText: DEC_RELAXED }).waitFor({ timeout: T });
  // Back at the saved version (no longer dirty, checked above): the findings are back.
  await page.keyboard.press('Control+Shift+M');
  await problemRows('takeover-needs-acquire').first().waitFor({ timeout: T });
  await problemRows('dec-needs-release').first().waitFor({ timeout: T });
  await shot('rust-11-undone');
  await page.keyboard.press('Control+Shift+M');
  // Leave the workbench with no editors for the litmus test (nothing is dirty, so no prompt).
  await runCommand(page, 'View: Close All Editors');
  await page.locator('.tab').first().waitFor({ state: 'detached', timeout: T });
}));

// ---------------------------------------------------------------- litmus

test('litmus file: open in the simulator, jump to the race, flip orderings to "no race", export', { timeout: 120_000 }, step('litmus', async () => {
  await quickOpen(page, LITMUS_FILE);
  await editorText(page).filter({ hasText: 'exists' }).waitFor({ timeout: T });
  const t0 = Date.now();
  await runCommand(page, 'Refcount Review: Open Litmus File in Simulator');
  await sim().locator('#cell-0').waitFor({ timeout: T });
  const commandToFirstPaintMs = Date.now() - t0;
  const firstExploreMs = Number(await sim().locator('body').getAttribute('data-explore-ms'));
  assert.match(await text(sim().locator('#verdict')), /^1 race in 3 executions/);
  await sim().locator('#title').click();
  await sim().locator('body').press('r');
  assert.equal(await text(sim().locator('#position')), 'step 4 of 4');
  assert.match(await text(sim().locator('#explanation')),
    /^P0 wrote data at step 1; P1 wrote it at step 4; nothing orders step 1 before step 4 because P1's CAS \(2→0\) read P0's relaxed decrement \(3→2\) without acquire/);
  // Jumping to the race revealed the reuse's line in the litmus editor.
  await activeLineNumber(20);
  await shot('litmus-1-race');
  const acq = await toggle('at:1.1:success', 'acq', /^with 1 changed ordering: 1 race/);
  const rel = await toggle('at:0.1:single', 'rel', /^with 2 changed orderings: no race in 2 executions/);
  await shot('litmus-2-no-race');
  await sim().locator('#litmus').click();
  await page.locator('.tab.active', { hasText: 'Untitled' }).waitFor({ timeout: T });
  // The export opens in the active group (the panel's), next to the litmus file's editor.
  const exported = page.locator('.part.editor .editor-group-container.active .monaco-editor .view-lines');
  await exported.filter({ hasText: 'Exported from the Refcount Review simulator' }).waitFor({ timeout: T });
  await exported.filter({ hasText: 'memory_order_acquire' }).waitFor({ timeout: T });
  await exported.filter({ hasText: 'memory_order_release' }).waitFor({ timeout: T });
  await shot('litmus-3-export');
  timings.litmus = {
    commandToFirstPaintMs,
    firstExploreMs,
    hostCommandToFirstPaintMs: await hostFirstPaintMs(/refcount-takeover\+dec-rlx\+cas-rlx/),
    reexploreAfterToggleMs: [acq.exploreMs, rel.exploreMs],
    toggleToVerdictMs: [acq.toggleToVerdictMs, rel.toggleToVerdictMs],
  };
}));
