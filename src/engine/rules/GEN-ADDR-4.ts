import type { Rule, RuleMeta } from './types.ts';
import type { Occupant } from './context.ts';
import { addrText, finding, occupants, occupantSubjects } from './context.ts';
import { busRule } from './define.ts';
import { freeSlotFix } from './fixes.ts';
import { at, dev, hostdev, phb, pseries, q35, rootPort } from './testkit.ts';

const meta: RuleMeta = {
  id: 'GEN-ADDR-4',
  severity: 'error',
  title: 'No two devices share a bus/slot/function',
  why: 'Two devices at one PCI address cannot both exist; libvirt refuses the domain with "Attempted double use of PCI Address".',
  source: 'libvirt src/conf/domain_addr.c virDomainPCIAddressReserveAddrInternal',
  families: 'all',
};

export const rule: Rule = busRule(meta, (ctx, bus) => {
  const byFn = new Map<string, Occupant[]>();
  for (const o of occupants(bus)) {
    const k = `${o.slot}.${o.function}`;
    const list = byFn.get(k);
    if (list) list.push(o);
    else byFn.set(k, [o]);
  }
  const out = [];
  for (const list of byFn.values()) {
    if (list.length < 2) continue;
    const a = (list[0]?.device?.address ?? list[0]?.controller?.address)!;
    const movable = list.slice(1).find((o) => o.device)?.device;
    const fix = movable ? freeSlotFix(ctx, movable) : undefined;
    const names = list.map((o) => o.device?.label ?? `controller ${o.controller?.index}`).join(', ');
    out.push(finding(meta, `${names} all use ${addrText(a)}: double use of a PCI address.`, occupantSubjects(list), fix ? [fix] : undefined));
  }
  return out;
});

export const cases = {
  pass: [
    { name: 'two functions of one slot', design: pseries([], [hostdev('0000:01:00.0', at(0, 1, 0, 'on')), hostdev('0000:01:00.1', at(0, 1, 1))]) },
    { name: 'a controller and a device in different slots', design: q35([rootPort(1, 2)], [dev('nic', 'interface', at(0, 3), { model: 'e1000e' })]) },
    { name: 'one slot and function on two buses', design: pseries([phb(1)], [dev('vda', 'disk', at(0, 2)), dev('vdb', 'disk', at(1, 2))]) },
  ],
  fail: [
    { name: 'same slot twice', design: pseries([], [dev('vda', 'disk', at(0, 2)), dev('vdb', 'disk', at(0, 2))]), expect: { devices: ['vda', 'vdb'] } },
    // h07-controller-and-device-clash: controllers occupy addresses too
    { name: 'a root port and a NIC at 00:02.0', design: q35([rootPort(1, 2)], [dev('nic', 'interface', at(0, 2), { model: 'e1000e' })]), expect: { controllers: [1], devices: ['nic'] } },
    { name: 'two controllers at one address', design: q35([rootPort(1, 2), rootPort(2, 2, 0, { address: at(0, 2) })], []), expect: { controllers: [1, 2] } },
    { name: 'three devices at one address', design: pseries([], [dev('vda', 'disk', at(0, 2)), dev('vdb', 'disk', at(0, 2)), dev('vdc', 'disk', at(0, 2))]), expect: { devices: ['vda', 'vdb', 'vdc'] } },
  ],
};
