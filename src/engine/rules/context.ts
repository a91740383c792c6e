import type { Design } from '../model/design.ts';
import type { Guest, GuestDevice, MachineFamily, PciController } from '../model/guest.ts';
import type { MachineProfile } from '../machines/index.ts';
import { machineProfile } from '../machines/index.ts';
import type { Host, HostDevice } from '../model/host.ts';
import { hostDeviceOf } from '../model/host.ts';
import type { PciAddress } from '../model/pci.ts';
import { virDomainAssignControllerIndexes, virDomainSkipBackcompatConsole } from '../libvirt/domainConf.ts';
import { qemuDomainHasPCIeRoot } from '../libvirt/qemuDomain.ts';
import type { ControllerOrder } from '../libvirt/qemuDomainAddress.ts';
import { endpointConnectType, qemuDomainAssignSpaprVIOAddresses, qemuDomainImpliedPCIBuses, qemuDomainPCIAddressSetCollect, takesPciAddress } from '../libvirt/qemuDomainAddress.ts';
import { releaseControllerDefaults } from '../placement/defineTime.ts';
import type { Finding, FindingSubjects, Fix, RuleMeta } from './types.ts';

/**
 * What every rule needs, computed once per validation in one pass over the guest (DESIGN.md §7):
 * controllers by index, what sits on each bus, the host lookups. Rules never scan the host: they
 * only look up the devices the guest names.
 */
export interface Bus {
  /** controller index = the `bus` of the addresses on it */
  readonly index: number;
  /** undefined when addresses name a bus no controller has (GEN-ADDR-2) */
  readonly controller: PciController | undefined;
  readonly devices: readonly GuestDevice[];
  /** controllers plugged into this bus */
  readonly controllers: readonly PciController[];
}

export interface RuleContext {
  readonly design: Design;
  /** the guest as libvirt will run it: controller indexes filled in and the implicit root added (libvirtControllers) */
  readonly guest: Guest;
  readonly host: Host | undefined;
  readonly family: MachineFamily;
  /** the machine's profile: what libvirt adds and assumes for it */
  readonly machine: MachineProfile;
  readonly pcieRoot: boolean;
  /**
   * How the libvirt release the design targets orders the controllers it gives defaults and addresses
   * (libvirt/qemuDomainAddress.ts libvirtControllerOrder): the define-time model (placement/defineTime.ts
   * defineDomain, through atDefine) runs with it, and the controllers libvirt adds show the defaults it
   * gives them ({@link buildContext}). 'index' (libvirt 10.7) unless validation was asked for a release.
   */
  readonly order: ControllerOrder;
  /**
   * The libvirt release validation was asked to judge the design as ("9.0", "10.7.0"), for the few
   * rules where a release's own behaviour decides the verdict (PAPR-PHB-9); undefined: libvirt 10.7.
   */
  readonly libvirtVersion: string | undefined;
  /** first controller with each index (duplicates are GEN-IDX-1's business) */
  readonly controllerByIndex: ReadonlyMap<number, PciController>;
  /** every controller index and every bus an address names, ascending */
  readonly buses: readonly Bus[];
  readonly busByIndex: ReadonlyMap<number, Bus>;
  /** PCI hostdevs and `<interface type='hostdev'>` with a host address */
  readonly hostdevs: readonly GuestDevice[];
  /**
   * Indexes of the pcie-root-ports libvirt adds only to hold the pcie-to-pci-bridge it adds for a
   * conventional PCI device on a missing bus (qemuDomainImpliedPCIBuses' `bridgeHolders`): they
   * take that bridge and nothing else, so they are never free for anything written or moved there.
   */
  readonly bridgeHolders: ReadonlySet<number>;
  /** the controller at the top of the chain above bus `index` (a PHB, pcie-root, …) */
  rootOf(index: number): PciController | undefined;
  hostDevice(d: GuestDevice): HostDevice | undefined;
  /** host IOMMU group of a passed-through device; undefined without host or when the host does not say */
  groupOf(d: GuestDevice): number | undefined;
  /** hostdevs by host IOMMU group (empty without host) */
  readonly devicesByGroup: ReadonlyMap<number, readonly GuestDevice[]>;
  takesPci(d: GuestDevice): boolean;
  endpointType(d: GuestDevice): 'pci-endpoint' | 'pcie-endpoint';
}

