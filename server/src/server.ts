// The Refcount Review language server: LSP wiring only. The review runs in worker threads
// (lsp/workerPool.ts); documents and their reviews live in lsp/documents.ts; each feature
// (diagnostics, code actions, hover, code lens, workspace) has its own module under lsp/.
//
// Transports: --node-ipc (VS Code), --stdio (any LSP editor: `refcount-review lsp --stdio` or
// `node dist/server.js --stdio`), --socket=<port>.

import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { format } from 'node:util';
import {
  CodeActionKind, CodeLensRefreshRequest, createConnection, DidChangeConfigurationNotification, ErrorCodes, FileChangeType,
  LSPErrorCodes, ProposedFeatures, ResponseError, StreamMessageReader, StreamMessageWriter, TextDocuments, TextDocumentSyncKind,
  type CancellationToken, type CodeAction, type ResponseMessage, type InitializeParams, type InitializeResult, type WorkDoneProgressReporter,
} from 'vscode-languageserver/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { codeActions, FIX_ALL_KIND, resolveFixAll, type FixAllData } from './lsp/codeActions';
import { codeLenses } from './lsp/codeLens';
import { DEFAULT_SETTINGS, parseSettings, type Settings } from './lsp/config';
import type { RuleLinks } from './lsp/diagnostics';
import { Documents, reviewOpts } from './lsp/documents';
import { hoverAt } from './lsp/hover';
import { ORDERING_COMMENT_KIND } from './lsp/orderingComments';
import { isReviewable } from './lsp/limits';
import { dropMalformedCancels, LifecycleGuard, REJECT_METHOD, rejectHandler, watchFraming } from './lsp/rpcGuard';
import {
  checkWorkspaceMethod, scenariosMethod,
  type CheckWorkspaceResult, type InitializationOptions, type ScenariosParams, type ScenariosResult,
} from './lsp/requests';
import { contains, intersects } from './lsp/sites';
import { fileToUri, normalizeUri, uriToFile } from './lsp/uris';
import { ReviewPool } from './lsp/workerPool';
import { DEFAULT_LIMITS, readSource, scanRustFiles } from './lsp/workspace';
import type { FileReview } from './review';

const TRANSPORT = /^--(stdio|node-ipc|socket|pipe)\b/;
if (!process.argv.some(a => TRANSPORT.test(a))) {
  process.stderr.write('usage: refcount-review lsp --stdio   (or: node dist/server.js --stdio | --node-ipc | --socket=<port>)\n');
  process.exit(2);
}

const guard = new LifecycleGuard();
const connection = process.argv.includes('--stdio') ? stdioConnection() : createConnection(ProposedFeatures.all, { messageStrategy: guard.strategy });
connection.onRequest(REJECT_METHOD, rejectHandler);

/**
 * Over stdio the server owns the reader and writer, to answer a body that is not JSON with -32700
 * and to end the process on a framing error (see lsp/rpcGuard.ts). What createConnection does for
 * a stdio stream is done here too: exit when the input ends, keep console output off stdout.
 */
function stdioConnection() {
  const reader = new StreamMessageReader(process.stdin);
  const writer = new StreamMessageWriter(process.stdout);
  const fatal = (why: string) => {
    process.stderr.write(`refcount-review: unrecoverable error on the LSP input (${why}); exiting\n`);
    process.exit(1);
  };
  watchFraming(process.stdin, fatal);
  reader.onError(err => {
    if (err instanceof SyntaxError) void writer.write({ jsonrpc: '2.0', id: null, error: { code: ErrorCodes.ParseError, message: `the message is not JSON: ${err.message}` } } as ResponseMessage);
    else fatal(err.message);
  });
  reader.onClose(() => process.exit(guard.shutdownReceived ? 0 : 1));
  const conn = createConnection(ProposedFeatures.all, dropMalformedCancels(reader), writer, { messageStrategy: guard.strategy });
  const toLog = (send: (m: string) => void) => (...args: unknown[]) => send(format(...args));
  console.log = console.info = console.debug = toLog(m => conn.console.log(m));
  console.warn = toLog(m => conn.console.warn(m));
  console.error = toLog(m => conn.console.error(m));
  return conn;
}
const documents = new TextDocuments(TextDocument);
const log = (m: string) => connection.console.log(m);
const warn = (m: string) => connection.console.warn(m);

