// The reviewer's editor loop in a real VS Code (code-server + headless Chromium, shared harness),
// on the kernel-shaped block-mq request with two findings (a helper-less drop and a multi-line CAS):
//   1. lens, panel and Problems agree (two findings, the lens says race, the panel shows the race);
//   2. typing in the editor and undo refresh an open panel (no stale "no race");
//   3. Apply of one ordering while a finding remains: the panel shows the race that remains;
//   4. the rule link in Problems opens the rendered rules page at the rule's section, beside the code;
//   4b. the hover on the CAS explains the finding without repeating its message, and its
//       "pairs with" link (a trusted command: link) opens the paired decrement;
//   5. a .litmus file has a "Simulate" lens; the status bar opens Problems;
//   6. a reload restores an open panel with its scenario;
//   7. a site in two racing scenarios: its lens counts them, and the pick lists both with verdicts;
//   8. the panel in light, dark and high-contrast themes: the verdict's computed colours are readable.
// Screenshots land in test-results/e2e/editor/.

import assert from 'node:assert/strict';
import { copyFileSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, test, type TestContext } from 'node:test';
import type { FrameLocator, Locator, Page } from 'playwright-core';
import { CodeServerSession, contrastOf, editorText, focusEditor, goToLine, pickColorTheme, ensureVsix, quickOpen, ROOT, runCommand, waitForWorkbench, mainEditor, problemRows as problemRowsIn, visibleWebview, withFailureShot } from './harness';

const RUST_FIXTURE = path.join(ROOT, 'test', 'e2e', 'simulator-fixtures', 'request_counted.rs');
const LITMUS_FIXTURE = path.join(ROOT, 'test', 'fixtures', 'litmus', 'refcount-takeover+dec-rlx+cas-rlx.litmus');
const RUST_FILE = 'request_counted.rs';
const LITMUS_FILE = 'takeover.litmus';
const ARC_FIXTURE = path.join(ROOT, 'examples', 'arc_done_wrong.rs');
const ARC_FILE = 'arc_done_wrong.rs';
const CAS_ARGS_LINE = 59;
const DEC_LINE = 99;
const T = 30_000;

let s: CodeServerSession;
let page: Page;

before(async () => {
  const vsix = ensureVsix();
  s = await CodeServerSession.start({ name: 'editor', vsix });
  copyFileSync(RUST_FIXTURE, path.join(s.workspace, 'src', 'block', 'mq', RUST_FILE));
  copyFileSync(LITMUS_FIXTURE, path.join(s.workspace, LITMUS_FILE));
  copyFileSync(ARC_FIXTURE, path.join(s.workspace, 'src', ARC_FILE));
  page = await s.launchBrowser();
  await page.goto(s.workbenchUrl());
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
function webview(): FrameLocator {
  return visibleWebview(page);
}

function rustEditor(): Locator {
  return mainEditor(page);
}

function problemRows(hasText: string | RegExp): Locator {
  return problemRowsIn(page, hasText);
}

async function focusRustEditor(): Promise<void> {
  await focusEditor(page, T);
}

async function gotoLine(line: number): Promise<void> {
  await goToLine(page, line, T);
}

/** 1-based column of the `nth` `Relaxed` on a 1-based line of the fixture. */
function relaxedColumn(line: number, nth: number): number {
  const text = readFileSync(RUST_FIXTURE, 'utf8').split('\n')[line - 1];
  let at = -1;
  for (let i = 0; i <= nth; i++) at = text.indexOf('Relaxed', at + 1);
  assert.ok(at >= 0, `line ${line} has ${nth + 1} Relaxed`);
  return at + 1;
}

/**
 * Replaces the `nth` `Relaxed` of `line` with `word` as one edit (one undo stop): Go to Line puts
 * the cursor at the word, a word-select takes it, and the text is inserted.
 */
async function retype(line: number, nth: number, word: string): Promise<void> {
  await focusRustEditor();
  const col = relaxedColumn(line, nth);
  await page.keyboard.press('Control+G');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ timeout: T });
  await input.fill(`:${line}:${col}`);
  await page.keyboard.press('Enter');
  await page.locator('.statusbar-item', { hasText: `Ln ${line}, Col ${col}` }).waitFor({ timeout: T });
  await page.keyboard.press('Control+Shift+ArrowRight');
  await page.locator('.statusbar-item', { hasText: '(7 selected)' }).waitFor({ timeout: T });
  await page.keyboard.insertText(word);
}

