import type { GuestDevice, PciController } from '../model/guest.ts';
import type { Command } from '../commands/commands.ts';
import { guestCellForHostNode } from '../model/numa.ts';
import type { Finding, Fix, Rule, RuleMeta } from './types.ts';
import type { RuleContext } from './context.ts';
import { finding, nextFreeIndex } from './context.ts';
import { hostRule } from './define.ts';
import { deviceName, freeSlotOn, libvirtRootPortOn } from './fixes.ts';
import { busNrForMoreBridges } from './busNumbers.ts';
import { at, ctrl, dev, hostdev, q35, rootPort, virt } from './testkit.ts';

const meta: RuleMeta = {
  id: 'Q35-NUMA-1',
  severity: 'warning',
  title: "A hostdev sits on an expander bus of its host NUMA node's guest cell",
  why: 'On q35 and aarch64 virt the guest learns a PCI device\'s NUMA node only from the expander bus (pxb-pcie) above it; behind a root port on pcie.0, or on an expander of another cell, the guest places its memory and interrupts away from the device, and every DMA crosses host nodes.',
  source:
    'libvirt docs/formatdomain.rst (Controllers: pcie-expander-bus <target><node>), qemuDomainControllerDefPostParse; QEMU hw/pci-bridge/pci_expander_bridge.c (pxb numa_node), docs/pcie.txt §2.1.2; the pseries counterpart is PAPR-NUMA-4',
  needsHost: true,
  families: ['q35', 'virt'],
};

const EXPANDERS = new Set(['pcie-expander-bus', 'pci-expander-bus']);

/** The nearest expander bus above bus `index`, or undefined when the chain reaches pcie.0 without one. */
function expanderAbove(ctx: RuleContext, index: number): PciController | undefined {
  const seen = new Set<number>();
  let c = ctx.controllerByIndex.get(index);
  while (c && c.index !== undefined && !seen.has(c.index)) {
    if (EXPANDERS.has(c.model)) return c;
    seen.add(c.index);
    c = c.address ? ctx.controllerByIndex.get(c.address.bus) : undefined;
  }
  return undefined;
}

const emptyBus = (ctx: RuleContext, index: number): boolean => {
  const bus = ctx.busByIndex.get(index);
  return !bus || (bus.devices.length === 0 && bus.controllers.length === 0);
};

/**
 * The fix moves the device (with the other functions of its host slot, which keep their numbers)
 * behind a root port of an expander bus carrying the cell: an empty port there, else a port added
 * on that expander where libvirt's search on that bus puts one (fixes.ts libvirtRootPortOn: beside
 * the expander's root ports, in a free function of their slot, before a wholly free slot), else a
 * new pcie-expander-bus with `<target><node>` on pcie-root and a port on it.
 */
function moveToCell(ctx: RuleContext, devices: readonly GuestDevice[], cell: number): Fix | undefined {
  const what = devices.map(deviceName).join(' and ');
  const moves = (bus: number): Command[] =>
    devices.map((d) => {
      const fn = devices.length === 1 ? 0 : (d.hostAddress?.function ?? 0);
      return { kind: 'move-device', device: d.key, address: { domain: 0, bus, slot: 0, function: fn, ...(devices.length > 1 && fn === 0 ? { multifunction: 'on' as const } : {}) } };
    });
  const fix = (label: string, commands: Command[]): Fix => ({ label: `Move ${what} ${label}`, command: { kind: 'batch', label: `Move ${what} to NUMA cell ${cell}`, commands } });
  const expanders = ctx.guest.controllers.filter((c): c is PciController & { index: number } => c.model === 'pcie-expander-bus' && c.target.node === cell && c.index !== undefined);
  for (const e of expanders) {
    const port = ctx.guest.controllers.find((c) => c.model === 'pcie-root-port' && c.address?.bus === e.index && c.index !== undefined && emptyBus(ctx, c.index));
    if (port?.index !== undefined) return fix(`behind the empty pcie-root-port ${port.index} of expander bus ${e.index} (NUMA cell ${cell})`, moves(port.index));
  }
  const index = nextFreeIndex(ctx.guest);
  for (const e of expanders) {
    // the port needs a bus number below the expander's: one it has room for, or a lower busNr (GEN-TGT-1)
    const room = busNrForMoreBridges(ctx, e, 1);
    if (room === undefined) continue;
    const port = libvirtRootPortOn(ctx, index, e.index);
    const renumber: Command[] = room.changed ? [{ kind: 'update-controller', controller: e.key, changes: { target: { ...e.target, busNr: room.busNr } } }] : [];
    if (port) return fix(`behind a new pcie-root-port ${index} on expander bus ${e.index} (NUMA cell ${cell})${room.changed ? `, its busNr ${room.busNr}` : ''}`, [...renumber, ...port.commands, ...moves(index)]);
  }
  const slot = freeSlotOn(ctx, 0);
  if (slot === undefined) return undefined;
  const pxb: Command = { kind: 'add-controller', controller: { model: 'pcie-expander-bus', index, target: { node: cell }, address: { domain: 0, bus: 0, slot, function: 0 } } };
  // The new expander is not in ctx yet: its one port goes on its slot 0.
  const port: Command = { kind: 'add-controller', controller: { model: 'pcie-root-port', index: index + 1, target: { chassis: index + 1, port: 0 }, address: { domain: 0, bus: index, slot: 0, function: 0 } } };
  return fix(`behind a new pcie-root-port on a new pcie-expander-bus for NUMA cell ${cell}`, [pxb, port, ...moves(index + 1)]);
}

