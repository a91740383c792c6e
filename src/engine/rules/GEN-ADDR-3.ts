import type { Rule, RuleMeta } from './types.ts';
import { addrText, controllerText, finding, occupants } from './context.ts';
import { freeSlotFix, everyBusRule } from './fixes.ts';
import { BUS_MODELS } from '../libvirt/index.ts';
import { isPhb } from '../model/guest.ts';
import { hexNumber } from '../model/names.ts';
import { implicitDiskControllersMessage, INT_MAX, virDomainDefImplicitDiskControllersBeyond } from '../libvirt/domainConf.ts';
import { at, ctrl, dev, phb, pseries, q35, rootPort } from './testkit.ts';

const meta: RuleMeta = {
  id: 'GEN-ADDR-3',
  severity: 'error',
  title: 'Slot and function are in range for the bus; a drive address names a controller libvirt can add',
  why: "Slots are 0-31 and functions 0-7, and each bus has its own usable range (roots and bridges start at slot 1); libvirt refuses anything else. A disk's or SCSI hostdev's drive address makes libvirt add every controller from 0 to the one it names: more than the PCI slots of any guest never fit, and a number above 2147483647 is kept as a negative int that libvirt refuses when the domain starts (virtio-serial: at define).",
  source: 'libvirt src/conf/domain_addr.h VIR_PCI_ADDRESS_SLOT_LAST/FUNCTION_LAST; src/conf/domain_addr.c virDomainPCIAddressBusSetModel, virDomainPCIAddressValidate ("slot must be >= N"); src/conf/domain_conf.c virDomainDefAddDiskControllersForType, virDomainDefMaybeAddHostdevSCSIcontroller, virDomainDefMaybeAddVirtioSerialController (`(int)` of the controller number; one controller per index up to it, libvirt 9.0: controller=\'300\' defines 301, 100,000 does not return within 20 s), virDomainDefMaybeAddController; checked with libvirt 9.0: controller=\'2147483648\' is written back as \'-2147483648\' and `virsh start` refuses it, a virtio-serial one says "virtio serial controller 2147483648 is missing"',
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
  // a drive or virtio-serial controller number libvirt reads but keeps as an int: above INT_MAX it is
  // negative (virDomainDefAddDiskControllersForType and virDomainDefMaybeAddVirtioSerialController
  // compare and add as int)
  for (const d of ctx.guest.devices) {
    const n = d.addressController;
    if (n === undefined || n <= INT_MAX) continue;
    const negative = n - 2 ** 32;
    if (d.otherAddressType === 'drive') out.push(finding(meta, `${d.label}: its drive address names controller ${n}, above ${INT_MAX}: libvirt keeps it as the int ${negative}, adds no controller for it and writes controller='${negative}' into the domain it defines, which it then refuses to start ("Invalid value for attribute 'controller' in element 'address': '${negative}'. Expected non-negative integer value").`, { devices: [d.key] }));
    else if (d.otherAddressType === 'virtio-serial' && (d.element === 'channel' || d.element === 'console')) out.push(finding(meta, `${d.label}: its virtio-serial address names controller ${n}, above ${INT_MAX}: libvirt keeps it as the int ${negative}, adds no controller ${n}, and refuses the domain ("virtio serial controller ${n} is missing").`, { devices: [d.key] }));
  }
  // so many controllers for a drive address that no guest's buses hold them: nothing is simulated
  const beyond = virDomainDefImplicitDiskControllersBeyond(ctx.guest);
  if (beyond) out.push(finding(meta, `${implicitDiskControllersMessage(beyond)}. libvirt adds them one at a time, each time looking through those it has added (libvirt 9.0 takes 3 s for 20,000 and does not return within 20 s for 100,000), and refuses the domain when they do not fit, if it returns at all. Give the ${beyond.by.element} a lower \`controller\` in its drive address.`, { devices: [beyond.by.key] }));
  for (const c of ctx.guest.controllers) {
    const bad = c.unreadable?.filter((u) => u.startsWith('address '));
    if (bad?.length) out.push(finding(meta, `${controllerText(c)}: its PCI address has ${bad.map((u) => u.slice(8)).join(', ')}, which libvirt cannot read.`, { controllers: c.index !== undefined ? [c.index] : [] }));
  }
  return out;
});

/** A SCSI disk whose drive address names `controller`. */
const drive = (key: string, controller: number) => dev(key, 'disk', undefined, { bus: 'scsi', otherAddressType: 'drive', addressController: controller });

export const cases = {
  pass: [
    { name: 'slot 1 function 7', design: q35([ctrl('pci-bridge', 1, { address: at(0, 2) })], [dev('nic', 'interface', at(1, 1, 7), { model: 'e1000' })]) },
    { name: 'slot 31 on pcie-root', design: q35([], [dev('nic', 'interface', at(0, 31), { model: 'e1000e' })]) },
    { name: 'slot 0 under a root port', design: q35([rootPort(1, 2)], [dev('nic', 'interface', at(1, 0), { model: 'e1000e' })]) },
    // slot 0 on a vPHB and slot 1 under a port are other rules' (PAPR-SLOT-1, Q35-RP-*), with their own advice
    { name: 'slot 0 on a vPHB is left to PAPR-SLOT-1', design: pseries([phb(1)], [dev('vda', 'disk', at(1, 0))]) },
    { name: 'slot 1 under a root port is left to the port rules', design: q35([rootPort(1, 2)], [dev('nic', 'interface', at(1, 1), { model: 'e1000e' })]) },
    // libvirt 9.0 defines the 41 SCSI controllers, and a virtio-serial controller 2147483647 (INT_MAX)
    { name: 'a disk on drive controller 40, a virtio channel on virtio-serial controller 2147483647', design: q35([], [drive('sda', 40), dev('ch', 'channel', undefined, { bus: 'virtio', otherAddressType: 'virtio-serial', addressController: 2147483647 })]) },
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
    // libvirt 9.0: 100,000 does not return within 20 s; 8,192 is past the PCI slots of any guest
    { name: 'a disk on drive controller 8192', design: q35([], [drive('sda', 8192)]), expect: { devices: ['sda'] } },
    { name: 'a SCSI hostdev on drive controller 2147483647', design: q35([], [dev('hd', 'hostdev', undefined, { type: 'scsi', mode: 'subsystem', otherAddressType: 'drive', addressController: 2147483647 })]), expect: { devices: ['hd'] } },
    { name: "a disk named sdzzzz without an address (SCSI controller 67893)", design: q35([], [dev('sdzzzz', 'disk', undefined, { bus: 'scsi', targetDev: 'sdzzzz' })]), expect: { devices: ['sdzzzz'] } },
    // libvirt 9.0 defines it, writes controller='-2147483648' and refuses to start it
    { name: 'a disk on drive controller 2147483648', design: q35([], [drive('sda', 2147483648)]), expect: { devices: ['sda'] } },
    // libvirt 9.0: "virtio serial controller 2147483648 is missing"
    { name: 'a virtio channel on virtio-serial controller 2147483648', design: q35([], [dev('ch', 'channel', undefined, { bus: 'virtio', otherAddressType: 'virtio-serial', addressController: 2147483648 })]), expect: { devices: ['ch'] } },
    { name: "a controller address with bus='0x01 ' cannot be read", design: q35([rootPort(1, 2, 0, { address: undefined, unreadable: ["address bus='0x01 '"] })], []), expect: { controllers: [1] } },
  ],
};
