import type { Finding, Rule, RuleMeta } from './types.ts';
import type { GuestDevice } from '../model/guest.ts';
import { addrText, finding } from './context.ts';
import { deviceName, everyBusRule, freeSlotFix } from './fixes.ts';
import { at, dev, q35, rootPort } from './testkit.ts';

const meta: RuleMeta = {
  id: 'Q35-RSV-1',
  severity: 'error',
  title: 'ICH9 addresses 00:1f.0, 00:1f.2 and 00:1f.3 are reserved',
  why: 'q35 has the LPC bridge at 00:1f.0, the primary SATA controller at 00:1f.2 and SMBus at 00:1f.3; libvirt refuses other devices there and a primary SATA controller anywhere else.',
  source: 'libvirt src/qemu/qemu_domain_address.c qemuDomainValidateDevicePCISlotsQ35 ("Primary SATA controller must have PCI address 0:0:1f.2": the SATA controller with index 0); src/conf/domain_conf.c virDomainAssignControllerIndexes; docs/pci-addresses.rst',
  families: ['q35'],
};

/**
 * The primary SATA controller is the one with controller index 0, not a name or an alias
 * (qemuDomainValidateDevicePCISlotsQ35 tests `cont->idx == 0`). A SATA controller written without
 * an index gets the lowest index no SATA controller uses, in document order
 * (virDomainAssignControllerIndexes).
 */
export function primarySata(devices: readonly GuestDevice[]): GuestDevice | undefined {
  const satas = devices.filter((d) => d.element === 'controller' && d.type === 'sata');
  const used = new Set(satas.flatMap((d) => (d.index !== undefined ? [d.index] : [])));
  for (const d of satas) {
    if (d.index === 0) return d;
    if (d.index !== undefined) continue;
    let i = 0;
    while (used.has(i)) i++;
    if (i === 0) return d;
    used.add(i);
  }
  return undefined;
}

export const rule: Rule = everyBusRule(meta, (ctx, bus) => {
  const out: Finding[] = [];
  const primary = primarySata(ctx.guest.devices);
  for (const d of bus.devices) {
    const a = d.address;
    if (!a) continue;
    if (d === primary && !(a.bus === 0 && a.slot === 0x1f && a.function === 2)) {
      out.push(finding(meta, `The primary SATA controller (${deviceName(d)}, controller index 0) is at ${addrText(a)}; libvirt refuses it anywhere but 0:0:1f.2 ("Primary SATA controller must have PCI address 0:0:1f.2").`, { devices: [d.key] }, [{ label: 'Move it to 00:1f.2', command: { kind: 'move-device', device: d.key, address: at(0, 0x1f, 2) } }]));
      continue;
    }
    if (bus.index === 0 && a.slot === 0x1f && [0, 2, 3].includes(a.function) && d !== primary) {
      const fix = freeSlotFix(ctx, d);
      out.push(finding(meta, `${d.label} is at ${addrText(a)}, reserved on q35 for the ICH9 ${a.function === 0 ? 'LPC bridge' : a.function === 2 ? 'primary SATA controller' : 'SMBus controller'}.`, { devices: [d.key] }, fix ? [fix] : undefined));
    }
  }
  return out;
});

export const cases = {
  pass: [
    { name: 'sata at 1f.2', design: q35([], [dev('sata0', 'controller', at(0, 0x1f, 2), { type: 'sata' }), dev('vda', 'disk', at(0, 3))]) },
    { name: 'a second SATA controller (index 1) elsewhere', design: q35([], [dev('ua-a', 'controller', at(0, 0x1f, 2), { type: 'sata', index: 0 }), dev('ua-b', 'controller', at(0, 5), { type: 'sata', index: 1 })]) },
    { name: 'an index-less SATA controller after index 0 takes index 1', design: q35([], [dev('ua-a', 'controller', at(0, 5), { type: 'sata' }), dev('ua-b', 'controller', at(0, 0x1f, 2), { type: 'sata', index: 0 })]) },
  ],
  fail: [
    { name: 'disk at 1f.3', design: q35([], [dev('vda', 'disk', at(0, 0x1f, 3))]), expect: { devices: ['vda'] } },
    { name: 'sata at 03.0', design: q35([], [dev('sata0', 'controller', at(0, 3), { type: 'sata' })]), expect: { devices: ['sata0'] } },
    // d18-q35-sata-controller-not-at-1f2: a user alias does not make it less primary
    { name: 'SATA controller index 0 with a user alias off 1f.2', design: q35([], [dev('ua-sata', 'controller', at(0, 5), { type: 'sata', alias: 'ua-sata', index: 0 })]), expect: { devices: ['ua-sata'] } },
    { name: 'SATA controller index 0 on another bus', design: q35([rootPort(1, 1)], [dev('ua-sata', 'controller', at(1, 0), { type: 'sata', index: 0 })]), expect: { devices: ['ua-sata'] } },
    { name: 'an index-less SATA controller takes index 0 when no other has it', design: q35([], [dev('ua-a', 'controller', at(0, 5), { type: 'sata' }), dev('ua-b', 'controller', at(0, 6), { type: 'sata', index: 1 })]), expect: { devices: ['ua-a'] } },
  ],
};