export function isHostdev(d: GuestDevice): boolean {
  return d.hostAddress !== undefined && ((d.element === 'hostdev' && (d.type === 'pci' || d.type === undefined)) || (d.element === 'interface' && d.type === 'hostdev'));
}

/** libvirt's controller list by the written one it completes: the same list gives the same objects. */
const completed = new WeakMap<readonly PciController[], readonly PciController[]>();


/**
 * The PCI controllers libvirt will run the guest with, so rules judge what libvirt judges: indexes
 * for index-less controllers (virDomainAssignControllerIndexes), then the machine's root at index
 * 0 when no controller has it (qemuDomainDefAddDefaultDevices). An unknown machine gets a root only
 * when an address names bus 0 (as s390 does for zPCI). Memoised on the written list, so the
 * incremental validator sees the same objects while the controllers stay. GEN-IDX-6 judges the
 * written list itself.
 */
export function libvirtControllers(guest: Guest, machine: MachineProfile): readonly PciController[] {
  const list = guest.controllers;
  const known = completed.get(list);
  const base = known ?? indexedWithRoot(guest, machine);
  if (!known && base !== list) completed.set(list, base);
  return withImpliedBuses(guest, base, machine).out;
}

/**
 * The devices at the addresses libvirt keeps for them once it has added the buses they name
 * (qemuDomainPCIAddressSetCollect, run on the controllers as libvirt numbers them), off PCI for
 * spapr-vio ones: the same array when it moves none.
 */
export function libvirtDevices(guest: Guest, machine: MachineProfile): readonly GuestDevice[] {
  const list = guest.controllers;
  const base = completed.get(list) ?? list;
  const grown = machine.placeable ? qemuDomainPCIAddressSetCollect({ controllers: base, devices: guest.devices , controllerTypeOrder: guest.controllerTypeOrder }, machine) : guest.devices;
  // spapr-vio devices leave PCI whatever address they are written with (qemuDomainAssignSpaprVIOAddresses)
  const known = offPci.get(grown);
  if (known) return known;
  const out = qemuDomainAssignSpaprVIOAddresses(grown, machine);
  offPci.set(grown, out);
  return out;
}

const offPci = new WeakMap<readonly GuestDevice[], readonly GuestDevice[]>();

const NO_HOLDERS: ReadonlySet<number> = new Set();
const holders = new WeakMap<readonly PciController[], { readonly devices: readonly GuestDevice[]; readonly holders: ReadonlySet<number> }>();

/**
 * {@link RuleContext.bridgeHolders}: libvirt's growth run again on the controllers the XML writes
 * (the implicit ones left out: they are what it adds), only when a root port libvirt adds is shown.
 */
function libvirtBridgeHolders(guest: Guest, controllers: readonly PciController[], machine: MachineProfile): ReadonlySet<number> {
  if (!machine.placeable || !controllers.some((c) => c.implicit && c.model === 'pcie-root-port')) return NO_HOLDERS;
  const known = holders.get(controllers);
  if (known?.devices === guest.devices) return known.holders;
  const written = controllers.filter((c) => !c.implicit || c.index === 0);
  const found = qemuDomainImpliedPCIBuses({ controllers: written, devices: guest.devices , controllerTypeOrder: guest.controllerTypeOrder }, machine, { implicit: true }).bridgeHolders;
  holders.set(controllers, { devices: guest.devices, holders: found });
  return found;
}

function indexedWithRoot(guest: Guest, machine: MachineProfile): readonly PciController[] {
  const list = guest.controllers;
  const indexed = virDomainAssignControllerIndexes(list);
  const named0 = guest.devices.some((d) => d.address?.bus === 0) || list.some((c) => c.address?.bus === 0);
  const wantsRoot = !indexed.some((c) => c.index === 0) && (machine.family !== 'other' || named0);
  return wantsRoot ? [machine.root, ...indexed] : indexed;
}

/** The implied buses of a guest whose controllers libvirt numbers itself, by its devices and controllers. */
const implied = new WeakMap<readonly GuestDevice[], { readonly base: readonly PciController[]; readonly out: readonly PciController[] }>();

