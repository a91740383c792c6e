import { demoDesign } from '../demo/demoDesign.ts';
import { describe, expect, it } from 'vitest';
import { applyCommand } from '../commands/commands.ts';
import { applyFixes, createValidator, RULES, ruleMeta, validate } from './index.ts';
import { busRule, globalRule } from './define.ts';
import { sortFindings } from './validate.ts';
import type { Finding } from './types.ts';
import type { Rule } from './types.ts';
import { at, ctrl, design, dev, hostdev, phb, pseries, q35, rootPort } from './testkit.ts';


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
    expect(got[0]?.message).toMatch(/^INTERNAL \(reading the design for the rules\) could not be checked/);
    expect(createValidator()(broken)).toEqual(got);
  });
});

describe('the order findings are listed in (sortFindings)', () => {
  const f = (ruleId: string, severity: 'error' | 'warning' | 'info', message: string, subjects: Finding['subjects'] = {}): Finding => ({ ruleId, severity, message, subjects });

  it('errors first, then among one severity the rule with the higher impact (EEH off, PAPR-ISO-6, before a shared group, PAPR-ISO-4), then a rule without one', () => {
    const list = [f('GEN-HP-1', 'warning', 'a'), f('PAPR-ISO-4', 'warning', 'b'), f('PAPR-ISO-6', 'warning', 'c'), f('PAPR-SLOT-1', 'info', 'd'), f('GEN-ADDR-4', 'error', 'e')];
    expect(sortFindings([...list]).map((x) => x.ruleId)).toEqual(['GEN-ADDR-4', 'PAPR-ISO-6', 'PAPR-ISO-4', 'GEN-HP-1', 'PAPR-SLOT-1']);
    expect(sortFindings([...list].reverse()).map((x) => x.ruleId)).toEqual(['GEN-ADDR-4', 'PAPR-ISO-6', 'PAPR-ISO-4', 'GEN-HP-1', 'PAPR-SLOT-1']);
  });

  it('one rule: by subjects (controllers, then devices, then groups; controllers 1,2 before 12), then by message', () => {
    const list = [f('GEN-ADDR-4', 'error', 'y', { controllers: [12] }), f('GEN-ADDR-4', 'error', 'z', { controllers: [1, 2] }), f('GEN-ADDR-4', 'error', 'b', { devices: ['vda'] }), f('GEN-ADDR-4', 'error', 'a', { devices: ['vda'] }), f('GEN-ADDR-4', 'error', 'x', { groups: [1] })];
    const order = ['z', 'y', 'a', 'b', 'x'];
    expect(sortFindings([...list]).map((x) => x.message)).toEqual(order);
    expect(sortFindings([...list].reverse()).map((x) => x.message)).toEqual(order);
  });

  it('devices a,b before ab, groups 1,2 before 12, a finding without groups before one with', () => {
    const list = [f('GEN-ADDR-4', 'error', 'a', { devices: ['ab'] }), f('GEN-ADDR-4', 'error', 'b', { devices: ['a', 'b'] })];
    expect(sortFindings([...list]).map((x) => x.message)).toEqual(['b', 'a']);
    const groups = [f('GEN-ADDR-4', 'error', 'a', { devices: ['x'], groups: [12] }), f('GEN-ADDR-4', 'error', 'b', { devices: ['x'], groups: [1, 2] }), f('GEN-ADDR-4', 'error', 'c', { devices: ['x'] })];
    expect(sortFindings([...groups]).map((x) => x.message)).toEqual(['c', 'b', 'a']);
  });

  it('same severity and impact: by rule id, whatever the messages say', () => {
    const list = [f('PAPR-SLOT-1', 'info', 'a'), f('GEN-HP-5', 'info', 'b')];
    expect(sortFindings([...list]).map((x) => x.ruleId)).toEqual(['GEN-HP-5', 'PAPR-SLOT-1']);
    expect(sortFindings([...list].reverse()).map((x) => x.ruleId)).toEqual(['GEN-HP-5', 'PAPR-SLOT-1']);
  });

  it('a controller and a device of the same name are different subjects: controllers first', () => {
    const list = [f('GEN-ADDR-4', 'error', 'a', { devices: ['1'] }), f('GEN-ADDR-4', 'error', 'b', { controllers: [1] })];
    expect(sortFindings([...list]).map((x) => x.message)).toEqual(['b', 'a']);
  });
});

