import type { Guest, GuestDevice, PciController } from '../model/guest.ts';
import { isPhb } from '../model/guest.ts';
import type { Host } from '../model/host.ts';
import { hostDeviceOf } from '../model/host.ts';
import { freshControllerKey } from '../model/keys.ts';
import { guestCellForHostNode } from '../model/numa.ts';
import type { GuestPciAddress } from '../model/pci.ts';
import { formatPciAddress } from '../model/pci.ts';
import { F, virDomainPCIAddressSetAllMulti } from '../libvirt/domainAddr.ts';
import type { LibvirtMachine } from '../libvirt/qemuDomain.ts';
import {
  assignmentOrder,
  isHostdevLike,
  qemuDomainAddressFindNewTargetIndex,
  qemuDomainAssignPCIAddresses,
  qemuDomainAssignPCIControllerDefaults,
  qemuDomainDeviceCalculatePCIConnectFlags,
  qemuDomainDeviceIsIntegrated,
  qemuDomainImpliedPCIControllers,
  takesPciAddress,
} from '../libvirt/qemuDomainAddress.ts';
import { placeFunctions } from '../commands/functions.ts';
import { MAX_PHBS, pseriesPhbCount } from '../libvirt/limits.ts';
import { machineProfile } from '../machines/index.ts';
import { predictDefine } from './defineTime.ts';
import { bridgesPastTheirRoom, busNumbering, isExpander } from '../model/busNumbering.ts';

export interface PePerPhbResult {
  readonly guest: Guest;
  /** what could not be done as asked, for people */
  readonly notes: readonly string[];
}

/**
 * Policy `pe-per-phb`: the topology PAPR guests should have (RULES.md PAPR-ISO-3/5/6, PAPR-EEH-1,
 * PAPR-HP-2, PAPR-NUMA-4). Every passed-through host IOMMU group (host PE) gets a vPHB of its own
 * with all of its functions; emulated devices stay on PHB 0; `spare` empty vPHBs are left for
 * hotplug because libvirt cannot create a PHB at hotplug time. On q35/virt: one root port per
 * PCIe device (per host slot for hostdevs, its functions kept together), conventional PCI devices
 * behind a pcie-to-pci-bridge, `spare` empty root ports. The guest should carry libvirt's implicit
 * devices (libvirt/qemuDomain.ts qemuDomainDefAddDefaultDevices) so that their slots and ports are kept for them: libvirt
 * adds them again at define time and puts them into the first free bus, which must not be a spare.
 * Addresses the user wrote are returned exactly as written.
 */
export function placePePerPhb(input: Guest, host: Host | undefined, spare: number): PePerPhbResult {
  const machine = machineProfile(input);
  const family = machine.family;
  const notes: string[] = [];
  const { guest, duplicates } = setDuplicatesAside(input, notes);
  let out: Guest;
  if (family === 'pseries') out = placePseries(guest, machine, host, spare, notes);
  else if (family === 'q35' || family === 'virt') {
    const withPorts = portsForHostSlots(onNumaExpanders(joinUserSlots(guest, host), host, notes), host);
    const simulate = (s: number) => qemuDomainAssignPCIAddresses(addPciePorts(withPorts, host, s), machine, host);
    // Root ports libvirt can find no slot for make it refuse the domain (virDomainPCIAddressSetGrow
    // cannot add a bus to pcie-root): keep only the spares that fit, as pseries keeps only the vPHBs
    // that have a target index
    // …and a spare never takes the slot of what would be placed without spares (an integrated
    // device, which goes on pcie-root only: pvpanic-pci, virtio-iommu on virt): what only the
    // spares leave unplaced counts as lost too
    const alone = spare > 0 ? new Set(simulate(0).unplaced) : new Set<string>();
    // …and a spare libvirt puts below an expander bus past the bus numbers the firmware can give
    // there (GEN-TGT-1: the guest loses the devices behind it, and SeaBIOS never boots) counts too
    const pastRoom = (g: Guest): number => bridgesPastTheirRoom(busNumbering(g, (c) => c.target.busNr));
    const pastAlone = spare > 0 ? pastRoom(simulate(0).guest) : 0;
    const addedUnplaced = (r: ReturnType<typeof simulate>): number => r.unplaced.filter((k) => !alone.has(k)).length + Math.max(0, pastRoom(r.guest) - pastAlone);
    let fit = spare;
    let sim = simulate(fit);
    for (let lost = addedUnplaced(sim); lost > 0 && fit > 0; lost = addedUnplaced(sim)) sim = simulate((fit = Math.max(0, fit - lost)));
    out = sim.guest;
    for (const key of sim.unplaced) notes.push(`no free slot for ${labelOf(out, key)}: libvirt would refuse the domain`);
    if (fit < spare) {
      const expander = out.controllers.some(isExpander) ? ', or puts them below an expander bus past the bus numbers the guest firmware can give there' : '';
      notes.push(`only ${fit} spare root port${fit === 1 ? '' : 's'} fit: libvirt finds no free slot for more on pcie-root${expander}`);
      spare = fit;
    }
  } else {
    const sim = qemuDomainAssignPCIAddresses(guest, machine, host);
    out = sim.guest;
    for (const key of sim.unplaced) notes.push(`no free slot for ${labelOf(out, key)}: libvirt would refuse the domain`);
    // a conventional PCI machine (i440fx) has neither root ports nor vPHBs to keep spare: say so
    // rather than drop the request silently
    if (spare > 0) notes.push(`no spares were added: spare root ports apply to PCIe machines (q35, virt) and spare vPHBs to pseries; ${machine.family} hot-plugs into the free slots of its PCI buses`);
  }
  out = keepUserAddresses(guest, out);
  if (duplicates.size > 0) out = withDuplicates(input, out, duplicates);
  if (spare > 0 && (family === 'pseries' || family === 'q35' || family === 'virt')) notes.push(...spareNotes(out, host, spare, family === 'pseries' ? 'vPHB' : 'port'));
  return { guest: out, notes };
}

