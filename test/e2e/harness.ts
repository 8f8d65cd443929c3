// Real-VS-Code test harness: code-server 4.100.3 (VS Code 1.100.3 workbench + remote extension
// host) in Debian's Chromium, driven by playwright-core.
//
// Each session gets a throwaway profile (user data, extensions, config, workspace copy) and a free
// port; everything started here is killed by PID (process group) on close, on test failure, and
// on process exit.

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type FrameLocator, type Locator, type Page } from 'playwright-core';

export const ROOT = path.resolve(__dirname, '../../..');
export const E2E_DIR = path.join(ROOT, '.e2e');
export const CODE_SERVER = path.join(E2E_DIR, 'code-server', 'node_modules', '.bin', 'code-server');
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const RESULTS = path.join(ROOT, 'test-results', 'e2e');
export const FIXTURE_WS = path.join(ROOT, 'test', 'e2e', 'workspace');
// The package lives in this checkout's out/ (not in .e2e/, which worktrees may share), so a test
// run always installs the build of the tree it runs from.
export const VSIX = path.join(ROOT, 'out', 'e2e', 'refcount-review.vsix');
export const EXTENSION_ID = 'refcount-review.refcount-review';

/** Installs code-server and Chromium when missing (idempotent; ~1.5 min the first time). */
export function ensureSetup(): void {
  if (existsSync(CODE_SERVER) && existsSync(CHROMIUM)) return;
  const r = spawnSync('bash', [path.join(ROOT, 'scripts', 'setup-e2e.sh')], { stdio: 'inherit', cwd: ROOT });
  if (r.status !== 0) throw new Error(`scripts/setup-e2e.sh failed with ${r.status}`);
  if (!existsSync(CODE_SERVER)) throw new Error(`setup did not produce ${CODE_SERVER}`);
}

function newest(paths: string[]): number {
  return Math.max(...paths.filter(p => existsSync(p)).map(p => statSync(p).mtimeMs));
}

/**
 * The packaged extension. Reused when it is newer than everything that goes into it; otherwise
 * packaged again with vsce (after a build when dist/ is missing), as `npm run package` does.
 * Written under a temporary name and renamed, so parallel test files never see half a file.
 */
