import { demoDesign } from '../demo/demoDesign.ts';
import { describe, expect, it } from 'vitest';
import { applyCommand } from '../commands/commands.ts';
import { applyFixes, createValidator, RULES, ruleMeta, validate } from './index.ts';
import { busRule, globalRule } from './define.ts';
import type { Rule } from './types.ts';
import { at, dev, hostdev, phb, pseries, q35, rootPort } from './testkit.ts';


describe('validate', () => {
  it('the demo has no error and no warning', () => {
    const findings = validate(demoDesign());
    expect(findings.filter((f) => f.severity !== 'info')).toEqual([]);
  });

  it('orders findings by severity, then impact, then rule id, then subjects', () => {
    const d = pseries([phb(1)], [dev('vda', 'disk', at(0, 0)), dev('vdb', 'disk', at(1, 2)), hostdev('0000:01:00.0', at(1, 1))]);
    const f = validate(d);
    const rank = { error: 0, warning: 1, info: 2 };
    for (let i = 1; i < f.length; i++) {
      const a = f[i - 1]!;
      const b = f[i]!;
      const impact = (id: string) => ruleMeta(id)?.impact ?? 0;
      const sameSeverity = rank[a.severity] === rank[b.severity];
      expect(rank[a.severity] < rank[b.severity] || (sameSeverity && impact(a.ruleId) > impact(b.ruleId)) || (sameSeverity && impact(a.ruleId) === impact(b.ruleId) && a.ruleId <= b.ruleId)).toBe(true);
    }
    expect(f.map((x) => x.ruleId)).toContain('PAPR-SLOT-1');
    expect(validate(d)).toEqual(f);
  });

  it('rules that need the host say so once when it is missing', () => {
    const d = pseries([phb(1)], [hostdev('0000:01:00.0', at(1, 1))]);
    const info = validate(d).filter((f) => f.ruleId === 'PAPR-ISO-5');
    expect(info).toHaveLength(1);
    expect(info[0]?.severity).toBe('info');
  });
});

describe('createValidator', () => {
  it('gives the same findings as validate after each edit', () => {
    const v = createValidator();
    let d = q35([rootPort(1, 1), rootPort(2, 1, 1)], [dev('vda', 'disk', at(1, 0)), dev('nic', 'interface', at(0, 3), { model: 'e1000' })]);
    expect(v(d)).toEqual(validate(d));
    d = applyCommand(d, { kind: 'move-device', device: 'vda', address: at(1, 4) });
    expect(v(d)).toEqual(validate(d));
    d = applyCommand(d, { kind: 'move-device', device: 'vda', address: at(2, 0) });
    expect(v(d)).toEqual(validate(d));
    d = applyCommand(d, { kind: 'update-controller', controller: 'pci-2', changes: { target: { chassis: 1 } } });
    expect(v(d)).toEqual(validate(d));
  });

  it('re-uses per-bus findings for buses whose objects did not change', () => {
    const v = createValidator();
    const d = pseries([phb(1), phb(2)], [dev('vda', 'disk', at(0, 0)), dev('vdb', 'disk', at(2, 1))]);
    const first = v(d).find((f) => f.ruleId === 'PAPR-SLOT-1');
    const d2 = applyCommand(d, { kind: 'move-device', device: 'vdb', address: at(2, 2) });
    const second = v(d2).find((f) => f.ruleId === 'PAPR-SLOT-1');
    expect(second).toBe(first);
  });
});

describe('applyFixes', () => {
  it('repairs a design full of mistakes until no fixable error is left', () => {
    const d = pseries(
      [phb(1), phb(2, { index: 1 }), phb(3)],
      [dev('vda', 'disk', at(0, 0)), dev('vdb', 'disk', at(0, 2)), dev('vdc', 'disk', at(0, 2)), hostdev('0000:01:00.0', at(1, 1)), hostdev('0000:01:00.1', at(3, 1))],
      { groups: { 1: ['0000:01:00.0', '0000:01:00.1'] } },
    );
    expect(validate(d).filter((f) => f.severity === 'error').length).toBeGreaterThan(2);
    const fixed = applyFixes(d);
    expect(validate(fixed).filter((f) => f.severity === 'error')).toEqual([]);
  });

  it('leaves a clean design alone', () => {
    const d = demoDesign();
    expect(applyFixes(d)).toBe(d);
  });
});

describe('a rule that throws (issue 11)', () => {
  const boom = (id: string): never => {
    throw new RangeError(`${id} exploded\n    at somewhere (file.ts:1:1)`);
  };
  const meta = (id: string) => ({ id, severity: 'error' as const, title: `test rule ${id}`, why: 'a rule that fails, to prove the others still show', source: 'test', families: 'all' as const });
  const throwing: Rule[] = [globalRule(meta('TEST-THROW-1'), () => boom('TEST-THROW-1')), busRule(meta('TEST-THROW-2'), (_ctx, bus) => (bus.index === 1 ? boom('TEST-THROW-2') : []))];
  // h03-virt-root-port-bus-256-throws.xml once threw out of validate and hid every finding
  const d = pseries([phb(1)], [dev('vda', 'disk', at(0, 0)), dev('vdb', 'disk', at(1, 2))]);

  it('gives one internal finding with its own id, and every other rule still reports', () => {
    const alone = validate(d);
    const got = validate(d, [...RULES, ...throwing]);
    const internal = got.filter((f) => f.internal);
    expect(internal.map((f) => f.ruleId).sort()).toEqual(['TEST-THROW-1', 'TEST-THROW-2']);
    for (const f of internal) {
      expect(f.severity).toBe('error');
      expect(f.subjects).toEqual({});
      expect(f.message).toMatch(/could not be checked: the rule failed on this design \(TEST-THROW-\d exploded\)\. This is a bug in pcitopo/);
      expect(f.message).not.toContain('somewhere');
    }
    expect(got.filter((f) => !f.internal)).toEqual(alone);
    expect(alone.some((f) => f.ruleId === 'PAPR-SLOT-1')).toBe(true);
  });

  it('the incremental validator does the same, and recovers once the rule stops throwing', () => {
    let fail = true;
    const flaky = busRule(meta('TEST-FLAKY-1'), (_ctx, bus) => (fail && bus.index === 1 ? boom('TEST-FLAKY-1') : []));
    const v = createValidator([...RULES, flaky]);
    const first = v(d);
    expect(first.filter((f) => f.internal).map((f) => f.ruleId)).toEqual(['TEST-FLAKY-1']);
    expect(first.filter((f) => !f.internal)).toEqual(validate(d));
    fail = false;
    const d2 = applyCommand(d, { kind: 'move-device', device: 'vdb', address: at(1, 3) });
    expect(v(d2)).toEqual(validate(d2));
  });

  it('a design the rules cannot even index gives one internal finding, not an exception', () => {
    const broken = { ...d, guest: { ...d.guest, devices: null } } as unknown as typeof d;
    const got = validate(broken);
    expect(got).toHaveLength(1);
    expect(got[0]).toMatchObject({ ruleId: 'INTERNAL', severity: 'error', internal: true });
    expect(createValidator()(broken)).toEqual(got);
  });
});
