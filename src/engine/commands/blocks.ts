import type { Design } from '../model/design.ts';
import type { Guest, PciController } from '../model/guest.ts';
import { controllerName } from '../model/names.ts';
import type { GuestPciAddress } from '../model/pci.ts';
import type { BuildingBlock } from '../machines/index.ts';
import { buildingBlocksFor, chassisPicker, hasPcieRoot, machineFamily, MAX_SWITCH_PORTS } from '../machines/index.ts';
import type { Command, NewController } from './commands.ts';
import { virDomainAssignControllerIndexes } from '../libvirt/domainConf.ts';
import { firstFreeSlot, nextControllerIndex } from './commands.ts';

/**
 * PCI building blocks as libvirt writes them: a vPHB, a pcie-root-port, a pci-bridge, a
 * pcie-to-pci-bridge on a root port, a switch (upstream port and downstream ports). Each block is
 * one engine command (a batch when it takes several controllers), so it is one undo step and the
 * UI, the context menu and the keyboard build it the same way.
 *
 * Chassis and port follow libvirt's defaults (qemuDomainDeviceDefPostParse ->
 * qemuDomainPCIControllerSetDefaultModelName and virDomainPCIControllerSetDefaults in
 * src/conf/domain_conf.c: chassis = the controller index, port = slot * 8 + function for a root
 * port, the slot for a downstream port), except that a chassis already taken by an imported port is
 * not reused (Q35-RP-3: QEMU refuses a second (chassis, slot 0) pair: machines/blocks.ts chassisPicker).
 * Which blocks a machine offers is its profile's (machines/index.ts buildingBlocksFor).
 */

export interface BlockOptions {
  /** key of the controller the user has selected: a bridge or a switch goes on it when it can */
  readonly selected?: string | undefined;
  /** downstream ports of a switch, 1-32 (clamped); 2 when not given */
  readonly downstreamPorts?: number | undefined;
}

export interface BlockPlan {
  readonly command: Command;
  /** what the undo history says */
  readonly label: string;
  /** controller indexes the plan adds, in order; the first is the one to select */
  readonly added: readonly number[];
  /** advice to show once it is added (a pci-bridge on pseries adds no isolation) */
  readonly notice?: string | undefined;
}

export type BlockResult = { readonly ok: true; readonly plan: BlockPlan } | { readonly ok: false; readonly reason: string };

/** The blocks that make sense on this machine: PHBs and bridges on pseries, PCIe ports and bridges on pcie-root machines. */
export function buildingBlocks(guest: Guest): readonly BuildingBlock[] {
  return buildingBlocksFor(guest);
}

/** The bus the toolbar's main "Add" button adds: a vPHB on pseries, a root port under pcie-root, else a pci-bridge. */
export function defaultBlock(guest: Guest): BuildingBlock {
  if (machineFamily(guest) === 'pseries') return 'vphb';
  return guest.controllers.some((c) => c.model === 'pcie-root') ? 'root-port' : 'pci-bridge';
}

const PORT_MODELS: ReadonlySet<string> = new Set(['pcie-root-port', 'pcie-switch-downstream-port']);

function portSpec(model: 'pcie-root-port' | 'pcie-switch-downstream-port', index: number, address: GuestPciAddress, chassis: (index: number) => number): NewController {
  const port = model === 'pcie-root-port' ? address.slot * 8 + address.function : address.slot;
  return { model, index, address, target: { chassis: chassis(index), port } };
}

const at = (bus: number, slot: number): GuestPciAddress => ({ domain: 0, bus, slot, function: 0 });
const busIsEmpty = (guest: Guest, index: number): boolean => !guest.devices.some((d) => d.address?.bus === index) && !guest.controllers.some((c) => c.index !== index && c.address?.bus === index);

function selectedFreePort(guest: Guest, selected: string | undefined): PciController | undefined {
  const c = selected === undefined ? undefined : guest.controllers.find((x) => x.key === selected);
  return c && c.index !== undefined && PORT_MODELS.has(c.model) && busIsEmpty(guest, c.index) ? c : undefined;
}

function bridgeParent(guest: Guest, selected: string | undefined): PciController | undefined {
  const chosen = selected === undefined ? undefined : guest.controllers.find((c) => c.key === selected);
  const takesBridge = (c: PciController | undefined) => c !== undefined && c.index !== undefined && (c.model === 'pci-root' || c.model === 'pci-bridge');
  if (takesBridge(chosen)) return chosen;
  return guest.controllers.find((c) => c.model === 'pci-root' && c.index === 0) ?? guest.controllers.find((c) => takesBridge(c));
}

/**
 * A new pcie-root-port on the first free slot of pcie-root, or why there can be none. A pcie-root
 * written without `index` is found by the index define gives it (virDomainAssignControllerIndexes,
 * src/conf/domain_conf.c): "+ Root port" once refused libvirt's q35-pcie.xml for "no pcie-root".
 */
