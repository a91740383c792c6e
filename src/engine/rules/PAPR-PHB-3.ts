import type { Rule, RuleMeta } from './types.ts';
import { finding } from './context.ts';
import { globalRule } from './define.ts';
import { setTargetFix } from './fixes.ts';
import { nextPhbTargetIndex } from '../commands/commands.ts';
import { isPhb } from '../model/guest.ts';
import { phb, pseries } from './testkit.ts';

const meta: RuleMeta = {
  id: 'PAPR-PHB-3',
  severity: 'error',
  title: 'Controller index 0 if and only if target index 0',
  why: 'The default PHB (controller 0) is target index 0 and no other PHB may take 0; libvirt refuses any other pairing.',
  source: 'libvirt src/conf/domain_validate.c virDomainControllerDefValidate ("Only the PCI controller with index 0 can have target index 0, and vice versa")',
  families: ['pseries'],
};

export const rule: Rule = globalRule(meta, (ctx) =>
  ctx.guest.controllers.flatMap((c) => {
    const t = c.target.index;
    if (!isPhb(c) || t === undefined || c.index === undefined) return [];
    if (c.index === 0 && t !== 0) return [finding(meta, `The default PHB (controller index 0) has target index ${t}; it must be 0.`, { controllers: [0] }, [setTargetFix(c, 'Use target index 0', { ...c.target, index: 0 })])];
    if (c.index !== 0 && t === 0) {
      const free = nextPhbTargetIndex(ctx.guest);
      return [finding(meta, `PHB controller ${c.index} has target index 0, which only controller 0 may have.`, { controllers: [c.index] }, free <= 30 ? [setTargetFix(c, `Use the free target index ${free}`, { ...c.target, index: free })] : undefined)];
    }
    return [];
  }),
);

export const cases = {
  pass: [{ name: 'PHB 1 target 5', design: pseries([phb(1, { index: 5 })], []) }],
  fail: [
    { name: 'PHB 1 target 0', design: pseries([phb(1, { index: 0 })], []), expect: { controllers: [1] } },
    { name: 'PHB 0 target 2', design: pseries([], [], undefined, { controllers: [phb(0, { index: 2 })] }), expect: { controllers: [0] } },
  ],
};
