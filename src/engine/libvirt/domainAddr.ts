import type { Guest, GuestDevice, PciController } from '../model/guest.ts';
import { PCI_CONTROLLER_MODELS } from '../model/guest.ts';
import type { GuestPciAddress } from '../model/pci.ts';

/**
 * libvirt's PCI address set and connect flags: src/conf/domain_addr.c and domain_addr.h
 * (libvirt 10.7). This is the one bus table of pcitopo: what each controller's bus accepts, its
 * slots, and what each controller is when it plugs in (RULES.md §1.1, §1.2). The rules read it
 * through {@link BUS_MODELS}; placement runs the address set itself.
 */

/** virDomainPCIConnectFlags (domain_addr.h): a bus's or a device's connect type, as bits. */
export const F = {
  PCI_DEVICE: 1 << 0,
  PCIE_DEVICE: 1 << 1,
  PCI_BRIDGE: 1 << 2,
  PCIE_ROOT_PORT: 1 << 3,
  PCIE_SWITCH_UPSTREAM_PORT: 1 << 4,
  PCIE_SWITCH_DOWNSTREAM_PORT: 1 << 5,
  DMI_TO_PCI_BRIDGE: 1 << 6,
  PCIE_TO_PCI_BRIDGE: 1 << 7,
  PCI_EXPANDER_BUS: 1 << 8,
  PCIE_EXPANDER_BUS: 1 << 9,
  AUTOASSIGN: 1 << 10,
  AGGREGATE_SLOT: 1 << 11,
  HOTPLUGGABLE: 1 << 12,
  /** VIR_PCI_CONNECT_INTEGRATED: a device that must be integrated into pcie-root (bus 0) */
  INTEGRATED: 1 << 13,
} as const;

/** VIR_PCI_CONNECT_TYPES_MASK: the connect-type bits, without AUTOASSIGN, AGGREGATE_SLOT, HOTPLUGGABLE. */
export const TYPES_MASK = (1 << 10) - 1;

export interface BusShape {
  readonly flags: number;
  readonly minSlot: number;
  readonly maxSlot: number;
}

/**
 * virDomainPCIAddressBusSetModel(): what a controller's bus accepts (connect types, AUTOASSIGN,
 * HOTPLUGGABLE) and its slot range. Undefined for a model libvirt does not know.
 */
export function virDomainPCIAddressBusSetModel(model: string): BusShape | undefined {
  switch (model) {
    case 'pci-root':
    case 'pci-bridge':
      return { flags: F.AUTOASSIGN | F.HOTPLUGGABLE | F.PCI_DEVICE | F.PCI_BRIDGE | (model === 'pci-root' ? F.PCI_EXPANDER_BUS : 0), minSlot: 1, maxSlot: 31 };
    case 'pci-expander-bus':
      // pxb takes no hotplug
      return { flags: F.AUTOASSIGN | F.PCI_DEVICE | F.PCI_BRIDGE, minSlot: 0, maxSlot: 31 };
    case 'pcie-root':
      return { flags: F.PCIE_DEVICE | F.PCIE_ROOT_PORT | F.DMI_TO_PCI_BRIDGE | F.PCIE_EXPANDER_BUS | F.INTEGRATED, minSlot: 1, maxSlot: 31 };
    case 'dmi-to-pci-bridge':
      return { flags: F.PCI_DEVICE | F.PCI_BRIDGE, minSlot: 0, maxSlot: 31 };
    case 'pcie-to-pci-bridge':
      return { flags: F.AUTOASSIGN | F.HOTPLUGGABLE | F.PCI_DEVICE | F.PCI_BRIDGE, minSlot: 1, maxSlot: 31 };
    case 'pcie-root-port':
    case 'pcie-switch-downstream-port':
      return { flags: F.AUTOASSIGN | F.HOTPLUGGABLE | F.PCIE_DEVICE | F.PCIE_SWITCH_UPSTREAM_PORT | F.PCIE_TO_PCI_BRIDGE, minSlot: 0, maxSlot: 0 };
    case 'pcie-switch-upstream-port':
      return { flags: F.PCIE_SWITCH_DOWNSTREAM_PORT, minSlot: 0, maxSlot: 31 };
    case 'pcie-expander-bus':
      return { flags: F.PCIE_ROOT_PORT | F.DMI_TO_PCI_BRIDGE, minSlot: 0, maxSlot: 31 };
    default:
      return undefined;
  }
}

