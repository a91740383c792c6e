import type { Finding, Rule, RuleMeta } from './types.ts';
import type { RuleContext } from './context.ts';
import { finding, rootIndex } from './context.ts';
import { atDefine } from './atDefine.ts';
import { hostRule } from './define.ts';
import { deviceName, isolateFix } from './fixes.ts';
import { at, hostdev, phb, pseries } from './testkit.ts';

const meta: RuleMeta = {
  id: 'PAPR-ISO-5',
  severity: 'error',
  title: 'One IOMMU group stays on one PHB',
  why: 'Each PHB is its own DMA address space and QEMU refuses a VFIO group used in two of them ("group N used in multiple address spaces"): the guest does not start.',
  source: 'QEMU hw/vfio/container.c vfio_get_group; hw/ppc/spapr_pci.c spapr_pci_dma_iommu; where libvirt puts a member left without an address: libvirt src/qemu/qemu_domain_address.c qemuDomainSetupIsolationGroups (the default PHB is locked to emulated devices), src/conf/domain_addr.c virDomainPCIAddressGetNextAddr (a bus of another isolation group is skipped)',
  needsHost: true,
  families: ['pseries'],
};

/** A group with a member left to libvirt beside another: where libvirt puts it decides whether the group stays on one PHB. */
const leavesMember = (ctx: RuleContext): boolean => [...ctx.devicesByGroup.values()].some((ds) => ds.length > 1 && ds.some((d) => !d.address));

export const rule: Rule = hostRule(meta, (ctx) => ctx.hostdevs.length > 0, (ctx) => {
  const out: Finding[] = [];
  // A member without an address goes where libvirt puts it at define: never on the default PHB,
  // whose isolation group is locked (qemuDomainSetupIsolationGroups), so a member written there
  // and one left to libvirt end up on two PHBs (fuzz seed 4).
  const defined = atDefine(ctx, leavesMember);
  const definedAt = new Map(defined?.guest.devices.map((d) => [d.key, d.address]) ?? []);
  for (const [group, devices] of ctx.devicesByGroup) {
    const phbs = new Set<number>();
    const byLibvirt: string[] = [];
    for (const d of devices) {
      if (d.address) {
        const r = rootIndex(ctx, d.address.bus);
        if (r !== undefined) phbs.add(r);
        continue;
      }
      const a = definedAt.get(d.key);
      if (!a) continue;
      // a bus the design lacks is a PHB libvirt adds for it: virDomainPCIAddressSetGrow grows pseries by PHBs
      const r = ctx.controllerByIndex.has(a.bus) ? rootIndex(ctx, a.bus) : a.bus;
      if (r === undefined) continue;
      phbs.add(r);
      // shown `implicit`: a PHB the design lacks and libvirt adds, as import draws it
      const root = ctx.controllerByIndex.get(r);
      byLibvirt.push(`${deviceName(d)} on PHB ${r}${root && !root.implicit ? '' : ', which it adds'}`);
    }
    if (phbs.size < 2) continue;
    const sorted = [...phbs].sort((a, b) => a - b);
    const why = byLibvirt.length ? ` (at define libvirt puts ${byLibvirt.join('; ')})` : '';
    out.push(
      finding(
        meta,
        `IOMMU group ${group} is split over PHBs ${sorted.slice(0, -1).join(', ')} and ${sorted[sorted.length - 1]}${why}: QEMU refuses a VFIO group in two address spaces.`,
        { controllers: sorted.filter((i) => ctx.controllerByIndex.has(i)), devices: devices.map((d) => d.key), groups: [group] },
        [isolateFix(ctx, group, devices)],
      ),
    );
  }
  return out;
});

const H = { groups: { 1: ['0000:01:00.0', '0000:01:00.1'] } };
export const cases = {
  pass: [
    { name: 'group on one PHB', design: pseries([phb(1)], [hostdev('0000:01:00.0', at(1, 1, 0, 'on')), hostdev('0000:01:00.1', at(1, 1, 1))], H) },
    // libvirt puts the member left to it on the bus its group already holds (virDomainPCIAddressGetNextAddr)
    { name: 'one member on PHB 1, the other left to libvirt', design: pseries([phb(1)], [hostdev('0000:01:00.0', at(1, 1)), hostdev('0000:01:00.1')], H) },
  ],
  fail: [
    { name: 'group on PHBs 1 and 2', design: pseries([phb(1), phb(2)], [hostdev('0000:01:00.0', at(1, 1)), hostdev('0000:01:00.1', at(2, 1))], H), expect: { controllers: [1, 2], groups: [1] } },
    // fuzz seed 4: the default PHB takes no hostdev libvirt places (qemuDomainSetupIsolationGroups), so it adds PHB 1 for the second member
    { name: 'one member written on the default PHB, the other left to libvirt', design: pseries([], [hostdev('0000:01:00.0', at(0, 1)), hostdev('0000:01:00.1')], H), expect: { controllers: [0], groups: [1] } },
  ],
};
