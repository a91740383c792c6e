import { describe, expect, it } from 'vitest';
import { RULES, validate } from '../../src/engine/rules/index.ts';
import type { RuleCases } from '../../src/engine/rules/types.ts';
import { findingsOf } from './alone.ts';

/**
 * What `findingsOf` (./alone.ts) relies on: a rule run alone finds exactly what it finds among the
 * whole catalog, on every design of every case table (validate.ts runs the rules on one shared
 * context; no rule reads another's findings). Runs the whole catalog, so the mutation run's `own`
 * suite leaves this file out (vitest.mutation.config.ts).
 */
const designs = (
  await Promise.all(RULES.map(async (r) => ((await import(`../../src/engine/rules/${r.meta.id}.ts`)) as { cases: RuleCases }).cases))
).flatMap((c) => [...c.pass, ...c.fail].map((x) => x.design));

describe('a rule run alone', () => {
  it('finds on every case-table design what it finds among all the rules', () => {
    expect(designs.length).toBeGreaterThan(RULES.length);
    for (const d of designs) {
      const all = validate(d);
      for (const r of RULES) expect(findingsOf(d, r.meta.id), r.meta.id).toEqual(all.filter((f) => f.ruleId === r.meta.id));
    }
  });

  it('refuses an id the catalog does not hold', () => {
    expect(() => findingsOf(designs[0]!, 'NOPE-1')).toThrow(/no rule NOPE-1/);
  });
});