/**
 * A host function passed through twice: libvirt refuses the domain ("Hostdev already exists in the
 * domain configuration", HD-SRC-2), and a policy that keeps a host slot's functions together would
 * give both copies one address. The later copies are set aside unplaced, with a note; the first
 * is placed. Returns the guest without them and the copies by key, as they were.
 */
function setDuplicatesAside(guest: Guest, notes: string[]): { guest: Guest; duplicates: Map<string, GuestDevice> } {
  const first = new Map<string, GuestDevice>();
  const duplicates = new Map<string, GuestDevice>();
  for (const d of guest.devices) {
    if (!isHostdevLike(d) || !d.hostAddress || d.address) continue;
    const a = formatPciAddress(d.hostAddress);
    const earlier = first.get(a);
    if (!earlier) first.set(a, d);
    else {
      duplicates.set(d.key, d);
      notes.push(`${nameOf(d, guest)} passes through host device ${a}, as ${nameOf(earlier, guest)} does: libvirt refuses the domain ("Hostdev already exists in the domain configuration"), so it is not placed; keep one of them`);
    }
  }
  return duplicates.size === 0 ? { guest, duplicates } : { guest: { ...guest, devices: guest.devices.filter((d) => !duplicates.has(d.key)) }, duplicates };
}

/** How people find a device in their XML: its alias, else its place among the elements of its kind. */
function nameOf(d: GuestDevice, guest: Guest): string {
  if (d.alias) return `${d.element} '${d.alias}'`;
  const n = guest.devices.filter((x) => x.element === d.element).indexOf(d) + 1;
  return `<${d.element}${d.element === 'interface' ? " type='hostdev'" : ''}> number ${n}`;
}

/** The placed guest with the copies set aside back in their places, without addresses. */
function withDuplicates(input: Guest, out: Guest, duplicates: ReadonlyMap<string, GuestDevice>): Guest {
  const placed = new Map(out.devices.map((d) => [d.key, d]));
  const known = new Set(input.devices.map((d) => d.key));
  return { ...out, devices: [...input.devices.map((d) => duplicates.get(d.key) ?? placed.get(d.key) ?? d), ...out.devices.filter((d) => !known.has(d.key))] };
}

function labelOf(guest: Guest, key: string): string {
  const d = guest.devices.find((x) => x.key === key);
  if (d) return d.label;
  const c = guest.controllers.find((x) => x.key === key);
  return c ? `${c.model} (controller ${c.index ?? '?'})` : key;
}

/** libvirt's multifunction='on' (GEN-MF-1) is its own business at define time: never rewrite what the user wrote. */
function keepUserAddresses(input: Guest, out: Guest): Guest {
  const devices = new Map(input.devices.filter((d) => d.address).map((d) => [d.key, d.address]));
  const controllers = new Map(input.controllers.filter((c) => c.address).map((c) => [c.key, c.address]));
  if (devices.size === 0 && controllers.size === 0) return out;
  return {
    ...out,
    devices: out.devices.map((d) => (devices.has(d.key) && d.address !== devices.get(d.key) ? { ...d, address: devices.get(d.key) } : d)),
    controllers: out.controllers.map((c) => (controllers.has(c.key) && c.address !== controllers.get(c.key) ? { ...c, address: controllers.get(c.key) } : c)),
  };
}

/** The spares that survive define (defineTime.ts), against what was asked. */
function spareNotes(guest: Guest, host: Host | undefined, spare: number, kind: 'vPHB' | 'port'): string[] {
  const what = kind === 'vPHB' ? 'vPHB' : 'root port';
  const empty = predictDefine(guest, host).empty.filter((b) => b.kind === kind);
  const kept = empty.filter((b) => b.takers.length === 0).length;
  // Ports kept for libvirt's own devices are taken as planned; only a shortfall is news.
  if (kept >= spare || kept === empty.length) return [];
  const notes = empty.flatMap((b) => b.takers.map((t) => `libvirt will put ${t.label} on the empty ${what} ${b.index} at define time`));
  notes.push(`only ${kept} of ${spare} spare ${what}s stay empty after define`);
  return notes;
}

