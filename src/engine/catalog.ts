/**
 * The rule catalog and what runs it, as the app loads it: on demand, after the first paint
 * (`loadRuleCatalog` in index.ts), so the page's first render does not parse and evaluate every
 * rule (DESIGN.md §7: first render under 1 s). The CLI and the checking worker use index.ts's
 * static exports of the same functions; this file adds no behaviour.
 */
export { createValidator, ruleMeta } from './rules/index.ts';
export { createEvaluator } from './rules/evaluate.ts';
export { anyRuleMeta, validateAcrossGuests } from './workspace/index.ts';
