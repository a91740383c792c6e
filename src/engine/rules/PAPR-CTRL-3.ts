import type { Rule, RuleMeta } from './types.ts';
import { finding } from './context.ts';
import { globalRule } from './define.ts';
import { removeControllerFix } from './fixes.ts';
import { at, ctrl, pseries } from './testkit.ts';

const meta: RuleMeta = {
  id: 'PAPR-CTRL-3',
  severity: 'error',
  title: 'No pcie-expander-bus on pseries',
  why: 'pcie-expander-bus needs a pcie-root, which pseries does not have; libvirt refuses it.',
  source: 'libvirt src/qemu/qemu_domain.c qemuDomainControllerDefPostParse ("pcie-expander-bus controllers are not supported with this machine type")',
  families: ['pseries'],
};

export const rule: Rule = globalRule(meta, (ctx) =>
  ctx.guest.controllers
    .filter((c) => c.model === 'pcie-expander-bus')
    .map((c) => finding(meta, `pcie-expander-bus controllers (index ${c.index ?? 'unreadable'}) are not supported with this machine type; on pseries add a PHB.`, { controllers: c.index !== undefined ? [c.index] : [] }, removeControllerFix(c, 'pseries has no pcie-expander-bus'))),
);

export const cases = {
  pass: [{ name: 'no pxb-pcie', design: pseries([], []) }],
  fail: [{ name: 'pxb-pcie', design: pseries([ctrl('pcie-expander-bus', 1, { address: at(0, 1) })], []), expect: { controllers: [1] } }],
};
