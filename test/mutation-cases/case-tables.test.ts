import { describe, expect, it } from 'vitest';
import { applyCommand } from '../../src/engine/commands/commands.ts';
import { RULES } from '../../src/engine/rules/index.ts';
import type { Finding, FindingSubjects, RuleCases } from '../../src/engine/rules/types.ts';
import { findingsOf } from './alone.ts';

/**
 * Every rule's case table (the `cases` at the end of its file) with that rule run alone (issue 11,
 * docs/mutation.md): the passing cases give no finding of its severity, the failing ones the
 * expected subjects, each fix removes its finding, and a rule that needs the host says so (info)
 * without one. src/engine/rules/rules.test.ts checks the same tables against the whole catalog
 * (and that no fix adds an error of any rule); run alone, a case reaches only its own rule's code,
 * so the mutation run counts a rule's mutant as killed only by that rule's own cases.
 */

const sameSubjects = (a: Finding, b: Finding): boolean => a.severity === b.severity && JSON.stringify(a.subjects) === JSON.stringify(b.subjects);

function matches(f: Finding, want: FindingSubjects): boolean {
  for (const k of ['controllers', 'devices', 'groups'] as const) {
    const w = want[k];
    if (w && JSON.stringify(f.subjects[k] ?? []) !== JSON.stringify(w)) return false;
  }
  return true;
}

const tables = await Promise.all(
  RULES.map(async (r) => [r.meta, ((await import(`../../src/engine/rules/${r.meta.id}.ts`)) as { cases: RuleCases }).cases] as const),
);

describe.each(tables.map(([meta, cases]) => [meta.id, meta, cases] as const))('%s alone', (_id, meta, cases) => {
  it(`${meta.id}: passing cases give no finding of its severity, failing cases the expected subjects`, () => {
    for (const c of cases.pass) expect(findingsOf(c.design, meta.id, c.libvirtVersion).filter((f) => f.severity === meta.severity), `pass case "${c.name}"`).toEqual([]);
    for (const c of cases.fail) {
      const got = findingsOf(c.design, meta.id, c.libvirtVersion).filter((f) => f.severity === meta.severity);
      expect(got.some((f) => matches(f, c.expect)), `fail case "${c.name}" gave ${JSON.stringify(got.map((f) => f.subjects))}`).toBe(true);
    }
  });

  it(`${meta.id}: each fix of a failing case removes its finding`, () => {
    for (const c of cases.fail) {
      for (const f of findingsOf(c.design, meta.id, c.libvirtVersion)) {
        for (const fix of f.fixes ?? []) {
          const after = findingsOf(applyCommand(c.design, fix.command), meta.id, c.libvirtVersion);
          expect(after.some((x) => sameSubjects(x, f)), `case "${c.name}" fix "${fix.label}" left the finding`).toBe(false);
        }
      }
    }
  });
});

describe.each(tables.filter(([meta]) => meta.needsHost === true).map(([meta, cases]) => [meta.id, meta, cases] as const))('%s alone, without a host', (_id, meta, cases) => {
  it(`${meta.id}: one info finding says it needs the host`, () => {
    const withHost = cases.fail.filter((c) => c.design.host);
    expect(withHost.length, 'a rule that needs the host has a failing case with one').toBeGreaterThan(0);
    for (const c of withHost) expect(findingsOf({ ...c.design, host: undefined }, meta.id).map((f) => f.severity)).toEqual(['info']);
  });
});
