import type { GuestDevice } from '../model/guest.ts';
import type { Finding, Rule, RuleMeta } from './types.ts';
import { finding } from './context.ts';
import { globalRule } from './define.ts';
import { deviceName } from './fixes.ts';
import { virPCIDeviceAddressIsValid } from '../libvirt/virpci.ts';
import { at, dev, hostdev, pseries, q35 } from './testkit.ts';

const meta: RuleMeta = {
  id: 'HD-SRC-1',
  severity: 'error',
  title: 'A PCI hostdev names its host device',
  why: 'A passthrough device is the host device its <source><address> names; libvirt refuses a <hostdev> with no type, a PCI one with no source, and a source address out of a PCI address\'s range (bus above 0xFF, slot above 0x1F, function above 7), so the guest cannot be defined.',
  source:
    'libvirt src/conf/domain_conf.c virDomainHostdevDefParseXMLSubsys ("missing type in hostdev", "Missing <source> element in hostdev device"), virDomainHostdevSubsysPCIDefParseXML; src/conf/device_conf.c virPCIDeviceAddressParseXML and src/util/virpci.c virPCIDeviceAddressIsValid ("Invalid PCI address bus=\'0x100\', must be <= 0xFF"); src/conf/schemas/domaincommon.rng hostdevsubsyspci (<source><address> required)',
  families: 'all',
};

/** What libvirt says about a hostdev without a usable source, or undefined when it has one. */
function problem(d: GuestDevice): string | undefined {
  if (d.hostAddress) {
    const invalid = virPCIDeviceAddressIsValid(d.hostAddress);
    return invalid ? `names a host address libvirt refuses to read ("${invalid}"): the domain cannot be defined. Write the host device's address as lspci shows it (bus 0-0xff, slot 0-0x1f, function 0-7)` : undefined;
  }
  // libvirt 9.0: "Invalid value for attribute 'bus' in element 'address': 'x'. Expected non-negative integer value"
  const unread = d.unreadableAttributes?.filter((u) => u.startsWith('source address ')).map((u) => u.slice('source address '.length));
  if (unread?.length) return `names a host address libvirt cannot read (${unread.join(', ')}): libvirt refuses it at parse ("Invalid value for attribute … in element 'address'"). Write the host device's address as lspci shows it`;
  if (d.element === 'hostdev') {
    if (d.mode === 'capabilities' || (d.type !== undefined && d.type !== 'pci')) return undefined;
    if (d.type === undefined) return `has no type: libvirt refuses it ("missing type in hostdev"). Write type='pci' with the host device's <source><address …/>`;
    return `has no host address libvirt can read (<source><address domain bus slot function/>): libvirt refuses it ("Missing <source> element in hostdev device")`;
  }
  if (d.element === 'interface' && d.type === 'hostdev') return `has no host address libvirt can read (<source><address type='pci' …/>): libvirt refuses it`;
  return undefined;
}

export const rule: Rule = globalRule(meta, (ctx) => {
  const out: Finding[] = [];
  for (const d of ctx.guest.devices) {
    const why = problem(d);
    if (!why) continue;
    out.push(finding(meta, `${deviceName(d)} ${why}.`, { devices: [d.key] }, [{ label: `Remove ${deviceName(d)}`, command: { kind: 'remove-device', device: d.key } }]));
  }
  return out;
});

export const cases = {
  pass: [
    { name: 'a PCI hostdev with its source', design: q35([], [hostdev('0000:01:00.0')]) },
    { name: 'a USB hostdev (not PCI)', design: q35([], [dev('usb', 'hostdev', undefined, { type: 'usb', mode: 'subsystem' })]) },
    { name: 'a capabilities hostdev', design: q35([], [dev('caps', 'hostdev', undefined, { type: 'storage', mode: 'capabilities' })]) },
    // virPCIDeviceAddressIsValid's limits themselves, and a domain above 0xffff (any unsigned int)
    { name: 'a source at bus 0xff, slot 0x1f, function 7 of domain 0x10000', design: q35([], [hostdev('0000:01:00.0', undefined, { hostAddress: { domain: 0x10000, bus: 0xff, slot: 0x1f, function: 7 } })]) },
    // an empty address (domain, bus, slot 0) is not checked when parsed (virPCIDeviceAddressIsEmpty)
    { name: 'a source 0000:00:00.7 (empty to libvirt\'s parser)', design: q35([], [hostdev('0000:01:00.0', undefined, { hostAddress: { domain: 0, bus: 0, slot: 0, function: 7 } })]) },
  ],
  fail: [
    // p02-place-same-host-function-twice: an empty <hostdev>
    { name: 'hostdev with no type', design: pseries([], [dev('hostdev-0', 'hostdev')]), expect: { devices: ['hostdev-0'] } },
    // libvirt 9.0: "Invalid value for attribute 'bus' in element 'address': 'x'. Expected non-negative integer value"
    { name: "a <source> address with bus='x'", design: q35([], [dev('hostdev-0', 'hostdev', at(0, 2), { type: 'pci', mode: 'subsystem', unreadableAttributes: ["source address bus='x'"] })]), expect: { devices: ['hostdev-0'] } },
    { name: 'PCI hostdev with no source', design: q35([], [dev('hostdev-0', 'hostdev', at(0, 2), { type: 'pci', mode: 'subsystem' })]), expect: { devices: ['hostdev-0'] } },
    { name: 'interface type=hostdev with no source', design: q35([], [dev('interface-0', 'interface', undefined, { type: 'hostdev' })]), expect: { devices: ['interface-0'] } },
    // virPCIDeviceAddressParseXML refuses a source out of range: "Invalid PCI address bus='0x100', must be <= 0xFF"
    { name: 'a source on bus 0x100', design: q35([], [hostdev('0000:01:00.0', undefined, { key: 'h', hostAddress: { domain: 0, bus: 0x100, slot: 0, function: 0 } })]), expect: { devices: ['h'] } },
    { name: 'a source in slot 0x20', design: q35([], [hostdev('0000:01:00.0', undefined, { key: 'h', hostAddress: { domain: 0, bus: 1, slot: 0x20, function: 0 } })]), expect: { devices: ['h'] } },
    { name: 'a source function 8, with bus and slot 0 (not empty: the function counts once the domain does)', design: q35([], [hostdev('0000:01:00.0', undefined, { key: 'h', hostAddress: { domain: 1, bus: 0, slot: 0, function: 8 } })]), expect: { devices: ['h'] } },
    { name: 'an interface type=hostdev whose source is on bus 0xffffffff', design: q35([], [dev('interface-0', 'interface', undefined, { type: 'hostdev', hostAddress: { domain: 0, bus: 0xffffffff, slot: 0, function: 0 } })]), expect: { devices: ['interface-0'] } },
  ],
};