const hostSlotOf = (d: GuestDevice): string | undefined => {
  if (!isHostdevLike(d) || !d.hostAddress) return undefined;
  const a = formatPciAddress(d.hostAddress);
  return a.slice(0, a.lastIndexOf('.'));
};

/** bus -> slot -> used function mask, over devices and controllers */
function occupancy(guest: Guest): Map<number, Map<number, number>> {
  const used = new Map<number, Map<number, number>>();
  for (const x of [...guest.devices, ...guest.controllers]) {
    if (!x.address) continue;
    let bus = used.get(x.address.bus);
    if (!bus) used.set(x.address.bus, (bus = new Map()));
    bus.set(x.address.slot, (bus.get(x.address.slot) ?? 0) | (1 << x.address.function));
  }
  return used;
}

/**
 * Functions of a host slot whose sibling the user already addressed go into the sibling's guest
 * slot, at the same distance from it as on the host, when that function is free there and the
 * user did not write multifunction='off'. libvirt sets multifunction='on' on function 0 itself.
 */
export function joinUserSlots(guest: Guest, host: Host | undefined): Guest {
  const machine = machineProfile(guest);
  const flags = (d: GuestDevice): number => qemuDomainDeviceCalculatePCIConnectFlags(d, guest, machine, host);
  const anchors = new Map<string, GuestDevice>();
  for (const d of guest.devices) {
    const k = hostSlotOf(d);
    if (k !== undefined && d.address && d.address.multifunction !== 'off' && !anchors.has(k)) anchors.set(k, d);
  }
  if (anchors.size === 0) return guest;
  const used = occupancy(guest);
  let changed = false;
  const devices = guest.devices.map((d) => {
    const k = hostSlotOf(d);
    const anchor = k === undefined ? undefined : anchors.get(k);
    if (d.address || !anchor?.address || !anchor.hostAddress || !d.hostAddress || !takesPciAddress(d, machine)) return d;
    // On a PCIe bus the slot is the port's only one: a PCI function cannot join a PCIe one there.
    if ((flags(d) & F.PCIE_DEVICE) !== (flags(anchor) & F.PCIE_DEVICE)) return d;
    const fn = d.hostAddress.function - anchor.hostAddress.function + anchor.address.function;
    const slots = used.get(anchor.address.bus);
    const mask = slots?.get(anchor.address.slot) ?? 0;
    if (fn < 0 || fn > 7 || mask & (1 << fn)) return d;
    slots?.set(anchor.address.slot, mask | (1 << fn));
    changed = true;
    return { ...d, address: { domain: anchor.address.domain, bus: anchor.address.bus, slot: anchor.address.slot, function: fn } };
  });
  return changed ? { ...guest, devices } : guest;
}

interface Slots {
  /** bus -> slot -> used function mask */
  readonly used: Map<number, Map<number, number>>;
}

function markUsed(s: Slots, a: GuestPciAddress): void {
  let bus = s.used.get(a.bus);
  if (!bus) s.used.set(a.bus, (bus = new Map()));
  bus.set(a.slot, (bus.get(a.slot) ?? 0) | (1 << a.function));
}

function freeSlot(s: Slots, bus: number): number | undefined {
  const b = s.used.get(bus);
  for (let slot = 1; slot <= 31; slot++) if (!b?.get(slot)) return slot;
  return undefined;
}

function busEmpty(s: Slots, bus: number): boolean {
  return (s.used.get(bus)?.size ?? 0) === 0;
}

/** libvirt's highest controller index: a PCI bus number is 0-255 (virDomainPCIAddressBusSetModel, RULES.md GEN-ADDR-3). */
const MAX_INDEX = 255;

function lowestFreeIndex(controllers: readonly PciController[]): number | undefined {
  const used = new Set(controllers.map((c) => c.index));
  let i = 1;
  while (used.has(i)) i++;
  return i <= MAX_INDEX ? i : undefined;
}

/**
 * The index of a controller placement adds on bus `above`: one past the highest (libvirt numbers
 * new buses that way), else the lowest free index above `above`, never past 255. Undefined when
 * none is left.
 */
function nextIndex(controllers: readonly PciController[], above = 0): number | undefined {
  const highest = Math.max(0, ...controllers.map((c) => c.index ?? 0));
  if (highest < MAX_INDEX) return Math.max(highest, above) + 1;
  const used = new Set(controllers.map((c) => c.index));
  for (let i = above + 1; i <= MAX_INDEX; i++) if (!used.has(i)) return i;
  return undefined;
}

/** The target index of a new PHB: qemuDomainAddressFindNewTargetIndex(), 32 when 1-31 are taken (the spare loop stops at 30). */
function newTargetIndex(controllers: readonly PciController[]): number {
  return qemuDomainAddressFindNewTargetIndex(controllers) ?? 32;
}