let settings: Settings = DEFAULT_SETTINGS;
let ruleLinks: RuleLinks = {};
let workspaceRoots: string[] = [];
let canPullConfig = false;
let canRefreshLenses = false;
let canResolveActions = false;
let canCreateProgress = false;
const lastLensSignature = new Map<string, string>();

const pool = new ReviewPool({
  script: path.join(__dirname, 'worker.js'),
  // One worker per spare core, at most 4: reviews are CPU-bound and the LSP thread must stay free.
  size: Math.max(1, Math.min(4, (os.availableParallelism?.() ?? os.cpus().length) - 1)),
  log,
});

/** Open documents by normalized URI (clients differ in how they percent-encode file URIs). */
function getDoc(uri: string): TextDocument | undefined {
  return documents.get(uri) ?? documents.all().find(d => normalizeUri(d.uri) === normalizeUri(uri));
}

pool.onIndexed = (files, stale) => {
  // Reviews that ran while a big workspace was still being indexed may have missed cross-file
  // helpers or paired sites: review those open files again now that the index is complete.
  if (stale.length) { log(`index complete (${files} file(s)); reviewing open files again`); docs.reviewFiles(stale); }
};

const docs = new Documents({
  connection, pool, log, get: getDoc,
  settings: () => settings,
  ruleLinks: () => ruleLinks,
  debounceMs: 150,
  onReviewed: uri => refreshLenses(uri),
});

function refreshLenses(uri: string): void {
  if (!canRefreshLenses) return;
  const r = docs.reviewed(uri);
  const sig = r ? codeLenses(uri, r).map(l => `${l.range.start.line}:${l.command?.title}:${JSON.stringify(l.command?.arguments)}`).join('|') : '';
  if (lastLensSignature.get(uri) === sig) return;
  lastLensSignature.set(uri, sig);
  connection.sendRequest(CodeLensRefreshRequest.type).catch(() => { /* client went away */ });
}

/**
 * The review of the text a request is about, however long it takes (see Documents.reviewOf). A
 * request its client cancelled while it waited ends with RequestCancelled, as LSP asks.
 */
async function reviewFor(uri: string, token: CancellationToken): Promise<FileReview | undefined> {
  const review = await docs.reviewOf(uri, token);
  if (token.isCancellationRequested) throw new ResponseError(LSPErrorCodes.RequestCancelled, 'the request was cancelled');
  return review;
}

/** Where docs/rules.md is when the client did not say: next to the bundle (dist/..) or the tsc output (out/server/src/../../..). */
function findRulesDoc(): string | undefined {
  for (const rel of ['../docs/rules.md', '../../../docs/rules.md']) {
    const p = path.join(__dirname, rel);
    if (existsSync(p)) return pathToFileURL(p).href;
  }
  return undefined;
}

function applySettings(raw: unknown, why: string): void {
  const before = settings;
  const { settings: next, warnings } = parseSettings(raw);
  for (const w of warnings) warn(w);
  settings = next;
  const reviewChanged = before.enable !== next.enable || before.model !== next.model || before.hints !== next.hints
    || before.budget.maxExecutions !== next.budget.maxExecutions || before.budget.timeoutMs !== next.budget.timeoutMs;
  log(`settings (${why}): ${JSON.stringify(next)}`);
  if (!next.enable) { docs.clearAll(); return; }
  if (reviewChanged) docs.reviewAll();
  else docs.republishAll();
}

