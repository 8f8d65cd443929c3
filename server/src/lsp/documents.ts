// Open documents and their reviews: debounced review on open/change, stale runs cancelled,
// results published only when they match the document's current version, and a way for
// hover/code actions/code lenses to wait for the review of the text they are asked about.

import type { CancellationToken, Connection } from 'vscode-languageserver';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import type { FileReview } from '../review';
import type { Settings } from './config';
import { toDiagnostics, visibleFindings, type RuleLinks } from './diagnostics';
import { isReviewable, skipReason } from './limits';
import { statusMethod, type StatusParams } from './requests';
import { timeCapDiagnostic, type TimeCapNote } from './timeCap';
import { uriToFile, normalizeUri } from './uris';
import type { ReviewOpts, ReviewPool } from './workerPool';

interface DocState {
  uri: string;
  /** Latest review that finished, with the version it was computed for (and the cap it stopped at, if it did). */
  done?: { version: number; review: FileReview; cap?: TimeCapNote };
  timer?: NodeJS.Timeout;
  /** Version of the review that is scheduled or running. */
  pendingVersion?: number;
  /** Requests waiting in reviewOf: woken on every change of the state above. */
  waiters: Set<() => void>;
  /** The skip message was shown once already (don't repeat it on every keystroke). */
  toldSkipped?: string;
}

export interface DocumentsDeps {
  connection: Connection;
  pool: ReviewPool;
  settings: () => Settings;
  ruleLinks: () => RuleLinks;
  /** Mutable: the client may set it in initializationOptions. */
  debounceMs: number;
  log: (message: string) => void;
  /** Text of an open document, by normalized URI. */
  get: (uri: string) => TextDocument | undefined;
  /** Called after each review lands, e.g. to ask the client to refresh code lenses. */
  onReviewed?: (uri: string) => void;
}

export function reviewOpts(s: Settings): ReviewOpts {
  // Justifications back the hover and the ORDERING comment action; comment lint results are
  // always computed and shown per the setting, so turning it on needs no new review.
  return { model: s.model, hints: s.hints, justify: true, orderingCommentLint: true, budget: { maxExplored: s.budget.maxExecutions, maxMillis: s.budget.timeoutMs } };
}

export class Documents {
  private readonly states = new Map<string, DocState>();
  /** Reviews from "Check Workspace" for files that are not open. */
  private readonly workspaceReviews = new Map<string, FileReview>();
  private waitingCount = 0;

  constructor(readonly d: DocumentsDeps) {
    d.pool.onLoadChange = () => this.sendStatus();
  }

  opened(doc: TextDocument): void {
    const key = normalizeUri(doc.uri);
    // Keep the client's spelling of the URI for what we send back; key by the normalized form.
    this.states.set(key, this.states.get(key) ?? { uri: doc.uri, waiters: new Set() });
    this.schedule(doc, 0);
  }

  changed(doc: TextDocument): void {
    // TextDocuments reports an open as a content change too: the open's undelayed review, not yet
    // started, already covers this text (it reads the text when it starts).
    const st = this.states.get(normalizeUri(doc.uri));
    if (st?.timer && st.pendingVersion === doc.version) return;
    this.schedule(doc, this.d.debounceMs);
  }

  closed(uri: string): void {
    const key = normalizeUri(uri);
    const st = this.states.get(key);
    if (st?.timer) clearTimeout(st.timer);
    this.d.pool.cancel(key);
    this.states.delete(key);
    if (st) wakeAll(st);
    // A closed file's diagnostics would go stale (it may be deleted or renamed next); drop them.
    void this.d.connection.sendDiagnostics({ uri: st?.uri ?? uri, diagnostics: [] });
    this.workspaceReviews.delete(key);
    this.sendStatus();
  }

  /** Re-reviews every open document (settings that change the review itself). */
  reviewAll(): void {
    for (const st of this.states.values()) {
      const doc = this.d.get(st.uri);
      if (doc) this.schedule(doc, 0);
    }
  }

  /** Re-reviews the open documents of these files (paths as the pool has them). */
  reviewFiles(files: readonly string[]): void {
    const wanted = new Set(files);
    for (const st of this.states.values()) {
      const doc = wanted.has(uriToFile(st.uri)) ? this.d.get(st.uri) : undefined;
      if (doc) this.schedule(doc, 0);
    }
  }

  /** Re-publishes from the reviews at hand (settings that only change presentation). */
  republishAll(): void {
    for (const st of this.states.values()) if (st.done) this.publish(st.uri, st.done.review, st.done.cap);
    for (const [uri, r] of this.workspaceReviews) if (!this.states.has(uri)) this.publish(uri, r);
    this.sendStatus();
  }

