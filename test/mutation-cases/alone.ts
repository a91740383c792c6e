import { RULES, validate } from '../../src/engine/rules/index.ts';
import type { Design } from '../../src/engine/model/design.ts';
import type { Finding } from '../../src/engine/rules/types.ts';

/**
 * The findings of rule `id` on `design`, with that rule run alone (`validate(design, [rule])`).
 *
 * The same findings as the whole catalog's filtered to `id`: validate.ts runs each rule on one shared
 * context and no rule reads another's findings (test/mutation-cases/case-tables.test.ts checks it on
 * every case table). Run alone, a rule's cases reach only that rule's code, so the mutation run
 * (Stryker's perTest coverage, docs/mutation.md) judges a rule's mutants by that rule's own cases.
 * Throws on an unknown id (a typo in a test, not an input) and when the rules cannot read the design
 * at all (validate's internal finding of the context: no verdict to compare).
 */
export function findingsOf(design: Design, id: string, libvirtVersion?: string): Finding[] {
  const rule = RULES.find((r) => r.meta.id === id);
  if (!rule) throw new Error(`no rule ${id} in the catalog`);
  const all = validate(design, [rule], { libvirtVersion });
  // validate never throws: a design the rules cannot read at all (a fix whose command is broken and
  // gives no design back, say) yields one internal finding of its own id, which a filter on `id`
  // would drop, and "no finding" would pass for it
  const unreadable = all.find((f) => f.internal === true && f.ruleId !== id);
  if (unreadable) throw new Error(`the rules could not read the design: ${unreadable.message}`);
  // run alone, the rule gives only findings of its own: anything else (not a finding at all) is a bug
  const stray = all.find((f) => typeof f !== 'object' || f === null || f.ruleId !== id);
  if (stray !== undefined) throw new Error(`${id} alone gave something that is not one of its findings: ${JSON.stringify(stray)}`);
  return all;
}