connection.onInitialize((params: InitializeParams): InitializeResult => {
  const init = (params.initializationOptions ?? {}) as InitializationOptions;
  ruleLinks = {
    docUri: typeof init.rulesDocUri === 'string' ? init.rulesDocUri : findRulesDoc(),
    command: typeof init.ruleCommand === 'string' && /^[\w.-]+$/.test(init.ruleCommand) ? init.ruleCommand : undefined,
    locationCommand: typeof init.locationCommand === 'string' && /^[\w.-]+$/.test(init.locationCommand) ? init.locationCommand : undefined,
  };
  if (typeof init.debounceMs === 'number' && init.debounceMs >= 0) docs.d.debounceMs = init.debounceMs;
  const caps = params.capabilities;
  canPullConfig = !!caps.workspace?.configuration;
  canRefreshLenses = !!caps.workspace?.codeLens?.refreshSupport;
  canResolveActions = !!caps.textDocument?.codeAction?.resolveSupport?.properties.includes('edit');
  canCreateProgress = !!caps.window?.workDoneProgress;
  if (init.settings !== undefined) applySettings(init.settings, 'initializationOptions');
  workspaceRoots = (params.workspaceFolders ?? []).map(f => uriToFile(f.uri)).filter(p => path.isAbsolute(p));
  if (workspaceRoots.length === 0 && params.rootUri) workspaceRoots = [uriToFile(params.rootUri)];
  return {
    capabilities: {
      textDocumentSync: { openClose: true, change: TextDocumentSyncKind.Incremental },
      codeActionProvider: { codeActionKinds: [CodeActionKind.QuickFix, FIX_ALL_KIND, ORDERING_COMMENT_KIND], resolveProvider: true },
      hoverProvider: true,
      codeLensProvider: { resolveProvider: false },
      workspace: { workspaceFolders: { supported: true } },
    },
    serverInfo: { name: 'refcount-review', version: '0.1.0' },
  };
});

connection.onInitialized(async () => {
  log(`Refcount Review language server started (pid ${process.pid}, ${process.version}); workspace: ${workspaceRoots.join(', ') || '(none)'}`);
  if (canPullConfig) {
    void connection.client.register(DidChangeConfigurationNotification.type, { section: 'refcountReview' }).catch(() => {});
    await pullSettings('initialized');
  }
  void indexWorkspace();
});

async function pullSettings(why: string): Promise<void> {
  try {
    applySettings(await connection.workspace.getConfiguration('refcountReview'), why);
  } catch (err) {
    warn(`could not read the refcountReview settings (${(err as Error).message}); keeping the current ones`);
  }
}

connection.onDidChangeConfiguration(change => {
  if (canPullConfig) { void pullSettings('changed'); return; }
  const s = (change.settings as { refcountReview?: unknown } | null)?.refcountReview;
  if (s !== undefined) applySettings(s, 'didChangeConfiguration');
});

// Workspace index: every .rs file's text goes to the workers so cross-file helpers resolve.
let indexedBytes = 0;
async function indexWorkspace(): Promise<void> {
  if (workspaceRoots.length === 0) return;
  const t0 = Date.now();
  const { files, truncated, skipped: notRead } = await scanRustFiles(workspaceRoots);
  for (const s of notRead) log(`${s.file}: ${s.reason}`);
  if (truncated) warn(`the workspace has more than ${DEFAULT_LIMITS.maxFiles} Rust files; only the first ${files.length} are indexed and checked`);
  const batch: [string, string][] = [];
  let skipped = 0;
  for (const f of files) {
    if (indexedBytes >= DEFAULT_LIMITS.maxIndexBytes) { warn(`workspace index stopped at ${DEFAULT_LIMITS.maxIndexBytes / 1024 / 1024} MB of Rust source`); break; }
    const r = await readSource(f);
    if ('skipped' in r) { skipped++; log(`${f}: ${r.skipped}`); continue; }
    indexedBytes += r.text.length;
    batch.push([f, r.text]);
  }
  pool.setFiles(batch);
  log(`indexed ${batch.length} Rust file(s) in ${Date.now() - t0} ms${skipped ? ` (${skipped} skipped)` : ''}`);
}

connection.onDidChangeWatchedFiles(async ({ changes }) => {
  const set: [string, string][] = [];
  const remove: string[] = [];
  for (const c of changes) {
    if (!/\.rs$/i.test(c.uri) || !c.uri.startsWith('file:')) continue;
    const file = uriToFile(c.uri);
    if (c.type === FileChangeType.Deleted) {
      remove.push(file);
      docs.forgetFile(c.uri);
      continue;
    }
    const r = await readSource(file);
    if ('text' in r) set.push([file, r.text]);
    else { remove.push(file); log(`${file}: ${r.skipped}`); }
  }
  if (set.length || remove.length) pool.setFiles(set, remove);
});