  clearAll(): void {
    for (const st of this.states.values()) {
      if (st.timer) clearTimeout(st.timer);
      this.d.pool.cancel(normalizeUri(st.uri));
      st.done = undefined;
      st.pendingVersion = undefined;
      void this.d.connection.sendDiagnostics({ uri: st.uri, diagnostics: [] });
      wakeAll(st);
    }
    for (const uri of this.workspaceReviews.keys()) void this.d.connection.sendDiagnostics({ uri, diagnostics: [] });
    this.workspaceReviews.clear();
    this.sendStatus();
  }

  /** At shutdown: no review will land any more, so the requests waiting for one answer now. */
  stop(): void {
    for (const st of this.states.values()) {
      if (st.timer) clearTimeout(st.timer);
      st.timer = undefined;
      st.pendingVersion = undefined;
      wakeAll(st);
    }
  }

  /** The review of the document's current text if it has landed (no waiting); for a file not open, its Check Workspace review. */
  reviewed(uriIn: string): FileReview | undefined {
    const uri = normalizeUri(uriIn);
    const st = this.states.get(uri);
    const doc = this.d.get(uri);
    if (!st || !doc) return this.workspaceReviews.get(uri);
    return st.done?.version === doc.version ? st.done.review : undefined;
  }

  /**
   * The review of the text a request is about: the document's version when the request is handled
   * (requests and edits arrive in order). Waits while that review is scheduled or running, with no
   * clock: every run ends (it lands, fails, or the pool stops it at its time cap), and an edit, a
   * close or turning the review off ends the wait as well. Undefined when the text moved on, the
   * document closed, it has no review (not reviewable, disabled, failed) or `token` was cancelled:
   * callers then offer nothing rather than act on stale ranges. For a file that is not open: its
   * Check Workspace review, if any.
   */
  async reviewOf(uriIn: string, token?: CancellationToken): Promise<FileReview | undefined> {
    const uri = normalizeUri(uriIn);
    const st = this.states.get(uri);
    const asked = this.d.get(uri)?.version;
    if (!st || asked === undefined) return this.workspaceReviews.get(uri);
    for (;;) {
      if (token?.isCancellationRequested) return undefined;
      const doc = this.d.get(uri);
      if (this.states.get(uri) !== st || doc?.version !== asked) return undefined; // closed, or the text moved on
      if (st.done?.version === asked) return st.done.review;
      if (st.pendingVersion !== asked) return undefined; // no review of this text is coming
      await this.woken(st, token);
    }
  }

  /** Resolves at the document's next state change (landed, failed, superseded, closed, cleared) or on cancellation. */
  private woken(st: DocState, token?: CancellationToken): Promise<void> {
    return new Promise<void>(resolve => {
      let cancel: { dispose(): void } | undefined;
      const wake = () => {
        if (!st.waiters.delete(wake)) return;
        cancel?.dispose();
        this.waitingCount--;
        this.sendStatus();
        resolve();
      };
      st.waiters.add(wake);
      this.waitingCount++;
      this.sendStatus();
      cancel = token?.onCancellationRequested(wake);
    });
  }

  /** Records a review made by "Check Workspace" for a file that is not open, and publishes it. */
  setWorkspaceReview(uri: string, review: FileReview): void {
    uri = normalizeUri(uri);
    if (this.states.has(uri)) return; // the open buffer's review wins
    this.workspaceReviews.set(uri, review);
    this.publish(uri, review);
  }

  /** A file deleted or renamed away: its workspace-check findings no longer apply. */
  forgetFile(uri: string): void {
    const key = normalizeUri(uri);
    if (this.states.has(key)) return; // the open buffer is still the truth
    if (this.workspaceReviews.delete(key)) this.sendStatus();
    void this.d.connection.sendDiagnostics({ uri, diagnostics: [] });
  }

  isOpen(uri: string): boolean {
    return this.states.has(normalizeUri(uri));
  }

  private schedule(doc: TextDocument, delay: number): void {
    const uri = normalizeUri(doc.uri);
    const st = this.states.get(uri);
    if (!st) return;
    if (!this.d.settings().enable || !isReviewable(doc.uri, doc.languageId)) return;
    if (st.timer) clearTimeout(st.timer);
    const superseded = st.pendingVersion !== doc.version;
    st.pendingVersion = doc.version;
    // Requests waiting for the review of an older text: that review will not come.
    if (superseded) wakeAll(st);
    // Cancel a run for an older version now, not when the debounce ends: it can only be wasted work.
    this.d.pool.cancel(uri);
    st.timer = setTimeout(() => { st.timer = undefined; void this.run(uri); }, delay);
    this.sendStatus();
  }

