import { describe, expect, it } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { applyCommand } from '../commands/commands.ts';
import { RULES, validate, ruleMeta } from './index.ts';
import { ADDED_IDS } from './coverage.ts';
import type { Finding, FindingSubjects, RuleCases } from './types.ts';
import { sharedPath } from '../../../test/support/shared.ts';

const here = path.dirname(new URL(import.meta.url).pathname);
const ruleFiles = fs
  .readdirSync(here)
  .filter((f) => /^[A-Z0-9]+(-[A-Z0-9]+)+\.ts$/.test(f))
  .sort();

function matches(f: Finding, expect: FindingSubjects): boolean {
  for (const k of ['controllers', 'devices', 'groups'] as const) {
    const want = expect[k];
    if (want && JSON.stringify(f.subjects[k] ?? []) !== JSON.stringify(want)) return false;
  }
  return true;
}

/**
 * An error after a fix is one that was there before when an error of the same rule had the same
 * message, or named all its subjects (a clash of three that a fix makes a clash of two is no new error).
 */
function wasThere(x: Finding, before: readonly Finding[]): boolean {
  const within = (a: readonly unknown[] | undefined, b: readonly unknown[] | undefined): boolean => (a ?? []).every((v) => (b ?? []).includes(v));
  return before.some((b) => b.severity === 'error' && b.ruleId === x.ruleId && (b.message === x.message || (within(x.subjects.devices, b.subjects.devices) && within(x.subjects.controllers, b.subjects.controllers) && within(x.subjects.groups, b.subjects.groups))));
}

const sameSubjects = (a: Finding, b: Finding): boolean => a.ruleId === b.ruleId && a.severity === b.severity && JSON.stringify(a.subjects) === JSON.stringify(b.subjects);

describe('rule catalog', () => {
  it('the registry lists exactly the rule files, sorted', () => {
    expect(RULES.map((r) => `${r.meta.id}.ts`)).toEqual(ruleFiles);
  });

  it('ruleMeta finds every rule', () => {
    for (const r of RULES) expect(ruleMeta(r.meta.id)).toBe(r.meta);
    expect(ruleMeta('NOPE-1')).toBeUndefined();
  });

  const RULES_MD = sharedPath('the RULES.md cross-check', 'RULES.md');
  if (RULES_MD) {
    const text = fs.readFileSync(RULES_MD, 'utf8');
    it.each(RULES.map((r) => [r.meta.id, r.meta] as const))('%s is a RULES.md id (or one pcitopo adds) and states why and where from', (id, meta) => {
      if (!(id in ADDED_IDS)) expect(text).toMatch(new RegExp(`(^|[^A-Z0-9-])${id}([^0-9-]|$)`, 'm'));
      expect(meta.why.length).toBeGreaterThan(20);
      expect(meta.source.length).toBeGreaterThan(10);
    });
  }
});

describe.each(ruleFiles)('%s', (file) => {
  const id = file.replace(/\.ts$/, '');
  it('has meta.id equal to its file name and a case table with passing and failing cases', async () => {
    const mod = (await import(`./${id}.ts`)) as { rule: { meta: { id: string } }; cases: RuleCases };
    expect(mod.rule.meta.id).toBe(id);
    expect(mod.cases.pass.length).toBeGreaterThan(0);
    expect(mod.cases.fail.length).toBeGreaterThan(0);
  });

  it('passing cases give no finding of its severity; failing cases give the expected subjects', async () => {
    const mod = (await import(`./${id}.ts`)) as { cases: RuleCases };
    const meta = ruleMeta(id)!;
    for (const c of mod.cases.pass) {
      const got = validate(c.design, RULES, { libvirtVersion: c.libvirtVersion }).filter((f) => f.ruleId === id && f.severity === meta.severity);
      expect(got, `pass case "${c.name}"`).toEqual([]);
    }
    for (const c of mod.cases.fail) {
      const got = validate(c.design, RULES, { libvirtVersion: c.libvirtVersion }).filter((f) => f.ruleId === id && f.severity === meta.severity);
      expect(got.length, `fail case "${c.name}"`).toBeGreaterThan(0);
      expect(got.some((f) => matches(f, c.expect)), `fail case "${c.name}" subjects ${JSON.stringify(got.map((f) => f.subjects))}`).toBe(true);
    }
  });

  it('every fix applies, removes its finding and adds no error', async () => {
    const mod = (await import(`./${id}.ts`)) as { cases: RuleCases };
    for (const c of mod.cases.fail) {
      const release = { libvirtVersion: c.libvirtVersion };
      const before = validate(c.design, RULES, release);
      for (const f of before.filter((x) => x.ruleId === id)) {
        for (const fix of f.fixes ?? []) {
          const next = applyCommand(c.design, fix.command);
          const after = validate(next, RULES, release);
          expect(after.some((x) => sameSubjects(x, f)), `case "${c.name}" fix "${fix.label}" left the finding`).toBe(false);
          const added = after.filter((x) => x.severity === 'error' && !wasThere(x, before));
          expect(added.map((x) => `${x.ruleId}: ${x.message}`), `case "${c.name}" fix "${fix.label}" added errors`).toEqual([]);
        }
      }
    }
  });

  it('says so when it needs a host and none is loaded', async () => {
    const mod = (await import(`./${id}.ts`)) as { cases: RuleCases };
    const meta = ruleMeta(id)!;
    for (const c of mod.cases.fail) {
      if (!meta.needsHost || !c.design.host) continue;
      const got = validate({ ...c.design, host: undefined }).filter((f) => f.ruleId === id);
      expect(got).toHaveLength(1);
      expect(got[0]?.severity).toBe('info');
    }
  });
});
