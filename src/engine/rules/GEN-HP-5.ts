import type { Rule, RuleMeta } from './types.ts';
import type { Finding } from './types.ts';
import type { GuestDevice } from '../model/guest.ts';
import { controllerText, finding } from './context.ts';
import { busRule } from './define.ts';
import { at, ctrl, dev, hostdev, phb, pseries, q35, rootPort } from './testkit.ts';

const meta: RuleMeta = {
  id: 'GEN-HP-5',
  severity: 'info',
  title: 'Devices that cannot be hot-unplugged',
  why: "libvirt refuses to hot-unplug a device whose slot holds other functions, and any device on a controller with hotplug='off'; such devices can only be removed while the guest is shut off.",
  source: 'libvirt src/qemu/qemu_hotplug.c qemuDomainDetachDeviceLive, qemuIsMultiFunctionDevice ("cannot hot unplug … multifunction PCI guest address", "… - not allowed by controller")',
  families: 'all',
};

export const rule: Rule = busRule(meta, (_ctx, bus) => {
  const out: Finding[] = [];
  const c = bus.controller;
  if (c?.target.hotplug === 'off' && bus.devices.length > 0) {
    out.push(finding(meta, `${controllerText(c)} has hotplug='off': libvirt refuses to hot-unplug ${bus.devices.map((d) => d.label).join(', ')} ("not allowed by controller"); remove ${bus.devices.length === 1 ? 'it' : 'them'} only while the guest is shut off.`, { controllers: [bus.index], devices: bus.devices.map((d) => d.key) }));
    return out;
  }
  // Function bit mask per slot (devices and controllers alike), then the devices of slots with several.
  const mask: number[] = [];
  for (const d of bus.devices) if (d.address) mask[d.address.slot] = (mask[d.address.slot] ?? 0) | (1 << d.address.function);
  for (const x of bus.controllers) if (x.address) mask[x.address.slot] = (mask[x.address.slot] ?? 0) | (1 << x.address.function);
  const shared = (slot: number): boolean => {
    const m = mask[slot] ?? 0;
    return (m & (m - 1)) !== 0;
  };
  const bySlot = new Map<number, GuestDevice[]>();
  for (const d of bus.devices) {
    if (!d.address || !shared(d.address.slot)) continue;
    const list = bySlot.get(d.address.slot);
    if (list) list.push(d);
    else bySlot.set(d.address.slot, [d]);
  }
  // the message names devices by label (libvirt's words), the subjects by key
  for (const [slot, devices] of [...bySlot].sort((a, b) => a[0] - b[0])) {
    out.push(finding(meta, `Slot 0x${slot.toString(16).padStart(2, '0')} of bus 0x${bus.index.toString(16).padStart(2, '0')} holds several functions: libvirt refuses to hot-unplug ${devices.map((d) => d.label).join(', ')} ("multifunction PCI guest address"); remove ${devices.length === 1 ? 'it' : 'them'} only while the guest is shut off.`, { controllers: [bus.index], devices: devices.map((d) => d.key) }));
  }
  return out;
});

export const cases = {
  pass: [
    { name: 'one device per slot', design: pseries([phb(1)], [hostdev('0000:01:00.0', at(1, 1)), hostdev('0000:01:00.1', at(1, 2))]) },
    { name: "hotplug='off' port with nothing on it", design: q35([rootPort(1, 1, 0, { target: { chassis: 1, port: 8, hotplug: 'off' } })], []) },
    { name: 'root ports sharing a slot', design: q35([rootPort(1, 1), rootPort(2, 1, 1)], []) },
  ],
  fail: [
    { name: 'two functions of one card', design: pseries([phb(1)], [hostdev('0000:01:00.0', at(1, 1, 0, 'on')), hostdev('0000:01:00.1', at(1, 1, 1))]), expect: { controllers: [1], devices: ['0000:01:00.0', '0000:01:00.1'] } },
    { name: "disk on a hotplug='off' root port", design: q35([rootPort(1, 1, 0, { target: { chassis: 1, port: 8, hotplug: 'off' } })], [dev('vda', 'disk', at(1, 0))]), expect: { controllers: [1], devices: ['vda'] } },
    { name: 'disk next to a bridge in one slot', design: pseries([ctrl('pci-bridge', 1, { address: at(0, 3, 0, 'on'), target: { chassisNr: 1 } })], [dev('vda', 'disk', at(0, 3, 1))]), expect: { controllers: [0], devices: ['vda'] } },
  ],
};
