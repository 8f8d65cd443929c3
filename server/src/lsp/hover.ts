// Hover on an ordering argument: the site's role, what it pairs with, what it needs and the
// verdict — in words a reviewer who is not a memory-model expert can act on.

import { MarkupKind, type Hover } from 'vscode-languageserver';
import type { FileReview } from '../review';
import type { Position } from '../protocol/finding';
import { racy } from './codeLens';
import { siteAtOrdering } from './sites';
import { whySection } from './orderingComments';

function where(file: string, line: number): string {
  return `${file.split(/[\\/]/).pop()}:${line + 1}`;
}

export function hoverAt(review: FileReview, p: Position, roots: readonly string[] = []): Hover | undefined {
  const hit = siteAtOrdering(review, p);
  if (!hit) return undefined;
  const { cs, which, range } = hit;
  const lines: string[] = [];
  const arg = which === 'single' ? 'ordering' : `${which} ordering`;
  lines.push(`**Refcount Review** — the ${arg} of this atomic operation`);
  lines.push('');
  lines.push(`- **Role:** ${cs.site.role}`);
  if (cs.partners.length) {
    lines.push(`- **Pairs with:** ${cs.partners.map(s => `${s.role} at ${where(s.file, s.range.start.line)}`).join('; ')}`);
  }
  const fixed = cs.findings.find(f => f.fix);
  const racing = cs.scenarios.filter(racy);
  if (cs.findings.length === 0 && racing.length > 0) {
    // The race is reported at another site of the scenario; saying "no race" here would contradict the lens.
    lines.push(`- **Verdict:** ⚠ race in ${racing.length} of ${cs.scenarios.length} scenario${cs.scenarios.length === 1 ? '' : 's'} through this site (${racing.map(s => s.title).join('; ')}); the finding is reported at the other site`);
  } else if (cs.findings.length === 0) {
    lines.push(`- **Needs:** nothing stronger than what it has`);
    lines.push(`- **Verdict:** ✓ no race or broken invariant in ${cs.scenarios.length} explored scenario${cs.scenarios.length === 1 ? '' : 's'} (${cs.scenarios.map(s => s.title).join('; ')})`);
  } else {
    if (fixed?.fix) {
      const v = fixed.fix.verified;
      lines.push(`- **Needs:** ${fixed.fix.title} — verified clean in ${v.scenarios} scenario${v.scenarios === 1 ? '' : 's'}, ${v.executions} execution${v.executions === 1 ? '' : 's'}`);
    }
    for (const f of cs.findings) lines.push(`- **Verdict:** ⚠ \`${f.rule}\` (found ${f.ordering}): ${f.message}`);
  }
  lines.push(...whySection(review, cs.site.range, roots));
  return { contents: { kind: MarkupKind.Markdown, value: lines.join('\n') }, range };
}