documents.onDidOpen(e => docs.opened(e.document));
documents.onDidChangeContent(e => { if (documents.get(e.document.uri)) docs.changed(e.document); });
documents.onDidClose(e => docs.closed(e.document.uri));

connection.onCodeAction(async (params, token) => {
  const doc = getDoc(params.textDocument.uri);
  if (!doc || !settings.enable) return [];
  // The range and diagnostics are of this version; the review, once it lands, is of it too.
  const version = doc.version;
  const review = await reviewFor(doc.uri, token);
  if (!review) return [];
  return codeActions({ uri: doc.uri, version }, review, settings, params.range, params.context, canResolveActions, workspaceRoots);
});

connection.onCodeActionResolve(async (action: CodeAction, token) => {
  const data = action.data as FixAllData | undefined;
  if (!data?.fixAll) return action;
  const doc = getDoc(data.uri);
  if (!doc || doc.version !== data.version) return action; // text moved on: no edit rather than a wrong one
  const review = await reviewFor(doc.uri, token);
  if (!review) return action;
  const text = doc.getText();
  return resolveFixAll(action, data, review, settings, text,
    (t, edits) => TextDocument.applyEdits(TextDocument.create(doc.uri, doc.languageId, 0, t), edits),
    async fixed => {
      const o = await pool.review(`${normalizeUri(doc.uri)}#fix-all`, uriToFile(doc.uri), fixed, reviewOpts(settings));
      // A review cut short by the time cap cannot vouch for the fixed text.
      return o.kind === 'done' && !o.capped ? o.review : undefined;
    }, log);
});

connection.onHover(async (params, token) => {
  if (!settings.enable) return null;
  const review = await reviewFor(params.textDocument.uri, token);
  return (review && hoverAt(review, params.position, ruleLinks, workspaceRoots)) ?? null;
});

connection.onCodeLens(async (params, token) => {
  if (!settings.enable) return [];
  const review = await reviewFor(params.textDocument.uri, token);
  return review ? codeLenses(params.textDocument.uri, review) : [];
});

connection.onRequest(scenariosMethod, async (params: ScenariosParams, token: CancellationToken): Promise<ScenariosResult> => {
  if (!params || typeof params.uri !== 'string') throw new Error(`${scenariosMethod}: expected { uri: string, position?: { line, character } }`);
  if (!settings.enable) return { scenarios: [], findings: [], reason: 'Refcount Review is disabled (refcountReview.enable)' };
  const doc = getDoc(params.uri);
  const version = doc?.version;
  let review = await reviewFor(params.uri, token);
  const now = getDoc(params.uri);
  if (!review && now) {
    // Edited while its review ran: the newer text's review is on its way, so ask again.
    if (now.version !== version) return { scenarios: [], findings: [], reason: 'the document changed while it was reviewed', pending: true };
    if (!settings.enable) return { scenarios: [], findings: [], reason: 'Refcount Review is disabled (refcountReview.enable)' };
    return { scenarios: [], findings: [], reason: 'this document has no review (not Rust, or its review failed: see the output)' };
  }
  if (!review) {
    // Not open (or closed meanwhile): review it from disk (the simulator may be opened on any file).
    if (!params.uri.startsWith('file:') || !isReviewable(params.uri)) return { scenarios: [], findings: [], reason: 'not an open or on-disk Rust file' };
    const r = await readSource(uriToFile(params.uri));
    if ('skipped' in r) return { scenarios: [], findings: [], reason: r.skipped };
    const o = await pool.review(`${normalizeUri(params.uri)}#scenarios`, r.file, r.text, reviewOpts(settings));
    if (o.kind !== 'done') return { scenarios: [], findings: [], reason: o.kind === 'cancelled' ? 'cancelled' : o.message };
    review = o.review;
  }
  if (review.skipped) return { scenarios: [], findings: [], reason: review.skipped };
  const p = params.position;
  if (!p) return { scenarios: review.scenarios, findings: review.findings };
  // At a position: the scenarios with a site on that line (the cursor need not be on the exact range).
  const lineRange = { start: { line: p.line, character: 0 }, end: { line: p.line, character: Number.MAX_SAFE_INTEGER } };
  const scenarios = review.scenarios.filter(sc => sc.sites.some(s => uriToFile(s.file) === uriToFile(review!.file) && (contains(s.range, p) || intersects(s.range, lineRange))));
  const ids = new Set(scenarios.map(s => s.id));
  const findings = review.findings.filter(f => (f.scenario !== undefined && ids.has(f.scenario)) || contains(f.range, p));
  return { scenarios, findings, reason: scenarios.length ? undefined : 'no checked atomic site at this position' };
});

