// Finding -> LSP Diagnostic. Severity comes from the settings (a rule may be turned off), the
// code is the stable rule id, and the code description links to the rule's section of
// docs/rules.md (through a client command when the client names one, else a file: URI).

import { DiagnosticSeverity, type Diagnostic, type DiagnosticRelatedInformation } from 'vscode-languageserver';
import type { Finding, Range, Severity } from '../protocol/finding';
import { effectiveSeverity, type Settings } from './config';
import { fileToUri } from './uris';

export const DIAGNOSTIC_SOURCE = 'refcount-review';

const SEVERITY: Record<Severity, DiagnosticSeverity> = {
  error: DiagnosticSeverity.Error,
  warning: DiagnosticSeverity.Warning,
  info: DiagnosticSeverity.Information,
  hint: DiagnosticSeverity.Hint,
};

/**
 * Where a rule's documentation is. A client that can show it rendered (VS Code: the markdown
 * preview at the rule's section) names a command; others get the file URI with the rule's anchor.
 */
export interface RuleLinks {
  docUri?: string;
  command?: string;
  /** A client command that opens a location (its argument is an LSP Location), for links in hovers. */
  locationCommand?: string;
}

/** The link for one rule: a command: URI (its argument is the rule id) or the doc URI with the anchor. */
export function ruleHref(links: RuleLinks | undefined, rule: string): string | undefined {
  if (links?.command) return `command:${links.command}?${encodeURIComponent(JSON.stringify([rule]))}`;
  return links?.docUri ? `${links.docUri}#${rule}` : undefined;
}

/**
 * A link that opens `range` of `file`: a command: URI with the Location as its encoded argument
 * (the way rust-analyzer links locations in hovers), or else the file URI with a `#L<line>,<col>`
 * fragment, which VS Code and most markdown viewers resolve.
 */
export function locationHref(links: RuleLinks | undefined, file: string, range: Range): string {
  const uri = fileToUri(file);
  if (links?.locationCommand) return `command:${links.locationCommand}?${encodeURIComponent(JSON.stringify([{ uri, range }]))}`;
  return `${uri}#L${range.start.line + 1},${range.start.character + 1}`;
}

/** What a diagnostic carries back to the server in code-action requests. */
export interface DiagnosticData { rule: string; index: number }

export function toDiagnostics(findings: readonly Finding[], settings: Settings, links: RuleLinks | undefined): Diagnostic[] {
  const out: Diagnostic[] = [];
  findings.forEach((f, index) => {
    const sev = effectiveSeverity(settings, f.rule, f.severity);
    if (!sev) return;
    const related: DiagnosticRelatedInformation[] = f.related.map(r => ({
      location: { uri: fileToUri(r.file), range: r.range },
      message: r.message,
    }));
    const d: Diagnostic = {
      range: f.range,
      severity: SEVERITY[sev],
      code: f.rule,
      source: DIAGNOSTIC_SOURCE,
      message: f.message,
      data: { rule: f.rule, index } satisfies DiagnosticData,
    };
    const href = ruleHref(links, f.rule);
    if (href) d.codeDescription = { href };
    if (related.length) d.relatedInformation = related;
    out.push(d);
  });
  return out;
}

/** The findings that are shown (not turned off by settings). */
export function visibleFindings(findings: readonly Finding[], settings: Settings): Finding[] {
  return findings.filter(f => effectiveSeverity(settings, f.rule, f.severity) !== undefined);
}
