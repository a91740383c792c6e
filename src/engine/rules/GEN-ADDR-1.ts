import type { Fix } from './types.ts';
import type { Rule, RuleMeta } from './types.ts';
import { addrText, finding, occupants } from './context.ts';
import { busRule } from './define.ts';
import { at, dev, pseries } from './testkit.ts';

const meta: RuleMeta = {
  id: 'GEN-ADDR-1',
  severity: 'error',
  title: 'PCI addresses use domain 0',
  why: 'libvirt offers guests only PCI domain 0; any other domain is refused when the domain is defined.',
  source: 'libvirt src/conf/domain_addr.c virDomainPCIAddressValidate ("Only PCI domain 0 is available")',
  families: 'all',
};

export const rule: Rule = busRule(meta, (_ctx, bus) =>
  occupants(bus)
    .filter((o) => (o.device?.address ?? o.controller?.address)?.domain !== 0)
    .map((o) => {
      const a = (o.device?.address ?? o.controller?.address)!;
      // a controller whose index libvirt cannot read (GEN-IDX-*) is named so, and is no subject index
      const index = o.controller?.index;
      const name = o.device?.label ?? `controller ${index ?? '(index unreadable)'}`;
      const fixes: Fix[] = o.device
        ? [{ label: `Use domain 0 for ${name}`, command: { kind: 'move-device', device: o.device.key, address: { ...a, domain: 0 } } }]
        : o.controller
          ? [{ label: `Use domain 0 for ${name}`, command: { kind: 'update-controller', controller: o.controller.key, changes: { address: { ...a, domain: 0 } } } }]
          : [];
      return finding(meta, `${name} is at ${addrText(a)}: only PCI domain 0 is available to guests.`, o.device ? { devices: [o.device.key] } : { controllers: index === undefined ? [] : [index] }, fixes);
    }),
);

export const cases = {
  pass: [{ name: 'domain 0', design: pseries([], [dev('vda', 'disk', at(0, 2))]) }],
  fail: [{ name: 'domain 1', design: pseries([], [dev('vda', 'disk', at(0, 2, 0, undefined, 1))]), expect: { devices: ['vda'] } }],
};
