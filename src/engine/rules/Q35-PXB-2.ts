import type { Rule, RuleMeta } from './types.ts';
import { finding } from './context.ts';
import { globalRule } from './define.ts';
import { removeControllerFix } from './fixes.ts';
import { at, ctrl, design, q35 } from './testkit.ts';

const meta: RuleMeta = {
  id: 'Q35-PXB-2',
  severity: 'error',
  title: 'pci-expander-bus only on i440fx',
  why: 'pxb is a conventional PCI expander for i440fx; libvirt refuses it on q35 and virt, where pcie-expander-bus is the equivalent.',
  source: 'libvirt src/qemu/qemu_domain.c qemuDomainControllerDefPostParse ("pci-expander-bus controllers are only supported on 440fx-based machinetypes")',
  families: ['q35', 'virt', 'other'],
};

export const rule: Rule = globalRule(meta, (ctx) =>
  ctx.guest.controllers
    .filter((c) => c.model === 'pci-expander-bus')
    .map((c) => finding(meta, `pci-expander-bus controllers (index ${c.index}) are only supported on 440fx-based machine types; use pcie-expander-bus here.`, { controllers: c.index !== undefined ? [c.index] : [] }, removeControllerFix(c, 'only i440fx has pci-expander-bus'))),
);

export const cases = {
  pass: [{ name: 'pxb on i440fx', design: design({ machine: 'pc-i440fx-9.0', controllers: [ctrl('pci-root', 0), ctrl('pci-expander-bus', 1, { address: at(0, 2) })] }) }],
  fail: [{ name: 'pxb on q35', design: q35([ctrl('pci-expander-bus', 1, { address: at(0, 2) })], []), expect: { controllers: [1] } }],
};