export function newRootPort(guest: Guest, index: number, chassis: (index: number) => number = chassisPicker(guest.controllers)): NewController | string {
  const root = virDomainAssignControllerIndexes(guest.controllers).find((c) => c.model === 'pcie-root');
  if (root?.index === undefined) return 'This design has no pcie-root to plug a root port into.';
  const slot = firstFreeSlot(guest, root.index);
  if (slot === undefined) return `${controllerName(root)} has no free slot for a root port.`;
  return portSpec('pcie-root-port', index, at(root.index, slot), chassis);
}

/**
 * Plans a building block on `design`: the command that adds it, its undo label and what it adds.
 * Pure; refuses with a sentence when the machine has no room for it.
 */
export function planBlock(design: Design, block: BuildingBlock, options: BlockOptions = {}): BlockResult {
  const guest = design.guest;
  const family = machineFamily(guest);
  const chassis = chassisPicker(guest.controllers);
  let next = nextControllerIndex(guest);
  const nextIndex = () => next++;
  const refuse = (reason: string): BlockResult => ({ ok: false, reason });
  const done = (commands: Command[], label: string, notice?: string): BlockResult => {
    const added = commands.flatMap((c) => (c.kind === 'add-controller' && c.controller.index !== undefined ? [c.controller.index] : []));
    const command: Command = commands.length === 1 && commands[0] ? commands[0] : { kind: 'batch', label, commands };
    return { ok: true, plan: { command, label, added, ...(notice ? { notice } : {}) } };
  };
  /** the bus a bridge or a switch plugs into on a pcie-root machine: the selected free port, else a new root port */
  const hostPort = (): { bus: number; commands: Command[] } | string => {
    const free = selectedFreePort(guest, options.selected);
    if (free?.index !== undefined) return { bus: free.index, commands: [] };
    const index = nextIndex();
    const spec = newRootPort(guest, index, chassis);
    if (typeof spec === 'string') return spec;
    return { bus: index, commands: [{ kind: 'add-controller', controller: spec }] };
  };
  switch (block) {
    case 'vphb':
      if (family !== 'pseries') return refuse('vPHBs are for pseries guests; this machine has no PHBs to add.');
      return done([{ kind: 'add-controller', controller: { model: 'pci-root', index: nextIndex() } }], 'Add a vPHB');
    case 'root-port': {
      const spec = newRootPort(guest, nextIndex(), chassis);
      if (typeof spec === 'string') return refuse(spec);
      return done([{ kind: 'add-controller', controller: spec }], 'Add a pcie-root-port');
    }
    case 'pci-bridge': {
      const parent = bridgeParent(guest, options.selected);
      if (parent?.index === undefined) return refuse('This design has no PCI bus to plug a pci-bridge into.');
      const slot = firstFreeSlot(guest, parent.index);
      const where = controllerName(parent, family);
      if (slot === undefined) return refuse(`${where} has no free slot for a pci-bridge.`);
      const notice = family === 'pseries' ? `The pci-bridge adds no isolation: devices behind it share ${where}'s PE, DMA window and EEH (PAPR-BRIDGE-4). Add a vPHB to isolate a device.` : undefined;
      return done([{ kind: 'add-controller', controller: { model: 'pci-bridge', index: nextIndex(), address: at(parent.index, slot) } }], `Add a pci-bridge on ${where}`, notice);
    }
    case 'pcie-to-pci-bridge': {
      const port = hostPort();
      if (typeof port === 'string') return refuse(port);
      const commands: Command[] = [...port.commands, { kind: 'add-controller', controller: { model: 'pcie-to-pci-bridge', index: nextIndex(), address: at(port.bus, 0) } }];
      const on = guest.controllers.find((c) => c.index === port.bus);
      return done(commands, port.commands.length ? 'Add a root port with a pcie-to-pci-bridge' : `Add a pcie-to-pci-bridge on ${on ? controllerName(on, family) : `port ${port.bus}`}`);
    }
    case 'switch': {
      const n = Math.max(1, Math.min(MAX_SWITCH_PORTS, Math.trunc(options.downstreamPorts ?? 2)));
      const port = hostPort();
      if (typeof port === 'string') return refuse(port);
      const upstream = nextIndex();
      const commands: Command[] = [...port.commands, { kind: 'add-controller', controller: { model: 'pcie-switch-upstream-port', index: upstream, address: at(port.bus, 0) } }];
      for (let i = 0; i < n; i++) commands.push({ kind: 'add-controller', controller: portSpec('pcie-switch-downstream-port', nextIndex(), at(upstream, i), chassis) });
      return done(commands, `Add a switch with ${n} downstream port${n === 1 ? '' : 's'}`);
    }
  }
}

/**
 * The bus that isolates something: a new vPHB on pseries (its own PE, DMA window and EEH domain),
 * a new root port on a pcie-root machine (its own slot, hotpluggable). Undefined where no such bus
 * exists (i440fx: a pci-bridge isolates nothing).
 */
export function isolatingBlock(guest: Guest): 'vphb' | 'root-port' | undefined {
  if (machineFamily(guest) === 'pseries') return 'vphb';
  return hasPcieRoot(guest) ? 'root-port' : undefined;
}