function placePseries(input: Guest, machine: LibvirtMachine, host: Host | undefined, spare: number, notes: string[]): Guest {
  const joined = joinUserSlots(input, host);
  // the PHBs libvirt adds for buses an address or a controller index names (GEN-IDX-5), written
  const implied = qemuDomainImpliedPCIControllers(joined, machine, { implicit: false });
  const guest = qemuDomainAssignPCIControllerDefaults(implied.length ? { ...joined, controllers: [...joined.controllers, ...implied] } : joined, machine);
  let controllers = guest.controllers.slice();
  const devices = guest.devices.slice();
  const slots: Slots = { used: new Map() };
  for (const x of [...devices, ...controllers]) if (x.address) markUsed(slots, x.address);
  const setAddress = (key: string, address: GuestPciAddress): void => {
    const i = devices.findIndex((d) => d.key === key);
    devices[i] = { ...(devices[i] as GuestDevice), address };
    markUsed(slots, address);
  };
  // PHBs that this run reserved for a group: not "empty" any more even before a device lands.
  const claimed = new Set<number>();
  // A PHB past target index 30 or controller index 255 makes libvirt refuse the domain (PAPR-PHB-2, GEN-ADDR-3): none is added then.
  const addPhb = (node: number | undefined): number | undefined => {
    const index = lowestFreeIndex(controllers);
    const target = newTargetIndex(controllers);
    if (index === undefined || target > 30) return undefined;
    const phb: PciController = {
      key: freshControllerKey(controllers),
      index,
      model: 'pci-root',
      modelName: 'spapr-pci-host-bridge',
      target: { index: target, ...(node !== undefined ? { node } : {}) },
    };
    const next = [...controllers, phb];
    // libvirt fills every index below a PHB with a PHB of its own target index (PAPR-PHB-2,
    // qemuDomainPCIAddressSetCreate): an index past 30 is one PHB too many even when this PHB's
    // own target is free (a PHB written without a target takes one at define)
    if (pseriesPhbCount({ ...guest, controllers: next }, false) > MAX_PHBS) return undefined;
    controllers = next;
    return index;
  };
  const emptyPhbs = (): PciController[] =>
    controllers.filter((c) => isPhb(c) && c.index !== undefined && c.index !== 0 && !claimed.has(c.index) && busEmpty(slots, c.index));

  const ordered = assignmentOrder(devices).filter((d) => takesPciAddress(d, machine));
  const groupKey = (d: GuestDevice): string | undefined => {
    if (!isHostdevLike(d) || !d.hostAddress) return undefined;
    const g = hostDeviceOf(d, host)?.iommuGroup;
    if (g !== undefined) return `g${g}`;
    const a = formatPciAddress(d.hostAddress);
    return `s${a.slice(0, a.lastIndexOf('.'))}`;
  };

  // Host PEs, in libvirt's assignment order of their first member.
  const groups = new Map<string, GuestDevice[]>();
  for (const d of ordered) {
    const k = groupKey(d);
    if (k === undefined) continue;
    const list = groups.get(k) ?? [];
    list.push(d);
    groups.set(k, list);
  }
  for (const members of groups.values()) {
    const waiting = members.filter((d) => !d.address);
    if (waiting.length === 0) continue;
    const placedOn = members.find((d) => d.address)?.address?.bus;
    let bus = placedOn;
    if (bus === undefined) {
      const hostNode = waiting.map((d) => hostDeviceOf(d, host)?.numaNode).find((n) => n !== undefined);
      const cell = guestCellForHostNode(guest, host, hostNode);
      const empty = emptyPhbs();
      const pick = empty.find((c) => c.target.node === cell) ?? (cell === undefined ? undefined : empty.find((c) => c.target.node === undefined));
      bus = pick?.index ?? addPhb(cell);
      if (bus === undefined) {
        // a PCI bus number is 0-255 (virDomainPCIAddressBusSetModel): with every controller index
        // taken there is no index for a PHB, whatever target indexes are free
        const why = lowestFreeIndex(controllers) === undefined ? 'controller indexes 1-255 are taken' : 'target indexes 1-30 are taken';
        notes.push(`no vPHB left for ${waiting.map((d) => d.label).join(', ')} (${why}): not placed`);
        continue;
      }
      claimed.add(bus);
    }
    const phb = bus;
    const nextSlot = (): number | undefined => {
      const slot = freeSlot(slots, phb);
      if (slot !== undefined) markUsed(slots, { domain: 0, bus: phb, slot, function: 0 });
      return slot;
    };
    for (const [d, a] of placeFunctions(waiting, (d) => d.hostAddress, phb, nextSlot)) setAddress(d.key, a);
  }

  // A pci-bridge the user wrote without an address: libvirt places the PCI controllers before any
  // device, in index order, on the first free slot of PHB 0 (qemuDomainAssignDevicePCISlots). Left
  // unaddressed behind emulated devices that fill PHB 0, libvirt would find no slot below its own
  // index for it (a PHB of a host group is of another isolation group): GEN-IDX-4.
  for (const c of controllers.filter((x) => x.model === 'pci-bridge' && !x.address && x.index !== undefined).sort((a, b) => (a.index ?? 0) - (b.index ?? 0))) {
    const slot = freeSlot(slots, 0);
    if (slot === undefined) break;
    const address = { domain: 0, bus: 0, slot, function: 0 };
    markUsed(slots, address);
    controllers = controllers.map((x) => (x.key === c.key ? { ...x, address } : x));
  }

  // Emulated devices: PHB 0, then a chain of pci-bridges hanging off PHB 0. They need no
  // isolation, and a bridge costs no PHB target index (PAPR-PHB-2, PAPR-BRIDGE-1).
  const emulatedWaiting = ordered.filter((d) => !d.address && groupKey(d) === undefined);
  let bus = 0;
  for (let i = 0; i < emulatedWaiting.length; i++) {
    const d = emulatedWaiting[i] as GuestDevice;
    let slot = freeSlot(slots, bus);
    const freeCount = (): number => {
      let n = 0;
      for (let x = 1; x <= 31; x++) if (!slots.used.get(bus)?.get(x)) n++;
      return n;
    };
    const index = slot !== undefined && freeCount() === 1 && i < emulatedWaiting.length - 1 ? nextIndex(controllers, bus) : undefined;
    if (slot !== undefined && index !== undefined) {
      const address = { domain: 0, bus, slot, function: 0 };
      controllers = [...controllers, { key: freshControllerKey(controllers), index, model: 'pci-bridge', target: {}, address }];
      markUsed(slots, address);
      bus = index;
      slot = freeSlot(slots, bus);
    }
    if (slot !== undefined) setAddress(d.key, { domain: 0, bus, slot, function: 0 });
    else notes.push(`no free slot on PHB 0 or its pci-bridges for ${d.label}: libvirt will place it itself`);
  }

  // A spare PHB past target index 30 would make libvirt refuse the domain (PAPR-PHB-2): stop there.
  while (emptyPhbs().length < spare && addPhb(undefined) !== undefined);
  const got = emptyPhbs().length;
  if (got < spare) notes.push(`only ${got} spare vPHB${got === 1 ? '' : 's'} fit (target index max 30)`);
  return virDomainPCIAddressSetAllMulti(qemuDomainAssignPCIControllerDefaults({ ...guest, controllers, devices }, machine));
}

