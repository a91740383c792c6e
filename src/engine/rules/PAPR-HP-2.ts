import type { RuleContext } from './context.ts';
import type { Fix, Rule, RuleMeta } from './types.ts';
import { finding } from './context.ts';
import { globalRule } from './define.ts';
import { hotplugSpares } from './spares.ts';
import { isPhb } from '../model/guest.ts';
import { at, hostdev, phb, pseries } from './testkit.ts';

const meta: RuleMeta = {
  id: 'PAPR-HP-2',
  severity: 'info',
  title: 'Keep an empty vPHB for each IOMMU group to hotplug',
  why: 'At hotplug time libvirt puts a hostdev on a bus of its own IOMMU group or on an empty PHB; it cannot create a PHB then, so without an empty one attaching a hostdev of a new group fails ("No more available PCI slots").',
  source: 'libvirt src/qemu/qemu_hotplug.c qemuDomainAttachHostPCIDevice; src/conf/domain_addr.c virDomainPCIAddressGetNextAddr; docs/pci-hotplug.rst (pseries); tests/qemuhotplugtest.c pseries-base-live + hostdev-pci',
  families: ['pseries'],
};

/** With a host: is there an IOMMU group with a device (not only bridges) that the guest does not pass through yet? */
function somethingToHotplug(ctx: RuleContext): boolean {
  const host = ctx.host;
  if (!host) return true;
  for (const [n, g] of host.groups) {
    if (ctx.devicesByGroup.has(n)) continue;
    if (g.members.some((a) => host.devices.get(a)?.bridge === false)) return true;
  }
  return false;
}

export const rule: Rule = globalRule(meta, (ctx) => {
  if (hotplugSpares(ctx).length > 0 || !somethingToHotplug(ctx)) return [];
  const phbs = ctx.guest.controllers.filter((c) => isPhb(c) && c.index !== 0).length;
  // 30 non-default PHBs use every target index libvirt accepts (PAPR-PHB-2).
  const fixes: Fix[] = phbs < 30 ? [{ label: 'Add an empty vPHB for hotplug', command: { kind: 'add-controller', controller: { model: 'pci-root' } } }] : [];
  return [
    finding(
      meta,
      'No empty vPHB is left for hotplug: libvirt places a hotplugged hostdev only on a bus of its own IOMMU group or on an empty PHB and cannot add a PHB to a running guest, so attaching a hostdev of a new group would fail ("No more available PCI slots", an error at hotplug time). Add one empty vPHB per IOMMU group you plan to hotplug.',
      {},
      fixes,
    ),
  ];
});

const H = { groups: { 1: ['0000:01:00.0'], 2: ['0000:02:00.0'] } };
export const cases = {
  pass: [
    { name: 'an empty PHB is kept', design: pseries([phb(1), phb(2)], [hostdev('0000:01:00.0', at(1, 1))], H) },
    { name: 'every host group is already in the guest', design: pseries([phb(1), phb(2)], [hostdev('0000:01:00.0', at(1, 1)), hostdev('0000:02:00.0', at(2, 1))], H) },
  ],
  fail: [
    { name: 'the only extra PHB is used', design: pseries([phb(1)], [hostdev('0000:01:00.0', at(1, 1))], H), expect: {} },
    { name: 'the spare goes to an unaddressed hostdev', design: pseries([phb(1)], [hostdev('0000:01:00.0')], H), expect: {} },
    { name: "the spare has hotplug='off'", design: pseries([phb(1, { hotplug: 'off' })], []), expect: {} },
  ],
};
