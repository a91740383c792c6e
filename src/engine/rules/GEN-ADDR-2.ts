import type { Rule, RuleMeta } from './types.ts';
import type { Occupant } from './context.ts';
import { addrText, finding, occupants } from './context.ts';
import { busRule } from './define.ts';
import { MAX_CONTROLLER_INDEX } from '../libvirt/limits.ts';
import { at, ctrl, dev, phb, pseries, q35 } from './testkit.ts';

const meta: RuleMeta = {
  id: 'GEN-ADDR-2',
  severity: 'error',
  title: 'An address names an existing PCI controller',
  why: "An address's bus is a controller index. libvirt adds default controllers for buses that devices name (GEN-IDX-5), but never a bus for a controller other than a switch upstream port, and never more PHBs than pseries has; such an address is refused.",
  source: 'libvirt src/conf/domain_addr.c virDomainPCIAddressSetGrow ("a PCI slot is needed to connect a PCI controller model=…, but none is available, and it cannot be automatically added"), virDomainPCIAddressValidate ("Only PCI buses up to N are available")',
  families: 'all',
};

/**
 * libvirt's dry run reserves every written address and first grows the bus set up to its bus with
 * the machine's default model (virDomainPCIAddressSetGrow): a PHB on pseries, a pcie-root-port on
 * pcie-root machines, a pci-bridge elsewhere (GEN-IDX-5; tests pci-autoadd-addr, pseries-hostdevs-3).
 * It does so for endpoints and switch upstream ports only. A pseries guest has PHB target
 * indexes up to 30 (PAPR-PHB-2), so no more PHBs than that can be added.
 */
function libvirtAddsBus(family: string, busIndex: number, o: Occupant): boolean {
  // issue 11: no controller can have an index above 255 (virDomainControllerDefValidate), so no bus beyond it
  if (busIndex > MAX_CONTROLLER_INDEX) return false;
  if (family === 'pseries' && busIndex > 30) return false;
  return o.device !== undefined || o.controller?.model === 'pcie-switch-upstream-port';
}

export const rule: Rule = busRule(meta, (ctx, bus) => {
  if (bus.controller) return [];
  return occupants(bus).flatMap((o) => {
    if (libvirtAddsBus(ctx.family, bus.index, o)) return [];
    const a = (o.device?.address ?? o.controller?.address)!;
    const who = o.device ? o.device.label : `controller ${o.controller?.index}`;
    return [finding(meta, `${who} is at ${addrText(a)}, but there is no PCI controller with index ${bus.index}, and libvirt cannot add one for it${bus.index > MAX_CONTROLLER_INDEX ? ` (controller indexes go up to ${MAX_CONTROLLER_INDEX})` : ''}.`, o.device ? { devices: [o.device.key] } : { controllers: [o.controller?.index ?? -1] })];
  });
});

export const cases = {
  pass: [
    { name: 'bus 1 exists', design: pseries([phb(1)], [dev('vda', 'disk', at(1, 1))]) },
    { name: 'bus 3 named by a disk: libvirt adds PHBs 1-3', design: pseries([phb(1)], [dev('vda', 'disk', at(3, 1))]) },
    { name: 'bus 2 named by a disk on q35: libvirt adds root ports', design: q35([], [dev('vda', 'disk', at(2, 0))]) },
    { name: 'bus 255 named by a disk on q35: the highest controller index', design: q35([], [dev('vda', 'disk', at(255, 0))]) },
  ],
  fail: [
    { name: 'a root port on a missing bus', design: q35([ctrl('pcie-root-port', 4, { address: at(3, 0), target: { chassis: 4 } })], []), expect: { controllers: [4] } },
    { name: 'bus 40 on pseries: more PHBs than target indexes', design: pseries([], [dev('vda', 'disk', at(40, 1))]), expect: { devices: ['vda'] } },
    // h01-validate-bus-ffffffff: a bus no controller index can reach, on any machine
    { name: 'bus 0xffffffff on q35', design: q35([], [dev('vda', 'disk', at(0xffffffff, 0))]), expect: { devices: ['vda'] } },
    { name: 'bus 256 on q35: one past the highest controller index', design: q35([], [dev('vda', 'disk', at(256, 0))]), expect: { devices: ['vda'] } },
  ],
};
