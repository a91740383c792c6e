import type { Rule, RuleMeta } from './types.ts';
import { addrText, controllerText, finding, occupants } from './context.ts';
import { freeSlotFix, everyBusRule } from './fixes.ts';
import { BUS_MODELS } from '../libvirt/index.ts';
import { isPhb } from '../model/guest.ts';
import { hexNumber } from '../model/names.ts';
import { at, ctrl, dev, phb, pseries, q35, rootPort } from './testkit.ts';

const meta: RuleMeta = {
  id: 'GEN-ADDR-3',
  severity: 'error',
  title: 'Slot and function are in range for the bus',
  why: 'Slots are 0-31 and functions 0-7, and each bus has its own usable range (roots and bridges start at slot 1); libvirt refuses anything else.',
  source: 'libvirt src/conf/domain_addr.h VIR_PCI_ADDRESS_SLOT_LAST/FUNCTION_LAST; src/conf/domain_addr.c virDomainPCIAddressBusSetModel, virDomainPCIAddressValidate ("slot must be >= N")',
  families: 'all',
};

export const rule: Rule = everyBusRule(meta, (ctx, bus) => {
  const parent = bus.controller;
  const model = parent ? BUS_MODELS[parent.model] : undefined;
  const out = [];
  for (const o of occupants(bus)) {
    const a = (o.device?.address ?? o.controller?.address)!;
    let problem: string | undefined;
    if (a.slot > 31 || a.slot < 0) problem = 'slot must be <= 31';
    else if (a.function > 7 || a.function < 0) problem = 'function must be <= 7';
    else if (model && parent) {
      // Slot 0 on a PHB and slot != 0 under a port have their own rules with the specific advice.
      const deferred = (ctx.family === 'pseries' && isPhb(parent) && a.slot === 0) || ((parent.model === 'pcie-root-port' || parent.model === 'pcie-switch-downstream-port') && a.slot !== 0);
      if (!deferred && a.slot < model.minSlot) problem = `slot must be >= ${model.minSlot} on a ${parent.model}`;
      else if (!deferred && a.slot > model.maxSlot) problem = `slot must be <= ${model.maxSlot} on a ${parent.model}`;
    }
    if (!problem) continue;
    const fix = o.device ? freeSlotFix(ctx, o.device) : undefined;
    const moved = o.device?.writtenBus !== undefined && parent ? ` (written on bus ${hexNumber(o.device.writtenBus, 2)}, where libvirt adds a pcie-root-port for the ${parent.model} it puts the device on)` : '';
    // a controller whose index libvirt cannot read (GEN-IDX-*) is named so, and is no subject index
    const index = o.controller?.index;
    out.push(finding(meta, `${o.device?.label ?? `controller ${index ?? '(index unreadable)'}`} at ${addrText(a)}${moved}: ${problem}.`, o.device ? { devices: [o.device.key] } : { controllers: index === undefined ? [] : [index] }, fix ? [fix] : undefined));
  }
  return out;
}, (ctx) => {
  // Addresses that cannot be read sit on no bus: libvirt refuses them while parsing.
  const out = [];
  for (const d of ctx.guest.devices) {
    // multifunction is read as on/off (virXMLPropTristateSwitch), the rest as numbers
    const expected = (u: readonly string[]): string => (u.every((x) => x.startsWith('multifunction=')) ? 'multifunction is on or off' : 'a whole decimal, 0x hex or 0-prefixed octal number, with nothing after it');
    if (d.unreadable?.length) out.push(finding(meta, `${d.label}: its PCI address has ${d.unreadable.join(', ')}, which libvirt cannot read (${expected(d.unreadable)}).`, { devices: [d.key] }, [{ label: `Clear the address of ${d.label} (libvirt assigns one)`, command: { kind: 'move-device' as const, device: d.key, address: null } }]));
  }
  for (const d of ctx.guest.devices) {
    // a drive / virtio-serial <address>: virXMLPropUInt ("Invalid value for attribute 'controller'
    // in element 'address': 'x'. Expected non-negative integer value"); a host <source> address is HD-SRC-1's
    const other = d.unreadableAttributes?.filter((u) => u.startsWith('address ')) ?? [];
    if (other.length) out.push(finding(meta, `${d.label}: its <address> has ${other.map((u) => u.slice(8)).join(', ')}, which libvirt cannot read as a non-negative integer, and it refuses the domain.`, { devices: [d.key] }));
  }
  for (const c of ctx.guest.controllers) {
    const bad = c.unreadable?.filter((u) => u.startsWith('address '));
    if (bad?.length) out.push(finding(meta, `${controllerText(c)}: its PCI address has ${bad.map((u) => u.slice(8)).join(', ')}, which libvirt cannot read.`, { controllers: c.index !== undefined ? [c.index] : [] }));
  }
  return out;
});

export const cases = {
  pass: [
    { name: 'slot 1 function 7', design: q35([ctrl('pci-bridge', 1, { address: at(0, 2) })], [dev('nic', 'interface', at(1, 1, 7), { model: 'e1000' })]) },
    { name: 'slot 31 on pcie-root', design: q35([], [dev('nic', 'interface', at(0, 31), { model: 'e1000e' })]) },
    { name: 'slot 0 under a root port', design: q35([rootPort(1, 2)], [dev('nic', 'interface', at(1, 0), { model: 'e1000e' })]) },
    // slot 0 on a vPHB and slot 1 under a port are other rules' (PAPR-SLOT-1, Q35-RP-*), with their own advice
    { name: 'slot 0 on a vPHB is left to PAPR-SLOT-1', design: pseries([phb(1)], [dev('vda', 'disk', at(1, 0))]) },
    { name: 'slot 1 under a root port is left to the port rules', design: q35([rootPort(1, 2)], [dev('nic', 'interface', at(1, 1), { model: 'e1000e' })]) },
  ],
  fail: [
    { name: 'slot 0 on a pci-bridge', design: q35([ctrl('pci-bridge', 1, { address: at(0, 2) })], [dev('nic', 'interface', at(1, 0), { model: 'e1000' })]), expect: { devices: ['nic'] } },
    { name: 'slot 32', design: q35([], [dev('nic', 'interface', at(0, 32))]), expect: { devices: ['nic'] } },
    { name: 'function 8', design: q35([], [dev('nic', 'interface', at(0, 3, 8))]), expect: { devices: ['nic'] } },
    { name: 'slot 0 on pcie-root', design: q35([], [dev('nic', 'interface', at(0, 0, 1))]), expect: { devices: ['nic'] } },
    { name: 'a controller at slot 40', design: q35([rootPort(1, 2, 0, { address: at(0, 40) })], []), expect: { controllers: [1] } },
    // h05-slot-09.xml: libvirt reads '09' as octal and refuses it; the device sits on no bus
    // libvirt 9.0: "Invalid value for attribute 'controller' in element 'address': 'x'. Expected non-negative integer value"
    { name: "a drive address with controller='x'", design: q35([], [dev('sda', 'disk', undefined, { bus: 'sata', otherAddressType: 'drive', unreadableAttributes: ["address controller='x'"] })]), expect: { devices: ['sda'] } },
    { name: "slot='09' cannot be read", design: pseries([], [dev('nic', 'interface', undefined, { otherAddressType: 'pci', unreadable: ["slot='09'"] })]), expect: { devices: ['nic'] } },
    { name: "a controller address with bus='0x01 ' cannot be read", design: q35([rootPort(1, 2, 0, { address: undefined, unreadable: ["address bus='0x01 '"] })], []), expect: { controllers: [1] } },
  ],
};