export const rule: Rule = hostRule(meta, (ctx) => ctx.guest.numaCells.length > 0 && ctx.hostdevs.length > 0, (ctx) => {
  const out: Finding[] = [];
  if (ctx.guest.numaCells.length === 0) return out;
  const done = new Set<GuestDevice>();
  for (const d of ctx.hostdevs) {
    if (!d.address || done.has(d)) continue;
    const cell = guestCellForHostNode(ctx.guest, ctx.host, ctx.hostDevice(d)?.numaNode);
    if (cell === undefined) continue;
    const pxb = expanderAbove(ctx, d.address.bus);
    if (pxb?.target.node === cell) continue;
    // The other functions of its host slot move with it (HD-MF-1).
    const a = d.hostAddress;
    const siblings = ctx.hostdevs.filter((x) => x.address && x.hostAddress && a && x.hostAddress.domain === a.domain && x.hostAddress.bus === a.bus && x.hostAddress.slot === a.slot && x.address.bus === d.address?.bus);
    for (const x of siblings) done.add(x);
    const node = ctx.hostDevice(d)?.numaNode;
    const whereNow = pxb ? `on expander bus ${pxb.index}, which is ${pxb.target.node === undefined ? 'on no NUMA node' : `on guest cell ${pxb.target.node}`}` : 'under pcie.0, which has no NUMA node';
    const fix = moveToCell(ctx, siblings, cell);
    out.push(
      finding(
        meta,
        `${siblings.map(deviceName).join(', ')} ${siblings.length > 1 ? 'are' : 'is'} on host NUMA node ${node} (guest cell ${cell}) but ${siblings.length > 1 ? 'sit' : 'sits'} ${whereNow}: the guest does not see ${siblings.length > 1 ? 'them' : 'it'} on cell ${cell}. Put ${siblings.length > 1 ? 'them' : 'it'} behind a root port of a pcie-expander-bus with <node>${cell}</node>.`,
        { devices: siblings.map((x) => x.key), ...(pxb?.index !== undefined ? { controllers: [pxb.index] } : {}) },
        fix ? [fix] : undefined,
      ),
    );
  }
  return out;
});

const NIC = '0000:81:00.0';
const H = { groups: { 1: [NIC] }, numa: { [NIC]: 1 } };
const numa = { numaCells: 2, memnodes: { 0: '0', 1: '1' } };
const pxb = (index: number, node: number, slot: number) => ctrl('pcie-expander-bus', index, { address: at(0, slot), target: { node } });
const portOn = (index: number, bus: number) => ctrl('pcie-root-port', index, { address: at(bus, 0), target: { chassis: index, port: 0 } });

export const cases = {
  pass: [
    { name: 'on a root port of the expander of its cell', design: q35([pxb(1, 1, 2), portOn(2, 1)], [hostdev(NIC, at(2, 0))], H, numa) },
    { name: 'no guest NUMA cells', design: q35([rootPort(1, 1)], [hostdev(NIC, at(1, 0))], H) },
    { name: 'the host node maps to no guest cell', design: q35([rootPort(1, 1)], [hostdev(NIC, at(1, 0))], H, { numaCells: 2, memnodes: { 0: '0', 1: '0' } }) },
    { name: 'an emulated device under pcie.0', design: q35([rootPort(1, 1)], [dev('vda', 'disk', at(1, 0))], H, numa) },
  ],
  fail: [
    { name: 'under pcie.0: a new expander and root port', design: q35([rootPort(1, 1)], [hostdev(NIC, at(1, 0))], H, numa), expect: { devices: [NIC] } },
    { name: 'on the expander of another cell', design: q35([pxb(1, 0, 2), portOn(2, 1), rootPort(3, 1)], [hostdev(NIC, at(2, 0))], H, numa), expect: { devices: [NIC], controllers: [1] } },
    { name: 'the expander of its cell has an empty port', design: virt([rootPort(1, 1), pxb(2, 1, 2), portOn(3, 2)], [hostdev(NIC, at(1, 0))], H, numa), expect: { devices: [NIC] } },
    { name: 'the expander of its cell has room for a port', design: q35([rootPort(1, 1), pxb(2, 1, 2)], [hostdev(NIC, at(1, 0))], H, numa), expect: { devices: [NIC] } },
    {
      name: 'a GPU and its audio move together',
      design: q35([rootPort(1, 1)], [hostdev('0000:81:00.0', at(1, 0, 0, 'on')), hostdev('0000:81:00.1', at(1, 0, 1))], { groups: { 1: ['0000:81:00.0', '0000:81:00.1'] }, numa: { '0000:81:00.0': 1, '0000:81:00.1': 1 } }, numa),
      expect: { devices: ['0000:81:00.0', '0000:81:00.1'] },
    },
  ],
};
