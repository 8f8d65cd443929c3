// Rule metadata: one place for the titles, default severities and summaries that diagnostics,
// SARIF and docs/rules.md agree on.

import type { RuleId, Severity } from './finding';

export const RULES: Record<RuleId, { title: string; severity: Severity; summary: string }> = {
  'takeover-needs-acquire': { title: 'Takeover CAS needs Acquire', severity: 'warning', summary: 'A CAS that takes exclusive ownership (count T -> 0) must acquire what holders released, or the new owner races with their earlier accesses.' },
  'dec-needs-release': { title: 'Decrement needs Release', severity: 'warning', summary: 'A decrement that drops a reference must release the holder\'s accesses to whoever takes the object next.' },
  'last-dec-needs-acquire': { title: 'Last decrement needs Acquire before destroy', severity: 'warning', summary: 'The path that destroys the object after the last decrement must acquire (AcqRel, or a fence(Acquire)) so other holders\' accesses happen-before the destroy.' },
  'conjure-needs-acquire': { title: 'Conjuring increment needs Acquire', severity: 'warning', summary: 'An increment that creates a reference from the count alone (inc-not-zero, upgrade, lookup) must acquire the write that made the count live (new_cyclic, a republish) on its successful read-modify-write; an Acquire load before a Relaxed CAS is not enough (ABA).' },
  'unique-load-needs-acquire': { title: 'Uniqueness test needs Acquire', severity: 'warning', summary: 'A load that concludes "I hold the only reference" must be Acquire before the exclusive access that follows.' },
  'republish-needs-release': { title: 'Re-publishing store needs Release', severity: 'warning', summary: 'A store that makes the object reachable through the count again must be Release.' },
  'invalid-ordering': { title: 'Invalid ordering', severity: 'error', summary: 'An ordering Rust rejects at run time: Release/AcqRel loads and CAS failure orderings, Acquire/AcqRel stores, Relaxed fences.' },
  'unresolved-ordering': { title: 'Ordering could not be resolved', severity: 'info', summary: 'The ordering argument is not a constant the reader can resolve (a parameter, a call); the site was not checked.' },
  'ambiguous-role': { title: 'Role in the protocol is unclear', severity: 'info', summary: 'An operation on a reference count whose role (increment, decrement, takeover, ...) could not be decided; it was not checked.' },
  'stronger-than-needed': { title: 'Ordering stronger than needed', severity: 'hint', summary: 'The protocol is race-free with a weaker ordering here (off by default).' },
  'stale-ordering-comment': { title: 'ORDERING comment out of date', severity: 'info', summary: 'An `// ORDERING:` comment directly above a call names an ordering the call no longer has (off by default: `refcountReview.orderingComments.lint`).' },
};
