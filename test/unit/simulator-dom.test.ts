// The simulator webview in a real browser (headless Chromium via playwright-core), outside VS Code:
// a harness page with the same CSP as the panel, a fake `acquireVsCodeApi`, and the scenario
// message the host would send. Checks rendering, keyboard control, live re-exploration and the
// messages posted back; saves screenshots to test-results/simulator/ for a human to look at.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { SIMULATOR_CSS } from '../../client/webview/style';
import type { SimScenario } from '../../client/webview/messages';
import { takeover } from './simulator-fixtures';

const CHROMIUM = '/usr/bin/chromium';
const root = path.resolve(__dirname, '../../..');
const shots = path.join(root, 'test-results', 'simulator');

// Loaded lazily so the file still loads (and skips) where playwright-core or esbuild is absent.
type Browser = import('playwright-core').Browser;
type Page = import('playwright-core').Page;
let browser: Browser | undefined;
let bundle = '';
let tmp = '';

const skip = existsSync(CHROMIUM) ? false : `${CHROMIUM} is missing: install Debian's chromium (scripts/setup-e2e.sh) to run the browser checks`;

const scenario: SimScenario = {
  uri: 'file:///work/request.rs', id: 'takeover-vs-drop', title: 'try_set_end (CAS 2 -> 0) vs drop (3 -> 2)', flavour: 'rust',
  program: takeover('rlx', 'rlx'),
  sites: [
    { line: 41, text: 'self.refcount.fetch_sub(1, Ordering::Relaxed)', role: 'dec that may not be last', which: ['single'] },
    { line: 57, text: 'self.refcount.compare_exchange(2, 0, Ordering::Relaxed, Ordering::Relaxed)', role: 'takeover CAS 2 -> 0', which: ['success', 'failure'] },
  ],
};

const DARK = `body { --vscode-editor-background:#1e1e1e; --vscode-foreground:#cccccc; --vscode-descriptionForeground:#9d9d9d;
  --vscode-list-activeSelectionBackground:#04395e; --vscode-list-activeSelectionForeground:#ffffff; --vscode-errorForeground:#f48771;
  --vscode-panel-border:#80808059; --vscode-dropdown-background:#3c3c3c; --vscode-dropdown-foreground:#f0f0f0;
  --vscode-button-secondaryBackground:#3a3d41; --vscode-button-secondaryForeground:#fff; --vscode-editor-rangeHighlightBackground:#ffffff0b; }`;

function harness(theme: 'light' | 'dark'): string {
  const nonce = 'harnessnonce1234';
  return `<!DOCTYPE html><html lang="en"><head><meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'nonce-${nonce}'; style-src 'nonce-${nonce}';">
<style nonce="${nonce}">${SIMULATOR_CSS}${theme === 'dark' ? DARK : ''}</style></head><body>
<script nonce="${nonce}">
  window.__posted = []; window.__state = undefined;
  window.acquireVsCodeApi = () => ({ postMessage: m => window.__posted.push(JSON.parse(JSON.stringify(m))), getState: () => window.__state, setState: s => { window.__state = s; } });
</script>
<script nonce="${nonce}" src="/webview.js"></script></body></html>`;
}

async function openPage(theme: 'light' | 'dark', width = 620): Promise<{ page: Page; warnings: string[]; errors: string[] }> {
  const page = await browser!.newPage({ viewport: { width, height: 900 } });
  const warnings: string[] = [];
  const errors: string[] = [];
  page.on('console', m => { if (m.type() === 'warning') warnings.push(m.text()); if (m.type() === 'error') errors.push(m.text()); });
  page.on('pageerror', e => errors.push(e.message));
  await page.route('http://simulator.test/**', route => {
    const url = new URL(route.request().url());
    if (url.pathname === '/webview.js') return route.fulfill({ contentType: 'text/javascript', body: bundle });
    return route.fulfill({ contentType: 'text/html', body: harness(theme) });
  });
  await page.goto('http://simulator.test/index.html');
  await page.waitForFunction(() => (window as unknown as { __posted: { type: string }[] }).__posted.some(m => m.type === 'ready'));
  return { page, warnings, errors };
}

async function send(page: Page, msg: unknown): Promise<void> {
  await page.evaluate(m => window.postMessage(m, '*'), msg as object);
}

async function posted(page: Page): Promise<{ type: string; [k: string]: unknown }[]> {
  return page.evaluate(() => (window as unknown as { __posted: { type: string }[] }).__posted);
}

