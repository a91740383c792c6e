import type { Rule, RuleMeta } from './types.ts';
import { finding } from './context.ts';
import { globalRule } from './define.ts';
import { isolateFix } from './fixes.ts';
import { phbLoads } from './pe.ts';
import { at, ctrl, dev, hostdev, phb, pseries } from './testkit.ts';

const meta: RuleMeta = {
  id: 'PAPR-ISO-8',
  severity: 'warning',
  title: 'A hostdev behind a pci-bridge is not isolated',
  why: "libvirt tracks isolation per bus, so a hostdev can land on a bridge whose PHB carries other devices; QEMU still puts it in that PHB's one IOMMU address space and EEH PE.",
  source: 'libvirt src/conf/domain_addr.c virDomainPCIAddressGetNextAddr; src/qemu/qemu_domain_address.c qemuDomainPCIAddressSetCreate; QEMU spapr_pci_dma_iommu',
  families: ['pseries'],
  impact: 2,
};

export const rule: Rule = globalRule(meta, (ctx) => {
  const loads = phbLoads(ctx);
  const out = [];
  for (const d of ctx.hostdevs) {
    if (!d.address) continue;
    const parent = ctx.controllerByIndex.get(d.address.bus);
    if (parent?.model !== 'pci-bridge') continue;
    const root = ctx.rootOf(d.address.bus)?.index;
    // a bridge that leads to no PHB is GEN-CONNECT's; Map.get(undefined) finds no PHB either
    const load = loads.get(root as number);
    if (!load) continue;
    const g = ctx.groupOf(d);
    const shared = load.phb === 0 || load.emulated.length > 0 || [...load.groups].some((x) => x !== g) || (g === undefined && load.hostdevs.length > 1);
    if (!shared) continue;
    out.push(finding(meta, `${d.label} sits behind pci-bridge ${d.address.bus} on ${load.phb === 0 ? 'the default PHB 0, where libvirt places the emulated devices' : `PHB ${load.phb}, which also carries other devices`}: the bridge gives it no isolation.`, { controllers: [load.phb, d.address.bus], devices: [d.key], ...(g !== undefined ? { groups: [g] } : {}) }, [isolateFix(ctx, g, g !== undefined ? (ctx.devicesByGroup.get(g) ?? [d]) : [d])]));
  }
  return out;
});

const bridge = ctrl('pci-bridge', 1, { address: at(0, 5), target: { chassisNr: 1 } });
export const cases = {
  pass: [{ name: 'hostdev directly on its own PHB', design: pseries([phb(2)], [hostdev('0000:01:00.0', at(2, 1))]) }],
  fail: [{ name: 'behind a bridge on PHB 0', design: pseries([bridge], [dev('vda', 'disk', at(0, 1)), hostdev('0000:01:00.0', at(1, 1))]), expect: { devices: ['0000:01:00.0'] } }],
};
