import type { Rule, RuleMeta } from './types.ts';
import { finding } from './context.ts';
import { globalRule } from './define.ts';
import { controllerAddressFixes } from './fixes.ts';
import { at, ctrl, pseries, virt } from './testkit.ts';

const meta: RuleMeta = {
  id: 'GEN-IDX-4',
  severity: 'error',
  title: "A controller's index is larger than the bus it plugs into",
  why: 'libvirt numbers buses so that a bridge always comes after its parent; a bridge whose index is not larger than its bus is refused.',
  source: 'libvirt src/qemu/qemu_domain_address.c qemuDomainAssignPCIAddresses ("PCI controller at index N has bus=…, but index must be larger than bus")',
  families: 'all',
};

export const rule: Rule = globalRule(meta, (ctx) =>
  ctx.guest.controllers
    .filter((c) => c.index !== undefined && c.address && c.model !== 'pci-root' && c.model !== 'pcie-root' && c.index <= c.address.bus)
    .map((c) => finding(meta, `PCI controller at index ${c.index} (${c.model}) has bus=${c.address?.bus}, but its index must be larger than its bus.`, { controllers: [c.index as number] }, controllerAddressFixes(ctx, c, { renumber: true }))),
);

export const cases = {
  pass: [{ name: 'bridge 1 on bus 0', design: pseries([ctrl('pci-bridge', 1, { address: at(0, 1), target: { chassisNr: 1 } })], []) }],
  fail: [
    {
      name: 'bridge 1 on bridge 2',
      design: pseries([ctrl('pci-bridge', 1, { address: at(2, 1), target: { chassisNr: 1 } }), ctrl('pci-bridge', 2, { address: at(0, 1), target: { chassisNr: 2 } })], []),
      expect: { controllers: [1] },
    },
    // r03-virt-controller-index-not-above-bus: a root port on its own bus; libvirt can place it on pcie-root
    { name: 'root port on its own bus', design: virt([ctrl('pcie-root-port', 1, { address: at(1, 0), target: { chassis: 1, port: 0 } })], []), expect: { controllers: [1] } },
  ],
};