/** Leaves the Rust file as it is on disk (a failed test may have left an edit behind). */
async function revertIfDirty(): Promise<void> {
  if (await page.locator('.tab.dirty', { hasText: RUST_FILE }).count() === 0) return;
  await page.locator('.tab', { hasText: RUST_FILE }).first().click();
  await runCommand(page, 'File: Revert File');
  await page.locator('.tab.dirty', { hasText: RUST_FILE }).waitFor({ state: 'detached', timeout: T });
}

/** Waits until the webview's select for `key` shows `value` (the page re-renders its toggles on every scenario). */
async function waitForValue(key: string, value: string): Promise<void> {
  await webview().locator('body').evaluate((_body, [k, v]) => new Promise<void>((resolve, reject) => {
    const ok = () => (document.querySelector(`select[data-key="${k}"]`) as HTMLSelectElement | null)?.value === v;
    if (ok()) return resolve();
    const obs = new MutationObserver(() => { if (ok()) { obs.disconnect(); clearTimeout(t); resolve(); } });
    const t = setTimeout(() => { obs.disconnect(); reject(new Error(`select ${k} is not ${v}`)); }, 30_000);
    obs.observe(document.body, { subtree: true, childList: true, attributes: true, characterData: true });
  }), [key, value] as const);
}

async function lensTexts(): Promise<string[]> {
  const lenses = rustEditor().locator('.codelens-decoration a', { hasText: 'Simulate' });
  await lenses.first().waitFor({ timeout: T });
  return lenses.allTextContents();
}

test('lens, panel and Problems agree on a file with two findings', { timeout: 180_000 }, step('agree', async () => {
  await quickOpen(page, RUST_FILE);
  await editorText(page).filter({ hasText: 'A block-mq style request whose Rust-side count' }).waitFor({ timeout: T });
  await page.keyboard.press('Control+Shift+M');
  await problemRows('takeover-needs-acquire').first().waitFor({ timeout: T });
  await problemRows('dec-needs-release').first().waitFor({ timeout: T });
  assert.equal(await problemRows(/takeover-needs-acquire|dec-needs-release/).count(), 2);
  await page.keyboard.press('Control+Shift+M');
  await focusRustEditor();
  await gotoLine(CAS_ARGS_LINE);
  // Every lens over a site of the racing scenario says so.
  const titles = await lensTexts();
  assert.ok(titles.length >= 1 && titles.every(t => t === 'Simulate: race'), `lens titles: ${JSON.stringify(titles)}`);
  await s.screenshot('1-lens-race');
  await rustEditor().locator('.codelens-decoration a', { hasText: 'Simulate: race' }).first().click();
  await page.locator('.tab', { hasText: 'Simulate: ' }).first().waitFor({ timeout: T });
  await webview().locator('#verdict.race').waitFor({ timeout: T });
  assert.match(await webview().locator('#verdict').textContent() ?? '', /^\d+ races? in \d+ executions?/);
  await webview().locator('.cell.race').first().waitFor({ timeout: T });
  await s.screenshot('2-panel-race');
}));