/** virDomainPCIControllerModelToConnectType(): a controller as the child, as flags. 0 for the roots. */
export function virDomainPCIControllerModelToConnectType(model: string): number {
  switch (model) {
    case 'pci-bridge':
      return F.PCI_BRIDGE;
    case 'pcie-root-port':
      return F.PCIE_ROOT_PORT | F.AGGREGATE_SLOT;
    case 'pcie-switch-upstream-port':
      return F.PCIE_SWITCH_UPSTREAM_PORT;
    case 'pcie-switch-downstream-port':
      return F.PCIE_SWITCH_DOWNSTREAM_PORT;
    case 'dmi-to-pci-bridge':
      return F.DMI_TO_PCI_BRIDGE;
    case 'pcie-to-pci-bridge':
      return F.PCIE_TO_PCI_BRIDGE;
    case 'pci-expander-bus':
      return F.PCI_EXPANDER_BUS;
    case 'pcie-expander-bus':
      return F.PCIE_EXPANDER_BUS;
    default:
      return 0;
  }
}

/**
 * virDomainPCIAddressFlagsCompatible(), for automatic placement: the bus accepts the device's
 * connect type, and a device that wants AUTOASSIGN only lands on an AUTOASSIGN bus.
 */
export function virDomainPCIAddressFlagsCompatible(busFlags: number, devFlags: number): boolean {
  // an integrated device goes on pcie-root only, which takes no other device by auto-assignment
  if (devFlags & F.INTEGRATED) return (busFlags & F.INTEGRATED) !== 0;
  if ((busFlags & devFlags & TYPES_MASK) === 0) return false;
  if (devFlags & F.AUTOASSIGN && !(busFlags & F.AUTOASSIGN)) return false;
  return true;
}

export function isRootModel(model: string): boolean {
  return model === 'pci-root' || model === 'pcie-root';
}

/** A controller that still needs an address of its own (not a root, not placed). */
export function controllerNeedsAddress(c: PciController): boolean {
  return !isRootModel(c.model) && c.address === undefined && virDomainPCIControllerModelToConnectType(c.model) !== 0;
}

// ---------------------------------------------------------------------------------------------
// The same table in words, for the rules and the UI.

export type ConnectType =
  | 'pci-endpoint'
  | 'pcie-endpoint'
  | 'pci-bridge'
  | 'pcie-root-port'
  | 'pcie-switch-upstream-port'
  | 'pcie-switch-downstream-port'
  | 'dmi-to-pci-bridge'
  | 'pcie-to-pci-bridge'
  | 'pci-expander-bus'
  | 'pcie-expander-bus';

const CONNECT_TYPE_BITS: ReadonlyArray<readonly [ConnectType, number]> = [
  ['pci-endpoint', F.PCI_DEVICE],
  ['pcie-endpoint', F.PCIE_DEVICE],
  ['pci-bridge', F.PCI_BRIDGE],
  ['pcie-root-port', F.PCIE_ROOT_PORT],
  ['pcie-switch-upstream-port', F.PCIE_SWITCH_UPSTREAM_PORT],
  ['pcie-switch-downstream-port', F.PCIE_SWITCH_DOWNSTREAM_PORT],
  ['dmi-to-pci-bridge', F.DMI_TO_PCI_BRIDGE],
  ['pcie-to-pci-bridge', F.PCIE_TO_PCI_BRIDGE],
  ['pci-expander-bus', F.PCI_EXPANDER_BUS],
  ['pcie-expander-bus', F.PCIE_EXPANDER_BUS],
];

/** {@link virDomainPCIAddressBusSetModel} in words: a bus's slot range and the connect types it takes. */
export interface BusModel {
  readonly minSlot: number;
  readonly maxSlot: number;
  readonly accepts: readonly ConnectType[];
  /** libvirt auto-assigns endpoints here (AUTOASSIGN) */
  readonly autoAssign: boolean;
  /** HOTPLUGGABLE, unless `<target hotplug='off'/>` */
  readonly hotplug: boolean;
}

