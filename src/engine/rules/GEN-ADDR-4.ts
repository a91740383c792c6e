import type { Rule, RuleMeta } from './types.ts';
import type { Occupant } from './context.ts';
import { addrText, finding, occupants, occupantSubjects } from './context.ts';
import { globalRule } from './define.ts';
import { deviceName, relocateFix } from './fixes.ts';
import type { Fix } from './types.ts';
import { at, ctrl, dev, design, hostdev, phb, pseries, q35, rootPort } from './testkit.ts';

const meta: RuleMeta = {
  id: 'GEN-ADDR-4',
  severity: 'error',
  title: 'No two devices share a bus/slot/function',
  why: 'Two devices at one PCI address cannot both exist; libvirt refuses the domain with "Attempted double use of PCI Address".',
  source: 'libvirt src/conf/domain_addr.c virDomainPCIAddressReserveAddrInternal (after virDomainPCIAddressValidate, which refuses a domain other than 0 first)',
  families: 'all',
};

/**
 * The fix moves one of the devices (the later one, else another) to a free slot found over the
 * whole design (fixes.ts relocateFix): a root port has one slot, so "free" there is an empty port
 * elsewhere, or one the fix adds. A whole-design rule for that reason (see fixes.ts).
 */
export const rule: Rule = globalRule(meta, (ctx) => ctx.buses.flatMap((bus) => {
  const byFn = new Map<string, Occupant[]>();
  for (const o of occupants(bus)) {
    // libvirt refuses an address outside domain 0 before it reserves it (virDomainPCIAddressValidate,
    // GEN-ADDR-1): it never meets another address, and bus N of domain 1 is no bus N of domain 0
    if ((o.device?.address ?? o.controller?.address)?.domain !== 0) continue;
    const k = `${o.slot}.${o.function}`;
    const list = byFn.get(k);
    if (list) list.push(o);
    else byFn.set(k, [o]);
  }
  const out = [];
  for (const list of byFn.values()) {
    if (list.length < 2) continue;
    const a = (list[0]?.device?.address ?? list[0]?.controller?.address)!;
    const movable = [...list.slice(1).reverse(), list[0]].flatMap((o) => (o?.device ? [o.device] : []));
    let fix: Fix | undefined;
    for (const d of movable) if ((fix = relocateFix(ctx, [d]))) break;
    const names = list.map((o) => (o.device ? deviceName(o.device) : `${o.controller?.model} controller index ${o.controller?.index}`)).join(', ');
    out.push(finding(meta, `${names} all use ${addrText(a)}: double use of a PCI address.`, occupantSubjects(list), fix ? [fix] : undefined));
  }
  return out;
}));

export const cases = {
  pass: [
    { name: 'two functions of one slot', design: pseries([], [hostdev('0000:01:00.0', at(0, 1, 0, 'on')), hostdev('0000:01:00.1', at(0, 1, 1))]) },
    { name: 'a controller and a device in different slots', design: q35([rootPort(1, 2)], [dev('nic', 'interface', at(0, 3), { model: 'e1000e' })]) },
    { name: 'one slot and function on two buses', design: pseries([phb(1)], [dev('vda', 'disk', at(0, 2)), dev('vdb', 'disk', at(1, 2))]) },
    // fuzz seed 27: libvirt refuses vdb's domain first (GEN-ADDR-1), never a double use
    // libvirt's test pci-serial-dev-chardev: the first serial console is the pci-serial itself
    // (virDomainSkipBackcompatConsole), written back with the serial's address
    { name: 'a pci-serial and the serial console at its address', design: design({ machine: 'pc', arch: 'x86_64', devices: [dev('ser', 'serial', at(0, 4), { bus: 'pci-serial' }), dev('con', 'console', at(0, 4), { bus: 'serial' })] }) },
    { name: 'one bus, slot and function in two PCI domains', design: q35([], [dev('vda', 'disk', at(0, 2)), dev('vdb', 'disk', at(0, 2, 0, undefined, 0x100))]) },
  ],
  fail: [
    { name: 'same slot twice', design: pseries([], [dev('vda', 'disk', at(0, 2)), dev('vdb', 'disk', at(0, 2))]), expect: { devices: ['vda', 'vdb'] } },
    // h07-controller-and-device-clash: controllers occupy addresses too
    { name: 'a root port and a NIC at 00:02.0', design: q35([rootPort(1, 2)], [dev('nic', 'interface', at(0, 2), { model: 'e1000e' })]), expect: { controllers: [1], devices: ['nic'] } },
    // only the first console is the serial's alias: a second one at that address is a device of its own
    { name: 'a pci-serial, its console and a second console at its address', design: design({ machine: 'pc', arch: 'x86_64', devices: [dev('ser', 'serial', at(0, 4), { bus: 'pci-serial' }), dev('con', 'console', at(0, 4), { bus: 'serial' }), dev('con2', 'console', at(0, 4), { bus: 'serial' })] }), expect: { devices: ['ser', 'con2'] } },
    { name: 'two controllers at one address', design: q35([rootPort(1, 2), rootPort(2, 2, 0, { address: at(0, 2) })], []), expect: { controllers: [1, 2] } },
    { name: 'three devices at one address', design: pseries([], [dev('vda', 'disk', at(0, 2)), dev('vdb', 'disk', at(0, 2)), dev('vdc', 'disk', at(0, 2))]), expect: { devices: ['vda', 'vdb', 'vdc'] } },
    // r07-q35-hostdev-nic-double-use: one slot per root port, so the fix takes the empty port 2
    { name: 'two devices behind one root port, another port empty', design: q35([rootPort(1, 1), rootPort(2, 1, 1)], [dev('nic', 'interface', at(1, 0)), hostdev('0000:81:00.2', at(1, 0))]), expect: { devices: ['nic', '0000:81:00.2'] } },
    { name: 'two devices behind the only root port: the fix adds one', design: q35([rootPort(1, 1)], [dev('nic', 'interface', at(1, 0)), dev('vda', 'disk', at(1, 0))]), expect: { devices: ['nic', 'vda'] } },
    { name: 'conventional PCI clash on the only root port: a new port and pcie-to-pci-bridge', design: q35([rootPort(1, 1)], [dev('nic', 'interface', at(1, 0)), dev('old', 'interface', at(1, 0), { model: 'e1000' })]), expect: { devices: ['nic', 'old'] } },
    // r08-i440fx-balloon-clash-with-video: 00:02 is the primary video's, so the fix takes the next slot
    { name: 'i440fx clash, video unaddressed', design: design({ machine: 'pc', controllers: [ctrl('pci-root', 0)], devices: [dev('nic', 'interface', at(0, 3)), dev('mb', 'memballoon', at(0, 3)), dev('video', 'video', undefined, { model: 'cirrus' })] }), expect: { devices: ['nic', 'mb'] } },
  ],
};