test('typing in the editor refreshes the panel; undo brings the race back', { timeout: 180_000 }, step('typing-undo', async () => {
  // The decrement becomes Release by typing (one ordering: the CAS still races).
  await retype(DEC_LINE, 0, 'Release');
  await editorText(page).filter({ hasText: 'fetch_sub(1, Ordering::Release)' }).waitFor({ timeout: T });
  await waitForValue('site:0:single', 'rel');
  await webview().locator('#verdict.race').waitFor({ timeout: T });
  // ... then the CAS's success ordering becomes Acquire: the panel follows to "no race".
  await retype(CAS_ARGS_LINE, 0, 'Acquire');
  await editorText(page).filter({ hasText: 'compare_exchange(2, 0, Ordering::Acquire, Ordering::Relaxed)' }).waitFor({ timeout: T });
  await webview().locator('#verdict.clean', { hasText: /^no race/ }).waitFor({ timeout: T });
  assert.equal(await webview().locator('select[data-key="site:1:success"]').inputValue(), 'acq');
  // The lens over the CAS (rendered: the cursor is there) follows the same review.
  await rustEditor().locator('.codelens-decoration a', { hasText: /^Simulate: no race$/ }).first().waitFor({ timeout: T });
  await page.locator('.statusbar-item', { hasText: 'Refcount Review: 0 findings' }).waitFor({ timeout: T });
  await s.screenshot('3-typed-no-race');
  // One undo takes the Acquire back: the panel says race again, with the source's Relaxed.
  await focusRustEditor();
  await page.keyboard.press('Control+Z');
  await editorText(page).filter({ hasText: 'compare_exchange(2, 0, Ordering::Relaxed, Ordering::Relaxed)' }).waitFor({ timeout: T });
  await webview().locator('#verdict.race').waitFor({ timeout: T });
  await waitForValue('site:1:success', 'rlx');
  await rustEditor().locator('.codelens-decoration a', { hasText: /^Simulate: race$/ }).first().waitFor({ timeout: T });
  await page.keyboard.press('Control+Z');
  await gotoLine(DEC_LINE);
  await editorText(page).filter({ hasText: 'fetch_sub(1, Ordering::Relaxed)' }).waitFor({ timeout: T });
  await waitForValue('site:0:single', 'rlx');
  await page.locator('.tab.dirty', { hasText: RUST_FILE }).waitFor({ state: 'detached', timeout: T });
  await s.screenshot('4-undone-race');
}));

test('Apply of one ordering while a finding remains: the panel shows the race that remains', { timeout: 180_000 }, step('apply-partial', async () => {
  await revertIfDirty();
  await webview().locator('select[data-key="site:1:success"]').selectOption('acq');
  await webview().locator('#apply:enabled').click();
  await page.locator('.tab.dirty', { hasText: RUST_FILE }).waitFor({ timeout: T });
  // Refreshed from the edited source: nothing left to apply, and the decrement's race is shown.
  await webview().locator('#apply:disabled').waitFor({ timeout: T });
  await webview().locator('#verdict.race').waitFor({ timeout: T });
  assert.doesNotMatch(await webview().locator('#verdict').textContent() ?? '', /changed ordering/);
  await page.keyboard.press('Control+Shift+M');
  await problemRows('dec-needs-release').first().waitFor({ timeout: T });
  await problemRows('takeover-needs-acquire').first().waitFor({ state: 'detached', timeout: T });
  await s.screenshot('5-applied-race-remains');
  // Back to the saved text for the next test.
  await focusRustEditor();
  await page.keyboard.press('Control+Z');
  await page.locator('.tab.dirty', { hasText: RUST_FILE }).waitFor({ state: 'detached', timeout: T });
}));

test('the rule link in Problems opens the rendered rules page at the rule\'s section, beside the code', { timeout: 180_000 }, step('rule-link', async () => {
  await revertIfDirty();
  await runCommand(page, 'View: Close All Editors');
  await quickOpen(page, RUST_FILE);
  await page.keyboard.press('Control+Shift+M');
  // The rule code is a link (a command: URI the server built from the client's openRule command).
  const link = page.locator('.markers-panel a.monaco-link', { hasText: 'dec-needs-release' }).first();
  await link.waitFor({ timeout: T });
  await link.click();
  await page.locator('.tab', { hasText: /Preview rules\.md/ }).waitFor({ timeout: T });
  // The Rust file's tab is still open (the preview opened beside it, not in its place).
  await page.locator('.tab', { hasText: RUST_FILE }).waitFor({ timeout: T });
  const heading = webview().locator('#dec-needs-release');
  await heading.waitFor({ timeout: T });
  // Scrolled to the section: its heading sits near the top of the preview, not at line 1.
  await heading.evaluate(h => new Promise<void>((resolve, reject) => {
    const ok = () => { const top = h.getBoundingClientRect().top; return top >= -5 && top < 200 && window.scrollY > 0; };
    if (ok()) return resolve();
    const t = setTimeout(() => reject(new Error(`heading at ${h.getBoundingClientRect().top}, scrollY ${window.scrollY}`)), 30_000);
    window.addEventListener('scroll', function on() { if (ok()) { clearTimeout(t); window.removeEventListener('scroll', on); resolve(); } });
  }));
  await s.screenshot('6-rule-docs');
}));

