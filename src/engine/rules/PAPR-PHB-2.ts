import type { Rule, RuleMeta } from './types.ts';
import { finding } from './context.ts';
import { globalRule } from './define.ts';
import { setTargetFix } from './fixes.ts';
import { nextPhbTargetIndex } from '../commands/commands.ts';
import { isPhb } from '../model/guest.ts';
import { phb, pseries } from './testkit.ts';

const meta: RuleMeta = {
  id: 'PAPR-PHB-2',
  severity: 'error',
  title: 'PHB target index is 0-30',
  why: 'QEMU places at most 31 PHBs in the 32-64 TiB window; libvirt refuses a target index above 30.',
  source: "libvirt src/conf/domain_validate.c virDomainControllerDefValidate (\"target index 'N' out of range - must be 0-30\"); QEMU include/hw/pci-host/spapr.h SPAPR_MAX_PHBS",
  families: ['pseries'],
};

export const rule: Rule = globalRule(meta, (ctx) =>
  ctx.guest.controllers.flatMap((c) => {
    const t = c.target.index;
    if (!isPhb(c) || t === undefined || (t >= 0 && t <= 30)) return [];
    const free = nextPhbTargetIndex(ctx.guest);
    const fixes = free <= 30 && c.index !== 0 ? [setTargetFix(c, `Use the free target index ${free}`, { ...c.target, index: free })] : undefined;
    return [finding(meta, `PCI controller ${c.index} has target index ${t}, out of range: it must be 0-30.`, { controllers: c.index !== undefined ? [c.index] : [] }, fixes)];
  }),
);

export const cases = {
  pass: [{ name: 'target index 30', design: pseries([phb(1, { index: 30 })], []) }],
  fail: [{ name: 'target index 31', design: pseries([phb(1, { index: 31 })], []), expect: { controllers: [1] } }],
};
