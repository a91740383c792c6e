import type { Rule, RuleMeta } from './types.ts';
import { addrText, finding, occupants } from './context.ts';
import { busRule } from './define.ts';
import { at, dev, phb, pseries } from './testkit.ts';

const meta: RuleMeta = {
  id: 'GEN-ADDR-2',
  severity: 'error',
  title: 'An address names an existing PCI controller',
  why: "An address's bus is a controller index; with no controller of that index libvirt refuses the domain (or fills the gap with a default controller you did not design).",
  source: 'libvirt src/conf/domain_addr.c virDomainPCIAddressValidate ("Only PCI buses up to N are available")',
  families: 'all',
};

export const rule: Rule = busRule(meta, (_ctx, bus) => {
  if (bus.controller) return [];
  return occupants(bus).map((o) => {
    const a = (o.device?.address ?? o.controller?.address)!;
    const who = o.device ? o.device.label : `controller ${o.controller?.index}`;
    return finding(meta, `${who} is at ${addrText(a)}, but there is no PCI controller with index ${bus.index}.`, o.device ? { devices: [o.device.key] } : { controllers: [o.controller?.index ?? -1] });
  });
});

export const cases = {
  pass: [{ name: 'bus 1 exists', design: pseries([phb(1)], [dev('vda', 'disk', at(1, 1))]) }],
  fail: [{ name: 'bus 3 missing', design: pseries([phb(1)], [dev('vda', 'disk', at(3, 1))]), expect: { devices: ['vda'] } }],
};
