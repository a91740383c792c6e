import type { GuestPciAddress } from '../model/pci.ts';
import { busShape, F, TYPES_MASK } from './flags.ts';

/**
 * A model of libvirt's virDomainPCIAddressSet (src/conf/domain_addr.c): one entry per bus
 * (= controller index) with the functions used in each slot, the aggregate flag of each slot and
 * the bus isolation group. Mutable on purpose: it is private to one placement run.
 */
export interface SimBus {
  model: string;
  flags: number;
  minSlot: number;
  maxSlot: number;
  /** bit mask of used functions per slot 0..31 */
  readonly functions: number[];
  readonly aggregate: boolean[];
  isolationGroup: number;
  isolationGroupLocked: boolean;
}

export interface SetOptions {
  readonly dryRun: boolean;
  /** pseries: grow with more pci-roots */
  readonly multipleRoots: boolean;
}

export class PlacementFailure extends Error {}

export function newBus(model: string): SimBus {
  const shape = busShape(model) ?? { flags: 0, minSlot: 0, maxSlot: -1 };
  return {
    model,
    flags: shape.flags,
    minSlot: shape.minSlot,
    maxSlot: shape.maxSlot,
    functions: new Array<number>(32).fill(0),
    aggregate: new Array<boolean>(32).fill(false),
    isolationGroup: 0,
    isolationGroupLocked: false,
  };
}

export class AddressSet {
  readonly buses: SimBus[] = [];
  constructor(readonly opts: SetOptions) {}

  isEmpty(bus: SimBus): boolean {
    for (let s = bus.minSlot; s <= bus.maxSlot; s++) if (bus.functions[s]) return false;
    return true;
  }

  isFullyReserved(bus: SimBus): boolean {
    for (let s = bus.minSlot; s <= bus.maxSlot; s++) if (!bus.functions[s]) return false;
    return true;
  }

  slotInUse(bus: number, slot: number): boolean {
    return (this.buses[bus]?.functions[slot] ?? 0) !== 0;
  }

  /** virDomainPCIAddressSetGrow(): add the buses `addr.bus` needs; may bump `addr.bus` (pcie-to-pci-bridge case). */
  grow(addr: { bus: number }, flags: number): void {
    let add = addr.bus - this.buses.length + 1;
    if (add <= 0) return;
    let model: string;
    let needPcieToPci = false;
    if (flags & F.PCI_DEVICE) {
      if (this.opts.multipleRoots) {
        model = 'pci-root';
      } else {
        model = 'pci-bridge';
        needPcieToPci = !this.buses.some((b) => b.flags & F.PCI_BRIDGE);
        if (needPcieToPci && add === 1) {
          add++;
          addr.bus++;
        }
      }
    } else if (flags & (F.PCIE_DEVICE | F.PCIE_SWITCH_UPSTREAM_PORT)) {
      model = 'pcie-root-port';
    } else {
      throw new PlacementFailure('a PCI slot is needed to connect a PCI controller, but none is available, and it cannot be automatically added');
    }
    let left = add;
    if (needPcieToPci) {
      // The new root port only takes the bridge, so the spare-root-port reservation cannot eat it.
      const port = newBus('pcie-root-port');
      port.flags = F.PCIE_TO_PCI_BRIDGE;
      this.buses.push(port, newBus('pcie-to-pci-bridge'));
      left -= 2;
    }
    for (; left > 0; left--) this.buses.push(newBus(model));
  }

  private compatible(bus: SimBus, flags: number): boolean {
    if ((bus.flags & flags & TYPES_MASK) === 0) return false;
    if (flags & F.AUTOASSIGN && !(bus.flags & F.AUTOASSIGN)) return false;
    return true;
  }

  private findOnBus(bus: SimBus, flags: number): { slot: number; fn: number } | undefined {
    if (!this.compatible(bus, flags)) return undefined;
    for (let slot = bus.minSlot; slot <= bus.maxSlot; slot++) {
      const used = bus.functions[slot] ?? 0;
      if (used === 0) return { slot, fn: 0 };
      if (flags & F.AGGREGATE_SLOT && bus.aggregate[slot]) {
        for (let fn = 0; fn < 8; fn++) if ((used & (1 << fn)) === 0) return { slot, fn };
      }
    }
    return undefined;
  }

  /** virDomainPCIAddressGetNextAddr(): same group first, then an empty unlocked bus, then (dry run) a new bus. */
  nextAddress(flags: number, group: number): { bus: number; slot: number; function: number } {
    for (let b = 0; b < this.buses.length; b++) {
      const bus = this.buses[b] as SimBus;
      if (bus.isolationGroup !== group) continue;
      const hit = this.findOnBus(bus, flags);
      if (hit) return { bus: b, slot: hit.slot, function: hit.fn };
    }
    for (let b = 0; b < this.buses.length; b++) {
      const bus = this.buses[b] as SimBus;
      if (!this.isEmpty(bus) || bus.isolationGroupLocked) continue;
      const hit = this.findOnBus(bus, flags);
      if (hit) return { bus: b, slot: hit.slot, function: hit.fn };
    }
    if (!this.opts.dryRun) throw new PlacementFailure('No more available PCI slots');
    const a = { bus: this.buses.length };
    this.grow(a, flags);
    const bus = this.buses[a.bus] as SimBus;
    return { bus: a.bus, slot: bus.minSlot, function: 0 };
  }

  /**
   * virDomainPCIAddressReserveAddrInternal(). Addresses that libvirt would reject (unknown bus,
   * double use) are skipped: the rule engine reports them, placement only must not crash.
   */
  reserve(addr: { bus: number; slot: number; function: number }, flags: number, group: number, fromConfig: boolean): boolean {
    if (this.opts.dryRun) this.grow(addr, flags);
    const bus = this.buses[addr.bus];
    if (!bus || addr.slot < 0 || addr.slot > 31 || addr.function < 0 || addr.function > 7) return false;
    const used = bus.functions[addr.slot] ?? 0;
    if (used & (1 << addr.function)) return false;
    if (!used && flags & F.AGGREGATE_SLOT) bus.aggregate[addr.slot] = true;
    if (this.isEmpty(bus) && !bus.isolationGroupLocked) bus.isolationGroup = group;
    else if (bus.isolationGroup !== group && fromConfig) bus.isolationGroup = 0;
    bus.functions[addr.slot] = used | (1 << addr.function);
    return true;
  }

  reserveNext(flags: number, group: number): GuestPciAddress {
    const a = this.nextAddress(flags, group);
    this.reserve(a, flags, group, false);
    return { domain: 0, bus: a.bus, slot: a.slot, function: a.function };
  }
}
