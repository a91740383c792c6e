import type { Rule, RuleMeta } from './types.ts';
import { finding } from './context.ts';
import { globalRule } from './define.ts';
import { phbLoads } from './pe.ts';
import { at, dev, hostdev, phb, pseries } from './testkit.ts';

const meta: RuleMeta = {
  id: 'PAPR-DMA-1',
  severity: 'warning',
  title: "A hostdev does not share its PHB's default DMA window",
  why: 'Every device on a PHB, bridges included, shares one 1 GiB default DMA window of 4 KiB TCEs; a passed-through device that shares it competes for mappings with everything else there.',
  source: 'QEMU hw/ppc/spapr_pci.c spapr_phb_properties (dma_win_size), spapr_phb_dma_reset; include/hw/ppc/spapr.h SPAPR_PCI_LIOBN',
  families: ['pseries'],
};

export const rule: Rule = globalRule(meta, (ctx) => {
  const out = [];
  for (const load of phbLoads(ctx).values()) {
    if (load.hostdevs.length === 0) continue;
    const others = load.emulated.length + (load.groups.size > 1 ? 1 : 0);
    if (others === 0) continue;
    out.push(finding(meta, `PHB ${load.phb}: its 1 GiB default DMA window is shared by the hostdevs and ${load.emulated.length ? `${load.emulated.length} emulated device(s)` : 'devices of other IOMMU groups'}.`, { controllers: [load.phb], devices: [...load.hostdevs, ...load.emulated].map((d) => d.key) }));
  }
  return out;
});

export const cases = {
  pass: [{ name: 'hostdev alone', design: pseries([phb(1)], [hostdev('0000:01:00.0', at(1, 1))]) }],
  fail: [{ name: 'hostdev with a disk', design: pseries([phb(1)], [hostdev('0000:01:00.0', at(1, 1)), dev('vda', 'disk', at(1, 2))]), expect: { controllers: [1] } }],
};
