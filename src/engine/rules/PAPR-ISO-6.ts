import type { Rule, RuleMeta } from './types.ts';
import { finding } from './context.ts';
import { hostRule } from './define.ts';
import { isolateFix } from './fixes.ts';
import { phbLoads } from './pe.ts';
import { at, hostdev, phb, pseries } from './testkit.ts';

const meta: RuleMeta = {
  id: 'PAPR-ISO-6',
  severity: 'warning',
  title: 'One IOMMU group per PHB (else EEH is off)',
  why: 'QEMU allows EEH on a PHB only when it holds exactly one VFIO group; with two or more every EEH call fails and the guest loses error recovery for all devices there.',
  source: 'QEMU hw/ppc/spapr_pci_vfio.c vfio_eeh_container_ok, vfio_eeh_as_container; hw/ppc/spapr_pci.c spapr_phb_eeh_available',
  needsHost: true,
  families: ['pseries'],
  impact: 3,
};

export const rule: Rule = hostRule(meta, (ctx) => ctx.hostdevs.length > 0, (ctx) => {
  const out = [];
  for (const load of phbLoads(ctx).values()) {
    if (load.groups.size < 2) continue;
    const groups = [...load.groups].sort((a, b) => a - b);
    const second = groups[1] as number;
    out.push(
      finding(meta, `PHB ${load.phb} holds IOMMU groups ${groups.join(', ')}: EEH is disabled for every device on it.`, { controllers: [load.phb], devices: load.hostdevs.map((d) => d.key), groups }, [isolateFix(ctx, second, ctx.devicesByGroup.get(second) ?? [])]),
    );
  }
  return out;
});

const H = { groups: { 1: ['0000:01:00.0'], 2: ['0000:02:00.0'] } };
export const cases = {
  pass: [{ name: 'one group per PHB', design: pseries([phb(1), phb(2)], [hostdev('0000:01:00.0', at(1, 1)), hostdev('0000:02:00.0', at(2, 1))], H) }],
  fail: [{ name: 'two groups on PHB 1', design: pseries([phb(1)], [hostdev('0000:01:00.0', at(1, 1)), hostdev('0000:02:00.0', at(1, 2))], H), expect: { controllers: [1], groups: [1, 2] } }],
};
