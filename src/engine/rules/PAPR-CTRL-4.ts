import type { Rule, RuleMeta } from './types.ts';
import { finding } from './context.ts';
import { globalRule } from './define.ts';
import { removeControllerFix } from './fixes.ts';
import { at, ctrl, pseries } from './testkit.ts';

const meta: RuleMeta = {
  id: 'PAPR-CTRL-4',
  severity: 'error',
  title: 'No PCIe ports or PCIe bridges on pseries',
  why: "PHBs and pci-bridges accept only PCI endpoints and PCI bridges, so root ports, switch ports, dmi-to-pci-bridge and pcie-to-pci-bridge have no legal parent on pseries and libvirt refuses them.",
  source: 'libvirt src/conf/domain_addr.c virDomainPCIAddressBusSetModel, virDomainPCIAddressSetGrow',
  families: ['pseries'],
};

const FORBIDDEN = new Set(['pcie-root-port', 'pcie-switch-upstream-port', 'pcie-switch-downstream-port', 'dmi-to-pci-bridge', 'pcie-to-pci-bridge']);

export const rule: Rule = globalRule(meta, (ctx) =>
  ctx.guest.controllers
    .filter((c) => FORBIDDEN.has(c.model))
    .map((c) => finding(meta, `A ${c.model} (controller ${c.index ?? '(index unreadable)'}) has no legal parent on pseries: PHBs and pci-bridges take only PCI devices and pci-bridges. Use a PHB instead.`, { controllers: c.index !== undefined ? [c.index] : [] }, removeControllerFix(c, 'it has no parent on pseries'))),
);

export const cases = {
  pass: [{ name: 'pci-bridge', design: pseries([ctrl('pci-bridge', 1, { address: at(0, 1), target: { chassisNr: 1 } })], []) }],
  fail: [{ name: 'root port', design: pseries([ctrl('pcie-root-port', 1, { address: at(0, 1) })], []), expect: { controllers: [1] } }],
};
