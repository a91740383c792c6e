import { describe, expect, it } from 'vitest';
import { demoDesign } from '../engine/index.ts';
import { dropTargets, hypothetical, verdictMore, type Verdict } from './evaluate.ts';


describe('drop verdicts name every new problem, worst first', () => {
  it('a second IOMMU group on a vPHB shows its first warning and names the others, PAPR-ISO-6 among them', () => {
    const v = hypothetical(demoDesign(), { kind: 'move-group', group: 2, controller: 1 });
    expect(v.level).toBe('warning');
    const ids = [v.ruleId, ...(v.more ?? []).map((n) => n.ruleId)];
    expect(ids).toContain('PAPR-ISO-6');
    expect(new Set(ids).size).toBe(ids.length);
    // info findings (GEN-HP-5 here) never count as "more"
    expect(ids).not.toContain('GEN-HP-5');
    const line = verdictMore(v);
    expect(line).toMatch(/^\+\d+ more: /);
    expect(line).toContain(v.more?.[0]?.ruleId);
  });

  it('over every target of several drags, the first finding is never milder than the ones after it', () => {
    const design = demoDesign();
    const rank = { clean: 0, info: 0, warning: 1, error: 2 } as const;
    let withMore = 0;
    for (const payload of [{ kind: 'group', number: 2 }, { kind: 'group', number: 4 }, { kind: 'guest-device', key: '0000:01:00.1' }, { kind: 'host-device', address: '0035:03:00.0' }] as const) {
      for (const t of dropTargets(design, payload)) {
        const v = hypothetical(design, t.command);
        const levels = [v.level, ...(v.more ?? []).map((n) => n.severity)];
        for (let i = 1; i < levels.length; i++) expect(rank[levels[i - 1] as keyof typeof rank], `${t.id}`).toBeGreaterThanOrEqual(rank[levels[i] as keyof typeof rank]);
        if (v.more?.length) withMore++;
      }
    }
    expect(withMore).toBeGreaterThan(0);
  });

  it('a clean drop has nothing more to say; a refused one says why', () => {
    const clean = hypothetical(demoDesign(), { kind: 'move-group', group: 5, controller: 2 });
    expect(clean.level === 'clean' || clean.level === 'warning').toBe(true);
    const refused = hypothetical(demoDesign(), { kind: 'move-group', group: 99, controller: 1 });
    expect(refused).toEqual({ level: 'error', message: 'no host IOMMU group 99' });
    expect(verdictMore(refused)).toBeUndefined();
  });

  it('verdictMore lists two and elides the rest', () => {
    const v: Verdict = {
      level: 'error',
      message: 'x',
      ruleId: 'A-1',
      more: [
        { ruleId: 'B-1', severity: 'warning', title: 'b' },
        { ruleId: 'C-1', severity: 'warning', title: 'c' },
        { ruleId: 'D-1', severity: 'warning', title: 'd' },
      ],
    };
    expect(verdictMore(v)).toBe('+3 more: B-1 b, C-1 c, …');
    expect(verdictMore({ ...v, more: v.more?.slice(0, 1) })).toBe('+1 more: B-1 b');
    expect(verdictMore({ level: 'clean' })).toBeUndefined();
  });
});
