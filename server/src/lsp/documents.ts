// Open documents and their reviews: debounced review on open/change, stale runs cancelled,
// results published only when they match the document's current version, and a way for
// hover/code actions/code lenses to wait for the review of the text they are asked about.

import type { Connection } from 'vscode-languageserver';
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
    this.schedule(doc, this.d.debounceMs);
  }

  closed(uri: string): void {
    const key = normalizeUri(uri);
    const st = this.states.get(key);
    if (st?.timer) clearTimeout(st.timer);
    this.d.pool.cancel(key);
    this.states.delete(key);
    st?.waiters.forEach(w => w());
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
      st.waiters.forEach(w => w());
    }
    for (const uri of this.workspaceReviews.keys()) void this.d.connection.sendDiagnostics({ uri, diagnostics: [] });
    this.workspaceReviews.clear();
    this.sendStatus();
  }

  /**
   * The review of the document's current text; waits up to `waitMs` for a pending one. Undefined
   * when there is none in time: callers then offer nothing rather than act on stale ranges.
   */
  async current(uriIn: string, waitMs = 3000): Promise<FileReview | undefined> {
    const uri = normalizeUri(uriIn);
    const deadline = Date.now() + waitMs;
    for (;;) {
      const st = this.states.get(uri);
      const doc = this.d.get(uri);
      if (!st || !doc) return this.workspaceReviews.get(uri);
      if (st.done && st.done.version === doc.version) return st.done.review;
      if (st.pendingVersion === undefined) return undefined; // not reviewable, disabled, or failed
      const left = deadline - Date.now();
      if (left <= 0) return undefined;
      await new Promise<void>(resolve => {
        const t = setTimeout(done, left);
        function done() { clearTimeout(t); st!.waiters.delete(done); resolve(); }
        st.waiters.add(done);
      });
    }
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
    st.pendingVersion = doc.version;
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
      st.waiters.forEach(w => w());
      this.sendStatus();
      return;
    }
    this.d.log(`${file} v${version}: ${outcome.review.findings.length} finding(s), ${outcome.review.scenarios.length} scenario(s) in ${outcome.elapsedMs.toFixed(0)} ms`);
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
    st.waiters.forEach(w => w());
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
    const params: StatusParams = { state: !settings.enable ? 'disabled' : pending > 0 ? 'checking' : 'idle', findings, pending };
    void this.d.connection.sendNotification(statusMethod, params);
  }
}

function baseName(file: string): string {
  return file.split(/[\\/]/).pop() ?? file;
}