/** Table 1.1 of RULES.md, by controller model; derived from {@link virDomainPCIAddressBusSetModel}. */
export const BUS_MODELS: Readonly<Record<string, BusModel>> = Object.fromEntries(
  PCI_CONTROLLER_MODELS.flatMap((model) => {
    const shape = virDomainPCIAddressBusSetModel(model);
    if (!shape) return [];
    const busModel: BusModel = {
      minSlot: shape.minSlot,
      maxSlot: shape.maxSlot,
      accepts: CONNECT_TYPE_BITS.filter(([, bit]) => shape.flags & bit).map(([t]) => t),
      autoAssign: (shape.flags & F.AUTOASSIGN) !== 0,
      hotplug: (shape.flags & F.HOTPLUGGABLE) !== 0,
    };
    return [[model, busModel] as const];
  }),
);

export function busModel(c: Pick<PciController, 'model'>): BusModel | undefined {
  return BUS_MODELS[c.model];
}

/** Table 1.2: a controller's connect type when it is the child ({@link virDomainPCIControllerModelToConnectType}); undefined for roots. */
export function controllerConnectType(c: Pick<PciController, 'model'>): ConnectType | undefined {
  const bits = virDomainPCIControllerModelToConnectType(c.model) & TYPES_MASK;
  return CONNECT_TYPE_BITS.find(([, bit]) => bits === bit)?.[0];
}

/** Does the bus of `parent` accept a child of this connect type (table 1.1, automatic placement)? */
export function busAccepts(parent: Pick<PciController, 'model'>, child: ConnectType): boolean {
  return busModel(parent)?.accepts.includes(child) ?? false;
}

// ---------------------------------------------------------------------------------------------
// virDomainPCIAddressSet

/**
 * One bus of virDomainPCIAddressSet (virDomainPCIAddressBus): its model's flags and slots, the
 * functions used in each slot, the aggregate flag of each slot and the bus isolation group.
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
  /**
   * A search shortcut, not state: slots [usedFrom, usedTo) were all found used (a slot, once used,
   * stays so), so the search for a free slot from `usedFrom` (= minSlot) starts at `usedTo`.
   */
  usedFrom?: number;
  usedTo?: number;
}

export interface SetOptions {
  /** the first pass of qemuDomainAssignPCIAddresses(): may grow the set */
  readonly dryRun: boolean;
  /** pseries: the set grows with more pci-roots (PHBs) */
  readonly multipleRoots: boolean;
}

/**
 * What the free-slot search finds: slot and function in one number (slot * 8 + function, slots
 * 0..31, functions 0..7), or NOT_FOUND: no object per bus tried, on a path taken for every device.
 */
const slotAndFunction = (slot: number, fn: number): number => (slot << 3) | fn;
const NOT_FOUND = -1;

/** libvirt could not place something: it would refuse the domain. */
export class PlacementFailure extends Error {}

/** virDomainPCIControllerConnectTypeToModel(): the controller model a connect type names, for libvirt's message. */
function connectTypeModel(flags: number): string | undefined {
  const order: readonly [number, string][] = [
    [F.PCIE_ROOT_PORT, 'pcie-root-port'],
    [F.PCIE_SWITCH_UPSTREAM_PORT, 'pcie-switch-upstream-port'],
    [F.PCIE_SWITCH_DOWNSTREAM_PORT, 'pcie-switch-downstream-port'],
    [F.DMI_TO_PCI_BRIDGE, 'dmi-to-pci-bridge'],
    [F.PCI_EXPANDER_BUS, 'pci-expander-bus'],
    [F.PCIE_EXPANDER_BUS, 'pcie-expander-bus'],
    [F.PCI_BRIDGE, 'pci-bridge'],
  ];
  return order.find(([f]) => (flags & f) !== 0)?.[1];
}

/** Was every slot of the bus found used (findOnBus's usedFrom/usedTo)? Then it stays so. */
const isFull = (bus: SimBus): boolean => bus.usedTo !== undefined && bus.usedFrom === bus.minSlot && bus.usedTo > bus.maxSlot;

