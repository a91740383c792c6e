import type { Finding, Severity } from './types.ts';

/**
 * How findings are ranked and told apart, apart from the evaluator (evaluate.ts) that runs the
 * catalog: the page's first script uses these without the catalog, which it loads later (catalog.ts).
 */

export const SEVERITY_RANK: Readonly<Record<Severity, number>> = { info: 0, warning: 1, error: 2 };

export function worse(a: Severity | undefined, b: Severity): Severity {
  return a === undefined || SEVERITY_RANK[b] > SEVERITY_RANK[a] ? b : a;
}

/** A finding's identity across evaluations: rule and message. */
export const findingKey = (f: Finding): string => `${f.ruleId}|${f.message}`;
