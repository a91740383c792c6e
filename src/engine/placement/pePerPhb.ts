import type { Guest, GuestDevice, PciController } from '../model/guest.ts';
import { isPhb, machineFamily } from '../model/guest.ts';
import type { Host } from '../model/host.ts';
import type { GuestPciAddress } from '../model/pci.ts';
import { formatPciAddress } from '../model/pci.ts';
import { hostDeviceOf } from '../machines/connect.ts';
import { assignmentOrder, deviceFlags, F, isHostdevLike, wantsPciAddress } from './flags.ts';
import { simulateLibvirt } from './libvirt.ts';
import { fillControllerDefaults, freshControllerKey, setAllMulti } from './prepare.ts';

/**
 * Policy `pe-per-phb`: the topology PAPR guests should have (RULES.md PAPR-ISO-3/5/6, PAPR-EEH-1,
 * PAPR-HP-2, PAPR-NUMA-4). Every passed-through host IOMMU group (host PE) gets a vPHB of its own
 * with all of its functions; emulated devices stay on PHB 0; `spare` empty vPHBs are left for
 * hotplug because libvirt cannot create a PHB at hotplug time. On q35/virt: one root port per
 * PCIe device, conventional PCI devices behind a pcie-to-pci-bridge, `spare` empty root ports.
 */
export function placePePerPhb(guest: Guest, host: Host | undefined, spare: number): Guest {
  const family = machineFamily(guest);
  if (family === 'pseries') return placePseries(guest, host, spare);
  if (family === 'q35' || family === 'virt') return simulateLibvirt(addPciePorts(guest, host, spare), host).guest;
  return simulateLibvirt(guest, host).guest;
}

/** Does the libvirt nodeset syntax ("0-3,^2,5") include `node`? */
export function nodesetHas(nodeset: string, node: number): boolean {
  let has = false;
  for (const raw of nodeset.split(',')) {
    const part = raw.trim();
    const neg = part.startsWith('^');
    const m = /^(\d+)(?:-(\d+))?$/.exec(neg ? part.slice(1) : part);
    if (!m) continue;
    const lo = Number(m[1]);
    const hi = m[2] === undefined ? lo : Number(m[2]);
    if (node >= lo && node <= hi) has = !neg;
  }
  return has;
}

/**
 * The guest NUMA cell for a host NUMA node: the cell whose `<memnode nodeset>` holds it; with
 * cells but no numatune, the node's position among the host's nodes when that cell exists.
 */
export function guestCellForHostNode(guest: Guest, host: Host | undefined, hostNode: number | undefined): number | undefined {
  if (hostNode === undefined || guest.numaCells.length === 0) return undefined;
  const cells = new Set(guest.numaCells.map((c) => c.id));
  if (guest.numaMemnodes.length > 0) {
    const m = guest.numaMemnodes.find((mn) => cells.has(mn.cellid) && nodesetHas(mn.nodeset, hostNode));
    return m?.cellid;
  }
  const nodes = [...new Set([...(host?.devices.values() ?? [])].map((d) => d.numaNode).filter((n): n is number => n !== undefined))].sort((a, b) => a - b);
  const i = nodes.indexOf(hostNode);
  return i >= 0 && i < guest.numaCells.length ? i : undefined;
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

function lowestFreeIndex(controllers: readonly PciController[]): number {
  const used = new Set(controllers.map((c) => c.index));
  let i = 1;
  while (used.has(i)) i++;
  return i;
}

function lowestFreeTargetIndex(controllers: readonly PciController[]): number {
  const used = new Set(controllers.filter(isPhb).map((c) => c.target.index));
  let t = 1;
  while (used.has(t)) t++;
  return t;
}

function placePseries(guest: Guest, host: Host | undefined, spare: number): Guest {
  const family = 'pseries' as const;
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
  const addPhb = (node: number | undefined): number => {
    const index = lowestFreeIndex(controllers);
    const phb: PciController = {
      key: freshControllerKey(controllers),
      index,
      model: 'pci-root',
      modelName: 'spapr-pci-host-bridge',
      target: { index: lowestFreeTargetIndex(controllers), ...(node !== undefined ? { node } : {}) },
    };
    controllers = [...controllers, phb];
    return index;
  };
  const emptyPhbs = (): PciController[] =>
    controllers.filter((c) => isPhb(c) && c.index !== undefined && c.index !== 0 && !claimed.has(c.index) && busEmpty(slots, c.index));

  const ordered = assignmentOrder(devices).filter((d) => wantsPciAddress(d, family));
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
      claimed.add(bus);
    }
    placeFunctions(waiting, bus, slots, setAddress);
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
    if (slot !== undefined && freeCount() === 1 && i < emulatedWaiting.length - 1) {
      const index = Math.max(0, ...controllers.map((c) => c.index ?? 0)) + 1;
      const address = { domain: 0, bus, slot, function: 0 };
      controllers = [...controllers, { key: freshControllerKey(controllers), index, model: 'pci-bridge', target: {}, address }];
      markUsed(slots, address);
      bus = index;
      slot = freeSlot(slots, bus);
    }
    if (slot !== undefined) setAddress(d.key, { domain: 0, bus, slot, function: 0 });
  }

  // A spare PHB past target index 30 would make libvirt refuse the domain (PAPR-PHB-2): stop there.
  for (let have = emptyPhbs().length; have < spare && lowestFreeTargetIndex(controllers) <= 30; have++) addPhb(undefined);
  return setAllMulti(fillControllerDefaults({ ...guest, controllers, devices }));
}

