import type { Rule, RuleMeta } from './types.ts';
import { addrText, finding } from './context.ts';
import { hexNumber } from '../model/names.ts';
import { globalRule } from './define.ts';
import { firstFreeSlot } from '../commands/commands.ts';
import { qemuDomainDeviceIsIntegrated } from '../libvirt/qemuDomainAddress.ts';
import { at, dev, q35, rootPort, virt } from './testkit.ts';

const meta: RuleMeta = {
  id: 'GEN-INTEGRATED-1',
  severity: 'error',
  title: 'virtio-iommu and pvpanic-pci sit on bus 0',
  why: 'These devices must be integrated into the root bus; libvirt refuses them anywhere else ("needs to be an integrated device (bus=0)").',
  source: 'libvirt src/conf/domain_addr.c virDomainPCIAddressFlagsCompatible (INTEGRATED flag); src/qemu/qemu_domain_address.c qemuDomainDeviceCalculatePCIConnectFlags',
  families: 'all',
};

export const rule: Rule = globalRule(meta, (ctx) =>
  ctx.guest.devices
    .filter((d) => d.address && d.address.bus !== 0 && qemuDomainDeviceIsIntegrated(d, ctx.machine))
    .map((d) => {
      const slot = firstFreeSlot(ctx.guest, 0);
      const fixes = slot !== undefined ? [{ label: `Move ${d.label} to bus 0x00 slot ${hexNumber(slot, 2)}`, command: { kind: 'move-device' as const, device: d.key, address: at(0, slot) } }] : undefined;
      return finding(meta, `The device at PCI address ${addrText(d.address!)} (${d.label}) needs to be an integrated device (bus=0).`, { devices: [d.key] }, fixes);
    }),
);

export const cases = {
  pass: [
    { name: 'iommu on pcie-root', design: q35([], [dev('iommu0', 'iommu', at(0, 3), { model: 'virtio' })]) },
    { name: 'pvpanic-pci (panic model pvpanic on virt) on pcie-root', design: virt([], [dev('panic0', 'panic', at(0, 2), { model: 'pvpanic' })]) },
  ],
  fail: [
    { name: 'iommu behind a root port', design: q35([rootPort(1, 1)], [dev('iommu0', 'iommu', at(1, 0), { model: 'virtio' })]), expect: { devices: ['iommu0'] } },
    { name: 'pvpanic-pci behind a root port', design: virt([rootPort(1, 1)], [dev('panic0', 'panic', at(1, 0), { model: 'pvpanic' })]), expect: { devices: ['panic0'] } },
  ],
};