/**
 * Import shows the buses libvirt adds for addresses and indexes (GEN-IDX-5) only when every
 * controller has an index; with index-less controllers libvirt numbers them first
 * (virDomainAssignControllerIndexes) and then adds the buses still missing
 * (qemuDomainImpliedPCIBuses), so the rules judge those too: an address on such a bus is
 * checked against the controller libvirt puts there, at the address libvirt's growth leaves it
 * ({@link libvirtDevices}).
 */
function withImpliedBuses(guest: Guest, base: readonly PciController[], machine: MachineProfile): { readonly out: readonly PciController[] } {
  if (!machine.placeable || !guest.controllers.some((c) => c.index === undefined && !c.unreadable?.length)) return { out: base };
  const known = implied.get(guest.devices);
  if (known?.base === base) return known;
  const extra = qemuDomainImpliedPCIBuses({ controllers: base, devices: guest.devices , controllerTypeOrder: guest.controllerTypeOrder }, machine, { implicit: true });
  const memo = { base, out: extra.controllers.length === 0 ? base : [...base, ...extra.controllers] };
  implied.set(guest.devices, memo);
  return memo;
}

/** What validation is asked to judge the design as: the libvirt release's controller order (RuleContext.order). */
export interface ContextOptions {
  readonly order?: ControllerOrder | undefined;
  readonly libvirtVersion?: string | undefined;
}

export function buildContext(design: Design, opts: ContextOptions = {}): RuleContext {
  const machine = machineProfile(design.guest);
  const family = machine.family;
  const order = opts.order ?? 'index';
  // the buses libvirt adds (shown implicit) with the defaults the release gives them (a PHB's target index)
  const controllers = releaseControllerDefaults(libvirtControllers(design.guest, machine), machine, order);
  const devices = libvirtDevices(design.guest, machine);
  const guest = controllers === design.guest.controllers && devices === design.guest.devices ? design.guest : { ...design.guest, controllers, devices };
  const host = design.host;
  const controllerByIndex = new Map<number, PciController>();
  for (const c of guest.controllers) if (c.index !== undefined && !controllerByIndex.has(c.index)) controllerByIndex.set(c.index, c);

  const busDevices = new Map<number, GuestDevice[]>();
  const busControllers = new Map<number, PciController[]>();
  for (const c of guest.controllers) if (c.index !== undefined && !busDevices.has(c.index)) { busDevices.set(c.index, []); busControllers.set(c.index, []); }
  const ensure = (i: number): void => {
    if (!busDevices.has(i)) { busDevices.set(i, []); busControllers.set(i, []); }
  };
  const hostdevs: GuestDevice[] = [];
  for (const d of guest.devices) {
    if (isHostdev(d)) hostdevs.push(d);
    // the first serial console is the first serial port itself: no PCI address of its own
    if (!d.address || virDomainSkipBackcompatConsole(guest.devices, d)) continue;
    ensure(d.address.bus);
    (busDevices.get(d.address.bus) as GuestDevice[]).push(d);
  }
  for (const c of guest.controllers) {
    if (!c.address) continue;
    ensure(c.address.bus);
    (busControllers.get(c.address.bus) as PciController[]).push(c);
  }
  const buses: Bus[] = [...busDevices.keys()].sort((a, b) => a - b).map((index) => ({
    index,
    controller: controllerByIndex.get(index),
    devices: busDevices.get(index) as GuestDevice[],
    controllers: busControllers.get(index) as PciController[],
  }));
  const busByIndex = new Map(buses.map((b) => [b.index, b]));

  const roots = new Map<number, PciController | undefined>();
  const rootOf = (index: number): PciController | undefined => {
    if (roots.has(index)) return roots.get(index);
    let c = controllerByIndex.get(index);
    const seen = new Set<number>();
    while (c?.address && c.index !== undefined && !seen.has(c.index)) {
      seen.add(c.index);
      const parent = controllerByIndex.get(c.address.bus);
      if (!parent) break;
      c = parent;
    }
    roots.set(index, c);
    return c;
  };

  const hostDevice = (d: GuestDevice): HostDevice | undefined => hostDeviceOf(d, host);
  const groupOf = (d: GuestDevice): number | undefined => (isHostdev(d) ? hostDevice(d)?.iommuGroup : undefined);
  const devicesByGroup = new Map<number, GuestDevice[]>();
  if (host) {
    for (const d of hostdevs) {
      const g = groupOf(d);
      if (g === undefined) continue;
      const list = devicesByGroup.get(g);
      if (list) list.push(d);
      else devicesByGroup.set(g, [d]);
    }
  }
  const pcieRoot = qemuDomainHasPCIeRoot(guest, machine);
  return {
    design,
    guest,
    host,
    family,
    machine,
    pcieRoot,
    order,
    libvirtVersion: opts.libvirtVersion,
    controllerByIndex,
    buses,
    busByIndex,
    hostdevs,
    bridgeHolders: libvirtBridgeHolders(design.guest, controllers, machine),
    rootOf,
    hostDevice,
    groupOf,
    devicesByGroup,
    takesPci: (d) => takesPciAddress(d, machine),
    endpointType: (d) => endpointConnectType(d, guest, machine, host),
  };
}