before(async () => {
  if (skip) return;
  // Bundle the current source (as scripts/build.mjs does) so the check does not depend on a stale dist/.
  const esbuild = await import('esbuild');
  tmp = mkdtempSync(path.join(tmpdir(), 'simulator-dom-'));
  await esbuild.build({
    bundle: true, platform: 'browser', format: 'iife', target: 'es2022', logLevel: 'silent',
    entryPoints: [path.join(root, 'client/webview/main.ts')], outfile: path.join(tmp, 'webview.js'),
  });
  bundle = readFileSync(path.join(tmp, 'webview.js'), 'utf8');
  const { chromium } = await import('playwright-core');
  browser = await chromium.launch({ executablePath: CHROMIUM, headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'] });
  mkdirSync(shots, { recursive: true });
});

after(async () => {
  await browser?.close();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

test('renders the seed counterexample, steps with the keyboard, explains the race', { skip }, async () => {
  const { page, errors } = await openPage('light');
  await send(page, { type: 'scenario', scenario });
  await page.waitForSelector('#cell-0');
  assert.deepEqual(await page.locator('#grid .colhead').allTextContents(), ['#', 'T1 A', 'T2 B']);
  assert.match(await page.locator('#verdict').textContent() ?? '', /^1 race in 3 executions/);
  // A scenario without a model is ordinary Rust: the panel names the model its verdict is under.
  assert.equal(await page.locator('#model').textContent(), 'Checked under the C11/Rust memory model (RC11)');
  assert.equal(await page.locator('#refcount-value').textContent(), '3');
  assert.equal(await page.locator('#position').textContent(), 'start of 4');

  await page.keyboard.press('ArrowRight');
  assert.equal(await page.locator('#position').textContent(), 'step 1 of 4');
  assert.equal(await page.locator('.cell.current').count(), 1);
  await page.keyboard.press('ArrowRight');
  assert.equal(await page.locator('#refcount-value').textContent(), '2', 'after B\'s decrement');
  await page.keyboard.press('r');
  assert.equal(await page.locator('#position').textContent(), 'step 4 of 4');
  assert.equal(await page.locator('#refcount-value').textContent(), '0');
  assert.equal(await page.locator('#explanation').textContent(),
    'B wrote payload at step 1; A wrote it at step 4; nothing orders step 1 before step 4 because '
    + "A's CAS (2\u21920) read B's Relaxed decrement (3\u21922) without Acquire, and the decrement is not Release either");
  assert.equal(await page.locator('.cell.race').count(), 2);
  assert.equal(await page.locator('#arrows path.arrow.race').count(), 1);
  assert.equal(await page.locator('#arrows path.arrow.rf').count(), 1);
  await page.screenshot({ path: path.join(shots, 'dom-race-light.png'), fullPage: true });

  // Stepping posted reveals of the Rust sites; the race jump revealed the reuse's line (no site: no reveal) or the CAS.
  const reveals = (await posted(page)).filter(m => m.type === 'reveal');
  assert.ok(reveals.some(m => m.site === 1 || m.site === 0), JSON.stringify(reveals));
  await page.keyboard.press('Home');
  assert.equal(await page.locator('#position').textContent(), 'start of 4');
  assert.deepEqual(errors, []);
  await page.close();
});

test('flipping the CAS to Acquire and the decrement to Release re-explores to "no race" and can be applied', { skip }, async () => {
  const { page, errors } = await openPage('dark');
  await send(page, { type: 'scenario', scenario });
  await page.waitForSelector('#cell-0');
  await page.selectOption('select[data-key="site:1:success"]', 'acq');
  // The verdict says it is about orderings the source does not have.
  assert.match(await page.locator('#verdict').textContent() ?? '', /^with 1 changed ordering: 1 race in \d+ executions/);
  assert.match(await page.locator('#explanation').textContent() ?? '', /but it is Relaxed, not Release$/);
  await page.selectOption('select[data-key="site:0:single"]', 'rel');
  assert.match(await page.locator('#verdict').textContent() ?? '', /^with 2 changed orderings: no race in \d+ executions? — explored in \d+ ms$/);
  assert.equal(await page.locator('#cell-0').count(), 0, 'no counterexample left to show');
  assert.equal(await page.locator('#explanation').textContent(), '');
  await page.screenshot({ path: path.join(shots, 'dom-fixed-dark.png'), fullPage: true });

  await page.click('#apply');
  const msgs = await posted(page);
  assert.deepEqual(msgs.filter(m => m.type === 'apply'), [{ type: 'apply', orderings: [{ site: 1, which: 'success', mode: 'acq' }, { site: 0, which: 'single', mode: 'rel' }] }]);
  assert.ok(msgs.filter(m => m.type === 'timing' && m.name === 'explore').length >= 3, 'one timing per exploration');
  assert.ok(msgs.some(m => m.type === 'painted'));
  // The choices survive a reload through the saved state.
  const state = await page.evaluate(() => (window as unknown as { __state: unknown }).__state);
  assert.deepEqual((state as { choices: unknown }).choices, { 'site:1:success': 'acq', 'site:0:single': 'rel' });
  assert.deepEqual(errors, []);
  await page.close();
});

test('editor cursor on a site selects its step; malformed messages are ignored', { skip }, async () => {
  const { page, warnings, errors } = await openPage('light', 480);
  await send(page, { type: 'scenario', scenario });
  await page.waitForSelector('#cell-0');
  await send(page, { type: 'selectSource', sites: [1] });
  const current = page.locator('.cell.current');
  assert.match(await current.textContent() ?? '', /compare_exchange/);
  assert.equal(await page.locator('.cell.linked').count(), 1);
  await send(page, { type: 'scenario', scenario: { ...scenario, program: { name: 'x', threads: 'nope' } } });
  await send(page, { type: 'bogus' });
  // window.postMessage delivers asynchronously: wait for both to be handled (the limit is only a last guard).
  const guard = Date.now() + 60_000;
  while (warnings.filter(w => w.includes('malformed')).length < 2 && Date.now() < guard) await page.waitForTimeout(20);
  assert.equal(warnings.filter(w => w.includes('malformed')).length, 2);
  assert.match(await current.textContent() ?? '', /compare_exchange/, 'state untouched by the bad messages');
  await page.screenshot({ path: path.join(shots, 'dom-narrow-480.png'), fullPage: true });
  assert.deepEqual(errors, []);
  await page.close();
});

test('a panel that follows its source: loading first, the other racing scenarios, then "gone" without a stale verdict', { skip }, async () => {
  const { page, errors } = await openPage('light');
  // Before the host sends the scenario the page says it is loading (not an empty skeleton).
  assert.equal(await page.locator('#empty').textContent(), 'Loading the scenario…');
  const clean = { ...scenario, program: takeover('rel', 'acq'), notice: 'The applied orderings make it race-free.', others: [{ id: 'drop:1', title: 'two holders drop; the last one frees', verdict: 'race' }] };
  await send(page, { type: 'scenario', scenario: clean });
  await page.locator('#verdict.clean', { hasText: /^no race/ }).waitFor();
  assert.equal(await page.locator('#notice').textContent(), 'The applied orderings make it race-free.');
  const other = page.locator('#others button', { hasText: 'two holders drop; the last one frees (race)' });
  await other.click();
  assert.deepEqual((await posted(page)).filter(m => m.type === 'openScenario'), [{ type: 'openScenario', id: 'drop:1' }]);
  // The source no longer has the scenario: the panel says so, keeps no verdict, and cannot apply.
  await page.selectOption('select[data-key="site:1:success"]', 'rlx');
  await send(page, { type: 'gone', reason: '"try_set_end" is no longer in request.rs: its sites are no longer in the file.' });
  await page.locator('#gone', { hasText: 'is no longer in request.rs' }).waitFor();
  assert.equal(await page.locator('#verdict').textContent(), '');
  assert.equal(await page.locator('#grid').isVisible(), false);
  assert.equal(await page.locator('#apply').isDisabled(), true);
  await page.screenshot({ path: path.join(shots, 'dom-gone-light.png'), fullPage: true });
  // The next scenario message (the source is back) clears it.
  await send(page, { type: 'scenario', scenario });
  await page.locator('#verdict.race').waitFor();
  assert.equal(await page.locator('#gone').textContent(), '');
  assert.deepEqual(errors, []);
  await page.close();
});

test('an LKMM witness whose steps are not a timeline says so in the panel', { skip }, async () => {
  const { page, errors } = await openPage('light');
  const lb = {
    name: 'LB', locations: [{ name: 'x', init: 0, atomic: true }, { name: 'y', init: 0, atomic: true }],
    threads: [
      { name: 'P0', body: [{ k: 'load', reg: 'r0', loc: 'x', mo: 'rlx' }, { k: 'store', loc: 'y', val: { k: 'const', v: 1 }, mo: 'rlx' }] },
      { name: 'P1', body: [{ k: 'load', reg: 'r0', loc: 'y', mo: 'rlx' }, { k: 'store', loc: 'x', val: { k: 'const', v: 1 }, mo: 'rlx' }] },
    ],
    condition: { quantifier: 'exists', cond: { k: 'and', a: { k: 'eqReg', thread: 0, reg: 'r0', v: 1 }, b: { k: 'eqReg', thread: 1, reg: 'r0', v: 1 } } },
  };
  await send(page, { type: 'scenario', scenario: { uri: 'file:///lb.litmus', id: 'litmus', title: 'LB', flavour: 'litmus', program: lb, sites: [], model: 'lkmm' } });
  await page.waitForSelector('#cell-0');
  assert.match(await page.locator('#ordernote').textContent() ?? '', /not a timeline/);
  assert.equal(await page.locator('#model').textContent(), 'Checked under the Linux kernel memory model (LKMM)');
  assert.deepEqual(errors, []);
  await page.close();
});

test('choices saved under C11 that LKMM does not have are dropped when the scenario comes back under LKMM', { skip }, async () => {
  const { page, errors } = await openPage('light');
  // The panel's state from before a reload, when the same scenario was explored under C11: AcqRel on the decrement.
  await page.evaluate(st => { (window as unknown as { __state: unknown }).__state = st; },
    { uri: scenario.uri, id: scenario.id, choices: { 'site:0:single': 'acq_rel', 'site:1:success': 'acq' }, counterexample: 0, step: -1 });
  await send(page, { type: 'scenario', scenario: { ...scenario, model: 'lkmm' } });
  await page.waitForSelector('#toggles select');
  assert.equal(await page.locator('#model').textContent(), 'Checked under the Linux kernel memory model (LKMM)');
  // The CAS's Acquire is kept (LKMM has it); the AcqRel is gone from the choices, the select and what Apply would write.
  assert.match(await page.locator('#verdict').textContent() ?? '', /^with 1 changed ordering: /);
  assert.equal(await page.locator('select[data-key="site:0:single"]').inputValue(), 'rlx');
  assert.deepEqual(await page.locator('select[data-key="site:0:single"] option').evaluateAll(os => os.map(o => (o as HTMLOptionElement).value)), ['rlx', 'acq', 'rel', 'sc']);
  await page.locator('#apply').click();
  const apply = (await posted(page)).filter(m => m.type === 'apply');
  assert.deepEqual(apply.map(m => m.orderings), [[{ site: 1, which: 'success', mode: 'acq' }]]);
  assert.deepEqual(errors, []);
  await page.close();
});

test('the execution graph follows the stepper, hides relations on request, highlights on hover and asks the host to export', { skip }, async () => {
  const { page, errors } = await openPage('light', 1100);
  await send(page, { type: 'scenario', scenario });
  await page.waitForSelector('#graph-svg svg.execgraph');
  // One box per event plus one per location's initial value.
  assert.equal(await page.locator('#graph-svg g.node[data-step]:not(.init)').count(), 4);
  assert.equal(await page.locator('#graph-svg g.node.init').count(), 2);
  // Before the first step every event is dimmed and no edge between events is drawn.
  assert.equal(await page.locator('#graph-svg g.node.future').count(), 4);
  const casRf = page.locator('#graph-svg g.edge.rf[data-to="e2"][data-from="e1"]');
  assert.equal(await casRf.count(), 1, 'the CAS reads the decrement');
  assert.equal(await casRf.isVisible(), false);
  await page.keyboard.press('ArrowRight');
  await page.keyboard.press('ArrowRight');
  assert.equal(await casRf.isVisible(), false, 'the CAS has not run yet');
  await page.keyboard.press('ArrowRight');
  assert.equal(await casRf.isVisible(), true);
  assert.equal(await page.locator('#graph-svg g.node.current').getAttribute('data-node'), 'e2');
  // Toggles: rf off hides it, on shows it again.
  await page.uncheck('#rel-rf');
  assert.equal(await casRf.isVisible(), false);
  await page.check('#rel-rf');
  assert.equal(await casRf.isVisible(), true);
  // Hover over the CAS's box: its edges and its step row stand out.
  await page.hover('#gn-e2');
  assert.equal(await page.locator('#cell-2.hover').count(), 1);
  assert.equal(await casRf.evaluate(e => e.classList.contains('hl')), true);
  await page.screenshot({ path: path.join(shots, 'dom-graph-hover-light.png'), fullPage: true });
  await page.mouse.move(0, 0);
  assert.equal(await page.locator('#grid .cell.hover').count(), 0);
  // The checkbox keeps the keyboard: take it back to the page before the shortcut.
  await page.click('#title');
  await page.keyboard.press('r');
  assert.equal(await page.locator('#graph-svg g.edge.race').isVisible(), true);
  assert.match(await page.locator('#gloss').textContent() ?? '', /^T1 read the refcount from T2's Relaxed decrement; nothing makes T2's write to the payload happen before T1's write to the payload$/);
  await page.uncheck('#rel-mo');
  await page.click('#export-dot');
  const exp = (await posted(page)).filter(m => m.type === 'exportGraph');
  assert.equal(exp.length, 1);
  assert.equal(exp[0].format, 'dot');
  assert.deepEqual(exp[0].relations, ['po', 'rf', 'sw', 'hb', 'race']);
  assert.equal((exp[0].trace as { steps: unknown[] }).steps.length, 4);
  const state = await page.evaluate(() => (window as unknown as { __state: { relations: string[] } }).__state);
  assert.deepEqual(state.relations, ['po', 'rf', 'sw', 'hb', 'race']);
  await page.screenshot({ path: path.join(shots, 'dom-graph-race-light.png'), fullPage: true });
  assert.deepEqual(errors, []);
  await page.close();
});