test('the hover explains the finding once, and its pairs-with link opens the paired decrement', { timeout: 180_000 }, step('hover-link', async () => {
  await revertIfDirty();
  await runCommand(page, 'View: Close All Editors');
  await quickOpen(page, RUST_FILE);
  await focusRustEditor();
  const col = relaxedColumn(CAS_ARGS_LINE, 0);
  await page.keyboard.press('Control+G');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ timeout: T });
  await input.fill(`:${CAS_ARGS_LINE}:${col + 2}`);
  await page.keyboard.press('Enter');
  await page.locator('.statusbar-item', { hasText: `Ln ${CAS_ARGS_LINE}, Col ${col + 2}` }).waitFor({ timeout: T });
  await runCommand(page, 'Show or Focus Hover');
  const hover = page.locator('.monaco-hover:visible');
  await hover.filter({ hasText: 'What goes wrong' }).first().waitFor({ timeout: T });
  const text = (await hover.allTextContents()).join('\n');
  // The diagnostic's headline is shown once (by the editor's marker hover); the hover explains, it does not repeat.
  assert.equal(text.split('success ordering should be `Acquire`').length, 2, text);
  for (const part of ['Pairs with:', 'Rule:', 'Model:']) assert.ok(text.includes(part), `hover has ${part}: ${text}`);
  await s.screenshot('6b-hover');
  // The paired decrement is a command link the client registered and the hover trusts.
  await hover.locator('a', { hasText: /this `?Relaxed`? decrement/ }).first().click();
  await page.locator('.statusbar-item', { hasText: new RegExp(`^Ln ${DEC_LINE}, Col \\d+ \\(\\d+ selected\\)`) }).waitFor({ timeout: T });
  await s.screenshot('6c-hover-link-followed');
}));

test('a .litmus file has a "Simulate" lens; the status bar item opens Problems', { timeout: 180_000 }, step('litmus-status', async () => {
  await revertIfDirty();
  await runCommand(page, 'View: Close All Editors');
  // Hide the panel (Ctrl+J toggles it) so the click has something to show.
  if (await page.locator('.markers-panel').isVisible()) await page.keyboard.press('Control+J');
  await page.locator('.markers-panel').waitFor({ state: 'hidden', timeout: T });
  await page.locator('.statusbar-item', { hasText: /Refcount Review: \d+ findings?/ }).first().click();
  await page.locator('.markers-panel').waitFor({ state: 'visible', timeout: T });
  await quickOpen(page, LITMUS_FILE);
  const lens = page.locator('.part.editor .monaco-editor .codelens-decoration a', { hasText: /^Simulate$/ }).first();
  await lens.waitFor({ timeout: T });
  await lens.click();
  await webview().locator('#verdict.race').waitFor({ timeout: T });
  await s.screenshot('7-litmus-lens');
}));

test('after a reload the simulator panel is restored with its scenario', { timeout: 180_000 }, step('restore', async () => {
  // The litmus panel of the previous test is the visible one; the workbench restores it through the serializer.
  await page.locator('.tab', { hasText: 'Simulate: ' }).first().waitFor({ timeout: T });
  // As a user reloads: the workbench shuts down (saving editor and webview state) and starts again.
  await runCommand(page, 'Developer: Reload Window');
  await page.waitForEvent('load', { timeout: T });
  await waitForWorkbench(page);
  await page.locator('.tab', { hasText: 'Simulate: ' }).first().waitFor({ timeout: T });
  await webview().locator('#verdict.race').waitFor({ timeout: 60_000 });
  await webview().locator('#cell-0').waitFor({ timeout: T });
  await s.screenshot('8-restored');
}));