  private async run(uri: string): Promise<void> {
    const st = this.states.get(uri);
    const doc = st && this.d.get(st.uri);
    if (!st || !doc) return;
    const version = doc.version;
    const text = doc.getText();
    const file = uriToFile(st.uri);
    const skipped = skipReason(text);
    if (skipped) {
      this.land(st, version, { file, findings: [], scenarios: [], problems: [], skipped });
      return;
    }
    const opts = reviewOpts(this.d.settings());
    const outcome = await this.d.pool.review(uri, file, text, opts);
    if (outcome.kind === 'cancelled') return; // a newer version (or close) took over
    if (this.states.get(uri) !== st) return;
    if (outcome.kind === 'capped') {
      // Nothing came back: the file gets the cap note alone, not the previous version's findings at stale ranges.
      this.d.log(`${file} v${version}: ${outcome.message}`);
      this.land(st, version, { file, findings: [], scenarios: [], problems: [{ message: outcome.message }] }, { capMs: outcome.capMs, partial: false });
      return;
    }
    if (outcome.kind === 'failed') {
      this.d.log(`${file}: review failed (${outcome.message}); keeping the previous diagnostics`);
      if (st.pendingVersion === version) st.pendingVersion = undefined;
      wakeAll(st);
      this.sendStatus();
      return;
    }
    const r = outcome.review;
    this.d.log(`${file} v${version}: ${r.findings.length} finding(s), ${r.scenarios.length} scenario(s), ${r.justifications?.length ?? 0} justified site(s) in ${outcome.elapsedMs.toFixed(0)} ms`);
    const cap = outcome.capped ? { capMs: opts.budget.maxMillis, partial: true } : undefined;
    if (cap) this.d.log(`${file} v${version}: the review stopped at its ${cap.capMs} ms time cap`);
    this.land(st, version, outcome.review, cap);
  }

  private land(st: DocState, version: number, review: FileReview, cap?: TimeCapNote): void {
    const doc = this.d.get(st.uri);
    if (!doc || doc.version !== version || this.states.get(normalizeUri(st.uri)) !== st) return; // stale: a newer run is on its way
    st.done = { version, review, cap };
    if (st.pendingVersion === version) st.pendingVersion = undefined;
    for (const p of review.problems) this.d.log(`${review.file}${p.range ? `:${p.range.start.line + 1}` : ''}: ${p.message}`);
    if (review.skipped) {
      this.d.log(`${review.file}: ${review.skipped}`);
      if (st.toldSkipped !== review.skipped) {
        st.toldSkipped = review.skipped;
        void this.d.connection.window.showInformationMessage(`Refcount Review: ${baseName(review.file)}: ${review.skipped}.`);
      }
    }
    this.publish(st.uri, review, cap);
    wakeAll(st);
    this.sendStatus();
    this.d.onReviewed?.(st.uri);
  }

  private publish(uri: string, review: FileReview, cap?: TimeCapNote): void {
    const doc = this.d.get(uri);
    const diagnostics = toDiagnostics(review.findings, this.d.settings(), this.d.ruleLinks());
    if (cap) diagnostics.push(timeCapDiagnostic(cap));
    void this.d.connection.sendDiagnostics({ uri, version: doc?.version, diagnostics });
  }

  sendStatus(): void {
    const settings = this.d.settings();
    let findings = 0;
    for (const st of this.states.values()) if (st.done) findings += visibleFindings(st.done.review.findings, settings).length;
    for (const [uri, r] of this.workspaceReviews) if (!this.states.has(uri)) findings += visibleFindings(r.findings, settings).length;
    // A document counts as pending from its edit until its review has landed (not only while a
    // worker holds it), so the status never flashes a stale count between the two.
    let docsPending = 0;
    for (const st of this.states.values()) if (st.pendingVersion !== undefined) docsPending++;
    const pending = Math.max(this.d.pool.pending, docsPending);
    const params: StatusParams = { state: !settings.enable ? 'disabled' : pending > 0 ? 'checking' : 'idle', findings, pending, waiting: this.waitingCount };
    void this.d.connection.sendNotification(statusMethod, params);
  }
}

/** Lets the document's waiting requests look at its state again. */
function wakeAll(st: DocState): void {
  for (const wake of [...st.waiters]) wake();
}

function baseName(file: string): string {
  return file.split(/[\\/]/).pop() ?? file;
}