const EXPANDER_BRIDGES = new Set(['pcie-root-port', 'pcie-switch-upstream-port', 'pcie-switch-downstream-port', 'pcie-to-pci-bridge', 'pci-bridge', 'dmi-to-pci-bridge']);

/** The bridges (bus numbers the guest firmware hands out) below expander `e`, at any depth. */
function bridgesBelow(controllers: readonly PciController[], e: number): number {
  let n = 0;
  const walk = (bus: number): void => {
    for (const c of controllers) {
      if (c.address?.bus !== bus || c.index === undefined || !EXPANDER_BRIDGES.has(c.model) || c.index === bus) continue;
      n++;
      walk(c.index);
    }
  };
  walk(e);
  return n;
}

/**
 * The bus numbers expander `e` has left for one more root port: the bridges below it take
 * busNr+1.. and must stay below the next expander's busNr, or 256 (GEN-TGT-1 busNrRoom). `busNr`
 * holds each expander's busNr as libvirt leaves it: the written one, else the one
 * qemuDomainAddressFindNewBusNr picks (two below the lowest in use: 254 for the first), whatever
 * children the expander has, so a pcie-expander-bus of libvirt's busNr 254 has room for one port.
 */
function expanderRoom(controllers: readonly PciController[], busNr: ReadonlyMap<number, number>, e: PciController & { index: number }): number {
  const start = busNr.get(e.index);
  if (start === undefined) return 0;
  const next = Math.min(256, ...[...busNr.values()].filter((n) => n > start));
  return next - start - 1 - bridgesBelow(controllers, e.index);
}

/**
 * q35/virt with guest NUMA cells: a passed-through host slot whose host NUMA node maps to a guest
 * cell that a pcie-expander-bus of the design carries (`<target><node>`) goes behind a root port
 * of that expander, the guest's only way to see the device on its cell (Q35-NUMA-1; QEMU
 * pxb-pcie numa_node). An empty root port of the expander is taken first, else a pcie-root-port is
 * added on the expander (libvirt's bus model: a pcie-expander-bus takes root ports in slots 0-31,
 * virDomainPCIAddressBusSetModel) when its busNr leaves room. The functions of a host slot stay
 * together as portsForHostSlots keeps them. The pseries counterpart is placePseries's vPHB of the
 * PE's node (PAPR-NUMA-4). A slot whose cell has no expander is left to the rest of the policy
 * (under pcie.0), with a note when the design has expanders with a node at all.
 */
