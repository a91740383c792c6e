import type { Rule, RuleMeta } from './types.ts';
import { finding } from './context.ts';
import { globalRule } from './define.ts';
import { emptyPhbs } from './fixes.ts';
import { at, hostdev, phb, pseries } from './testkit.ts';

const meta: RuleMeta = {
  id: 'PAPR-HP-6',
  severity: 'warning',
  title: 'Spare PHBs survive cold-plugged hostdevs',
  why: 'libvirt gives any empty PHB to the next hostdev it has to place itself, before adding a new PHB, so a spare kept for hotplug is eaten by an unaddressed hostdev.',
  source: 'libvirt src/conf/domain_addr.c virDomainPCIAddressGetNextAddr; src/qemu/qemu_domain_address.c qemuDomainPCIAddressSetCreate',
  families: ['pseries'],
};

export const rule: Rule = globalRule(meta, (ctx) => {
  const unplaced = ctx.hostdevs.filter((d) => !d.address && d.otherAddressType === undefined);
  if (unplaced.length === 0) return [];
  const spares = emptyPhbs(ctx);
  if (spares.length === 0) return [];
  // Each IOMMU group libvirt places takes one empty PHB; without the host, count each device.
  const needed = new Set(unplaced.map((d) => ctx.groupOf(d) ?? d.key)).size;
  if (spares.length > needed) return [];
  const add = needed - spares.length + 1;
  return [
    finding(meta, `${unplaced.map((d) => d.key).join(', ')} ha${unplaced.length === 1 ? 's' : 've'} no address: libvirt will give the empty PHB(s) ${spares.join(', ')} to ${unplaced.length === 1 ? 'it' : 'them'}, so no spare is left for hotplug. Give the hostdevs addresses, or add ${add} more PHB(s).`, { controllers: spares, devices: unplaced.map((d) => d.key) }, [
      { label: `Add ${add} more spare vPHB(s)`, command: { kind: 'batch', label: 'Add spare vPHBs', commands: Array.from({ length: add }, () => ({ kind: 'add-controller' as const, controller: { model: 'pci-root' } })) } },
    ]),
  ];
});

export const cases = {
  pass: [{ name: 'addressed hostdev and a spare', design: pseries([phb(1), phb(2)], [hostdev('0000:01:00.0', at(1, 1))]) }],
  fail: [{ name: 'unaddressed hostdev and a spare', design: pseries([phb(1)], [hostdev('0000:01:00.0')]), expect: { controllers: [1] } }],
};
