import { describe, expect, it } from 'vitest';
import { applyCommand } from '../engine/index.ts';
import { demoDesign } from '../engine/index.ts';
import { dropTargets, evaluate, isBusTarget, lazyVerdicts } from './evaluate.ts';
import type { DragPayload } from './store.ts';


const PAYLOADS: readonly DragPayload[] = [
  { kind: 'group', number: 2 },
  { kind: 'group', number: 4 },
  { kind: 'host-device', address: '0035:03:00.0' },
  { kind: 'guest-device', key: '0030:01:00.0' },
  { kind: 'guest-device', key: '0000:01:00.1' },
];

describe('lazy verdicts for the "Move to…" menu', () => {
  it('judges nothing until asked, then gives exactly the verdicts of judging every bus at once', () => {
    const design = demoDesign();
    for (const payload of PAYLOADS) {
      const eager = evaluate(design, payload, isBusTarget);
      const lazy = lazyVerdicts(design, dropTargets(design, payload).filter(isBusTarget));
      expect(lazy.targets.map((t) => t.id)).toEqual([...eager.targets.keys()]);
      expect(lazy.judged).toBe(0);
      for (const t of lazy.targets) expect(lazy.get(t.id)).toBeUndefined();
      // one slice of zero budget still judges one target
      const more = lazy.judgeSome(0);
      expect(lazy.judged).toBe(1);
      expect(more).toBe(lazy.targets.length > 1);
      while (lazy.judgeSome(0));
      expect(lazy.judged).toBe(lazy.targets.length);
      for (const [id, v] of eager.verdicts) expect(lazy.get(id), `${JSON.stringify(payload)} ${id}`).toEqual(v);
    }
  });

  it('judges the chosen target on demand, once, and the slices skip it', () => {
    const design = demoDesign();
    const lazy = lazyVerdicts(design, dropTargets(design, { kind: 'group', number: 2 }).filter(isBusTarget));
    const last = lazy.targets[lazy.targets.length - 1];
    if (!last) throw new Error('the demo has buses');
    const v = lazy.judge(last.id);
    expect(v).toBeDefined();
    expect(lazy.judge(last.id)).toBe(v);
    expect(lazy.judged).toBe(1);
    expect(lazy.judge('c:no-such-bus')).toBeUndefined();
    while (lazy.judgeSome(0));
    expect(lazy.judged).toBe(lazy.targets.length);
    expect(lazy.get(last.id)).toBe(v);
  });

  it('the labels are right: next to another group a warning, on an empty vPHB clean', () => {
    const design = applyCommand(demoDesign(), { kind: 'add-controller', controller: { model: 'pci-root' } });
    const lazy = lazyVerdicts(design, dropTargets(design, { kind: 'group', number: 2 }).filter(isBusTarget));
    while (lazy.judgeSome(0));
    const verdictOn = (index: number) => {
      const c = design.guest.controllers.find((x) => x.index === index);
      return c ? lazy.get(`c:${c.key}`) : undefined;
    };
    // the worst consequence headlines (EEH off for the whole PHB), the shared DMA window follows
    expect(verdictOn(1)).toMatchObject({ level: 'warning', ruleId: 'PAPR-ISO-6', message: expect.stringMatching(/EEH is disabled/) as unknown });
    expect(verdictOn(1)?.more?.map((n) => n.ruleId)).toContain('PAPR-DMA-1');
    expect(verdictOn(3)).toEqual({ level: 'clean' });
  });
});
