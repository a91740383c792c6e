import type { Rule, RuleMeta } from './types.ts';
import { finding } from './context.ts';
import { globalRule } from './define.ts';
import { isolateFix } from './fixes.ts';
import { phbLoads } from './pe.ts';
import { at, dev, hostdev, phb, pseries } from './testkit.ts';

const meta: RuleMeta = {
  id: 'PAPR-ISO-7',
  severity: 'warning',
  title: 'No emulated devices on a hostdev PHB',
  why: "QEMU's PE is the whole PHB: guest EEH recovery for the hostdev freezes and resets the emulated devices too, and they share its 32-bit DMA window.",
  source: 'QEMU hw/ppc/spapr_pci_vfio.c, hw/ppc/spapr_pci.c (PE address = (bus << 16) + 1, shared mode); libvirt test pseries-hostdevs-2',
  families: ['pseries'],
  impact: 2,
};

export const rule: Rule = globalRule(meta, (ctx) => {
  const out = [];
  for (const load of phbLoads(ctx).values()) {
    // PHB 0 with a hostdev is PAPR-ISO-4.
    if (load.phb === 0 || load.hostdevs.length === 0 || load.emulated.length === 0) continue;
    const groups = [...load.groups].sort((a, b) => a - b);
    const first = groups[0];
    out.push(
      finding(meta, `PHB ${load.phb} mixes hostdevs (${load.hostdevs.map((d) => d.label).join(', ')}) with emulated devices (${load.emulated.map((d) => d.label).join(', ')}): one EEH PE and one DMA window for all.`, { controllers: [load.phb], devices: [...load.hostdevs, ...load.emulated].map((d) => d.key), ...(groups.length ? { groups } : {}) }, [isolateFix(ctx, first, first !== undefined ? (ctx.devicesByGroup.get(first) ?? []) : load.hostdevs)]),
    );
  }
  return out;
});

export const cases = {
  pass: [{ name: 'hostdev alone on PHB 1', design: pseries([phb(1)], [dev('vda', 'disk', at(0, 1)), hostdev('0000:01:00.0', at(1, 1))]) }],
  fail: [{ name: 'disk next to the hostdev', design: pseries([phb(1)], [dev('vda', 'disk', at(1, 2)), hostdev('0000:01:00.0', at(1, 1))]), expect: { controllers: [1] } }],
};