export function onNumaExpanders(guest: Guest, host: Host | undefined, notes: string[]): Guest {
  if (guest.numaCells.length === 0) return guest;
  const isNodeExpander = (c: PciController): c is PciController & { index: number } => c.model === 'pcie-expander-bus' && c.index !== undefined && c.target.node !== undefined;
  if (!guest.controllers.some(isNodeExpander)) return guest;
  const machine = machineProfile(guest);
  const bySlot = new Map<string, GuestDevice[]>();
  const conventional = new Map<string, GuestDevice[]>();
  const cellOf = (d: GuestDevice): number | undefined => guestCellForHostNode(guest, host, hostDeviceOf(d, host)?.numaNode);
  for (const d of assignmentOrder(guest.devices)) {
    const k = hostSlotOf(d);
    if (k === undefined || d.address || !takesPciAddress(d, machine)) continue;
    // a conventional PCI function goes behind a pcie-to-pci-bridge on a root port of the expander
    const into = qemuDomainDeviceCalculatePCIConnectFlags(d, guest, machine, host) & F.PCIE_DEVICE ? bySlot : conventional;
    const list = into.get(k) ?? [];
    list.push(d);
    into.set(k, list);
  }
  if (bySlot.size === 0 && conventional.size === 0) return guest;
  let controllers = guest.controllers;
  const busNr = new Map<number, number>();
  for (const c of qemuDomainAssignPCIControllerDefaults(guest, machine).controllers) {
    if ((c.model === 'pcie-expander-bus' || c.model === 'pci-expander-bus') && c.index !== undefined && c.target.busNr !== undefined) busNr.set(c.index, c.target.busNr);
  }
  const taken = new Set<number>();
  for (const x of [...guest.devices, ...guest.controllers]) if (x.address) taken.add(x.address.bus);
  const addresses = new Map<string, GuestPciAddress>();
  // a pcie-expander-bus takes root ports in slots 0-31 (virDomainPCIAddressBusSetModel)
  const freeSlotOn = (bus: number): number | undefined => {
    const used = new Set([...controllers, ...guest.devices].filter((x) => x.address?.bus === bus).map((x) => x.address?.slot));
    for (let slot = 0; slot <= 31; slot++) if (!used.has(slot)) return slot;
    return undefined;
  };
  for (const funcs of bySlot.values()) {
    if (funcs.length > 8) continue;
    const cell = funcs.map(cellOf).find((n) => n !== undefined);
    if (cell === undefined) continue;
    const expanders = controllers.filter(isNodeExpander).filter((c) => c.target.node === cell);
    const what = funcs.map((d) => d.label).join(', ');
    if (expanders.length === 0) {
      notes.push(`${what} is on guest NUMA cell ${cell}, which no pcie-expander-bus carries: it is placed off its cell (Q35-NUMA-1); add a pcie-expander-bus with <node>${cell}</node> to place it on its cell`);
      continue;
    }
    let port: number | undefined;
    for (const e of expanders) {
      port = controllers.find((c) => c.model === 'pcie-root-port' && c.address?.bus === e.index && c.index !== undefined && !taken.has(c.index))?.index;
      if (port !== undefined) break;
    }
    let full: string | undefined;
    for (const e of port === undefined ? expanders : []) {
      const slot = freeSlotOn(e.index);
      const index = nextIndex(controllers);
      if (expanderRoom(controllers, busNr, e) <= 0) full ??= `expander bus ${e.index} has busNr ${busNr.get(e.index) ?? '?'}, which leaves no bus number for another root port (GEN-TGT-1): a lower busNr gives it room`;
      if (slot === undefined || index === undefined || expanderRoom(controllers, busNr, e) <= 0) continue;
      const address = { domain: 0, bus: e.index, slot, function: 0 };
      controllers = [...controllers, { key: freshControllerKey(controllers), index, model: 'pcie-root-port', target: {}, address }];
      port = index;
      break;
    }
    if (port === undefined) {
      notes.push(`${what} is on guest NUMA cell ${cell}, but ${full ?? 'its pcie-expander-bus has no free slot or index for a root port'}; it is placed off its cell (Q35-NUMA-1)`);
      continue;
    }
    taken.add(port);
    const sorted = funcs.slice().sort((a, b) => (a.hostAddress?.function ?? 0) - (b.hostAddress?.function ?? 0));
    const keep = sorted[0]?.hostAddress?.function === 0;
    const bus = port;
    sorted.forEach((d, i) => addresses.set(d.key, { domain: 0, bus, slot: 0, function: sorted.length === 1 ? 0 : keep ? (d.hostAddress?.function ?? i) : i }));
  }
  // Conventional PCI: a pcie-to-pci-bridge behind a root port of the cell's expander (two bus
  // numbers), one bridge slot per host slot, functions kept as portsForHostSlots keeps them.
  const bridges = new Map<number, { index: number; slot: number }>();
  const bridgeFor = (cell: number, expanders: readonly (PciController & { index: number })[]): { index: number; slot: number } | undefined => {
    const had = bridges.get(cell);
    if (had && had.slot <= 31) return had;
    for (const e of expanders) {
      const slot = freeSlotOn(e.index);
      const portIndex = nextIndex(controllers);
      if (slot === undefined || portIndex === undefined || portIndex >= MAX_INDEX || controllers.some((c) => c.index === portIndex + 1) || expanderRoom(controllers, busNr, e) < 2) continue;
      controllers = [...controllers, { key: freshControllerKey(controllers), index: portIndex, model: 'pcie-root-port', target: {}, address: { domain: 0, bus: e.index, slot, function: 0 } }];
      controllers = [...controllers, { key: freshControllerKey(controllers), index: portIndex + 1, model: 'pcie-to-pci-bridge', target: {}, address: { domain: 0, bus: portIndex, slot: 0, function: 0 } }];
      const b = { index: portIndex + 1, slot: 1 };
      bridges.set(cell, b);
      return b;
    }
    return undefined;
  };
  for (const funcs of conventional.values()) {
    if (funcs.length > 8) continue;
    const cell = funcs.map(cellOf).find((n) => n !== undefined);
    if (cell === undefined) continue;
    const what = funcs.map((d) => d.label).join(', ');
    const expanders = controllers.filter(isNodeExpander).filter((c) => c.target.node === cell);
    const b = expanders.length === 0 ? undefined : bridgeFor(cell, expanders);
    if (!b) {
      notes.push(`${what} is conventional PCI on guest NUMA cell ${cell}, ${expanders.length === 0 ? 'which no pcie-expander-bus carries' : 'and its pcie-expander-bus has no two bus numbers, slot or indexes left for a root port and a pcie-to-pci-bridge'}: it is placed off its cell (Q35-NUMA-1)`);
      continue;
    }
    const sorted = funcs.slice().sort((x, y) => (x.hostAddress?.function ?? 0) - (y.hostAddress?.function ?? 0));
    const keep = sorted[0]?.hostAddress?.function === 0;
    const slot = b.slot++;
    sorted.forEach((d, i) => addresses.set(d.key, { domain: 0, bus: b.index, slot, function: sorted.length === 1 ? 0 : keep ? (d.hostAddress?.function ?? i) : i }));
  }
  if (addresses.size === 0 && controllers === guest.controllers) return guest;
  return { ...guest, controllers, devices: guest.devices.map((d) => (addresses.has(d.key) ? { ...d, address: addresses.get(d.key) } : d)) };
}

