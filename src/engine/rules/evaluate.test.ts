import { describe, expect, it } from 'vitest';
import { demoDesign } from '../demo/demoDesign.ts';
import { applyCommand } from '../commands/commands.ts';
import { commandSubjects, dropTargets, type DropPayload } from '../commands/drop.ts';
import type { Design } from '../model/design.ts';
import { createEvaluator, findingKey, SEVERITY_RANK, worse, type Verdict } from './evaluate.ts';
import type { Finding } from './types.ts';
import { ruleMeta, validate } from './validate.ts';
import { dev, at, phb, pseries } from './testkit.ts';

const rank = (v: Verdict['level']): number => (v === 'clean' ? -1 : SEVERITY_RANK[v]);

describe('one evaluation for findings, badges and verdicts', () => {
  it('"Move IOMMU group 5 to vPHB 0" says PAPR-ISO-4 when the group is already there, as the badges and findings do (issue 10)', () => {
    const ev = createEvaluator();
    const placed = applyCommand(demoDesign(), { kind: 'move-group', group: 5, controller: 0 });
    const e = ev.evaluate(placed);
    expect(e.findings.some((f) => f.ruleId === 'PAPR-ISO-4' && f.severity === 'warning')).toBe(true);
    expect(e.controllers.get(0)).toBe('warning');
    expect(e.groups.get(5)).toBe('warning');
    const again = ev.verdict(placed, { kind: 'move-group', group: 5, controller: 0 });
    expect(again).toMatchObject({ level: 'warning', ruleId: 'PAPR-ISO-4' });
    // and moving it to an empty vPHB of its own is what clears it
    const iso = ev.verdict(placed, dropTargets(placed, { kind: 'group', number: 5 }, { newBus: true }).at(-1)?.command ?? { kind: 'batch', label: '', commands: [] });
    expect(iso.level).toBe('clean');
  });

  it('over every target of several payloads, the verdict is the evaluation after the drop, narrowed to what moves', () => {
    const ev = createEvaluator();
    const demo = demoDesign();
    const payloads: DropPayload[] = [
      { kind: 'group', number: 2 },
      { kind: 'group', number: 4 },
      { kind: 'group', number: 5 },
      { kind: 'guest-device', key: '0000:01:00.1' },
      { kind: 'host-device', address: '0035:03:00.0' },
      ...demo.guest.devices.map((d) => ({ kind: 'guest-device' as const, key: d.key })),
    ];
    // every bus and the new one, and a few slots of each bus: judging all 90 slots of each payload adds nothing
    let judged = 0;
    const levels = new Set<string>();
    for (const payload of payloads) {
      for (const t of dropTargets(demo, payload, { newBus: true }).filter((x) => !x.id.startsWith('s:') || /:(?:[1-3]|31)$/.test(x.id))) {
        const v = ev.verdict(demo, t.command);
        const after = ev.evaluate(applyCommand(demo, t.command));
        const subjects = commandSubjects(demo, t.command);
        // the badge every moved device carries after the drop (warnings and errors) is never worse than the verdict
        for (const k of subjects.devices) {
          const badge = after.devices.get(k);
          if (badge && badge !== 'info') expect(rank(v.level), `${t.label}: ${k} badge ${badge}`).toBeGreaterThanOrEqual(SEVERITY_RANK[badge]);
        }
        if (v.level === 'clean') {
          expect(after.findings.filter((f) => f.severity !== 'info' && (f.subjects.devices ?? []).some((d) => subjects.devices.has(d)))).toEqual([]);
        } else {
          // the finding the verdict names is in the findings panel after the drop, at that severity
          expect(after.findings.some((f) => f.ruleId === v.ruleId && f.severity === v.level && f.message === v.message), t.label).toBe(true);
        }
        levels.add(v.level);
        judged++;
      }
    }
    expect(judged).toBeGreaterThan(60);
    expect([...levels].sort()).toEqual(['clean', 'error', 'warning']);
  });

  it('newOnly judges only what the command adds: an edit is not blamed for an error the design already had', () => {
    const ev = createEvaluator();
    // two disks on one address: GEN-ADDR-4 on both, and vPHB 1 holds them
    const d: Design = pseries([phb(1)], [dev('vda', 'disk', at(1, 2)), dev('vdb', 'disk', at(1, 2))]);
    expect(ev.evaluate(d).devices.get('vda')).toBe('error');
    const c1 = d.guest.controllers.find((c) => c.index === 1);
    const edit = { kind: 'update-controller' as const, controller: c1?.key ?? '', changes: { target: { ...c1?.target, node: undefined, hotplug: 'off' as const } } };
    expect(ev.verdict(d, { kind: 'set-multifunction', device: 'vda', value: null })).toMatchObject({ level: 'error', ruleId: 'GEN-ADDR-4' });
    expect(ev.verdict(d, { kind: 'set-multifunction', device: 'vda', value: null }, { newOnly: true }).level).toBe('clean');
    expect(ev.verdict(d, edit, { newOnly: true }).level).not.toBe('error');
  });

  it('a command the engine refuses is an error with its reason; a rule that throws is an INTERNAL finding', () => {
    const ev = createEvaluator();
    expect(ev.verdict(demoDesign(), { kind: 'move-group', group: 99, controller: 1 })).toEqual({ level: 'error', message: 'no host IOMMU group 99' });
    const broken = createEvaluator(() => {
      throw new Error('boom');
    });
    const e = broken.evaluate(demoDesign());
    expect(e.findings).toEqual([{ ruleId: 'INTERNAL', severity: 'error', message: 'validation failed: boom', subjects: {} }]);
  });

  it('memoises by design identity and lists each rule once in "more"', () => {
    const ev = createEvaluator();
    const demo = demoDesign();
    expect(ev.evaluate(demo)).toBe(ev.evaluate(demo));
    const v = ev.verdict(demo, { kind: 'move-group', group: 2, controller: 1 });
    const ids = [v.ruleId, ...(v.more ?? []).map((n) => n.ruleId)];
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('a drop the drag judged is applied as the design its verdict judged: no second validation; remembered findings are used as they are', () => {
    let runs = 0;
    const e = createEvaluator((d) => {
      runs++;
      return validate(d);
    });
    const d = demoDesign();
    const t = dropTargets(d, { kind: 'group', number: 5 })[0];
    if (!t) throw new Error('the demo has no target for group 5');
    e.verdict(d, t.command);
    const after = runs;
    const made = e.applied(d, t.command);
    expect(made).toEqual(applyCommand(d, t.command));
    expect(e.applied(d, t.command)).toBe(made);
    expect(e.evaluate(made).findings).toEqual(validate(made));
    expect(runs).toBe(after);
    // findings computed elsewhere (the app's worker) are taken as the evaluation
    const other = demoDesign();
    const seeded = e.remember(other, validate(other));
    expect(e.evaluate(other)).toBe(seeded);
    expect(runs).toBe(after);
  });
});


describe('what a verdict and the badges read from the findings', () => {
  const f = (ruleId: string, severity: Finding['severity'], message: string, subjects: Finding['subjects'] = {}): Finding => ({ ruleId, severity, message, subjects });
  const d: Design = pseries([phb(1)], [dev('vda', 'disk', at(1, 2)), dev('vdb', 'disk', at(1, 3))], { groups: { 7: ['0000:01:00.0'] } });
  const moveVda = { kind: 'move-device' as const, device: 'vda', address: at(1, 4) };
  /** an evaluator whose findings are these: `before` for d, `after` for any other design */
  const fake = (before: Finding[], after: Finding[]) => createEvaluator((x) => (x === d ? before : after));

  it('a badge is the worst severity of its subject, whatever order the findings come in', () => {
    const list = [f('A-1', 'warning', 'w', { devices: ['vda'], controllers: [1], groups: [7] }), f('A-2', 'error', 'e', { devices: ['vda'], controllers: [1], groups: [7] }), f('A-3', 'info', 'i', { devices: ['vda'], controllers: [1], groups: [7] })];
    for (const order of [list, [...list].reverse()]) {
      const e = createEvaluator(() => order).evaluate(d);
      expect([e.devices.get('vda'), e.controllers.get(1), e.groups.get(7)]).toEqual(['error', 'error', 'error']);
      expect([...e.keys].sort()).toEqual(['A-1|w', 'A-2|e', 'A-3|i']);
    }
    const info = createEvaluator(() => [f('A-3', 'info', 'i', { devices: ['vda'] }), f('A-1', 'warning', 'w', { devices: ['vdb'] })]).evaluate(d);
    expect([info.devices.get('vda'), info.devices.get('vdb'), info.devices.get('vdc')]).toEqual(['info', 'warning', undefined]);
    // a finding that names no controller or group badges none
    expect([info.controllers.size, info.groups.size, info.devices.size]).toEqual([0, 0, 2]);
    const ctl = createEvaluator(() => [f('A-1', 'warning', 'w', { controllers: [1] })]).evaluate(d);
    expect([ctl.controllers.size, ctl.groups.size, ctl.devices.size]).toEqual([1, 0, 0]);
  });

  it('the worst finding headlines; the others follow worst first, one note per rule, a rule outside the catalog named by its message', () => {
    const after = [
      f('PAPR-ISO-4', 'warning', 'shared group', { devices: ['vda'] }),
      f('A-INFO', 'info', 'only info', { devices: ['vda'] }),
      f('PAPR-ISO-4', 'warning', 'shared group again', { devices: ['vda'] }),
      f('GEN-ADDR-4', 'error', 'clash', { devices: ['vda'] }),
      f('GEN-ADDR-4', 'error', 'clash again', { devices: ['vda'] }),
      f('X-NEW-1', 'warning', 'a new warning about nothing moved'),
    ];
    const v = fake([], after).verdict(d, moveVda);
    expect(v).toEqual({
      level: 'error',
      message: 'clash',
      ruleId: 'GEN-ADDR-4',
      more: [
        { ruleId: 'PAPR-ISO-4', severity: 'warning', title: ruleMeta('PAPR-ISO-4')?.title },
        { ruleId: 'X-NEW-1', severity: 'warning', title: 'a new warning about nothing moved' },
      ],
    });
    expect(ruleMeta('PAPR-ISO-4')?.title).toBeTruthy();
  });

  it('a finding the design had counts only when it names what the command moves: a device, a group, a controller', () => {
    const old = [f('B-1', 'warning', 'about vdb', { devices: ['vdb'] }), f('B-2', 'warning', 'about group 7', { groups: [7] }), f('B-3', 'warning', 'about vPHB 1', { controllers: [1] }), f('B-4', 'error', 'about vda', { devices: ['vda'] })];
    const ev = fake(old, old);
    expect(ev.verdict(d, moveVda)).toEqual({ level: 'error', message: 'about vda', ruleId: 'B-4' });
    expect(ev.verdict(d, { kind: 'move-group', group: 7, controller: 1 })).toMatchObject({ level: 'warning', ruleId: 'B-2' });
    const phb1 = d.guest.controllers.find((c) => c.index === 1)?.key ?? '';
    expect(ev.verdict(d, { kind: 'update-controller', controller: phb1, changes: { target: { index: 1, hotplug: 'off' } } })).toMatchObject({ level: 'warning', ruleId: 'B-3' });
    expect(ev.verdict(d, { kind: 'move-device', device: 'vdb', address: at(1, 5) })).toMatchObject({ level: 'warning', ruleId: 'B-1' });
    // with newOnly none of them is the command's
    expect(ev.verdict(d, moveVda, { newOnly: true })).toEqual({ level: 'clean' });
  });

  it('info alone is clean; a single finding has no "more"', () => {
    expect(fake([], [f('A-INFO', 'info', 'i', { devices: ['vda'] })]).verdict(d, moveVda)).toEqual({ level: 'clean' });
    expect(fake([], [f('B-4', 'warning', 'w', { devices: ['vda'] })]).verdict(d, moveVda)).toEqual({ level: 'warning', message: 'w', ruleId: 'B-4' });
  });

  it('a command applied once is the same design for every verdict and drop', () => {
    let runs = 0;
    const ev = createEvaluator((x) => {
      runs++;
      return validate(x);
    });
    const made = ev.applied(d, moveVda);
    const other = { kind: 'move-device' as const, device: 'vdb', address: at(1, 6) };
    expect(ev.applied(d, other)).not.toBe(made);
    expect(ev.applied(d, moveVda)).toBe(made);
    ev.verdict(d, moveVda);
    const counted = runs;
    ev.verdict(d, moveVda);
    expect(runs).toBe(counted);
  });
});

describe('severity ranking (severity.ts)', () => {
  it('worse keeps the worse of two, and the first severity seen', () => {
    expect(worse(undefined, 'info')).toBe('info');
    expect(worse('info', 'warning')).toBe('warning');
    expect(worse('warning', 'info')).toBe('warning');
    expect(worse('error', 'warning')).toBe('error');
    expect(worse('warning', 'warning')).toBe('warning');
    expect(findingKey(f0)).toBe('R-1|m');
  });
});
const f0: Finding = { ruleId: 'R-1', severity: 'info', message: 'm', subjects: {} };