export function newBus(model: string): SimBus {
  const shape = virDomainPCIAddressBusSetModel(model) ?? { flags: 0, minSlot: 0, maxSlot: -1 };
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

/**
 * A model of libvirt's virDomainPCIAddressSet (src/conf/domain_addr.c): one entry per bus
 * (= controller index). Mutable on purpose: it is private to one placement run.
 */
export class VirDomainPCIAddressSet {
  readonly buses: SimBus[] = [];
  /**
   * A search shortcut, not state: every bus below it was found with no free slot (nor will have
   * one: slots are never freed, buses never removed), so a search for a free slot starts there.
   */
  private fullBefore = 0;
  /**
   * The highest bus index whose state a search or check of this run has read (Infinity: every bus,
   * or the set grew). What the run gives depends on the buses above it only through their own
   * written addresses: an edit that moves devices among those buses leaves the run's placements as
   * they were (the canvas reuses them: src/ui/layout.ts addedAtDefine).
   */
  reach = -1;
  constructor(readonly opts: SetOptions) {}

  isEmpty(bus: SimBus): boolean {
    for (let s = bus.minSlot; s <= bus.maxSlot; s++) if (bus.functions[s]) return false;
    return true;
  }

  /** virDomainPCIAddressBusIsFullyReserved() */
  isFullyReserved(bus: SimBus): boolean {
    for (let s = bus.minSlot; s <= bus.maxSlot; s++) if (!bus.functions[s]) return false;
    return true;
  }

  slotInUse(bus: number, slot: number): boolean {
    this.reach = Math.max(this.reach, bus);
    return (this.buses[bus]?.functions[slot] ?? 0) !== 0;
  }

  /** virDomainPCIAddressSetGrow(): add the buses `addr.bus` needs; may bump `addr.bus` (pcie-to-pci-bridge case). */
  grow(addr: { bus: number }, flags: number): void {
    let add = addr.bus - this.buses.length + 1;
    if (add <= 0) return;
    this.reach = Infinity;
    let model: string;
    let needPcieToPci = false;
    if (flags & F.INTEGRATED) {
      throw new PlacementFailure('an integrated device needs a free slot on pcie-root, and no bus can be added for it');
    } else if (flags & F.PCI_DEVICE) {
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
      const model = connectTypeModel(flags);
      throw new PlacementFailure(model ? `a PCI slot is needed to connect a PCI controller model='${model}', but none is available, and it cannot be automatically added` : 'Cannot automatically add a new PCI bus for a device with connect flags …');
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

  /**
   * virDomainPCIAddressFindUnusedFunctionOnBus(): the first slot with no function used (the slot
   * then gets `fn`, or function 0 when any will do: -1), or for an aggregating device a free
   * function of an aggregate slot. Returns {@link slotAndFunction} of what it found, or NOT_FOUND.
   */
  private findOnBus(bus: SimBus, flags: number, fn: number): number {
    if (!virDomainPCIAddressFlagsCompatible(bus.flags, flags)) return NOT_FOUND;
    const want = fn < 0 ? 0 : fn;
    const aggregate = (flags & F.AGGREGATE_SLOT) !== 0;
    // Only an aggregating device can use a used slot: anything else skips the used ones found before
    // (placing hundreds of devices would otherwise rescan every full bus for each).
    let slot = bus.minSlot;
    if (!aggregate && bus.usedFrom === slot && bus.usedTo !== undefined) slot = bus.usedTo;
    for (; slot <= bus.maxSlot; slot++) {
      const used = bus.functions[slot] ?? 0;
      if (used === 0) {
        if (!aggregate) {
          bus.usedFrom = bus.minSlot;
          bus.usedTo = slot;
        }
        return slotAndFunction(slot, want);
      }
      if (aggregate && bus.aggregate[slot]) {
        if ((used & (1 << want)) === 0) return slotAndFunction(slot, want);
        if (fn < 0) for (let f = 0; f < 8; f++) if ((used & (1 << f)) === 0) return slotAndFunction(slot, f);
      }
    }
    if (!aggregate) {
      bus.usedFrom = bus.minSlot;
      bus.usedTo = slot;
    }
    return NOT_FOUND;
  }

  /**
   * virDomainPCIAddressFindUnusedFunctionOnBus() on bus `bus` alone: where a device of connect
   * `flags` would go on that bus (a wholly free slot, or for an aggregating device a free function
   * of an aggregate slot, the lowest first); undefined when the bus does not exist, does not take
   * the device, or has no room. `fn`: as for {@link getNextAddr}.
   */
  findOnOneBus(bus: number, flags: number, fn = -1): { bus: number; slot: number; function: number } | undefined {
    const b = this.buses[bus];
    const hit = b ? this.findOnBus(b, flags, fn) : NOT_FOUND;
    return hit === NOT_FOUND ? undefined : { bus, slot: hit >> 3, function: hit & 7 };
  }

  /**
   * virDomainPCIAddressGetNextAddr(): same isolation group first, then an empty unlocked bus, then
   * (dry run) a new bus. `fn`: the function wanted in a free slot (-1: any, which is function 0).
   */
  getNextAddr(flags: number, group: number, fn = -1): { bus: number; slot: number; function: number } {
    // a bus whose every slot was found used has no room for a device that needs a free slot
    // (findOnBus would say so after its checks): skipped at once, as placing hundreds of devices
    // passes each full bus again for every one
    const needsFreeSlot = (flags & F.AGGREGATE_SLOT) === 0;
    let first = 0;
    if (needsFreeSlot) {
      while (this.fullBefore < this.buses.length && isFull(this.buses[this.fullBefore] as SimBus)) this.fullBefore++;
      first = this.fullBefore;
    }
    for (let b = first; b < this.buses.length; b++) {
      const bus = this.buses[b] as SimBus;
      if (bus.isolationGroup !== group) continue;
      if (needsFreeSlot && isFull(bus)) continue;
      const hit = this.findOnBus(bus, flags, fn);
      if (hit !== NOT_FOUND) {
        // the buses after the first hit are never looked at
        this.reach = Math.max(this.reach, b);
        return { bus: b, slot: hit >> 3, function: hit & 7 };
      }
    }
    this.reach = Math.max(this.reach, this.buses.length - 1);
    for (let b = 0; b < this.buses.length; b++) {
      const bus = this.buses[b] as SimBus;
      if (!this.isEmpty(bus) || bus.isolationGroupLocked) continue;
      const hit = this.findOnBus(bus, flags, fn);
      if (hit !== NOT_FOUND) return { bus: b, slot: hit >> 3, function: hit & 7 };
    }
    this.reach = Infinity;
    if (!this.opts.dryRun) throw new PlacementFailure('No more available PCI slots');
    const a = { bus: this.buses.length };
    this.grow(a, flags);
    const bus = this.buses[a.bus] as SimBus;
    return { bus: a.bus, slot: bus.minSlot, function: fn < 0 ? 0 : fn };
  }

  /**
   * virDomainPCIAddressReserveAddrInternal(). Addresses that libvirt would reject (unknown bus,
   * double use) are skipped: the rule engine reports them, placement only must not crash.
   */
  reserveAddr(addr: { bus: number; slot: number; function: number }, flags: number, group: number, fromConfig: boolean): boolean {
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

  /**
   * virDomainPCIAddressReserveNextAddr(): the next free compatible address, reserved; `fn` as for
   * {@link getNextAddr} (the USB2 companions ask for theirs). Throws {@link PlacementFailure}.
   */
  reserveNextAddr(flags: number, group: number, fn = -1): GuestPciAddress {
    const a = this.getNextAddr(flags, group, fn);
    this.reserveAddr(a, flags, group, false);
    return { domain: 0, bus: a.bus, slot: a.slot, function: a.function };
  }
}

/** virDomainPCIAddressSetAllMulti(): multifunction='on' on function 0 of a slot with more functions, unless written 'off'. */
export function virDomainPCIAddressSetAllMulti(guest: Guest): Guest {
  const slotsWithMore = new Set<string>();
  const key = (a: GuestPciAddress): string => `${a.domain}:${a.bus}:${a.slot}`;
  for (const list of [guest.devices, guest.controllers]) {
    for (let i = 0; i < list.length; i++) {
      const address = (list[i] as GuestDevice | PciController).address;
      if (address && address.function !== 0) slotsWithMore.add(key(address));
    }
  }
  if (slotsWithMore.size === 0) return guest;
  const fix = <T extends { address?: GuestPciAddress | undefined }>(x: T): T =>
    x.address && x.address.function === 0 && x.address.multifunction === undefined && slotsWithMore.has(key(x.address))
      ? { ...x, address: { ...x.address, multifunction: 'on' } }
      : x;
  return { ...guest, devices: guest.devices.map(fix), controllers: guest.controllers.map(fix) };
}
