import type { Finding, Rule, RuleMeta } from './types.ts';
import type { GuestDevice } from '../model/guest.ts';
import { deviceName, everyBusRule, relocateFix } from './fixes.ts';
import { addrText, finding } from './context.ts';
import { at, ctrl, dev, hostdev, q35, rootPort } from './testkit.ts';

const meta: RuleMeta = {
  id: 'Q35-RP-4',
  severity: 'error',
  title: 'Behind a root or downstream port, slot 0 only',
  why: 'A PCIe port has a single slot; libvirt refuses any other ("slot must be <= 0") and the guest would not see the device.',
  source: 'libvirt src/conf/domain_addr.c virDomainPCIAddressBusSetModel (maxSlot 0); QEMU hw/pci/pci.c pci_qdev_realize',
  families: 'all',
};

/**
 * The fix moves what sits on slot s ≠ 0 (all functions of that slot together) to slot 0 of the same
 * port when nothing else is there, else to an empty port elsewhere, or a port it adds (fixes.ts
 * relocateFix): never as function n behind a device another address already put on slot 0.
 */
export const rule: Rule = everyBusRule(meta, (ctx, bus) => {
  const parent = bus.controller;
  if (!parent || (parent.model !== 'pcie-root-port' && parent.model !== 'pcie-switch-downstream-port')) return [];
  const out: Finding[] = [];
  const bySlot = new Map<number, GuestDevice[]>();
  for (const d of bus.devices) {
    if (!d.address || d.address.slot === 0) continue;
    bySlot.set(d.address.slot, [...(bySlot.get(d.address.slot) ?? []), d]);
  }
  for (const devices of bySlot.values()) {
    const fix = relocateFix(ctx, [...devices].sort((a, b) => (a.address?.function ?? 0) - (b.address?.function ?? 0)));
    for (const d of devices) out.push(finding(meta, `${deviceName(d)} is at ${addrText(d.address!)}, but ${parent.model} ${bus.index} has only slot 0 (slot must be <= 0).`, { controllers: [bus.index], devices: [d.key] }, fix ? [fix] : undefined));
  }
  for (const c of bus.controllers) {
    if (!c.address || c.address.slot === 0) continue;
    // a controller whose index cannot be read is named by its model, the port its only number
    const name = c.index !== undefined ? `Controller ${c.index}` : `A ${c.model} (index unreadable)`;
    out.push(finding(meta, `${name} is at ${addrText(c.address)}, but ${parent.model} ${bus.index} has only slot 0.`, { controllers: c.index !== undefined ? [bus.index, c.index] : [bus.index] }));
  }
  return out;
});

export const cases = {
  pass: [{ name: 'slot 0', design: q35([rootPort(1, 1)], [dev('vda', 'disk', at(1, 0))]) }],
  fail: [
    { name: 'slot 1 behind a root port', design: q35([rootPort(1, 1)], [dev('vda', 'disk', at(1, 1))]), expect: { devices: ['vda'] } },
    // r02-q35-hostdev-on-root-port-slot1 after place: slot 0 is the NIC's, so the GPU goes to an empty port
    { name: 'slot 1 behind a port whose slot 0 is taken, another port empty', design: q35([rootPort(1, 1), rootPort(2, 1, 1)], [dev('nic', 'interface', at(1, 0)), hostdev('0000:3b:00.0', at(1, 1))]), expect: { devices: ['0000:3b:00.0'] } },
    { name: 'slot 1 behind the only port, slot 0 taken: a new port', design: q35([rootPort(1, 1)], [dev('nic', 'interface', at(1, 0)), hostdev('0000:3b:00.0', at(1, 1))]), expect: { devices: ['0000:3b:00.0'] } },
    { name: 'two functions of slot 2 behind a downstream port move together', design: q35([rootPort(1, 1), ctrl('pcie-switch-upstream-port', 2, { address: at(1, 0) }), ctrl('pcie-switch-downstream-port', 3, { address: at(2, 0), target: { chassis: 3, port: 0 } })], [hostdev('0000:01:00.0', at(3, 2, 0, 'on')), hostdev('0000:01:00.1', at(3, 2, 1))]), expect: { devices: ['0000:01:00.0'] } },
  ],
};
