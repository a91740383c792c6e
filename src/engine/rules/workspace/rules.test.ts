import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { hostUsage } from '../../model/workspace.ts';
import { RULES } from '../index.ts';
import { sharedPath } from '../../../../test/support/shared.ts';
import { WORKSPACE_RULES } from './index.ts';
import type { WorkspaceFailCase, WorkspaceFinding, WorkspaceRuleCases } from './types.ts';

const here = path.dirname(new URL(import.meta.url).pathname);
const ruleFiles = fs
  .readdirSync(here)
  .filter((f) => /^[A-Z0-9]+(-[A-Z0-9]+)+\.ts$/.test(f))
  .sort();

function matches(f: WorkspaceFinding, expect: WorkspaceFailCase['expect']): boolean {
  for (const k of ['controllers', 'devices', 'groups', 'domains'] as const) {
    const want = expect[k];
    const got = k === 'domains' ? f.domains : f.subjects[k];
    if (want && JSON.stringify(got ?? []) !== JSON.stringify(want)) return false;
  }
  return true;
}

describe('rules across guests: catalog', () => {
  it('the registry lists exactly the rule files of this folder, sorted', () => {
    expect(WORKSPACE_RULES.map((r) => `${r.meta.id}.ts`)).toEqual(ruleFiles);
  });

  it("ids are in RULES.md's scheme and clash with no single-guest rule", () => {
    const single = new Set(RULES.map((r) => r.meta.id));
    for (const r of WORKSPACE_RULES) {
      expect(r.meta.id).toMatch(/^(GEN|PAPR|Q35|VIRT|HD)-[A-Z]+-\d+$/);
      expect(single.has(r.meta.id)).toBe(false);
      expect(r.meta.why.length).toBeGreaterThan(20);
      expect(r.meta.source).toMatch(/\.(c|rst)\b/);
    }
  });

  const RULES_MD = sharedPath('the RULES.md cross-check', 'RULES.md');
  if (RULES_MD) {
    it('ids are new to RULES.md (pcitopo adds them; RULES.md has no rule across guests)', () => {
      const text = fs.readFileSync(RULES_MD, 'utf8');
      for (const r of WORKSPACE_RULES) expect(text).not.toMatch(new RegExp(`(^|[^A-Z0-9-])${r.meta.id}([^0-9-]|$)`, 'm'));
    });
  }
});

describe.each(ruleFiles)('%s', (file) => {
  const id = file.replace(/\.ts$/, '');
  const load = async () => (await import(`./${id}.ts`)) as { rule: (typeof WORKSPACE_RULES)[number]; cases: WorkspaceRuleCases };

  it('has meta.id equal to its file name and a case table with passing and failing cases', async () => {
    const mod = await load();
    expect(mod.rule.meta.id).toBe(id);
    expect(mod.cases.pass.length).toBeGreaterThan(0);
    expect(mod.cases.fail.length).toBeGreaterThan(0);
  });

  it('passing cases give no finding of its severity; failing cases give the expected subjects and domains', async () => {
    const { rule, cases } = await load();
    for (const c of cases.pass) {
      const got = rule.check({ workspace: c.workspace, usage: hostUsage(c.workspace) }).filter((f) => f.severity === rule.meta.severity);
      expect(got, `pass case "${c.name}"`).toEqual([]);
    }
    for (const c of cases.fail) {
      const got = rule.check({ workspace: c.workspace, usage: hostUsage(c.workspace) }).filter((f) => f.severity === rule.meta.severity);
      expect(got.length, `fail case "${c.name}"`).toBeGreaterThan(0);
      expect(got.some((f) => matches(f, c.expect)), `fail case "${c.name}": ${JSON.stringify(got.map((f) => [f.subjects, f.domains]))}`).toBe(true);
      for (const f of got) {
        expect(f.ruleId).toBe(id);
        // a finding across guests names every guest it is about, in its message too
        for (const name of f.domains) expect(f.message).toContain(name);
      }
    }
  });

  it('without a host: says so once (a rule that needs one) or still judges (one that does not)', async () => {
    const { rule, cases } = await load();
    for (const c of cases.fail) {
      const ws = { ...c.workspace, host: undefined };
      const got = rule.check({ workspace: ws, usage: hostUsage(ws) });
      if (rule.meta.needsHost) {
        expect(got.length, c.name).toBeLessThanOrEqual(1);
        for (const f of got) expect([f.severity, f.message]).toEqual(['info', expect.stringMatching(/no host is loaded/)]);
      } else {
        expect(got.filter((f) => f.severity === rule.meta.severity).length, c.name).toBeGreaterThan(0);
      }
    }
  });
});

describe('HD-SHARE-2 quotes libvirt as it will speak', () => {
  it("names the running guest's function and that guest (virHostdevIsPCINodeDeviceUsed reports the device it finds on the active list)", async () => {
    const { cases } = (await import('./HD-SHARE-2.ts')) as { cases: WorkspaceRuleCases };
    const { rule } = { rule: WORKSPACE_RULES.find((r) => r.meta.id === 'HD-SHARE-2') };
    const split = cases.fail[0];
    if (!rule || !split) throw new Error('HD-SHARE-2 or its first failing case is missing');
    // alpha has 0000:07:00.0, gamma 0000:07:00.1: starting gamma while alpha runs finds alpha's function
    const [f] = rule.check({ workspace: split.workspace, usage: hostUsage(split.workspace) });
    expect(f?.message).toContain('("PCI device 0000:07:00.0 is in use by driver QEMU, domain alpha")');
  });
});
