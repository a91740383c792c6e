import { describe, expect, it } from 'vitest';
import { demoDesign } from '../demo/demoDesign.ts';
import { applyCommand } from '../commands/commands.ts';
import { commandSubjects, dropTargets, type DropPayload } from '../commands/drop.ts';
import type { Design } from '../model/design.ts';
import { createEvaluator, SEVERITY_RANK, type Verdict } from './evaluate.ts';
import { validate } from './validate.ts';
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

