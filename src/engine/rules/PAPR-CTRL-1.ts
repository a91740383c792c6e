import type { Rule, RuleMeta } from './types.ts';
import { finding } from './context.ts';
import { globalRule } from './define.ts';
import { removeControllerFix } from './fixes.ts';
import { ctrl, pseries } from './testkit.ts';

const meta: RuleMeta = {
  id: 'PAPR-CTRL-1',
  severity: 'error',
  title: 'No pcie-root on pseries',
  why: 'pseries buses are PHBs (pci-root); libvirt refuses a pcie-root on this machine type.',
  source: 'libvirt src/qemu/qemu_domain.c qemuDomainDefAddDefaultDevices',
  families: ['pseries'],
};

export const rule: Rule = globalRule(meta, (ctx) =>
  ctx.guest.controllers.filter((c) => c.model === 'pcie-root').map((c) => finding(meta, `pseries has no pcie-root (controller ${c.index ?? '(index unreadable)'}); use PHBs (pci-root) instead.`, { controllers: c.index !== undefined ? [c.index] : [] }, removeControllerFix(c, 'pseries has no pcie-root'))),
);

export const cases = {
  pass: [{ name: 'PHBs only', design: pseries([], []) }],
  fail: [{ name: 'pcie-root 1', design: pseries([ctrl('pcie-root', 1)], []), expect: { controllers: [1] } }],
};
