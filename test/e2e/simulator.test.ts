// The simulator in a real VS Code (code-server + headless Chromium, recipe in the shared guide
// vscode-e2e.md), loading this repository as an unpackaged extension (build first: dist/).
// Today it drives the litmus path (open a .litmus file, "Open Litmus File in Simulator"); the
// Rust CodeLens path joins once the review produces scenarios for the seed workspace.
// Screenshots and timings go to test-results/simulator/.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const root = path.resolve(__dirname, '../../..');
const CS = path.join(root, '.e2e/code-server/node_modules/.bin/code-server');
const CHROMIUM = '/usr/bin/chromium';
const results = path.join(root, 'test-results', 'simulator');
const missing = [CS, CHROMIUM, path.join(root, 'dist/extension.js'), path.join(root, 'dist/webview.js')].filter(p => !existsSync(p));
const skip = missing.length ? `needs ${missing.join(', ')} (run scripts/setup-e2e.sh and the build)` : false;

test('litmus file: open in the simulator, jump to the race, flip orderings to "no race", export', { skip, timeout: 120_000 }, async () => {
  const { chromium } = await import('playwright-core');
  const dir = mkdtempSync(path.join(tmpdir(), 'sim-e2e-'));
  mkdirSync(path.join(dir, 'ud/User'), { recursive: true });
  mkdirSync(path.join(dir, 'exts'));
  cpSync(path.join(root, 'test/e2e/workspace'), path.join(dir, 'ws'), { recursive: true });
  cpSync(path.join(root, 'test/fixtures/litmus/refcount-takeover+dec-rlx+cas-rlx.litmus'), path.join(dir, 'ws/takeover.litmus'));
  const port = 20000 + (process.pid % 20000);
  writeFileSync(path.join(dir, 'config.yaml'), `bind-addr: 127.0.0.1:${port}\nauth: none\ncert: false\n`);
  writeFileSync(path.join(dir, 'ud/User/settings.json'), JSON.stringify({
    'workbench.startupEditor': 'none', 'security.workspace.trust.enabled': false, 'telemetry.telemetryLevel': 'off', 'update.mode': 'none',
    'extensions.autoUpdate': false, 'extensions.autoCheckUpdates': false, 'workbench.enableExperiments': false, 'workbench.tips.enabled': false,
    'chat.commandCenter.enabled': false, 'git.enabled': false, 'window.commandCenter': false,
  }));
  const cs = spawn(CS, ['--config', path.join(dir, 'config.yaml'), '--user-data-dir', path.join(dir, 'ud'), '--extensions-dir', path.join(dir, 'exts'),
    '--disable-telemetry', '--disable-update-check', '--disable-workspace-trust', '--disable-getting-started-override', '--ignore-last-opened'], { stdio: 'ignore' });
  const base = `http://127.0.0.1:${port}`;
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'] });
  mkdirSync(results, { recursive: true });
  try {
    for (let i = 0; i < 100; i++) { try { await fetch(`${base}/healthz`); break; } catch { await new Promise(r => setTimeout(r, 100)); } }
    const page = await (await browser.newContext({ viewport: { width: 1400, height: 900 } })).newPage();
    const shot = (n: string) => page.screenshot({ path: path.join(results, `e2e-${n}.png`) });
    const payload = [['extensionDevelopmentPath', `vscode-remote://127.0.0.1:${port}${root}`]];
    await page.goto(`${base}/?folder=${encodeURIComponent(path.join(dir, 'ws'))}&payload=${encodeURIComponent(JSON.stringify(payload))}`);
    await page.locator('.explorer-folders-view').waitFor({ timeout: 30_000 });
    await page.keyboard.press('Control+P');
    await page.locator('.quick-input-widget input').fill('takeover.litmus');
    await page.locator('.quick-input-list .monaco-list-row', { hasText: 'takeover.litmus' }).first().waitFor();
    await page.keyboard.press('Enter');
    await page.locator('.tab.active', { hasText: 'takeover.litmus' }).waitFor();
    await page.keyboard.press('F1');
    await page.locator('.quick-input-widget input').fill('>Refcount Review: Open Litmus File in Simulator');
    await page.locator('.quick-input-list .monaco-list-row', { hasText: 'Open Litmus File in Simulator' }).first().waitFor();
    const t0 = Date.now();
    await page.keyboard.press('Enter');
    const frame = page.frameLocator('iframe.webview.ready').frameLocator('iframe#active-frame');
    await frame.locator('#cell-0').waitFor({ timeout: 30_000 });
    const firstPaintMs = Date.now() - t0;
    assert.match(await frame.locator('#verdict').textContent() ?? '', /^1 race in 3 executions/);
    await frame.locator('#title').click();
    await frame.locator('body').press('r');
    assert.equal(await frame.locator('#position').textContent(), 'step 4 of 4');
    assert.match(await frame.locator('#explanation').textContent() ?? '',
      /^P0 wrote data at step 1; P1 wrote it at step 4; nothing orders step 1 before step 4 because P1's CAS \(2→0\) read P0's relaxed decrement \(3→2\) without acquire/);
    // Stepping revealed the reuse's line in the litmus editor.
    await page.locator('.monaco-editor .line-numbers.active-line-number', { hasText: '20' }).waitFor({ timeout: 5000 });
    await shot('race');
    const exploreMs = async () => Number(await frame.locator('body').getAttribute('data-explore-ms'));
    await frame.locator('select[data-key="at:1.1:success"]').selectOption('acq');
    const toggleMs1 = await exploreMs();
    assert.match(await frame.locator('#verdict').textContent() ?? '', /^1 race/);
    await frame.locator('select[data-key="at:0.1:single"]').selectOption('rel');
    const toggleMs2 = await exploreMs();
    assert.match(await frame.locator('#verdict').textContent() ?? '', /^no race in 2 executions/);
    await shot('fixed');
    await frame.locator('#litmus').click();
    await page.locator('.tab.active', { hasText: 'Untitled' }).waitFor({ timeout: 10_000 });
    await page.locator('.monaco-editor .view-lines', { hasText: 'memory_order_acquire' }).waitFor({ timeout: 5000 });
    await shot('export');
    writeFileSync(path.join(results, 'timings.json'), JSON.stringify({ commandToFirstPaintMs: firstPaintMs, reexploreAfterToggleMs: [toggleMs1, toggleMs2] }, null, 2));
  } finally {
    await browser.close();
    cs.kill();
    rmSync(dir, { recursive: true, force: true });
  }
});
