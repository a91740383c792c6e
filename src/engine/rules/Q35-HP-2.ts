import type { Guest, PciController } from '../model/guest.ts';
import type { Command } from '../commands/commands.ts';
import type { Finding, Fix, Rule, RuleMeta } from './types.ts';
import type { RuleContext } from './context.ts';
import { finding, nextFreeIndex } from './context.ts';
import { globalRule } from './define.ts';
import { BUS_MODELS } from '../libvirt/index.ts';
import { addedByLibvirt, atDefine } from './atDefine.ts';
import type { DefinedDomain } from '../placement/defineTime.ts';
import { libvirtRootPort } from './fixes.ts';
import { at, ctrl, dev, q35, rootPort } from './testkit.ts';

const meta: RuleMeta = {
  id: 'Q35-HP-2',
  severity: 'warning',
  title: 'Keep a free bridge slot to hotplug a conventional PCI device',
  why: "A conventional PCI device (e1000, rtl8139, …) is hot-plugged only into a free slot of a pci-bridge or pcie-to-pci-bridge, never into a root port, and libvirt cannot add a bridge to a running guest. A guest that uses conventional PCI devices behind bridges whose every slot is taken has no room to hot-plug another one, whatever root ports stay empty (those are Q35-HP-1's count).",
  source:
    'libvirt src/conf/domain_addr.c virDomainPCIAddressBusSetModel (PCI_DEVICE and HOTPLUGGABLE only on pci-bridge and pcie-to-pci-bridge under a PCIe root), virDomainPCIAddressGetNextAddr (no new bus at hotplug: "No more available PCI slots"); src/qemu/qemu_hotplug.c qemuDomainEnsurePCIAddress; docs/pci-hotplug.rst',
  families: ['q35', 'virt'],
};

const isBridge = (c: PciController): boolean => c.model === 'pci-bridge' || c.model === 'pcie-to-pci-bridge';

/** Free slots of the hotpluggable bridges of the guest as libvirt defines it, and the bridges. */
function bridgeRoom(g: Guest): { bridges: PciController[]; free: number; users: number } {
  const used = new Map<number, Set<number>>();
  for (const x of [...g.devices, ...g.controllers]) {
    if (!x.address) continue;
    const s = used.get(x.address.bus) ?? new Set<number>();
    s.add(x.address.slot);
    used.set(x.address.bus, s);
  }
  const bridges = g.controllers.filter((c) => isBridge(c) && c.index !== undefined);
  let free = 0;
  let users = 0;
  for (const b of bridges) {
    const taken = used.get(b.index as number) ?? new Set<number>();
    users += g.devices.filter((d) => d.address?.bus === b.index).length;
    const model = BUS_MODELS[b.model];
    if (!model) continue;
    for (let s = model.minSlot; s <= model.maxSlot; s++) if (!taken.has(s)) free++;
  }
  return { bridges, free, users };
}

/**
 * A new pcie-root-port with an empty pcie-to-pci-bridge on it; none when libvirt adds a bridge itself
 * at define (virDomainPCIAddressSetGrow, for a conventional device written on a bus no controller
 * makes): once a higher index is written, qemuDomainPCIAddressSetCreate fills the lower ones with
 * pcie-root-ports, that bridge among them, and the fix would not give the room it promises. The
 * port goes where libvirt puts a root port written without an address (fixes.ts libvirtRootPort: a
 * free function of a slot root ports aggregate before a wholly free slot,
 * virDomainPCIAddressFindUnusedFunctionOnBus), so it spends no pcie-root slot libvirt would not.
 */
function newBridgeFix(ctx: RuleContext, defined: DefinedDomain | undefined): Fix | undefined {
  if (defined && defined.guest.controllers.some((c) => isBridge(c) && addedByLibvirt(defined, c))) return undefined;
  const index = nextFreeIndex(ctx.guest);
  const port = libvirtRootPort(ctx, index);
  if (!port) return undefined;
  const bridge: Command = { kind: 'add-controller', controller: { model: 'pcie-to-pci-bridge', index: index + 1, address: at(index, 0) } };
  return { label: `Add a pcie-to-pci-bridge (index ${index + 1}) on a new pcie-root-port`, command: { kind: 'batch', label: 'Add a pcie-to-pci-bridge', commands: [...port.commands, bridge] } };
}

export const rule: Rule = globalRule(meta, (ctx) => {
  if (!ctx.pcieRoot) return [];
  const defined = atDefine(ctx, () => true);
  const room = bridgeRoom(defined?.guest ?? ctx.guest);
  // only a guest that uses conventional PCI devices behind bridges is told about their hotplug room
  if (room.users === 0 || room.free > 0) return [];
  const fix = newBridgeFix(ctx, defined);
  const out: Finding[] = [
    finding(
      meta,
      `No room to hot-plug a conventional PCI device: every slot of ${room.bridges.map((b) => `${b.model} ${b.index}`).join(', ')} is taken${defined ? ' once libvirt has defined the guest' : ''}, and libvirt hot-plugs conventional PCI devices (e1000, rtl8139, …) only into a free slot of a pci-bridge or pcie-to-pci-bridge. Add a pcie-to-pci-bridge if you plan to hot-plug one.`,
      { controllers: room.bridges.map((b) => b.index as number) },
      fix ? [fix] : undefined,
    ),
  ];
  return out;
});

const noDefaults = [dev('usb', 'controller', undefined, { type: 'usb', model: 'none' }), dev('mb', 'memballoon', undefined, { model: 'none' })];
const bridge = () => ctrl('pcie-to-pci-bridge', 2, { address: at(1, 0) });
/** conventional PCI NICs in slots 1..n of bridge 2 */
const nics = (n: number) => Array.from({ length: n }, (_, i) => dev(`nic${i}`, 'interface', at(2, i + 1), { model: 'e1000' }));

export const cases = {
  pass: [
    { name: 'a conventional NIC behind a bridge with free slots', design: q35([rootPort(1, 1), bridge()], [...nics(1), ...noDefaults]) },
    { name: 'no conventional device behind a bridge', design: q35([rootPort(1, 1)], [dev('vda', 'disk', at(1, 0)), ...noDefaults]) },
  ],
  fail: [
    { name: 'every slot of the only bridge taken', design: q35([rootPort(1, 1), bridge()], [...nics(31), ...noDefaults]), expect: { controllers: [2] } },
    { name: 'the last free slot taken by a conventional NIC libvirt places at define', design: q35([rootPort(1, 1), bridge()], [...nics(30), dev('nic-auto', 'interface', undefined, { model: 'e1000' }), ...noDefaults]), expect: { controllers: [2] } },
  ],
};
