import type { ControllerSpec, MachineFamily, PciController } from '../model/guest.ts';
import { isPhb } from '../model/guest.ts';
import type { GuestPciAddress } from '../model/pci.ts';
import type { BuildingBlock } from './types.ts';

/**
 * The designer's building blocks: what a new vPHB, root port, bridge or switch looks like when
 * the user adds one. Each is a list of controller specs; libvirt's defaults (model names, port
 * numbers, target indexes: libvirt/qemuDomainAddress.ts qemuDomainPCIControllerSetDefaults) are
 * filled in when the add-controller command runs, so they live in one place.
 */

/** The blocks of a machine with a PCIe root (q35, aarch64 virt). */
export const PCIE_BLOCKS: readonly BuildingBlock[] = ['root-port', 'pcie-to-pci-bridge', 'switch'];

/** Most downstream ports one switch can have: its upstream port's bus has slots 0-31. */
export const MAX_SWITCH_PORTS = 32;

const PORT_MODELS: ReadonlySet<string> = new Set(['pcie-root-port', 'pcie-switch-downstream-port']);

const at = (bus: number, slot: number): GuestPciAddress => ({ domain: 0, bus, slot, function: 0 });

/**
 * Chassis numbers for new root and downstream ports. They must be unique (Q35-RP-3: QEMU refuses
 * a second (chassis, slot 0) pair); the port's index is libvirt's default, and when the design
 * already uses it the lowest free number from 1 is taken.
 */
export function chassisPicker(controllers: readonly PciController[]): (index: number) => number {
  const used = new Set<number>();
  for (const c of controllers) if (PORT_MODELS.has(c.model) && c.target.chassis !== undefined) used.add(c.target.chassis);
  return (index) => {
    let n = index;
    if (used.has(n) || n < 1 || n > 255) for (n = 1; used.has(n); n++);
    used.add(n);
    return n;
  };
}

export interface BlockPlace {
  /** the bus the block plugs into: a PCI root or bridge for a vPHB's bridge, a root port's bus for what goes on a port */
  readonly bus: number;
  /** the slot there (0 on a port) */
  readonly slot: number;
  /** the next free controller index, each call another */
  readonly nextIndex: () => number;
  /** the chassis of a new port ({@link chassisPicker}) */
  readonly chassis: (index: number) => number;
  /** switch: downstream ports (1..{@link MAX_SWITCH_PORTS}) */
  readonly downstreamPorts?: number | undefined;
}

/**
 * The controllers one block adds at `place`, in the order they must be added. A vPHB plugs
 * nowhere (its place is ignored); a pcie-to-pci-bridge or a switch goes on the port at
 * `place.bus` (add a root port first when there is none free).
 */
export function blockControllers(block: BuildingBlock, place: BlockPlace): ControllerSpec[] {
  switch (block) {
    case 'vphb':
      return [{ model: 'pci-root' }];
    case 'root-port': {
      const index = place.nextIndex();
      return [{ model: 'pcie-root-port', index, address: at(place.bus, place.slot), target: { chassis: place.chassis(index) } }];
    }
    case 'pci-bridge':
      return [{ model: 'pci-bridge', index: place.nextIndex(), address: at(place.bus, place.slot) }];
    case 'pcie-to-pci-bridge':
      return [{ model: 'pcie-to-pci-bridge', index: place.nextIndex(), address: at(place.bus, 0) }];
    case 'switch': {
      const n = Math.max(1, Math.min(MAX_SWITCH_PORTS, Math.trunc(place.downstreamPorts ?? 2)));
      const upstream = place.nextIndex();
      const out: ControllerSpec[] = [{ model: 'pcie-switch-upstream-port', index: upstream, address: at(place.bus, 0) }];
      for (let i = 0; i < n; i++) {
        const index = place.nextIndex();
        out.push({ model: 'pcie-switch-downstream-port', index, address: at(upstream, i), target: { chassis: place.chassis(index) } });
      }
      return out;
    }
  }
}

/** The hotplug room a bus offers when it is left empty. */
export type SpareKind = 'port' | 'vPHB' | 'bridge';

/**
 * The kind of hotplug room a controller's bus offers, or undefined when it offers none: the root,
 * a bus with `<target hotplug='off'/>`, upstream ports and expanders. A PHB is one only on pseries.
 */
export function spareKind(c: Pick<PciController, 'index' | 'model' | 'modelName' | 'target'>, family: MachineFamily): SpareKind | undefined {
  if (c.index === undefined || c.index === 0 || c.target.hotplug === 'off') return undefined;
  if (PORT_MODELS.has(c.model)) return 'port';
  if (family === 'pseries' && isPhb(c)) return 'vPHB';
  if (c.model === 'pci-bridge' || c.model === 'pcie-to-pci-bridge') return 'bridge';
  return undefined;
}