/** One host PE on one bus: each host slot becomes one guest slot, functions kept (multifunction). */
function placeFunctions(waiting: readonly GuestDevice[], bus: number, slots: Slots, setAddress: (key: string, a: GuestPciAddress) => void): void {
  const byHostSlot = new Map<string, GuestDevice[]>();
  for (const d of waiting) {
    const a = d.hostAddress ? formatPciAddress(d.hostAddress) : d.key;
    const k = a.slice(0, a.lastIndexOf('.'));
    const list = byHostSlot.get(k) ?? [];
    list.push(d);
    byHostSlot.set(k, list);
  }
  for (const funcs of byHostSlot.values()) {
    funcs.sort((a, b) => (a.hostAddress?.function ?? 0) - (b.hostAddress?.function ?? 0));
    const slot = freeSlot(slots, bus);
    if (slot === undefined) return;
    // Function 0 must exist (GEN-MF-3): keep the host numbering only when the host's function 0 comes along.
    const keep = funcs[0]?.hostAddress?.function === 0;
    const multi = funcs.length > 1;
    funcs.forEach((d, i) => {
      const fn = keep ? (d.hostAddress?.function ?? i) : i;
      setAddress(d.key, { domain: 0, bus, slot, function: fn, ...(multi && fn === 0 ? { multifunction: 'on' as const } : {}) });
    });
  }
}

/**
 * q35/virt: enough empty root ports for one PCIe device each plus `spare`, and a root port with a
 * pcie-to-pci-bridge per 31 conventional devices; libvirt's own assignment then fills them.
 */
function addPciePorts(guest: Guest, host: Host | undefined, spare: number): Guest {
  const family = machineFamily(guest);
  const waiting = guest.devices.filter((d) => !d.address && wantsPciAddress(d, family) && !(family === 'q35' && (isBuiltinQ35(d, guest))));
  const pcie = waiting.filter((d) => deviceFlags(d, guest, host) & F.PCIE_DEVICE).length;
  const conventional = waiting.length - pcie;
  const occupied = new Set<number>();
  for (const x of [...guest.devices, ...guest.controllers]) if (x.address) occupied.add(x.address.bus);
  const emptyPorts = guest.controllers.filter((c) => (c.model === 'pcie-root-port' || c.model === 'pcie-switch-downstream-port') && c.index !== undefined && !occupied.has(c.index)).length;
  const bridgeRoom = guest.controllers
    .filter((c) => (c.model === 'pcie-to-pci-bridge' || c.model === 'pci-bridge') && c.index !== undefined)
    .reduce((n, c) => n + 31 - guest.devices.filter((d) => d.address?.bus === c.index).length - guest.controllers.filter((x) => x.address?.bus === c.index).length, 0);
  let controllers = guest.controllers.slice();
  const add = (model: string): void => {
    const index = Math.max(0, ...controllers.map((c) => c.index ?? 0)) + 1;
    controllers = [...controllers, { key: freshControllerKey(controllers), index, model, target: {} }];
  };
  for (let room = bridgeRoom; room < conventional; room += 31) {
    add('pcie-root-port');
    add('pcie-to-pci-bridge');
  }
  for (let n = emptyPorts; n < pcie + spare; n++) add('pcie-root-port');
  return { ...guest, controllers };
}

/** Devices q35 puts at fixed ICH9 addresses, which need no port. */
function isBuiltinQ35(d: GuestDevice, guest: Guest): boolean {
  if (d.element === 'controller' && d.type === 'sata') return true;
  const firstVideo = guest.devices.find((x) => x.element === 'video');
  return d === firstVideo;
}
