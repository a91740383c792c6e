import type { Rule, RuleMeta } from './types.ts';
import { finding } from './context.ts';
import { globalRule } from './define.ts';
import { removeControllerFix } from './fixes.ts';
import { at, ctrl, pseries } from './testkit.ts';

const meta: RuleMeta = {
  id: 'PAPR-CTRL-2',
  severity: 'error',
  title: 'No pci-expander-bus on pseries',
  why: 'pci-expander-bus is for i440fx only and qemu-system-ppc64 has no pxb device; add a PHB for another root bus instead.',
  source: 'libvirt src/qemu/qemu_domain.c qemuDomainControllerDefPostParse ("pci-expander-bus controllers are only supported on 440fx-based machinetypes")',
  families: ['pseries'],
};

export const rule: Rule = globalRule(meta, (ctx) =>
  ctx.guest.controllers
    .filter((c) => c.model === 'pci-expander-bus')
    .map((c) => finding(meta, `pci-expander-bus controllers (index ${c.index ?? 'unreadable'}) are only supported on 440fx-based machine types; on pseries add a PHB.`, { controllers: c.index !== undefined ? [c.index] : [] }, removeControllerFix(c, 'pseries has no pci-expander-bus'))),
);

export const cases = {
  pass: [{ name: 'no pxb', design: pseries([], []) }],
  fail: [{ name: 'pxb', design: pseries([ctrl('pci-expander-bus', 1, { address: at(0, 1) })], []), expect: { controllers: [1] } }],
};
