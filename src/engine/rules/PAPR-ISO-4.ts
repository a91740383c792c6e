import type { Rule, RuleMeta } from './types.ts';
import { finding } from './context.ts';
import { globalRule } from './define.ts';
import { isolateFix } from './fixes.ts';
import { phbLoads } from './pe.ts';
import { at, dev, hostdev, phb, pseries } from './testkit.ts';

const meta: RuleMeta = {
  id: 'PAPR-ISO-4',
  severity: 'warning',
  title: 'No hostdev on the default PHB',
  why: "libvirt accepts a hand-placed hostdev on PHB 0, but that PHB belongs to the emulated devices: the hostdev shares their DMA window and EEH PE, so its isolation is silently lost.",
  source: 'libvirt src/qemu/qemu_domain_address.c qemuDomainSetupIsolationGroups, src/conf/domain_addr.c virDomainPCIAddressReserveAddrInternal (test pseries-hostdevs-2)',
  families: ['pseries'],
  impact: 2,
};

export const rule: Rule = globalRule(meta, (ctx) => {
  const load = phbLoads(ctx).get(0);
  if (!load || load.hostdevs.length === 0) return [];
  const groups = [...load.groups].sort((a, b) => a - b);
  const first = groups[0];
  const fixDevices = first !== undefined ? (ctx.devicesByGroup.get(first) ?? []) : load.hostdevs;
  return [
    finding(meta, `${load.hostdevs.map((d) => d.label).join(', ')} sit${load.hostdevs.length === 1 ? 's' : ''} on the default PHB with the emulated devices: no isolation, shared DMA window and EEH PE. Give each IOMMU group its own PHB.`, { controllers: [0], devices: load.hostdevs.map((d) => d.key), ...(groups.length ? { groups } : {}) }, [isolateFix(ctx, first, fixDevices)]),
  ];
});

export const cases = {
  pass: [{ name: 'hostdev on PHB 1', design: pseries([phb(1)], [dev('vda', 'disk', at(0, 1)), hostdev('0000:01:00.0', at(1, 1))]) }],
  fail: [{ name: 'hostdev on PHB 0', design: pseries([], [dev('vda', 'disk', at(0, 1)), hostdev('0000:01:00.0', at(0, 2))]), expect: { controllers: [0], devices: ['0000:01:00.0'] } }],
};
