import { demoDesign } from '../demo/demoDesign.ts';
import { describe, expect, it } from 'vitest';
import { applyCommand } from '../commands/commands.ts';
import { applyFixes, createValidator, ruleMeta, validate } from './index.ts';
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
