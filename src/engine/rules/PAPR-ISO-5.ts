import type { Finding, Rule, RuleMeta } from './types.ts';
import { finding, rootIndex } from './context.ts';
import { hostRule } from './define.ts';
import { isolateFix } from './fixes.ts';
import { at, hostdev, phb, pseries } from './testkit.ts';

const meta: RuleMeta = {
  id: 'PAPR-ISO-5',
  severity: 'error',
  title: 'One IOMMU group stays on one PHB',
  why: 'Each PHB is its own DMA address space and QEMU refuses a VFIO group used in two of them ("group N used in multiple address spaces"): the guest does not start.',
  source: 'QEMU hw/vfio/container.c vfio_get_group; hw/ppc/spapr_pci.c spapr_pci_dma_iommu',
  needsHost: true,
  families: ['pseries'],
};

export const rule: Rule = hostRule(meta, (ctx) => ctx.hostdevs.length > 0, (ctx) => {
  const out: Finding[] = [];
  for (const [group, devices] of ctx.devicesByGroup) {
    const phbs = new Set<number>();
    for (const d of devices) {
      if (!d.address) continue;
      const r = rootIndex(ctx, d.address.bus);
      if (r !== undefined) phbs.add(r);
    }
    if (phbs.size < 2) continue;
    const sorted = [...phbs].sort((a, b) => a - b);
    out.push(
      finding(meta, `IOMMU group ${group} is split over PHBs ${sorted.slice(0, -1).join(', ')} and ${sorted[sorted.length - 1]}: QEMU refuses a VFIO group in two address spaces.`, { controllers: sorted, devices: devices.map((d) => d.key), groups: [group] }, [isolateFix(ctx, group, devices)]),
    );
  }
  return out;
});

const H = { groups: { 1: ['0000:01:00.0', '0000:01:00.1'] } };
export const cases = {
  pass: [{ name: 'group on one PHB', design: pseries([phb(1)], [hostdev('0000:01:00.0', at(1, 1, 0, 'on')), hostdev('0000:01:00.1', at(1, 1, 1))], H) }],
  fail: [{ name: 'group on PHBs 1 and 2', design: pseries([phb(1), phb(2)], [hostdev('0000:01:00.0', at(1, 1)), hostdev('0000:01:00.1', at(2, 1))], H), expect: { controllers: [1, 2], groups: [1] } }],
};