describe('the incremental validator re-checks a bus whenever what it reads changed', () => {
  // a per-bus rule that counts the buses it judges and names what it saw, so a stale cache shows
  let judged: number[] = [];
  const meta = { id: 'TEST-BUS-1', severity: 'warning' as const, title: 'test', why: 'test', source: 'test', families: 'all' as const };
  const seen = busRule(
    meta,
    (ctx, bus) => {
      judged.push(bus.index);
      const what = `${bus.controller?.model ?? '-'} hotplug ${bus.controller?.target.hotplug ?? '-'}: ${bus.devices.map((d) => `${d.key}@${d.address?.slot}`).join(',')} / ${bus.controllers.map((c) => `${c.key}@${c.address?.slot}`).join(',')}`;
      return [{ ruleId: meta.id, severity: meta.severity, message: `bus ${bus.index}: ${what} host ${ctx.host ? 'yes' : 'no'}`, subjects: { controllers: [bus.index] } }];
    },
    (ctx) => [{ ruleId: meta.id, severity: 'info', message: `off bus: ${ctx.buses.length} buses`, subjects: {} }],
  );
  const p = () => pseries([phb(1), phb(2), ctrl('pci-bridge', 3, { key: 'br', address: at(1, 5) })], [dev('vda', 'disk', at(1, 1)), dev('vdb', 'disk', at(2, 1))]);

  it('gives the off-bus findings of a per-bus rule too', () => {
    expect(createValidator([seen])(p())).toEqual(validate(p(), [seen]));
    expect(createValidator([seen])(p()).map((x) => x.message)).toContain('off bus: 4 buses');
  });

  it('same objects: nothing judged again; another host: every bus judged again', () => {
    const v = createValidator([seen]);
    const d = p();
    judged = [];
    v(d);
    expect(judged).toEqual([0, 1, 2, 3]);
    judged = [];
    const again = v({ ...d });
    expect(judged).toEqual([]);
    expect(again).toEqual(validate(d, [seen]));
    const withHost = design(d.guest, { groups: { 1: ['0000:01:00.0'] } });
    judged = [];
    const hosted = v(withHost);
    expect(judged).toEqual([0, 1, 2, 3]);
    expect(hosted).toEqual(validate(withHost, [seen]));
  });

  it('a device moved on its bus or to another, a controller edited or moved: each bus judged with what it holds now', () => {
    const v = createValidator([seen]);
    let d = p();
    v(d);
    for (const cmd of [
      { kind: 'move-device', device: 'vda', address: at(1, 2) },
      { kind: 'move-device', device: 'vdb', address: at(1, 3) },
      { kind: 'update-controller', controller: 'pci-2', changes: { target: { index: 2, hotplug: 'off' } } },
      { kind: 'update-controller', controller: 'br', changes: { address: at(1, 6) } },
      { kind: 'update-controller', controller: 'br', changes: { address: at(2, 5) } },
      { kind: 'move-device', device: 'vda', address: at(2, 1) },
    ] as const) {
      d = applyCommand(d, cmd);
      expect(v(d), cmd.kind).toEqual(validate(d, [seen]));
    }
  });

  it('a rule for other machine families is not run', () => {
    const q35Only = globalRule({ ...meta, id: 'TEST-Q35-1', families: ['q35'] }, () => [{ ruleId: 'TEST-Q35-1', severity: 'error', message: 'q35 only', subjects: {} }]);
    expect(validate(p(), [q35Only])).toEqual([]);
    expect(createValidator([q35Only])(p())).toEqual([]);
    expect(validate(q35([], []), [q35Only])).toHaveLength(1);
  });
});

describe('internal findings keep the first line of what the rule threw, at most 200 characters', () => {
  const meta = { id: 'TEST-THROW-3', severity: 'error' as const, title: 'long', why: 'test', source: 'test', families: 'all' as const };
  const d = pseries([phb(1)], []);

  it('a long message is cut at 200 characters', () => {
    const long = globalRule(meta, () => {
      throw new Error(`${'x'.repeat(250)}\nsecond line`);
    });
    const [got] = validate(d, [long]);
    expect(got?.message).toContain(`(${'x'.repeat(200)})`);
    expect(got?.message).not.toContain('x'.repeat(201));
  });

  it('a thrown value that is no Error is shown as text', () => {
    const odd = globalRule(meta, () => {
      throw 'not an Error object';
    });
    expect(validate(d, [odd])[0]?.message).toContain('(not an Error object)');
  });
});

describe('applyFixes stops where it should', () => {
  // two pairs of disks, each pair on one address: GEN-ADDR-4 twice, each fix moves one disk
  const clash = () => pseries([phb(1)], [dev('vda', 'disk', at(1, 2)), dev('vdb', 'disk', at(1, 2)), dev('vdc', 'disk', at(1, 3)), dev('vdd', 'disk', at(1, 3))]);
  const errors = (d: Parameters<typeof validate>[0]) => validate(d).filter((x) => x.severity === 'error').length;

  it('one round applies one fix: two clashes need two rounds', () => {
    const d = clash();
    expect(errors(d)).toBe(2);
    expect(errors(applyFixes(d, { maxRounds: 1 }))).toBe(1);
    expect(errors(applyFixes(d, { maxRounds: 2 }))).toBe(0);
    expect(errors(applyFixes(d))).toBe(0);
  });

  it('an error without a fix is left alone (pseries: a vPHB full of hostdevs has no room, and hostdevs stay on their vPHB)', () => {
    const hostdevs = Array.from({ length: 31 }, (_, i) => hostdev(`0000:${(i + 1).toString(16).padStart(2, '0')}:00.0`, at(1, i + 1)));
    const full = pseries([phb(1)], [...hostdevs, hostdev('0000:40:00.0', at(1, 5))]);
    expect(validate(full).some((x) => x.severity === 'error' && !x.fixes)).toBe(true);
    expect(applyFixes(full)).toBe(full);
  });
});
