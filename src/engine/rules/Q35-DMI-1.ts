import type { Rule, RuleMeta } from './types.ts';
import { finding } from './context.ts';
import { globalRule } from './define.ts';
import { controllerAddressFixes } from './fixes.ts';
import { at, ctrl, q35, rootPort } from './testkit.ts';

const meta: RuleMeta = {
  id: 'Q35-DMI-1',
  severity: 'error',
  title: 'dmi-to-pci-bridge plugs into pcie-root or pcie-expander-bus',
  why: 'The DMI-to-PCI bridge is an integrated device of the root complex; libvirt refuses it anywhere else ("requires a controller that accepts a dmi-to-pci-bridge").',
  source: 'libvirt src/conf/domain_addr.c virDomainPCIAddressFlagsCompatible; test q35-dmi-bad-address2',
  families: ['q35', 'virt', 'i440fx', 'other'],
};

export const rule: Rule = globalRule(meta, (ctx) =>
  ctx.guest.controllers.flatMap((c) => {
    if (c.model !== 'dmi-to-pci-bridge' || !c.address) return [];
    const parent = ctx.controllerByIndex.get(c.address.bus);
    if (!parent || parent.model === 'pcie-root' || parent.model === 'pcie-expander-bus') return [];
    // a bridge whose index cannot be read is named by its place alone (PAPR-PHB-5 does the same)
    const name = c.index !== undefined ? `dmi-to-pci-bridge ${c.index}` : 'A dmi-to-pci-bridge (index unreadable)';
    return [finding(meta, `${name} cannot be plugged into the PCI controller with index='${c.address.bus}' (${parent.model}): it requires a controller that accepts a dmi-to-pci-bridge.`, { controllers: c.index !== undefined ? [c.index, c.address.bus] : [c.address.bus] }, controllerAddressFixes(ctx, c))];
  }),
);

export const cases = {
  pass: [{ name: 'on pcie-root', design: q35([ctrl('dmi-to-pci-bridge', 1, { address: at(0, 0x1e) })], []) }],
  fail: [{ name: 'behind a root port', design: q35([rootPort(1, 1), ctrl('dmi-to-pci-bridge', 2, { address: at(1, 0) })], []), expect: { controllers: [2, 1] } }],
};
