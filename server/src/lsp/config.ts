// `refcountReview.*` settings: parsed from whatever the client sends, every invalid value
// replaced by its default with a warning (the output channel shows it), never an exception.

import type { RuleId, Severity } from '../protocol/finding';
import { MODEL_CHOICES, type ModelChoice } from '../protocol/memoryModel';

export type SeveritySetting = Severity | 'off';

export interface Settings {
  enable: boolean;
  model: ModelChoice;
  budget: { maxExecutions: number; timeoutMs: number };
  severity: Partial<Record<RuleId, SeveritySetting>>;
  hints: boolean;
  /** `// ORDERING:` comments: report the ones naming an ordering their call no longer has. */
  orderingComments: { lint: boolean };
}

export const RULE_IDS: readonly RuleId[] = [
  'takeover-needs-acquire', 'dec-needs-release', 'last-dec-needs-acquire', 'conjure-needs-acquire',
  'unique-load-needs-acquire', 'republish-needs-release', 'invalid-ordering', 'unresolved-ordering',
  'ambiguous-role', 'stronger-than-needed', 'stale-ordering-comment',
];

export const DEFAULT_SETTINGS: Settings = Object.freeze({
  enable: true,
  model: 'auto',
  // Large enough for every scenario the protocol model builds (they have a handful of events per
  // thread); the time bound is what keeps a pathological file from holding a worker.
  budget: Object.freeze({ maxExecutions: 100_000, timeoutMs: 5_000 }),
  severity: Object.freeze({}),
  hints: false,
  orderingComments: Object.freeze({ lint: false }),
}) as Settings;

const SEVERITIES: readonly SeveritySetting[] = ['error', 'warning', 'info', 'hint', 'off'];

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function positiveInt(v: unknown, name: string, dflt: number, max: number, warnings: string[]): number {
  if (v === undefined || v === null) return dflt;
  if (typeof v === 'number' && Number.isInteger(v) && v > 0 && v <= max) return v;
  warnings.push(`refcountReview.${name}: ${JSON.stringify(v)} is not an integer between 1 and ${max}; using ${dflt}.`);
  return dflt;
}

function bool(v: unknown, name: string, dflt: boolean, warnings: string[]): boolean {
  if (v === undefined || v === null) return dflt;
  if (typeof v === 'boolean') return v;
  warnings.push(`refcountReview.${name}: ${JSON.stringify(v)} is not true or false; using ${dflt}.`);
  return dflt;
}

/**
 * Parses the `refcountReview` settings object. Accepts both the nested shape VS Code's
 * workspace/configuration returns (`{budget: {timeoutMs}}`) and dotted keys (`{"budget.timeoutMs": …}`)
 * that some editors' configs use.
 */
export function parseSettings(raw: unknown): { settings: Settings; warnings: string[] } {
  const warnings: string[] = [];
  if (raw === undefined || raw === null) return { settings: clone(DEFAULT_SETTINGS), warnings };
  if (!isObject(raw)) {
    warnings.push(`refcountReview settings: expected an object, got ${JSON.stringify(raw)}; using the defaults.`);
    return { settings: clone(DEFAULT_SETTINGS), warnings };
  }
  const budgetRaw = isObject(raw.budget) ? raw.budget : {};
  if (raw.budget !== undefined && !isObject(raw.budget)) warnings.push(`refcountReview.budget: expected an object; using the defaults.`);
  const pick = (nested: unknown, dotted: string) => (nested !== undefined ? nested : raw[dotted]);

  let model: Settings['model'] = DEFAULT_SETTINGS.model;
  if (raw.model !== undefined && raw.model !== null) {
    if ((MODEL_CHOICES as readonly unknown[]).includes(raw.model)) model = raw.model as Settings['model'];
    else warnings.push(`refcountReview.model: ${JSON.stringify(raw.model)} is not a supported model (${MODEL_CHOICES.join(', ')}); using "auto".`);
  }

  const severity: Settings['severity'] = {};
  if (raw.severity !== undefined && raw.severity !== null) {
    if (!isObject(raw.severity)) {
      warnings.push(`refcountReview.severity: expected an object mapping rule ids to ${SEVERITIES.join('|')}; ignoring it.`);
    } else {
      for (const [rule, sev] of Object.entries(raw.severity)) {
        if (!(RULE_IDS as readonly string[]).includes(rule)) {
          warnings.push(`refcountReview.severity: unknown rule "${rule}" (known: ${RULE_IDS.join(', ')}); ignoring it.`);
        } else if (!(SEVERITIES as readonly unknown[]).includes(sev)) {
          warnings.push(`refcountReview.severity.${rule}: ${JSON.stringify(sev)} is not one of ${SEVERITIES.join('|')}; using the rule's default.`);
        } else {
          severity[rule as RuleId] = sev as SeveritySetting;
        }
      }
    }
  }

  const settings: Settings = {
    enable: bool(raw.enable, 'enable', DEFAULT_SETTINGS.enable, warnings),
    model,
    budget: {
      maxExecutions: positiveInt(pick(budgetRaw.maxExecutions, 'budget.maxExecutions'), 'budget.maxExecutions', DEFAULT_SETTINGS.budget.maxExecutions, 100_000_000, warnings),
      timeoutMs: positiveInt(pick(budgetRaw.timeoutMs, 'budget.timeoutMs'), 'budget.timeoutMs', DEFAULT_SETTINGS.budget.timeoutMs, 600_000, warnings),
    },
    severity,
    hints: bool(raw.hints, 'hints', DEFAULT_SETTINGS.hints, warnings),
    orderingComments: {
      lint: bool(pick(isObject(raw.orderingComments) ? raw.orderingComments.lint : undefined, 'orderingComments.lint'), 'orderingComments.lint', DEFAULT_SETTINGS.orderingComments.lint, warnings),
    },
  };
  return { settings, warnings };
}

function clone(s: Settings): Settings {
  return { ...s, budget: { ...s.budget }, severity: { ...s.severity }, orderingComments: { ...s.orderingComments } };
}

/** The severity a finding of `rule` is shown with, or undefined when the rule is off. */
export function effectiveSeverity(settings: Settings, rule: RuleId, fromReview: Severity): Severity | undefined {
  const s = settings.severity[rule];
  if (s === 'off') return undefined;
  if (s) return s;
  // The "stronger than needed" hint is opt-in: it is advice, not a bug.
  if (rule === 'stronger-than-needed' && !settings.hints) return undefined;
  if (rule === 'stale-ordering-comment' && !settings.orderingComments.lint) return undefined;
  return fromReview;
}