/**
 * The hostdevs `placed` addressed (unaddressed in `input`) off their NUMA cell although the input
 * has a pcie-expander-bus carrying that cell (Q35-NUMA-1: the nearest expander above the device's
 * bus is not of its cell, or there is none), q35/virt only. libvirt's own policy never puts a
 * device behind an expander (a pcie-expander-bus is not AUTOASSIGN, virDomainPCIAddressBusSetModel),
 * so it leaves these; pe-per-phb avoids them where the expander has room (onNumaExpanders).
 */
export function offCellHostdevs(input: Guest, placed: Guest, host: Host | undefined): GuestDevice[] {
  const family = machineProfile(input).family;
  if ((family !== 'q35' && family !== 'virt') || input.numaCells.length === 0) return [];
  const carried = new Set(input.controllers.filter((c) => c.model === 'pcie-expander-bus' && c.target.node !== undefined).map((c) => c.target.node));
  if (carried.size === 0) return [];
  const byIndex = new Map(placed.controllers.filter((c) => c.index !== undefined).map((c) => [c.index, c]));
  const nodeAbove = (bus: number): number | undefined => {
    const seen = new Set<number>();
    for (let c = byIndex.get(bus); c?.index !== undefined && !seen.has(c.index); c = c.address ? byIndex.get(c.address.bus) : undefined) {
      if (c.model === 'pcie-expander-bus' || c.model === 'pci-expander-bus') return c.target.node;
      seen.add(c.index);
    }
    return undefined;
  };
  const unaddressed = new Set(input.devices.filter((d) => !d.address).map((d) => d.key));
  return placed.devices.filter((d) => {
    if (!unaddressed.has(d.key) || !d.address || !isHostdevLike(d)) return false;
    const cell = guestCellForHostNode(placed, host, hostDeviceOf(d, host)?.numaNode);
    return cell !== undefined && carried.has(cell) && nodeAbove(d.address.bus) !== cell;
  });
}

/**
 * q35/virt: one root port per host device (host slot) with several functions to place, the
 * functions kept as functions of the port's slot 0 (as the designer's move-group does). With
 * the host's function 0 the host numbering stays; without it they are renumbered from 0
 * (GEN-MF-3). Single functions are left to addPciePorts, which gives each a port anyway.
 */