/** `bus 0x01 slot 0x02 function 0x0`: how libvirt's XML says it, so users find it in their file. */
export function addrText(a: PciAddress): string {
  const h = (n: number): string => `0x${n.toString(16).padStart(2, '0')}`;
  return `${a.domain !== 0 ? `domain 0x${a.domain.toString(16).padStart(4, '0')} ` : ''}bus ${h(a.bus)} slot ${h(a.slot)} function 0x${a.function.toString(16)}`;
}

export function controllerText(c: PciController): string {
  return `${c.model} controller index ${c.index ?? '(none)'}`;
}

export function finding(meta: RuleMeta, message: string, subjects: FindingSubjects, fixes?: Fix[]): Finding {
  return fixes && fixes.length > 0 ? { ruleId: meta.id, severity: meta.severity, message, subjects, fixes } : { ruleId: meta.id, severity: meta.severity, message, subjects };
}

/** Rules that need the host say so once instead of staying silent (issue 4). */
export function needsHostFinding(meta: RuleMeta): Finding {
  return { ruleId: meta.id, severity: 'info', message: `${meta.id} (${meta.title}) could not be checked: no host is loaded. Load the host's node-device XML to check it.`, subjects: {} };
}

export function appliesTo(meta: RuleMeta, family: MachineFamily): boolean {
  return meta.families === 'all' || meta.families.includes(family);
}

/** Devices and controllers on a bus as (slot, function) occupants, for clash and multifunction checks. */
export interface Occupant {
  readonly slot: number;
  readonly function: number;
  readonly multifunction: 'on' | 'off' | undefined;
  readonly device?: GuestDevice;
  readonly controller?: PciController;
}

export function occupants(bus: Bus): Occupant[] {
  const out: Occupant[] = [];
  for (const d of bus.devices) if (d.address) out.push({ slot: d.address.slot, function: d.address.function, multifunction: d.address.multifunction, device: d });
  for (const c of bus.controllers) if (c.address) out.push({ slot: c.address.slot, function: c.address.function, multifunction: c.address.multifunction, controller: c });
  return out;
}

/** Occupants grouped by slot, in slot order: multifunction rules look at a slot's functions together. */
export function occupantsBySlot(bus: Bus): Map<number, Occupant[]> {
  const bySlot = new Map<number, Occupant[]>();
  for (const o of occupants(bus).sort((a, b) => a.slot - b.slot)) {
    const l = bySlot.get(o.slot);
    if (l) l.push(o);
    else bySlot.set(o.slot, [o]);
  }
  return bySlot;
}

export function occupantSubjects(list: readonly Occupant[], busIndex?: number): FindingSubjects {
  const devices = list.flatMap((o) => (o.device ? [o.device.key] : []));
  const controllers = list.flatMap((o) => (o.controller?.index !== undefined ? [o.controller.index] : []));
  if (busIndex !== undefined) controllers.unshift(busIndex);
  return { ...(controllers.length ? { controllers } : {}), ...(devices.length ? { devices } : {}) };
}

/** The next controller index: where a fix adds a controller (the same choice the add-controller command makes). */
export { nextControllerIndex as nextFreeIndex } from '../commands/commands.ts';

/** The PHB (or other root) that owns bus `index`, as a controller index. */
export function rootIndex(ctx: RuleContext, index: number): number | undefined {
  return ctx.rootOf(index)?.index;
}