test('a site in two racing scenarios: the lens counts them and the pick offers both, labelled', { timeout: 180_000 }, step('pick', async () => {
  await runCommand(page, 'View: Close All Editors');
  await quickOpen(page, ARC_FILE);
  await page.keyboard.press('Control+Shift+M');
  await problemRows('unique-load-needs-acquire').first().waitFor({ timeout: T });
  await problemRows('last-dec-needs-acquire').first().waitFor({ timeout: T });
  await page.keyboard.press('Control+Shift+M');
  await focusRustEditor();
  await gotoLine(40);
  // The drop's lens: both scenarios through it race ("two holders drop; the last one frees" among them).
  const lens = rustEditor().locator('.codelens-decoration a', { hasText: 'Simulate: race (2 of 2 scenarios)' });
  await lens.waitFor({ timeout: T });
  await lens.click();
  const rows = page.locator('.quick-input-list .monaco-list-row');
  await rows.nth(1).waitFor({ timeout: T });
  assert.equal(await rows.count(), 2);
  // Rows are absolutely positioned: their DOM order is not the list order, their data-index is.
  const texts = (await rows.evaluateAll(els => els.map(e => [Number((e as HTMLElement).dataset.index), e.textContent ?? ''] as const)))
    .sort((a, b) => a[0] - b[0]).map(([, t]) => t);
  // The scenario the finding at this site names comes first; each entry says its verdict.
  assert.match(texts[0], /two holders drop; the last one frees the object.*2 races/);
  assert.match(texts[1], /uniqueness test grants `&mut` access.*race/);
  await s.screenshot('9-scenario-pick');
  await page.keyboard.press('Enter');
  await page.locator('.tab', { hasText: 'Simulate: two holders drop' }).waitFor({ timeout: T });
  await webview().locator('#verdict.race', { hasText: /^2 races in/ }).waitFor({ timeout: T });
  // The panel names the other racing scenario through the same site.
  await webview().locator('#others button', { hasText: 'uniqueness test' }).waitFor({ timeout: T });
  await s.screenshot('10-pick-opened');
}));


test('the panel in light, dark and high-contrast themes: the verdict text is readable', { timeout: 240_000 }, step('themes', async () => {
  const themes: [string, string, string][] = [
    ['Light Modern', 'vs', 'vscode-light'],
    ['Dark Modern', 'vs-dark', 'vscode-dark'],
    ['Dark High Contrast', 'hc-black', 'vscode-high-contrast'],
    ['Light High Contrast', 'hc-light', 'vscode-high-contrast-light'],
  ];
  for (const [theme, workbenchClass, bodyClass] of themes) {
    await page.keyboard.press('Escape');
    await pickColorTheme(page, theme, workbenchClass, T);
    await webview().locator(`body.${bodyClass}`).waitFor({ timeout: T });
    const colours = await webview().locator('#verdict').evaluate(v => ({
      text: getComputedStyle(v).color,
      mark: getComputedStyle(v).borderLeftColor,
      page: getComputedStyle(document.body).backgroundColor,
      cls: v.className,
    }));
    assert.equal(colours.cls, 'race');
    const text = contrastOf(colours.text, colours.page);
    const mark = contrastOf(colours.mark, colours.page);
    assert.ok(text >= 4.5, `${theme}: verdict text ${colours.text} on ${colours.page} is ${text.toFixed(2)}:1`);
    assert.ok(mark >= 3, `${theme}: verdict mark ${colours.mark} on ${colours.page} is ${mark.toFixed(2)}:1`);
    await s.screenshot(`11-theme-${workbenchClass}`);
  }
}));
