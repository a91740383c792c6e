import type { Rule, RuleMeta } from './types.ts';
import { addrText, finding } from './context.ts';
import { busRule } from './define.ts';
import { busAccepts } from '../libvirt/index.ts';
import { at, ctrl, dev, q35, rootPort } from './testkit.ts';

const meta: RuleMeta = {
  id: 'GEN-CONNECT-2',
  severity: 'warning',
  title: 'PCI endpoints on PCI buses, PCIe endpoints on PCIe ports',
  why: 'libvirt accepts a hand-written address that puts a PCIe device on a PCI bus or the reverse, but a PCIe device there loses its extended config space and a PCI device in a PCIe port "might not always work".',
  source: 'libvirt src/conf/domain_addr.c virDomainPCIAddressFlagsCompatible (fromConfig widening); QEMU docs/pcie.txt §2',
  families: ['q35', 'virt'],
};

export const rule: Rule = busRule(meta, (ctx, bus) => {
  const parent = bus.controller;
  // pcie-root: a PCI device there is Q35-PCI-2's business.
  // a port that holds libvirt's own pcie-to-pci-bridge takes no endpoint at all: GEN-CONNECT-3's error
  if (!parent || parent.model === 'pcie-root' || ctx.bridgeHolders.has(bus.index)) return [];
  return bus.devices.flatMap((d) => {
    if (!d.address || !ctx.takesPci(d)) return [];
    const type = ctx.endpointType(d);
    const other = type === 'pci-endpoint' ? 'pcie-endpoint' : 'pci-endpoint';
    if (busAccepts(parent, type) || !busAccepts(parent, other)) return [];
    const what = type === 'pci-endpoint' ? 'a conventional PCI device in a PCIe port' : 'a PCIe device on a conventional PCI bus';
    return [finding(meta, `${d.label} at ${addrText(d.address)} is ${what} (${parent.model} index ${bus.index}).`, { controllers: [bus.index], devices: [d.key] })];
  });
});

export const cases = {
  pass: [
    { name: 'e1000 on a pci-bridge', design: q35([rootPort(1, 1), ctrl('pcie-to-pci-bridge', 2, { address: at(1, 0) })], [dev('nic', 'interface', at(2, 1), { model: 'e1000' })]) },
    // libvirt refuses it there outright: GEN-CONNECT-3's error, not this warning
    { name: 'e1000 on the root port libvirt adds to hold its pcie-to-pci-bridge', design: q35([ctrl('pcie-root-port', 1, { implicit: true }), ctrl('pcie-to-pci-bridge', 2, { implicit: true })], [dev('nic', 'interface', at(1, 3), { model: 'rtl8139' }), dev('e1000', 'interface', at(1, 0), { model: 'e1000' })]) },
  ],
  fail: [{ name: 'e1000 in a root port', design: q35([rootPort(1, 1)], [dev('nic', 'interface', at(1, 0), { model: 'e1000' })]), expect: { devices: ['nic'] } }],
};