export function portsForHostSlots(guest: Guest, host: Host | undefined): Guest {
  const machine = machineProfile(guest);
  const bySlot = new Map<string, GuestDevice[]>();
  for (const d of assignmentOrder(guest.devices)) {
    const k = hostSlotOf(d);
    if (k === undefined || d.address || !takesPciAddress(d, machine) || !(qemuDomainDeviceCalculatePCIConnectFlags(d, guest, machine, host) & F.PCIE_DEVICE)) continue;
    const list = bySlot.get(k) ?? [];
    list.push(d);
    bySlot.set(k, list);
  }
  const addresses = new Map<string, GuestPciAddress>();
  let controllers = guest.controllers;
  for (const funcs of bySlot.values()) {
    if (funcs.length < 2 || funcs.length > 8) continue;
    funcs.sort((a, b) => (a.hostAddress?.function ?? 0) - (b.hostAddress?.function ?? 0));
    const index = nextIndex(controllers);
    if (index === undefined) break;
    controllers = [...controllers, { key: freshControllerKey(controllers), index, model: 'pcie-root-port', target: {} }];
    const keep = funcs[0]?.hostAddress?.function === 0;
    funcs.forEach((d, i) => addresses.set(d.key, { domain: 0, bus: index, slot: 0, function: keep ? (d.hostAddress?.function ?? i) : i }));
  }
  if (addresses.size === 0) return guest;
  return { ...guest, controllers, devices: guest.devices.map((d) => (addresses.has(d.key) ? { ...d, address: addresses.get(d.key) } : d)) };
}

/**
 * q35/virt: enough empty root ports for one PCIe device each plus `spare`, and a root port with a
 * pcie-to-pci-bridge per 31 conventional devices; libvirt's own assignment then fills them.
 */
function addPciePorts(guest: Guest, host: Host | undefined, spare: number): Guest {
  const machine = machineProfile(guest);
  const waiting = guest.devices.filter((d) => !d.address && takesPciAddress(d, machine) && !(machine.chipset?.homes(d, guest) ?? false));
  // a virtio-iommu or pvpanic-pci goes on pcie-root itself (VIR_PCI_CONNECT_INTEGRATED), never
  // behind a port: a port added for it stays empty, and an unaddressed controller of a lower index
  // that libvirt could place nowhere else is put on it, after its own index (GEN-IDX-4)
  const ported = waiting.filter((d) => !qemuDomainDeviceIsIntegrated(d, machine));
  const pcie = ported.filter((d) => qemuDomainDeviceCalculatePCIConnectFlags(d, guest, machine, host) & F.PCIE_DEVICE).length;
  const conventional = ported.length - pcie;
  // An unaddressed pcie-to-pci-bridge or switch takes an empty port before any device does. Only
  // one written without an index gets a port here: libvirt numbers it after the ports written
  // (virDomainAssignControllerIndexes). A port added here gets an index above every written one
  // (virDomainDefPostParse filled the gaps, GEN-IDX-5), and QEMU creates buses in index order, so
  // libvirt would put a controller of a written index on a bus created after it (GEN-IDX-4,
  // controllersBeforeTheirBus): a new error where there was "no slot" (GEN-CONNECT-1)
  const portTakers = guest.controllers.filter((c) => !c.address && c.index === undefined && (c.model === 'pcie-to-pci-bridge' || c.model === 'pcie-switch-upstream-port')).length;
  const occupied = new Set<number>();
  for (const x of [...guest.devices, ...guest.controllers]) if (x.address) occupied.add(x.address.bus);
  const emptyPorts = guest.controllers.filter((c) => (c.model === 'pcie-root-port' || c.model === 'pcie-switch-downstream-port') && c.index !== undefined && !occupied.has(c.index)).length;
  const bridgeRoom = guest.controllers
    .filter((c) => (c.model === 'pcie-to-pci-bridge' || c.model === 'pci-bridge') && c.index !== undefined)
    .reduce((n, c) => n + 31 - guest.devices.filter((d) => d.address?.bus === c.index).length - guest.controllers.filter((x) => x.address?.bus === c.index).length, 0);
  let controllers = guest.controllers.slice();
  const add = (model: string): boolean => {
    const index = nextIndex(controllers);
    if (index === undefined) return false;
    controllers = [...controllers, { key: freshControllerKey(controllers), index, model, target: {} }];
    return true;
  };
  // A PCIe device libvirt places before any controller (the q35 primary video whose 00:01.0 is
  // taken) takes the first empty port: its port comes before the bridges', or bridge 2 would land
  // on port 3, a bus QEMU creates after it (GEN-IDX-4, fuzz seed 38)
  const first = ported.filter((d) => (machine.chipset?.placesFirst(d, guest) ?? false) && qemuDomainDeviceCalculatePCIConnectFlags(d, guest, machine, host) & F.PCIE_DEVICE).length;
  let ports = emptyPorts;
  for (; ports < first; ports++) if (!add('pcie-root-port')) break;
  for (let room = bridgeRoom; room < conventional; room += 31) if (!add('pcie-root-port') || !add('pcie-to-pci-bridge')) break;
  for (; ports < pcie + portTakers + spare; ports++) if (!add('pcie-root-port')) break;
  return { ...guest, controllers };
}