export function ensureVsix(): string {
  const inputs = ['dist/extension.js', 'dist/server.js', 'dist/worker.js', 'dist/webview.js', 'package.json', 'docs/rules.md', 'LICENSE', '.vscodeignore'].map(p => path.join(ROOT, p));
  if (existsSync(VSIX) && statSync(VSIX).mtimeMs > newest(inputs)) return VSIX;
  mkdirSync(path.dirname(VSIX), { recursive: true });
  const tmp = path.join(path.dirname(VSIX), `pkg-${process.pid}.vsix`);
  if (!existsSync(path.join(ROOT, 'dist', 'extension.js')) || !existsSync(path.join(ROOT, 'dist', 'server.js'))) {
    const b = spawnSync(process.execPath, [path.join(ROOT, 'scripts', 'build.mjs')], { cwd: ROOT, stdio: 'inherit' });
    if (b.status !== 0) throw new Error(`build failed (${b.status})`);
  }
  // --no-rewrite-relative-links: the README links docs/rules.md relatively, and the repository is
  // not on GitHub/GitLab, so vsce cannot make those links absolute (they work inside the .vsix).
  const r = spawnSync(process.execPath, [path.join(ROOT, 'node_modules', '@vscode', 'vsce', 'vsce'), 'package', '--no-dependencies', '--no-rewrite-relative-links', '-o', tmp], { cwd: ROOT, encoding: 'utf8' });
  if (r.status !== 0 || !existsSync(tmp)) throw new Error(`packaging failed (${r.status}):\n${r.stdout}\n${r.stderr}`);
  renameSync(tmp, VSIX);
  return VSIX;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

const live = new Set<ChildProcess>();
function killGroup(p: ChildProcess, signal: NodeJS.Signals): void {
  if (p.pid === undefined || p.exitCode !== null || p.signalCode !== null) return;
  try { process.kill(-p.pid, signal); } catch { try { p.kill(signal); } catch { /* gone */ } }
}
// Last line of defence: never leave a code-server (and its extension host and LSP server) behind.
process.on('exit', () => { for (const p of live) killGroup(p, 'SIGKILL'); });

const USER_SETTINGS = {
  'workbench.startupEditor': 'none', 'security.workspace.trust.enabled': false, 'telemetry.telemetryLevel': 'off',
  'update.mode': 'none', 'extensions.autoUpdate': false, 'extensions.autoCheckUpdates': false,
  'workbench.enableExperiments': false, 'workbench.tips.enabled': false,
  'workbench.welcomePage.walkthroughs.openOnInstall': false, 'chat.commandCenter.enabled': false,
  'git.enabled': false, 'window.commandCenter': false, 'files.autoSave': 'off',
  // Keep the editor deterministic for screenshots and text checks.
  'editor.minimap.enabled': false, 'editor.codeLens': true, 'editor.lightbulb.enabled': 'on',
};

export interface SessionOptions {
  /** Install this .vsix into the fresh profile. */
  vsix?: string;
  /** Name used for the results folder and logs. */
  name: string;
}

export class CodeServerSession {
  browser?: Browser;
  page?: Page;
  private proc?: ChildProcess;
  private log = '';

  private constructor(readonly dir: string, readonly port: number, readonly workspace: string, readonly name: string) {}

  get base(): string { return `http://127.0.0.1:${this.port}`; }
  get userDataDir(): string { return path.join(this.dir, 'ud'); }
  get extensionsDir(): string { return path.join(this.dir, 'exts'); }

  /** Fresh profile + a copy of the fixture workspace, vsix installed, code-server listening. */
  static async start(o: SessionOptions): Promise<CodeServerSession> {
    ensureSetup();
    const dir = mkdtempSync(path.join(os.tmpdir(), `rr-e2e-${o.name}-`));
    const port = await freePort();
    const ws = path.join(dir, 'ws');
    cpSync(FIXTURE_WS, ws, { recursive: true });
    const s = new CodeServerSession(dir, port, ws, o.name);
    mkdirSync(path.join(s.userDataDir, 'User'), { recursive: true });
    mkdirSync(s.extensionsDir, { recursive: true });
    // --config: otherwise code-server writes ~/.config/code-server/config.yaml and runs share state.
    writeFileSync(path.join(dir, 'config.yaml'), `bind-addr: 127.0.0.1:${port}\nauth: none\ncert: false\n`);
    writeFileSync(path.join(s.userDataDir, 'User', 'settings.json'), JSON.stringify(USER_SETTINGS, null, 2));
    const common = ['--config', path.join(dir, 'config.yaml'), '--user-data-dir', s.userDataDir, '--extensions-dir', s.extensionsDir];
    if (o.vsix) {
      const r = spawnSync(CODE_SERVER, [...common, '--install-extension', o.vsix], { encoding: 'utf8', timeout: 60_000 });
      if (r.status !== 0) throw new Error(`code-server --install-extension failed (${r.status}):\n${r.stdout}\n${r.stderr}`);
    }
    const proc = spawn(CODE_SERVER, [...common, '--disable-telemetry', '--disable-update-check', '--disable-workspace-trust',
      '--disable-getting-started-override', '--ignore-last-opened'], { detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    s.proc = proc;
    live.add(proc);
    proc.stdout!.on('data', d => { s.log += String(d); });
    proc.stderr!.on('data', d => { s.log += String(d); });
    proc.on('exit', () => live.delete(proc));
    try {
      await s.waitHealthy();
    } catch (err) {
      await s.close();
      throw err;
    }
    return s;
  }

  private async waitHealthy(): Promise<void> {
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      if (this.proc?.exitCode !== null) throw new Error(`code-server exited (${this.proc?.exitCode}):\n${this.log}`);
      try {
        const r = await fetch(`${this.base}/healthz`);
        if (r.ok) return;
      } catch { /* not listening yet */ }
      await new Promise(r => setTimeout(r, 100));
    }
    throw new Error(`code-server did not become healthy within 60 s:\n${this.log}`);
  }

  /** Chromium on a fresh temporary profile (playwright makes one per launch). */
  async launchBrowser(): Promise<Page> {
    this.browser = await chromium.launch({
      executablePath: CHROMIUM, headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
        '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
    });
    const ctx = await this.browser.newContext({ viewport: { width: 1400, height: 900 } });
    this.page = await ctx.newPage();
    return this.page;
  }

  workbenchUrl(extra: Record<string, string> = {}): string {
    const q = new URLSearchParams({ folder: this.workspace, ...extra });
    return `${this.base}/?${q.toString()}`;
  }

  async screenshot(step: string): Promise<string> {
    mkdirSync(path.join(RESULTS, this.name), { recursive: true });
    const file = path.join(RESULTS, this.name, `${step}.png`);
    if (this.page) await this.page.screenshot({ path: file }).catch(() => { /* page gone: nothing to show */ });
    return file;
  }

  /** Files under the session's log directory whose path matches `re` (exthost logs, output channels). */
  logFiles(re: RegExp): string[] {
    const out: string[] = [];
    const walk = (d: string) => {
      if (!existsSync(d)) return;
      for (const e of readdirSync(d, { withFileTypes: true })) {
        const p = path.join(d, e.name);
        if (e.isDirectory()) walk(p);
        else if (re.test(p)) out.push(p);
      }
    };
    walk(path.join(this.userDataDir, 'logs'));
    return out;
  }

  readLogs(re: RegExp): string {
    return this.logFiles(re).map(f => `=== ${path.relative(this.dir, f)}\n${readFileSync(f, 'utf8')}`).join('\n');
  }

  /** Copies the session's logs next to the screenshots, for a human to read after a failure. */
  keepLogs(): void {
    const dest = path.join(RESULTS, this.name, 'logs');
    try {
      rmSync(dest, { recursive: true, force: true });
      if (existsSync(path.join(this.userDataDir, 'logs'))) cpSync(path.join(this.userDataDir, 'logs'), dest, { recursive: true });
      writeFileSync(path.join(RESULTS, this.name, 'code-server.log'), this.log);
    } catch { /* best effort */ }
  }

  /** Closes Chromium and kills code-server's process group (extension host and LSP server with it). */
  async close(): Promise<void> {
    this.keepLogs();
    if (this.browser) {
      const b = this.browser;
      this.browser = undefined;
      await Promise.race([b.close().catch(() => {}), new Promise(r => setTimeout(r, 10_000))]);
    }
    const p = this.proc;
    if (p && p.exitCode === null && p.signalCode === null) {
      const exited = new Promise<void>(r => p.once('exit', () => r()));
      killGroup(p, 'SIGTERM');
      const t = setTimeout(() => killGroup(p, 'SIGKILL'), 5000);
      await exited;
      clearTimeout(t);
    }
    rmSync(this.dir, { recursive: true, force: true, maxRetries: 3 });
  }
}

// ---- workbench helpers (selectors of the VS Code 1.100 workbench DOM) ----

export async function waitForWorkbench(page: Page): Promise<void> {
  await page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
  await page.locator('.explorer-folders-view').waitFor({ timeout: 60_000 });
}

export async function quickOpen(page: Page, fileName: string): Promise<void> {
  await page.keyboard.press('Control+P');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor();
  await input.fill(fileName);
  await page.locator('.quick-input-list .monaco-list-row', { hasText: fileName }).first().waitFor({ timeout: 30_000 });
  await page.keyboard.press('Enter');
  await page.locator('.tab.active', { hasText: fileName }).waitFor();
}

export async function runCommand(page: Page, title: string): Promise<void> {
  const input = page.locator('.quick-input-widget input');
  // With the focus in a webview (the simulator panel), the palette can open and close again at
  // once as the webview takes the focus back; the text is then typed into nothing. Open it again
  // until the title is in an open palette (a few times at most).
  for (let attempt = 1; ; attempt++) {
    await page.keyboard.press('F1');
    try {
      await input.waitFor({ timeout: 10_000 });
      await input.fill(`>${title}`, { timeout: 10_000 });
      await page.locator('.quick-input-list .monaco-list-row', { hasText: title }).first().waitFor({ timeout: 30_000 });
      break;
    } catch (err) {
      if (attempt === 3) throw err;
    }
  }
  await page.keyboard.press('Enter');
}

/**
 * The visible webview's document (the simulator, or the markdown preview). Hidden webviews stay in
 * the DOM with visibility hidden, so only the visible one is taken.
 */
export function visibleWebview(page: Page): FrameLocator {
  return page.frameLocator('iframe.webview.ready:visible').frameLocator('iframe#active-frame');
}

/** The text editor of the editor area (a webview is not a Monaco editor). */
export function mainEditor(page: Page): Locator {
  return page.locator('.part.editor .monaco-editor').first();
}

/** Rows of the Problems panel that contain `hasText`. */
export function problemRows(page: Page, hasText: string | RegExp): Locator {
  return page.locator('.markers-panel .monaco-list-row', { hasText });
}

/** Wraps a test body so that a failure leaves a screenshot (`failed-<name>`) behind before it is reported. */
export function withFailureShot<T>(shot: (name: string) => Promise<unknown>, name: string, body: (t: T) => Promise<void>): (t: T) => Promise<void> {
  return async t => {
    try {
      await body(t);
    } catch (err) {
      await shot(`failed-${name}`).catch(() => { /* page gone: nothing to show */ });
      throw err;
    }
  };
}

export function editorText(page: Page): Locator {
  // The text editor of the editor area (not the output panel's). Only visible lines are rendered.
  return page.locator('.part.editor .monaco-editor .view-lines').first();
}

/** WCAG contrast of two computed CSS colours (rgb()/rgba(), alpha ignored: the page background is opaque). */
export function contrastOf(a: string, b: string): number {
  const lum = (css: string) => {
    const [r, g, bl] = (css.match(/[\d.]+/g) ?? []).slice(0, 3).map(Number).map(v => {
      const x = v / 255;
      return x <= 0.03928 ? x / 12.92 : ((x + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * bl;
  };
  const [hi, lo] = [lum(a), lum(b)].sort((x, y) => y - x);
  return (hi + 0.05) / (lo + 0.05);
}

/**
 * Switches the colour theme as a user does (Ctrl+K Ctrl+T, type its name, Enter) and waits until
 * the workbench carries the theme's class. The list is virtual: a theme below the fold has no row
 * until the filter brings it up.
 */
export async function pickColorTheme(page: Page, theme: string, workbenchClass: string, timeout = 30_000): Promise<void> {
  await page.keyboard.press('Control+K');
  await page.keyboard.press('Control+T');
  await page.locator('.quick-input-widget input[placeholder^="Select Color Theme"]').waitFor({ timeout });
  await page.locator('.quick-input-widget input').fill(theme);
  await page.locator('.quick-input-list .monaco-list-row.focused', { hasText: theme }).first().waitFor({ timeout });
  await page.keyboard.press('Enter');
  await page.locator(`.monaco-workbench.${workbenchClass}`).waitFor({ timeout });
}

/** Focuses the first editor group and waits until the focus is really there (keys pressed before can still reach a panel). */
export async function focusEditor(page: Page, timeout = 30_000): Promise<void> {
  await runCommand(page, 'View: Focus First Editor Group');
  await page.waitForFunction(() => !!document.activeElement?.closest('.part.editor .monaco-editor'), undefined, { timeout });
}

/** Go to Line (Ctrl+G) in the focused editor, and wait until that line is the active one (so it is rendered). */
export async function goToLine(page: Page, line: number, timeout = 30_000): Promise<void> {
  await page.keyboard.press('Control+G');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ timeout });
  await input.fill(`:${line}`);
  await page.keyboard.press('Enter');
  await page.locator('.part.editor .monaco-editor').first().locator('.line-numbers.active-line-number', { hasText: new RegExp(`^${line}$`) }).waitFor({ timeout });
}