let checking: Promise<CheckWorkspaceResult> | undefined;
connection.onRequest(checkWorkspaceMethod, async (params: { workDoneToken?: string | number } | undefined, token): Promise<CheckWorkspaceResult> => {
  // One check at a time; a second request joins the running one.
  if (checking) return checking;
  checking = checkWorkspace(params?.workDoneToken, token).finally(() => { checking = undefined; });
  return checking;
});

async function checkWorkspace(workDoneToken: string | number | undefined, token: CancellationToken): Promise<CheckWorkspaceResult> {
  const t0 = Date.now();
  let progress: WorkDoneProgressReporter & { token?: { isCancellationRequested: boolean } };
  if (workDoneToken !== undefined) progress = connection.window.attachWorkDoneProgress(workDoneToken);
  else if (canCreateProgress) progress = await connection.window.createWorkDoneProgress();
  else progress = connection.window.attachWorkDoneProgress(undefined);
  const cancelled = () => token.isCancellationRequested || !!progress.token?.isCancellationRequested;
  progress.begin('Refcount Review: checking workspace', 0, 'listing Rust files…', true);
  const result: CheckWorkspaceResult = { files: 0, findings: 0, filesWithFindings: 0, skipped: [], cancelled: false, elapsedMs: 0 };
  try {
    if (!settings.enable) { progress.report(100, 'disabled'); return result; }
    const { files, truncated, skipped: notRead } = await scanRustFiles(workspaceRoots, DEFAULT_LIMITS, cancelled);
    result.skipped.push(...notRead);
    if (truncated) warn(`check workspace: more than ${DEFAULT_LIMITS.maxFiles} Rust files; checking the first ${files.length}`);
    let done = 0;
    const next = () => files.shift();
    const one = async (file: string) => {
      const uri = fileToUri(file);
      let review = docs.isOpen(uri) ? await docs.reviewOf(uri, token) : undefined;
      if (!review && cancelled()) { result.cancelled = true; return; }
      if (!review) {
        const r = await readSource(file);
        if ('skipped' in r) { result.skipped.push({ file, reason: r.skipped }); return; }
        const o = await pool.review(`${normalizeUri(uri)}#workspace`, file, r.text, reviewOpts(settings), 'background');
        if (o.kind !== 'done') { result.skipped.push({ file, reason: o.kind === 'cancelled' ? 'cancelled' : o.message }); return; }
        review = o.review;
        docs.setWorkspaceReview(uri, review);
      }
      result.files++;
      if (review.skipped) result.skipped.push({ file, reason: review.skipped });
      if (review.findings.length) { result.findings += review.findings.length; result.filesWithFindings++; }
    };
    const total = files.length;
    // As many files in flight as there are workers; interactive reviews still go first.
    const lanes = Array.from({ length: Math.max(1, pool.size) }, async () => {
      for (let f = next(); f !== undefined; f = next()) {
        if (cancelled()) { result.cancelled = true; return; }
        await one(f);
        done++;
        progress.report(Math.round((done / Math.max(1, total)) * 100), `${done}/${total} files`);
      }
    });
    await Promise.all(lanes);
    return result;
  } finally {
    result.elapsedMs = Date.now() - t0;
    log(`check workspace: ${result.files} file(s), ${result.findings} finding(s) in ${result.filesWithFindings} file(s), ${result.skipped.length} skipped${result.cancelled ? ', cancelled' : ''}, ${result.elapsedMs} ms`);
    progress.done();
    docs.sendStatus();
  }
}

connection.onShutdown(async () => {
  docs.stop();
  await pool.dispose();
});

documents.listen(connection);
connection.listen();
