import type { Guest, GuestDevice, GuestDeviceElement, PciController } from '../model/guest.ts';
import type { Host } from '../model/host.ts';
import { hostDeviceOf } from '../model/host.ts';
import { freshControllerKey } from '../model/keys.ts';
import { followsLibvirt9 } from '../model/libvirtRelease.ts';
import type { GuestPciAddress } from '../model/pci.ts';
import type { SimBus } from './domainAddr.ts';
import {
  controllerNeedsAddress,
  F,
  isRootModel,
  newBus,
  PlacementFailure,
  VirDomainPCIAddressSet,
  virDomainPCIAddressSetAllMulti,
  virDomainPCIControllerModelToConnectType,
} from './domainAddr.ts';
import { virDiskNameToIndex, virDomainAssignDeviceControllerIndexes, virDomainSkipBackcompatConsole } from './domainConf.ts';
import { qemuDomainAssignVirtioSerialAddresses } from './virtioSerial.ts';
import type { LibvirtMachine } from './qemuDomain.ts';
import { qemuDomainDeviceDefPostParse, qemuDomainHasPCIeRoot } from './qemuDomain.ts';

/**
 * libvirt's PCI address assignment at define time: src/qemu/qemu_domain_address.c (libvirt 10.7).
 * Which devices want a PCI address and of which kind (qemuDomainDeviceCalculatePCIConnectFlags),
 * the chipsets' fixed functions (qemuDomainValidateDevicePCISlotsQ35/PIIX3), the assignment
 * order (qemuDomainAssignDevicePCISlots), the two passes of qemuDomainAssignPCIAddresses(), and
 * the one switch at its end that fills every PCI controller default.
 */

// ---------------------------------------------------------------------------------------------
// What a device is on the bus

const PCI_SOUND_MODELS: ReadonlySet<string> = new Set(['es1370', 'ac97', 'ich6', 'ich7', 'ich9', 'virtio']);

/**
 * Sound models qemuDomainDeviceCalculatePCIConnectFlags() gives no connect flags (0) although
 * qemuDomainAssignDevicePCISlots() skips only sb16, pcspk and usb: `ich7` (a bhyve model the QEMU
 * driver has no device for). libvirt asks a slot for it with flags 0, finds none and cannot grow a
 * bus for it ("Cannot automatically add a new PCI bus for a device with connect flags 00",
 * virDomainPCIAddressSetGrow): it is never placed, and the domain is refused (GEN-SOUND-1).
 */
export const SOUND_MODELS_WITHOUT_CONNECT_FLAGS: ReadonlySet<string> = new Set(['ich7']);

/**
 * `<filesystem>` `<driver type>`s qemuDomainDeviceCalculatePCIConnectFlags() gives no connect flags
 * (its switch on fs->fsdriver returns 0 for LOOP, NBD and PLOOP: drivers of other hypervisors) while
 * qemuDomainAssignDevicePCISlots() still asks every filesystem a slot: libvirt finds none ("Cannot
 * automatically add a new PCI bus for a device with connect flags 00"); written with an address,
 * qemuValidateDomainDeviceDefFS() refuses the driver ("Filesystem driver type not supported").
 * Checked with libvirt 9.0 (GEN-FS-1).
 */
export const FS_DRIVERS_WITHOUT_CONNECT_FLAGS: ReadonlySet<string> = new Set(['loop', 'nbd', 'ploop']);

/**
 * Does libvirt give this device a PCI address: virDeviceInfoPCIAddressIsWanted() plus the
 * per-kind filters of qemuDomainAssignDevicePCISlots() (RULES.md §1.3), after the device got the
 * machine's default model (qemuDomainDeviceDefPostParse). A device with a PCI address written
 * takes one; one with another address type (spapr-vio, ccw, …) does not.
 */
export function takesPciAddress(device: GuestDevice, machine: LibvirtMachine): boolean {
  if (device.address) return true;
  if (device.otherAddressType && device.otherAddressType !== 'pci') return false;
  const d = qemuDomainDeviceDefPostParse(device, machine);
  switch (d.element) {
    case 'hostdev':
      // scsi_host: a vhost-scsi device, virtio on PCI
      return d.mode !== 'capabilities' && (d.type === 'pci' || d.type === 'mdev' || d.type === 'scsi_host');
    case 'interface':
      if (d.type === 'hostdev') return true;
      return d.model !== 'usb-net' && d.model !== 'spapr-vlan';
    case 'disk':
      return d.bus === 'virtio';
    case 'controller':
      if (d.type === 'usb') return d.model !== 'none' && !/^(qusb|usb_)/.test(d.model ?? '');
      if (d.type === 'scsi') return d.model !== 'ibmvscsi';
      if (d.type === 'ide' || d.type === 'fdc' || d.type === 'ccid' || d.type === 'xenbus' || d.type === 'isa') return false;
      return true;
    case 'video':
      return d.model !== 'ramfb' && d.model !== 'none';
    case 'sound':
      // qemuDomainDeviceCalculatePCIConnectFlags(): the PCI models; sb16 (ISA), pcspk and usb take none
      return PCI_SOUND_MODELS.has(d.model ?? '');
    case 'memballoon':
      return d.model !== 'none';
    case 'watchdog':
      return d.model === 'i6300esb';
    case 'input':
      return d.bus === 'virtio';
    case 'panic':
      return pvpanicPci(d, machine);
    case 'iommu':
      return d.model === 'virtio';
    case 'rng':
    case 'shmem':
    case 'vsock':
    case 'filesystem':
    case 'crypto':
    case 'pstore':
      return true;
    case 'serial':
      // the importer reads a serial's `<target type>` as its bus: pci-serial is the PCI one
      return d.type === 'pci' || d.bus === 'pci' || d.bus === 'pci-serial';
    case 'memory':
      return d.model === 'virtio-mem' || d.model === 'virtio-pmem';
    case 'channel':
      // a virtio channel sits on a virtio-serial controller, which is the PCI device
      return false;
    default:
      return false;
  }
}

/**
 * `<panic model='pvpanic'>` is QEMU's pvpanic-pci on every machine, x86 included: the ISA pvpanic
 * at 0x505 is model 'isa', the x86 default. qemuDomainDeviceCalculatePCIConnectFlags() gives
 * VIR_DOMAIN_PANIC_MODEL_PVPANIC pciFlags | VIR_PCI_CONNECT_INTEGRATED and every other model 0;
 * qemuValidateDomainDefPanic() then wants a PCI address on it (libvirt's test pvpanic-pci-x86_64).
 */
function pvpanicPci(d: GuestDevice, machine: LibvirtMachine): boolean {
  return d.element === 'panic' && d.model === 'pvpanic' && machine.family !== 'other';
}

/**
 * The devices qemuDomainDeviceCalculatePCIConnectFlags() marks VIR_PCI_CONNECT_INTEGRATED: a
 * virtio-iommu, and pvpanic-pci; under a PCIe root libvirt puts them on pcie-root itself, never
 * behind a port, and refuses them elsewhere (GEN-INTEGRATED-1).
 */
export function qemuDomainDeviceIsIntegrated(d: GuestDevice, machine: LibvirtMachine): boolean {
  return (d.element === 'iommu' && d.model === 'virtio') || pvpanicPci(d, machine);
}

export function isHostdevLike(d: GuestDevice): boolean {
  return (d.element === 'hostdev' && (d.type === 'pci' || d.type === undefined)) || (d.element === 'interface' && d.type === 'hostdev');
}

/**
 * The endpoint half of qemuDomainDeviceCalculatePCIConnectFlags() (RULES.md §1.3): is the device
 * a PCI or a PCIe endpoint? Only a machine with a PCIe root has PCIe endpoints. A passed-through
 * device is PCIe when the host says so, and when libvirt cannot read its config space.
 */
export function endpointConnectType(device: GuestDevice, guest: Pick<Guest, 'controllers'>, machine: LibvirtMachine, host?: Host): 'pci-endpoint' | 'pcie-endpoint' {
  if (!qemuDomainHasPCIeRoot(guest, machine)) return 'pci-endpoint';
  const d = qemuDomainDeviceDefPostParse(device, machine);
  if (d.element === 'hostdev' || (d.element === 'interface' && d.type === 'hostdev')) {
    if (d.type === 'mdev') return 'pcie-endpoint';
    if (d.type === 'scsi_host') return /transitional$/.test(d.model ?? '') && !/non-transitional$/.test(d.model ?? '') ? 'pci-endpoint' : 'pcie-endpoint';
    const hd = hostDeviceOf(d, host);
    return hd && !hd.pcie ? 'pci-endpoint' : 'pcie-endpoint';
  }
  if (d.element === 'iommu' || pvpanicPci(d, machine)) return 'pcie-endpoint';
  // vhost-user-fs-pci takes virtioFlags whatever its model; only 9p's transitional model is conventional PCI
  if (d.element === 'filesystem' && d.driverType === 'virtiofs') return 'pcie-endpoint';
  const model = d.model ?? '';
  if (/transitional$/.test(model) && !/non-transitional$/.test(model)) return 'pci-endpoint';
  if (d.element === 'interface') {
    if (model === 'virtio' || model === 'virtio-non-transitional' || model === 'e1000e' || model === 'igb' || model === '') return 'pcie-endpoint';
    return 'pci-endpoint';
  }
  if (d.element === 'controller') {
    if (d.type === 'usb') return model === 'qemu-xhci' || model === 'nec-xhci' ? 'pcie-endpoint' : 'pci-endpoint';
    if (d.type === 'scsi') return model === 'virtio-scsi' || model === 'virtio-non-transitional' ? 'pcie-endpoint' : 'pci-endpoint';
    if (d.type === 'virtio-serial') return 'pcie-endpoint';
    return 'pci-endpoint';
  }
  if (d.element === 'video') return model === 'virtio' || model === 'bochs' ? 'pcie-endpoint' : 'pci-endpoint';
  if (d.element === 'sound' || d.element === 'watchdog' || d.element === 'shmem' || d.element === 'serial' || d.element === 'pstore' || d.element === 'crypto') return 'pci-endpoint';
  return 'pcie-endpoint';
}

/** qemuDomainDeviceCalculatePCIConnectFlags() for an endpoint, as flags: PCI or PCIe, and AUTOASSIGN; INTEGRATED for {@link qemuDomainDeviceIsIntegrated} under a PCIe root; none for {@link SOUND_MODELS_WITHOUT_CONNECT_FLAGS} and {@link FS_DRIVERS_WITHOUT_CONNECT_FLAGS}. */
export function qemuDomainDeviceCalculatePCIConnectFlags(d: GuestDevice, guest: Pick<Guest, 'controllers'>, machine: LibvirtMachine, host: Host | undefined): number {
  if (d.element === 'sound' && SOUND_MODELS_WITHOUT_CONNECT_FLAGS.has(d.model ?? '')) return 0;
  if (d.element === 'filesystem' && FS_DRIVERS_WITHOUT_CONNECT_FLAGS.has(d.driverType ?? '')) return 0;
  if (qemuDomainDeviceIsIntegrated(d, machine) && qemuDomainHasPCIeRoot(guest, machine)) return F.PCIE_DEVICE | F.INTEGRATED | F.AUTOASSIGN;
  return (endpointConnectType(d, guest, machine, host) === 'pcie-endpoint' ? F.PCIE_DEVICE : F.PCI_DEVICE) | F.AUTOASSIGN;
}

/**
 * qemuDomainFillDeviceIsolationGroup() (libvirt src/qemu/qemu_domain_address.c, RULES.md PAPR-ISO-1),
 * called by qemuDomainSetupIsolationGroups() on pseries only: a PCI hostdev (an `<interface
 * type='hostdev'>` counts, libvirt fills its hidden hostdev) gets the host IOMMU group that
 * virPCIDeviceAddressGetIOMMUGroupNum() reads from sysfs, + 1, so that group 0 stays the emulated
 * devices' (the default PHB is locked to it). Everything else is group 0.
 *
 * What libvirt reads depends on the host it runs on:
 * - a host is loaded and lists the device: its `iommuGroup` + 1;
 * - a host is loaded and does not list the device (libvirt's sysfs read fails): libvirt only logs
 *   "Can't look up isolation group for host device …, device won't be isolated" and leaves group 0;
 * - no host is loaded: the real host has the device (else it cannot be passed through), so libvirt
 *   reads a real group we do not know. We stand in for it with one synthetic group per host slot
 *   (domain:bus:slot; the functions of one host device share an IOMMU group, as pe-per-phb assumes),
 *   always > 0, so the device is isolated on a PHB of its own as libvirt would do.
 * A hostdev with no host address (libvirt refuses it, HD-SRC-1) stays in group 0.
 *
 * @returns the isolation group, an integer >= 0.
 */
export function qemuDomainFillDeviceIsolationGroup(d: GuestDevice, machine: LibvirtMachine, host: Host | undefined): number {
  if (machine.family !== 'pseries' || !isHostdevLike(d) || !d.hostAddress) return 0;
  if (host === undefined) {
    const a = d.hostAddress;
    return 1 + (a.domain * 256 + a.bus) * 32 + a.slot;
  }
  const group = hostDeviceOf(d, host)?.iommuGroup;
  return group === undefined ? 0 : group + 1;
}

/**
 * qemuDomainAssignDevicePCISlots() order (RULES.md GEN-ORDER-1). Hostdev-type interfaces sit in
 * def->hostdevs ahead of every `<hostdev>` because libvirt parses `<interface>` first.
 */
function orderRank(d: GuestDevice): number {
  switch (d.element) {
    case 'filesystem':
      return 1;
    case 'interface':
      return d.type === 'hostdev' ? 6 : 2;
    case 'sound':
      return 3;
    case 'controller':
      return 4;
    case 'disk':
      return 5;
    case 'hostdev':
      return 7;
    case 'memballoon':
      return 8;
    case 'rng':
      return 9;
    case 'watchdog':
      return 10;
    case 'video':
      return 11;
    case 'shmem':
      return 12;
    case 'input':
      return 13;
    case 'serial':
      return 14;
    case 'iommu':
      return 15;
    case 'vsock':
      return 16;
    case 'memory':
      return 17;
    case 'crypto':
      return 18;
    case 'panic':
      return 19;
    default:
      return 20;
  }
}

/**
 * def->disks as virDomainDiskInsertPreAlloced() (src/conf/domain_conf.c) builds it, disk by disk in
 * document order: before the first disk of its bus with a higher drive index (virDiskNameToIndex)
 * at or after the last of its bus, else just after the last disk of its bus, else at the end. So
 * vdb written before vda is placed after it. Returns each disk's position.
 */
function virDomainDiskInsertOrder(devices: readonly GuestDevice[]): GuestDevice[] {
  // each disk's drive index read once (not at every comparison: quadratic reads of its name)
  const list: Array<{ readonly disk: GuestDevice; readonly idx: number }> = [];
  /** per bus, the highest drive index so far */
  const highest = new Map<string | undefined, number>();
  for (let k = 0; k < devices.length; k++) {
    const disk = devices[k] as GuestDevice;
    if (disk.element !== 'disk') continue;
    const idx = disk.targetDev === undefined ? -1 : (virDiskNameToIndex(disk.targetDev) ?? -1);
    const high = highest.get(disk.bus);
    if (high === undefined || idx > high) highest.set(disk.bus, idx);
    // Disks written in order of their names, the common case: none of the bus has a higher index,
    // so the scan below would put the disk after the last one of its bus, or at the end; when that
    // last one ends the list, both are the end, without scanning.
    if (high === undefined || (idx >= high && list[list.length - 1]?.disk.bus === disk.bus)) {
      list.push({ disk, idx });
      continue;
    }
    let insertAt = -1;
    for (let i = list.length - 1; i >= 0; i--) {
      const cur = list[i] as (typeof list)[number];
      if (cur.disk.bus !== disk.bus) continue;
      if (cur.idx > idx) insertAt = i;
      else if (insertAt === -1) insertAt = i + 1;
    }
    if (insertAt === -1) list.push({ disk, idx });
    else list.splice(insertAt, 0, { disk, idx });
  }
  return list.map((d) => d.disk);
}

/**
 * Devices in qemuDomainAssignDevicePCISlots()'s order. Non-PCI controllers are kept the way
 * virDomainControllerInsertPreAlloced() keeps def->controllers: grouped by type, in order of the
 * type's first appearance, by index within a type (document order among equal indexes); disks as
 * virDomainDiskInsertPreAlloced() keeps them. `appended`: controllers libvirt appends to
 * def->controllers after the written ones, in the order it adds them (libvirt 9.0 does so with every
 * controller it adds: checked with real 9.0, a written virtio-serial controller 1 comes before the
 * default USB controller, and that before the virtio-serial controller 0 a console makes it add).
 */
export function assignmentOrder(devices: readonly GuestDevice[], appended?: ReadonlySet<string>): GuestDevice[] {
  // By kind (orderRank), each kind in document order but controllers and disks: a bucket per kind
  // rather than a sort, which called its comparator thousands of times per pass on a big guest.
  const byRank: GuestDevice[][] = [];
  const controllers: Array<{ readonly d: GuestDevice; readonly i: number }> = [];
  const typeRank = new Map<string, number>();
  for (let i = 0; i < devices.length; i++) {
    const d = devices[i] as GuestDevice;
    if (d.element === 'controller') {
      if (!typeRank.has(d.type ?? '')) typeRank.set(d.type ?? '', typeRank.size);
      controllers.push({ d, i });
      continue;
    }
    if (d.element === 'disk') continue;
    const rank = orderRank(d);
    const bucket = byRank[rank];
    if (bucket) bucket.push(d);
    else byRank[rank] = [d];
  }
  // within a type by index (one not written yet last), as virDomainControllerInsertPreAlloced() inserts
  const late = (x: { readonly d: GuestDevice }): number => (appended?.has(x.d.key) ? 1 : 0);
  controllers.sort(
    (a, b) =>
      late(a) - late(b) ||
      (late(a) ? a.i - b.i : 0) ||
      (typeRank.get(a.d.type ?? '') ?? 0) - (typeRank.get(b.d.type ?? '') ?? 0) ||
      (a.d.index ?? Number.MAX_SAFE_INTEGER) - (b.d.index ?? Number.MAX_SAFE_INTEGER) ||
      a.i - b.i,
  );
  byRank[orderRank({ element: 'controller' } as GuestDevice)] = controllers.map((x) => x.d);
  byRank[orderRank({ element: 'disk' } as GuestDevice)] = virDomainDiskInsertOrder(devices);
  const out: GuestDevice[] = [];
  for (let r = 0; r < byRank.length; r++) {
    const bucket = byRank[r];
    if (bucket) for (let i = 0; i < bucket.length; i++) out.push(bucket[i] as GuestDevice);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// The assignment passes

/** One run of qemuDomainAssignPCIAddresses(): the devices and controllers as they get addresses. */
export interface AssignState {
  readonly machine: LibvirtMachine;
  readonly host: Host | undefined;
  readonly base: Guest;
  controllers: PciController[];
  devices: GuestDevice[];
  /** how libvirt orders the PCI controllers it assigns ({@link ControllerOrder}); default 'index' */
  readonly order?: ControllerOrder | undefined;
  /** keys of the controllers libvirt added itself (gaps, grown buses), for the 'written-first' order */
  readonly added?: Set<string> | undefined;
  /** non-PCI controllers libvirt appends after all others under 'written-first' ({@link assignmentOrder}) */
  readonly appended?: ReadonlySet<string> | undefined;
}

/**
 * The order libvirt takes PCI controllers in when it gives them addresses
 * (qemuDomainAssignDevicePCISlots) and defaults such as a PHB's target index
 * (qemuDomainPCIControllerSetDefaults), src/qemu/qemu_domain_address.c:
 * - 'index': by controller index, as libvirt 10.7 does (its own tests, the corpus);
 * - 'written-first': the controllers of the XML by index, then the ones libvirt added itself (for
 *   a gap in the indexes or a bus an address names) by index, as libvirt 9.0 does (its
 *   def->controllers gets the added ones appended; checked against 9.0 by the differential stage).
 */
export type ControllerOrder = 'index' | 'written-first';

/**
 * The {@link ControllerOrder} of a libvirt version ("9.0", "10.7.0"): 'written-first' before 10.0,
 * 'index' from 10.0. Only 9.0 and 10.7 are checked; the release between them that changed the order
 * is not pinned down, so 9.x follows 9.0 and 10.x follows 10.7. Undefined or unreadable: 'index'.
 */
export function libvirtControllerOrder(version: string | undefined): ControllerOrder {
  return followsLibvirt9(version) ? 'written-first' : 'index';
}

/** Sort key of a controller under {@link ControllerOrder}: added ones after written ones when written-first. */
function controllerRank(c: PciController, order: ControllerOrder | undefined, added: ReadonlySet<string> | undefined): number {
  return order === 'written-first' && (c.implicit || added?.has(c.key)) && c.index !== 0 ? 1 : 0;
}

const guestOf = (w: AssignState): Guest => ({ ...w.base, controllers: w.controllers, devices: w.devices });

/**
 * Where each key sits in a device list this module made (a copy it alone writes), so setting an
 * address is one write, not a copy of the whole list per device (quadratic on big guests).
 */
const devicePositions = new WeakMap<readonly GuestDevice[], Map<string, number[]>>();

function setDeviceAddress(w: AssignState, key: string, address: GuestPciAddress): void {
  let positions = devicePositions.get(w.devices);
  if (!positions) {
    w.devices = w.devices.slice();
    positions = new Map();
    for (let i = 0; i < w.devices.length; i++) {
      const d = w.devices[i] as GuestDevice;
      const at = positions.get(d.key);
      if (at) at.push(i);
      else positions.set(d.key, [i]);
    }
    devicePositions.set(w.devices, positions);
  }
  const at = positions.get(key);
  if (at) for (let k = 0; k < at.length; k++) w.devices[at[k] as number] = { ...(w.devices[at[k] as number] as GuestDevice), address };
}

/**
 * A chipset's fixed functions (qemuDomainValidateDevicePCISlotsChipsets()): the bus-0 slots it
 * holds itself, and what it reserves and assigns before any other device is placed.
 */
export interface ChipsetSlots {
  /** slots of bus 0 the chipset holds (no device can go there; 00:00 aside, which no address can name) */
  readonly builtinSlots: readonly number[];
  /** does {@link validate} give this device its fixed home, so no bus is needed for it? */
  readonly homes: (d: GuestDevice, guest: Pick<Guest, 'devices' | 'controllers'>) => boolean;
  /**
   * does {@link validate} put this device on the next free slot itself, before libvirt places any
   * controller? The primary video whose home slot a written address takes
   * (qemuDomainPCIAddressReserveNextAddr in qemuDomainValidateDevicePCISlotsQ35 / ...PIIX3).
   */
  readonly placesFirst: (d: GuestDevice, guest: Pick<Guest, 'devices' | 'controllers'>) => boolean;
  readonly validate: (w: AssignState, set: VirDomainPCIAddressSet) => void;
}

const primaryVideo = (d: GuestDevice, guest: Pick<Guest, 'devices'>): boolean => d === guest.devices.find((x) => x.element === 'video');

/** Is slot `slot` of bus 0 written for anything (any function)? */
const slotWritten = (guest: Pick<Guest, 'devices' | 'controllers'>, slot: number): boolean => [...guest.devices, ...guest.controllers].some((x) => x.address?.bus === 0 && x.address.slot === slot);

/** The primary video's place with its home at 00:`slot`: the home when free, else the next free slot, before any controller. */
const videoHome = (slot: number) => ({
  homes: (d: GuestDevice, guest: Pick<Guest, 'devices' | 'controllers'>): boolean => primaryVideo(d, guest) && !slotWritten(guest, slot),
  placesFirst: (d: GuestDevice, guest: Pick<Guest, 'devices' | 'controllers'>): boolean => primaryVideo(d, guest) && slotWritten(guest, slot),
});

const bus0 = (slot: number, fn = 0): GuestPciAddress => ({ domain: 0, bus: 0, slot, function: fn });

/** qemuDomainValidateDevicePCISlotsQ35(): ICH9 built-ins and preferred slots (Q35-RSV-1/2). */
/**
 * The controller of `type` with index 0 (`cont->idx == 0` in qemuDomainValidateDevicePCISlotsQ35/PIIX3):
 * written at 0, or the first written without an index when none is (virDomainAssignControllerIndexes
 * gives it the lowest free index of its type, 0 then). One at index 1 alone is not it.
 */
function controllerIndex0(devices: readonly GuestDevice[], type: string): GuestDevice | undefined {
  const ofType = devices.filter((d) => d.element === 'controller' && d.type === type);
  const at0 = virDomainAssignDeviceControllerIndexes(ofType).find((d) => d.index === 0);
  return at0 && ofType.find((d) => d.key === at0.key);
}

export function qemuDomainValidateDevicePCISlotsQ35(w: AssignState, set: VirDomainPCIAddressSet): void {
  const sata = controllerIndex0(w.devices, 'sata');
  if (sata && !sata.address && takesPciAddress(sata, w.machine)) setDeviceAddress(w, sata.key, bus0(0x1f, 2));
  // the first two unaddressed uhci1 (the head of a USB2 set), in def->controllers order: 00:1d, then 00:1a
  const usb2 = assignmentOrder(w.devices).filter((d) => d.element === 'controller' && d.type === 'usb' && d.model === 'ich9-uhci1' && !d.address);
  for (const u of usb2) {
    const slot = !set.slotInUse(0, 0x1d) ? 0x1d : !set.slotInUse(0, 0x1a) ? 0x1a : undefined;
    if (slot === undefined) continue;
    set.reserveAddr(bus0(slot), F.PCIE_DEVICE, 0, true);
    setDeviceAddress(w, u.key, { ...bus0(slot), multifunction: 'on' });
  }
  for (const c of w.controllers) {
    if (c.model !== 'dmi-to-pci-bridge' || c.address || set.slotInUse(0, 0x1e)) continue;
    set.reserveAddr(bus0(0x1e), F.PCIE_DEVICE, 0, true);
    w.controllers = w.controllers.map((x) => (x.key === c.key ? { ...x, address: bus0(0x1e) } : x));
  }
  // the ICH9 LPC bridge (00:1f.0) and SMBus (00:1f.3)
  set.reserveAddr(bus0(0x1f, 0), F.PCIE_DEVICE, 0, true);
  set.reserveAddr(bus0(0x1f, 3), F.PCIE_DEVICE, 0, true);
  const guest = guestOf(w);
  const video = w.devices.find((d) => d.element === 'video');
  if (video && !video.address && takesPciAddress(video, w.machine)) {
    if (set.slotInUse(0, 1)) {
      const a = set.reserveNextAddr(qemuDomainDeviceCalculatePCIConnectFlags(video, guest, w.machine, w.host), 0);
      if (!set.opts.dryRun) setDeviceAddress(w, video.key, a);
    } else {
      set.reserveAddr(bus0(1), F.PCIE_DEVICE, 0, true);
      setDeviceAddress(w, video.key, bus0(1));
    }
  }
  if (!set.slotInUse(0, 0x1b)) {
    const hda = w.devices.find((d) => d.element === 'sound' && d.model === 'ich9' && !d.address);
    if (hda) {
      set.reserveAddr(bus0(0x1b), F.PCIE_DEVICE, 0, true);
      setDeviceAddress(w, hda.key, bus0(0x1b));
    }
  }
}

/** The ICH9 chipset of q35: the LPC bridge's slot 0x1f. */
export const Q35_CHIPSET: ChipsetSlots = {
  builtinSlots: [0x1f],
  // the SATA controller at 00:1f.2, the primary video at 00:01.0
  homes: (d, guest) => d === controllerIndex0(guest.devices, 'sata') || videoHome(1).homes(d, guest),
  placesFirst: videoHome(1).placesFirst,
  validate: qemuDomainValidateDevicePCISlotsQ35,
};

/**
 * qemuDomainValidateDevicePCISlotsPIIX3(): the PIIX3 functions at 00:01 (the first IDE controller
 * at 00:01.1, the first USB controller at 00:01.2 when it is piix3-uhci or has no model), then
 * the primary video at 00:02. libvirt picks the controllers with index 0 ({@link controllerIndex0}):
 * a piix3-uhci written at index 2 alone takes the next free slot, and the default USB controller
 * libvirt adds at index 0 takes 00:01.2 (checked with libvirt 9.0).
 */
export function qemuDomainValidateDevicePCISlotsPIIX3(w: AssignState, set: VirDomainPCIAddressSet): void {
  const ide = controllerIndex0(w.devices, 'ide');
  if (ide && !ide.address) setDeviceAddress(w, ide.key, bus0(1, 1));
  const usb = controllerIndex0(w.devices, 'usb');
  if (usb && !usb.address && (usb.model === undefined || usb.model === 'piix3-uhci')) setDeviceAddress(w, usb.key, bus0(1, 2));
  for (let fn = 0; fn < 4; fn++) set.reserveAddr({ bus: 0, slot: 1, function: fn }, F.PCI_DEVICE, 0, true);
  const video = w.devices.find((d) => d.element === 'video');
  if (video && !video.address && takesPciAddress(video, w.machine) && !set.slotInUse(0, 2)) {
    set.reserveAddr(bus0(2), F.PCI_DEVICE, 0, true);
    setDeviceAddress(w, video.key, bus0(2));
  }
}

/** The PIIX3 chipset of i440fx: its functions at slot 1. */
export const PIIX3_CHIPSET: ChipsetSlots = {
  builtinSlots: [1],
  // the primary video at 00:02.0
  ...videoHome(2),
  validate: qemuDomainValidateDevicePCISlotsPIIX3,
};

const pciAddrText = (a: GuestPciAddress): string => `${a.domain.toString(16).padStart(4, '0')}:${a.bus.toString(16).padStart(2, '0')}:${a.slot.toString(16).padStart(2, '0')}.${a.function}`;

/**
 * Why libvirt refuses the domain at its chipset's fixed functions, before it assigns any address:
 * qemuDomainValidateDevicePCISlotsPIIX3 / qemuDomainValidateDevicePCISlotsQ35, which
 * qemuDomainAssignPCIAddresses calls first in its dry run, right after qemuDomainPCIAddressSetCreate
 * has collected the addresses written (qemuDomainCollectPCIAddress; it skips IDE controller 0 at
 * 00:01.1 and a piix3-uhci or model-less USB controller 0 at 00:01.2). On i440fx IDE controller 0
 * and that USB controller 0 must be at 00:01.1 and 00:01.2, get them, and have them reserved, then
 * 00:01.0 and 00:01.3 are: a device written at one of them is "Attempted double use". On q35 SATA
 * controller 0 must be at 00:1f.2 and gets it unreserved, 00:1f.0 and 00:1f.3 are reserved; a
 * device written at 00:1f.2 meets it in the second pass's collect (double use again).
 * `guest` is as libvirt defines it (virDomainDefPostParse: indexes assigned, default USB and SATA
 * added). Undefined when none of this is refused.
 */
export function qemuDomainValidateDevicePCISlotsChipsetsError(guest: Pick<Guest, 'controllers' | 'devices'>, machine: LibvirtMachine): string | undefined {
  if (machine.family !== 'i440fx' && machine.family !== 'q35') return undefined;
  const indexed = virDomainAssignDeviceControllerIndexes(guest.devices);
  const ctrl0 = (type: string): GuestDevice | undefined => indexed.find((d) => d.element === 'controller' && d.type === type && d.index === 0);
  const sameFn = (a: GuestPciAddress, b: GuestPciAddress): boolean => a.domain === b.domain && a.bus === b.bus && a.slot === b.slot && a.function === b.function;
  const written = (skip: ReadonlySet<string>): GuestPciAddress[] => [...indexed.filter((d) => !skip.has(d.key)), ...guest.controllers].flatMap((d) => (d.address ? [d.address] : []));
  const taken = (uses: readonly GuestPciAddress[], a: GuestPciAddress): boolean => uses.some((u) => sameFn(u, a));
  const doubleUse = (a: GuestPciAddress): string => `Attempted double use of PCI Address ${pciAddrText(a)}`;
  if (machine.family === 'i440fx') {
    const ide = ctrl0('ide');
    const usb = ctrl0('usb');
    const piix3Usb = usb && (usb.model === undefined || usb.model === 'piix3-uhci') ? usb : undefined;
    const homes: [GuestDevice | undefined, number, string][] = [
      [ide, 1, 'Primary IDE controller must have PCI address 0:0:1.1'],
      [piix3Usb, 2, 'PIIX3 USB controller at index 0 must have PCI address 0:0:1.2'],
    ];
    // qemuDomainCollectPCIAddress leaves these two out when they are written at their home
    const skip = new Set(homes.flatMap(([c, fn]) => (c?.address && sameFn(c.address, bus0(1, fn)) ? [c.key] : [])));
    const uses = written(skip);
    for (const [c, fn, wrong] of homes) {
      if (!c) continue;
      if (c.address && !sameFn(c.address, bus0(1, fn))) return wrong;
      if (taken(uses, bus0(1, fn))) return doubleUse(bus0(1, fn));
      uses.push(bus0(1, fn));
    }
    for (const fn of [0, 3]) if (taken(uses, bus0(1, fn))) return doubleUse(bus0(1, fn));
    return undefined;
  }
  const sata = ctrl0('sata');
  if (sata?.address && !sameFn(sata.address, bus0(0x1f, 2))) return 'Primary SATA controller must have PCI address 0:0:1f.2';
  const uses = written(new Set(sata ? [sata.key] : []));
  for (const fn of [0, 3]) if (taken(uses, bus0(0x1f, fn))) return doubleUse(bus0(0x1f, fn));
  if (sata && takesPciAddress(sata, machine) && taken(uses, bus0(0x1f, 2))) return doubleUse(bus0(0x1f, 2));
  return undefined;
}

/**
 * qemuDomainPCIAddressSetCreate()'s defaultModel: the model libvirt gives a bus that no
 * controller has yet (GEN-IDX-5, GEN-AUTO-1): a PHB on pseries, a root port under a PCIe root,
 * else a pci-bridge.
 */
export function qemuDomainDefaultPCIBusModel(guest: Pick<Guest, 'controllers'>, machine: LibvirtMachine): 'pci-root' | 'pcie-root-port' | 'pci-bridge' {
  if (machine.family === 'pseries') return 'pci-root';
  return qemuDomainHasPCIeRoot(guest, machine) ? 'pcie-root-port' : 'pci-bridge';
}

/**
 * virDomainDeviceInfoIterate()'s order of device kinds (src/conf/domain_conf.c
 * virDomainDeviceInfoIterateFlags): disks, nets, sounds, hostdevs, videos, controllers, smartcards,
 * serials, parallels, channels, consoles, inputs, filesystems, watchdogs, the memballoon, rngs,
 * nvram, hubs, shmems, TPMs, panics, memory devices, redirdevs, vsock, IOMMU, cryptos, pstore.
 * A hostdev-type interface is a net there (its hostdev has a parentnet and is skipped as one).
 */
const ITERATE_RANK: Readonly<Record<GuestDeviceElement, number>> = {
  disk: 0,
  interface: 1,
  sound: 2,
  hostdev: 3,
  video: 4,
  controller: 5,
  smartcard: 6,
  serial: 7,
  channel: 8,
  console: 9,
  input: 10,
  filesystem: 11,
  watchdog: 12,
  memballoon: 13,
  rng: 14,
  nvram: 15,
  hub: 16,
  shmem: 17,
  tpm: 18,
  panic: 19,
  memory: 20,
  redirdev: 21,
  vsock: 22,
  iommu: 23,
  crypto: 24,
  pstore: 25,
};

/** One thing with a `<address>`: a device (non-PCI controllers included) or a PCI controller. */
export type IteratedDevice = { readonly d: GuestDevice; readonly c?: undefined } | { readonly d?: undefined; readonly c: PciController };

/**
 * The devices and PCI controllers in the order virDomainDeviceInfoIterate() visits them, which is
 * the order qemuDomainCollectPCIAddress() reserves the written addresses in (src/qemu/qemu_domain_address.c
 * qemuDomainPCIAddressSetCreate). The order decides things: the first reservation in a slot sets
 * its aggregate flag (virDomainPCIAddressReserveAddrInternal), so a root port written at 00:01.0
 * with an rng at 00:01.2 leaves room in slot 1 for the root ports libvirt places (controllers come
 * before rngs), and the first address naming a missing bus decides what virDomainPCIAddressSetGrow()
 * adds. Within a kind, libvirt's own list order: def->disks as virDomainDiskInsertPreAlloced()
 * builds it, def->controllers as virDomainControllerInsertPreAlloced() keeps it (by type, by index
 * within a type: PCI controllers by index). The types of def->controllers keep the order of their
 * first `<controller>` ({@link Guest.controllerTypeOrder}): the types written before the first PCI
 * controller come before the PCI controllers, the others after them, and a type no controller of
 * the XML has (one libvirt adds) after every written type; without that order, the PCI
 * controllers come last. So a qemu-xhci written at 00:01.0 after a root port written at 00:01.1
 * leaves slot 1 aggregate, and before it does not (test/real/controller-type-order.test.ts).
 * The rest in document order.
 */
export function virDomainDeviceInfoIterateOrder(guest: Pick<Guest, 'controllers' | 'devices' | 'controllerTypeOrder'>): IteratedDevice[] {
  const buckets: IteratedDevice[][] = [];
  const put = (rank: number, x: IteratedDevice): void => {
    const b = buckets[rank];
    if (b) b.push(x);
    else buckets[rank] = [x];
  };
  const devices = guest.devices;
  let special = false;
  for (let i = 0; i < devices.length; i++) {
    const d = devices[i] as GuestDevice;
    if (d.element === 'controller' || d.element === 'disk') special = true;
    else if (!virDomainSkipBackcompatConsole(devices, d)) put(ITERATE_RANK[d.element], { d });
  }
  // disks and non-PCI controllers in libvirt's list order, which assignmentOrder() keeps; the
  // non-PCI controllers whose type libvirt keeps after the PCI ones wait for them
  const types = guest.controllerTypeOrder;
  const pciAt = types?.indexOf('pci') ?? -1;
  const afterPci: IteratedDevice[] = [];
  if (special) {
    for (const d of assignmentOrder(devices)) {
      if (d.element === 'disk') put(ITERATE_RANK.disk, { d });
      else if (d.element !== 'controller') continue;
      else if (types && pciAt >= 0 && !(types.indexOf(d.type ?? '') < pciAt && types.includes(d.type ?? ''))) afterPci.push({ d });
      else put(ITERATE_RANK.controller, { d });
    }
  }
  const pci = guest.controllers.slice().sort((a, b) => (a.index ?? Number.MAX_SAFE_INTEGER) - (b.index ?? Number.MAX_SAFE_INTEGER));
  for (let i = 0; i < pci.length; i++) put(ITERATE_RANK.controller, { c: pci[i] as PciController });
  for (let i = 0; i < afterPci.length; i++) put(ITERATE_RANK.controller, afterPci[i] as IteratedDevice);
  const out: IteratedDevice[] = [];
  for (let r = 0; r < buckets.length; r++) {
    const b = buckets[r];
    if (b) for (let i = 0; i < b.length; i++) out.push(b[i] as IteratedDevice);
  }
  return out;
}

/** What libvirt adds for buses nobody wrote, and the addresses its growth moves. */
export interface ImpliedPCIBuses {
  /** the new controllers, by index */
  readonly controllers: PciController[];
  /**
   * Written addresses libvirt's dry run moves, by device key: virDomainPCIAddressSetGrow() bumps
   * the bus of a conventional PCI device when it must first add a pcie-root-port +
   * pcie-to-pci-bridge for it (a PCIe-only guest), and the device then sits on the bridge.
   */
  readonly moved: ReadonlyMap<string, GuestPciAddress>;
  /**
   * The indexes of the pcie-root-ports the growth adds only to hold its pcie-to-pci-bridge:
   * virDomainPCIAddressSetGrow() sets their bus flags to VIR_PCI_CONNECT_TYPE_PCIE_TO_PCI_BRIDGE
   * alone, so a written address that names one of them afterwards (any endpoint, any other
   * controller) fails virDomainPCIAddressValidate() in the same dry run: "The device at PCI address
   * … cannot be plugged into the PCI controller with index='N'" (GEN-CONNECT-3).
   */
  readonly bridgeHolders: ReadonlySet<number>;
}

/**
 * The controllers libvirt adds for buses nobody wrote (GEN-IDX-5), as qemuDomainAssignPCIAddresses()
 * (src/qemu/qemu_domain_address.c) makes them in its dry run: qemuDomainPCIAddressSetCreate() sizes
 * the address set to the highest controller index, every bus up to it without a controller gets
 * {@link qemuDomainDefaultPCIBusModel}; then qemuDomainCollectPCIAddress() reserves each written
 * address in {@link virDomainDeviceInfoIterateOrder}, and one on a bus beyond the set grows it
 * (virDomainPCIAddressSetGrow(), src/conf/domain_addr.c) with buses for *that device's* connect
 * flags: a PHB on pseries, pci-bridges for a conventional PCI device (after a pcie-root-port +
 * pcie-to-pci-bridge when no bus takes a pci-bridge yet), root ports for a PCIe device. A
 * controller's address on a missing bus cannot grow it (libvirt refuses; the rules say why):
 * those buses get the default model, as do buses left when growth stops. virDomainDefMaybeAddController()
 * adds them with the defaults libvirt then gives them, all controllers in index order (a PHB's
 * target index depends on the PHBs below it). Buses above 255 are left to the rules, and so are
 * more PHBs than target indexes: libvirt refuses those, none is added. `implicit`: shown but not
 * written (the design as imported); otherwise written like any controller placement adds.
 */
export function qemuDomainImpliedPCIBuses(guest: Pick<Guest, 'controllers' | 'devices' | 'controllerTypeOrder'>, machine: LibvirtMachine, opts: { readonly implicit: boolean; readonly host?: Host | undefined }): ImpliedPCIBuses {
  const none: ImpliedPCIBuses = { controllers: [], moved: new Map(), bridgeHolders: new Set() };
  const written = new Set(guest.controllers.flatMap((c) => (c.index === undefined ? [] : [c.index])));
  let highest = 0;
  for (const i of written) if (i <= 255) highest = Math.max(highest, i);
  let addressed = 0;
  for (const x of guest.controllers) if (x.address && x.address.bus <= 255 && x.address.bus > highest) addressed = Math.max(addressed, x.address.bus);
  for (const x of guest.devices) if (x.address && x.address.bus <= 255 && x.address.bus > highest && !isSpaprVioDevice(x, machine)) addressed = Math.max(addressed, x.address.bus);
  const defaultModel = qemuDomainDefaultPCIBusModel(guest, machine);
  const set = new VirDomainPCIAddressSet({ dryRun: true, multipleRoots: machine.family === 'pseries' });
  for (let i = 0; i <= highest; i++) {
    const c = guest.controllers.find((x) => x.index === i);
    set.buses.push(newBus(c ? c.model : i === 0 ? (qemuDomainHasPCIeRoot(guest, machine) ? 'pcie-root' : 'pci-root') : defaultModel));
  }
  const moved = new Map<string, GuestPciAddress>();
  if (addressed > highest) {
    const shape = { controllers: guest.controllers };
    try {
      for (const it of virDomainDeviceInfoIterateOrder(guest)) {
        const a = it.d?.address ?? it.c?.address;
        if (!a || a.bus > 255 || a.bus < set.buses.length) continue;
        // a spapr-vio device's PCI address is not one (qemuDomainAssignSpaprVIOAddresses): no bus for it
        if (it.d && isSpaprVioDevice(it.d, machine)) continue;
        const flags = it.d ? qemuDomainDeviceCalculatePCIConnectFlags(it.d, shape, machine, opts.host) : virDomainPCIControllerModelToConnectType(it.c?.model ?? '');
        const at = { bus: a.bus };
        set.grow(at, flags);
        if (it.d && at.bus !== a.bus) moved.set(it.d.key, { ...a, bus: at.bus });
      }
    } catch (e) {
      if (!(e instanceof PlacementFailure)) throw e;
      // virDomainPCIAddressSetGrow refuses the bus (a PCI controller other than a switch upstream
      // port, an integrated device, on a bus no controller has): libvirt refuses the domain at
      // define, so it adds no bus at all; GEN-ADDR-2 says why, against no bus invented here
      return none;
    }
    while (set.buses.length <= addressed) set.buses.push(newBus(defaultModel));
  }
  const all: PciController[] = guest.controllers.slice();
  const keys = new Set<string>();
  for (let index = 1; index < set.buses.length && index <= 255; index++) {
    if (written.has(index)) continue;
    const model = (set.buses[index] as SimBus).model;
    const c: PciController = opts.implicit ? { key: `implicit-pci-${index}`, index, model, target: {}, implicit: true } : { key: freshControllerKey(all), index, model, target: {} };
    all.push(c);
    keys.add(c.key);
  }
  if (keys.size === 0) return none;
  const bridgeHolders = new Set<number>();
  for (let index = 1; index < set.buses.length && index <= 255; index++) {
    const bus = set.buses[index] as SimBus;
    if (!written.has(index) && bus.model === 'pcie-root-port' && bus.flags === F.PCIE_TO_PCI_BRIDGE) bridgeHolders.add(index);
  }
  const defined = qemuDomainPCIControllersSetDefaults(all, machine);
  // More PHBs than target indexes: libvirt refuses the domain ("No usable target index found"),
  // so it defines none of them; the rules say why (PAPR-PHB-2).
  if (machine.family === 'pseries' && defined.some((c) => c.model === 'pci-root' && c.target.index === undefined)) return none;
  return { controllers: defined.filter((c) => keys.has(c.key)), moved, bridgeHolders };
}

/** {@link qemuDomainPCIAddressSetCollect} by the device list it was asked for, with the controllers it saw. */
const collected = new WeakMap<readonly GuestDevice[], { readonly controllers: readonly PciController[]; readonly types: Guest['controllerTypeOrder']; readonly out: readonly GuestDevice[] }>();

/**
 * The devices where qemuDomainPCIAddressSetCreate() leaves their written addresses
 * (src/qemu/qemu_domain_address.c): qemuDomainCollectPCIAddress() reserves each one, and one on a
 * bus no controller has grows the set (virDomainPCIAddressSetGrow, src/conf/domain_addr.c); for a
 * conventional PCI device on a PCIe-only guest the growth adds a pcie-root-port + pcie-to-pci-bridge
 * and bumps the device's bus onto the bridge ({@link qemuDomainImpliedPCIBuses}' `moved`). A moved
 * device comes back at libvirt's address with `writtenBus` the bus the XML names; the design itself
 * keeps the written address (export keeps the document's bytes), and the rules and placement ask
 * this one step where libvirt puts it. The growth is run on the controllers the XML writes (and the
 * root): the buses libvirt adds, which the design shows `implicit`, are its output, not its input.
 * The same array when nothing moves; memoised on the device list, the controller list and their type order.
 */
export function qemuDomainPCIAddressSetCollect(guest: Pick<Guest, 'controllers' | 'devices' | 'controllerTypeOrder'>, machine: LibvirtMachine): readonly GuestDevice[] {
  const devices = guest.devices;
  const known = collected.get(devices);
  if (known?.controllers === guest.controllers && known.types === guest.controllerTypeOrder) return known.out;
  let out = devices;
  if (devices.some((d) => d.address)) {
    const written = guest.controllers.some((c) => c.implicit && c.index !== 0) ? guest.controllers.filter((c) => !c.implicit || c.index === 0) : guest.controllers;
    const { moved } = qemuDomainImpliedPCIBuses({ controllers: written, devices, controllerTypeOrder: guest.controllerTypeOrder }, machine, { implicit: true });
    if (moved.size > 0) {
      out = devices.map((d) => {
        const a = moved.get(d.key);
        return a && d.address ? { ...d, address: a, writtenBus: d.address.bus } : d;
      });
    }
  }
  collected.set(devices, { controllers: guest.controllers, types: guest.controllerTypeOrder, out });
  return out;
}

/** {@link qemuDomainImpliedPCIBuses}' controllers alone. */
export function qemuDomainImpliedPCIControllers(guest: Pick<Guest, 'controllers' | 'devices' | 'controllerTypeOrder'>, machine: LibvirtMachine, opts: { readonly implicit: boolean; readonly host?: Host | undefined }): PciController[] {
  return qemuDomainImpliedPCIBuses(guest, machine, opts).controllers;
}

/** qemuDomainPCIAddressSetCreate() + qemuDomainSetupIsolationGroups() + qemuDomainCollectPCIAddress(). */
function qemuDomainPCIAddressSetCreate(w: AssignState, nbuses: number, dryRun: boolean): VirDomainPCIAddressSet {
  const set = new VirDomainPCIAddressSet({ dryRun, multipleRoots: w.machine.family === 'pseries' });
  const guest = guestOf(w);
  const pcieRoot = qemuDomainHasPCIeRoot(guest, w.machine);
  for (let i = 0; i < nbuses; i++) {
    const c = w.controllers.find((x) => x.index === i);
    set.buses.push(newBus(c ? c.model : i === 0 ? (pcieRoot ? 'pcie-root' : 'pci-root') : qemuDomainDefaultPCIBusModel(guest, w.machine)));
  }
  const root = set.buses[0];
  // qemuDomainSetupIsolationGroups(): the default PHB is for emulated devices only.
  if (root && w.machine.family === 'pseries') {
    root.isolationGroup = 0;
    root.isolationGroupLocked = true;
  }
  // qemuDomainCollectPCIAddress() in virDomainDeviceInfoIterate() order: which kind comes first in a slot decides its aggregate flag
  const order = virDomainDeviceInfoIterateOrder(guest);
  for (let i = 0; i < order.length; i++) {
    const { d, c } = order[i] as IteratedDevice;
    if (d?.address) set.reserveAddr({ ...d.address }, qemuDomainDeviceCalculatePCIConnectFlags(d, guest, w.machine, w.host), qemuDomainFillDeviceIsolationGroup(d, w.machine, w.host), true);
    else if (c?.address) set.reserveAddr({ ...c.address }, virDomainPCIControllerModelToConnectType(c.model), 0, true);
  }
  return set;
}

/**
 * Where libvirt's search would put a device of connect `flags` on bus `bus` of `guest`, every
 * address the guest writes reserved first in virDomainDeviceInfoIterate() order
 * (qemuDomainPCIAddressSetCreate / qemuDomainCollectPCIAddress): the lowest wholly free slot, or
 * for a root port (VIR_PCI_CONNECT_AGGREGATE_SLOT) the lowest free function of a slot whose first
 * reservation was a root port, if one comes first (virDomainPCIAddressFindUnusedFunctionOnBus,
 * src/conf/domain_addr.c). For a controller a fix writes on a given bus, such as a root port on a
 * pcie-expander-bus, which libvirt itself would put on pcie-root. Undefined when the bus has no
 * controller, does not take the device, or is full.
 */
export function qemuDomainPCIAddressOnBus(guest: Guest, machine: LibvirtMachine, host: Host | undefined, bus: number, flags: number): GuestPciAddress | undefined {
  const top = Math.max(0, bus, ...guest.controllers.map((c) => c.index ?? 0));
  if (top > 255 || !guest.controllers.some((c) => c.index === bus)) return undefined;
  const set = new VirDomainPCIAddressSet({ dryRun: false, multipleRoots: machine.family === 'pseries' });
  const pcieRoot = qemuDomainHasPCIeRoot(guest, machine);
  for (let i = 0; i <= top; i++) {
    const c = guest.controllers.find((x) => x.index === i);
    set.buses.push(newBus(c ? c.model : i === 0 ? (pcieRoot ? 'pcie-root' : 'pci-root') : qemuDomainDefaultPCIBusModel(guest, machine)));
  }
  for (const { d, c } of virDomainDeviceInfoIterateOrder(guest)) {
    if (d?.address) set.reserveAddr({ ...d.address }, qemuDomainDeviceCalculatePCIConnectFlags(d, guest, machine, host), 0, true);
    else if (c?.address) set.reserveAddr({ ...c.address }, virDomainPCIControllerModelToConnectType(c.model), 0, true);
  }
  const a = set.findOnOneBus(bus, flags);
  return a && { domain: 0, ...a };
}

/**
 * The function each ICH9 USB2 controller takes in the slot of its set (IS_USB2_CONTROLLER in
 * qemuDomainAssignDevicePCISlots()): the EHCI at 7, its UHCI companions at 0, 1, 2.
 */
const USB2_COMPANION_FUNCTION: Readonly<Record<string, number>> = { 'ich9-ehci1': 7, 'ich9-uhci1': 0, 'ich9-uhci2': 1, 'ich9-uhci3': 2 };

/** USB controllers of one USB2 set share a controller index (libvirt's def->controllers keeps them by index). */
const sameUsb2Set = (a: GuestDevice, b: GuestDevice): boolean => (a.index ?? 0) === (b.index ?? 0);

/**
 * "USB2 needs special handling to put all companions in the same slot" (qemuDomainAssignDevicePCISlots(),
 * src/qemu/qemu_domain_address.c): an ICH9 USB2 controller goes to its own function (ehci1 at 7,
 * uhci1/2/3 at 0/1/2, multifunction on uhci1) of the slot where a controller of its set (same
 * index) already has an address, else of the next free slot (virDomainPCIAddressReserveNextAddr
 * with that function): a lone ich9-ehci1 sits at function 7 (d05).
 */
function qemuDomainAssignUSB2CompanionSlot(w: AssignState, set: VirDomainPCIAddressSet, d: GuestDevice, fn: number, flags: number): void {
  const mate = w.devices.find((x) => x.address && x.element === 'controller' && x.type === 'usb' && USB2_COMPANION_FUNCTION[x.model ?? ''] !== undefined && sameUsb2Set(x, d));
  const multifunction = fn === 0 ? ({ multifunction: 'on' } as const) : {};
  if (mate?.address) {
    set.reach = Math.max(set.reach, mate.address.bus);
    const a: GuestPciAddress = { domain: mate.address.domain, bus: mate.address.bus, slot: mate.address.slot, function: fn, ...multifunction };
    // virDomainPCIAddressReserveAddr() fails on a function already in use (a second ehci1 of one
    // set, written twice): "Attempted double use of PCI Address", and libvirt's define with it, in
    // its first pass as in its second
    if (!set.reserveAddr(a, flags, 0, false)) throw new PlacementFailure('Attempted double use of PCI Address');
    setDeviceAddress(w, d.key, a);
    return;
  }
  const a = set.reserveNextAddr(flags, 0, fn);
  if (!set.opts.dryRun) setDeviceAddress(w, d.key, { ...a, ...multifunction });
}

/** qemuDomainAssignDevicePCISlots(): PCI controllers by index, then devices in GEN-ORDER-1 order. */
function qemuDomainAssignDevicePCISlots(w: AssignState, set: VirDomainPCIAddressSet, unplaced: string[]): void {
  const controllers = w.controllers.filter(controllerNeedsAddress).sort((a, b) => controllerRank(a, w.order, w.added) - controllerRank(b, w.order, w.added) || (a.index ?? 0) - (b.index ?? 0));
  for (const c of controllers) {
    try {
      const a = set.reserveNextAddr(virDomainPCIControllerModelToConnectType(c.model), 0);
      if (!set.opts.dryRun) w.controllers = w.controllers.map((x) => (x.key === c.key ? { ...x, address: a } : x));
    } catch (e) {
      if (!(e instanceof PlacementFailure)) throw e;
      // In the dry run too: libvirt's define fails there (virDomainPCIAddressSetGrow cannot add a
      // bus for this controller), even if a bus grown later for a device would have taken it (d09).
      if (!unplaced.includes(c.key)) unplaced.push(c.key);
    }
  }
  const guest = guestOf(w);
  // indexed loops on the per-device paths: a for-of allocates an iterator result per step in code
  // that is not optimised, as a one-shot run's never is (src/cli/launch.ts ONE_SHOT_BUDGET)
  const order = assignmentOrder(w.devices, w.appended);
  for (let i = 0; i < order.length; i++) {
    const d = order[i] as GuestDevice;
    if (d.address || !takesPciAddress(d, w.machine)) continue;
    try {
      const fn = USB2_COMPANION_FUNCTION[d.element === 'controller' && d.type === 'usb' ? (d.model ?? '') : ''];
      if (fn !== undefined) {
        qemuDomainAssignUSB2CompanionSlot(w, set, d, fn, qemuDomainDeviceCalculatePCIConnectFlags(d, guest, w.machine, w.host));
        continue;
      }
      const a = set.reserveNextAddr(qemuDomainDeviceCalculatePCIConnectFlags(d, guest, w.machine, w.host), qemuDomainFillDeviceIsolationGroup(d, w.machine, w.host));
      if (!set.opts.dryRun) setDeviceAddress(w, d.key, a);
    } catch (e) {
      if (!(e instanceof PlacementFailure)) throw e;
      if (!set.opts.dryRun) unplaced.push(d.key);
    }
  }
}

export interface AssignResult {
  readonly guest: Guest;
  /** keys of the devices and controllers libvirt could not place (it would refuse the domain) */
  readonly unplaced: readonly string[];
  /**
   * The highest bus whose state the free-slot searches read (Infinity: all of them): the run gives
   * the same placements to a guest that differs only in devices moved among the buses above it
   * ({@link placementsUnread}).
   */
  readonly reach: number;
  /**
   * libvirt's error when its dry run fails (qemuDomainAssignPCIAddresses: a failed
   * qemuDomainPCIAddressReserveNextAddr, e.g. for a pci-bridge it adds, is `goto cleanup`): the
   * define fails even where the second pass places everything.
   */
  readonly dryRunFailure?: string;
}

const ownKeysEqual = (a: object, b: object, except: string): boolean => {
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  for (const k of ka) if (k !== except && (a as Record<string, unknown>)[k] !== (b as Record<string, unknown>)[k]) return false;
  return true;
};

/**
 * Whether qemuDomainAssignPCIAddresses() places everything on `after` as it did on `before`, whose
 * run read buses up to `reach` ({@link AssignResult}): `after` is `before` with devices moved from
 * one written address to another, each on a bus above `reach` that a controller of the design has
 * (no bus grown, no libvirt limit crossed), and nothing else changed, the device objects but their
 * address included. The searches then see every bus they read as before; the buses above `reach`
 * change only through their own reservations, which no search read. Conservative: false whenever
 * that is not plain, a device that gains or loses an address among them.
 */
export function placementsUnread(before: Guest, reach: number, after: Guest, machine: LibvirtMachine): boolean {
  if (before === after) return true;
  if (!Number.isFinite(reach) || before.controllers !== after.controllers || before.devices.length !== after.devices.length || !ownKeysEqual(before, after, 'devices')) return false;
  const buses = new Set(after.controllers.map((c) => c.index));
  const unread = (a: GuestPciAddress): boolean => a.bus > reach && buses.has(a.bus) && a.slot >= 0 && a.slot <= 31 && a.function >= 0 && a.function <= 7;
  for (let i = 0; i < after.devices.length; i++) {
    const was = before.devices[i] as GuestDevice;
    const now = after.devices[i] as GuestDevice;
    if (was === now) continue;
    if (!was.address || !now.address || was.key !== now.key || !unread(was.address) || !unread(now.address) || !ownKeysEqual(was, now, 'address')) return false;
  }
  // a device on a bus that cannot take it is moved by libvirt before any search (implied buses)
  return qemuDomainPCIAddressSetCollect(after, machine) === after.devices && qemuDomainPCIAddressSetCollect(before, machine) === before.devices;
}

/** A controller libvirt's assignment put on a bus at or after its own index. */
export interface ControllerRefusal {
  readonly key: string;
  /** 'libvirt': define fails; 'qemu': libvirt defines it and QEMU refuses to start */
  readonly by: 'libvirt' | 'qemu';
  /** for people, with libvirt's or QEMU's words */
  readonly message: string;
}

/**
 * The controllers qemuDomainAssignPCIAddresses() gave an address on a bus whose index is not
 * below their own (a pci-bridge on its own bus, an upstream port on a root port written after
 * it). For a pci-bridge libvirt checks this at the end of qemuDomainAssignPCIAddresses() and
 * refuses the domain ("PCI controller at index N (0xNN) has bus='0xNN', but index must be larger
 * than bus"); for the other models it defines the domain, and QEMU, which creates controllers in
 * index order, refuses to start ("Bus 'pci.N' not found"). `before` is the guest as given, so
 * addresses the user wrote are not counted (the rules judge those: GEN-IDX-4).
 */
export function controllersBeforeTheirBus(before: Pick<Guest, 'controllers'>, after: Pick<Guest, 'controllers'>): ControllerRefusal[] {
  const written = new Set(before.controllers.filter((c) => c.address).map((c) => c.key));
  return after.controllers.flatMap((c): ControllerRefusal[] => {
    if (written.has(c.key) || !c.address || c.index === undefined || isRootModel(c.model) || c.index > c.address.bus) return [];
    const hex = (n: number): string => `0x${n.toString(16).padStart(2, '0')}`;
    return c.model === 'pci-bridge'
      ? [{ key: c.key, by: 'libvirt', message: `libvirt refuses the domain: it would put pci-bridge ${c.index} on bus ${c.address.bus} ("PCI controller at index ${c.index} (${hex(c.index)}) has bus='${hex(c.address.bus)}', but index must be larger than bus")` }]
      : [{ key: c.key, by: 'qemu', message: `libvirt would put ${c.model} ${c.index} on bus ${c.address.bus}, which QEMU creates after it: QEMU refuses to start ("Bus 'pci.${c.address.bus}' not found")` }];
  });
}

/** Does qemuDomainPrimeVirtioDeviceAddresses() count this device as virtio (src/qemu/qemu_domain_address.c)? */
function primedVirtio(d: GuestDevice): boolean {
  switch (d.element) {
    case 'disk':
    case 'input':
      return d.bus === 'virtio';
    case 'interface':
      return /^virtio(-(non-)?transitional)?$/.test(d.model ?? '');
    case 'video':
      return d.model === 'virtio';
    case 'controller':
      return d.type === 'virtio-serial' || d.type === 'scsi';
    case 'hostdev':
      return d.type === 'scsi_host';
    case 'memory':
      return d.model === 'virtio-pmem' || d.model === 'virtio-mem';
    case 'memballoon':
    case 'rng':
    case 'crypto':
      return true;
    default:
      return false;
  }
}

/**
 * qemuDomainAssignVirtioMMIOAddresses(): on aarch64 virt, "we use virtio-mmio by default on virt
 * guests only if they already have at least one virtio-mmio device": then every virtio device
 * without an address gets a virtio-mmio one (qemuDomainPrimeVirtioDeviceAddresses) and takes no
 * PCI slot. Returns the devices it gave virtio-mmio, by key.
 */
export function qemuDomainAssignVirtioMMIOAddresses(devices: readonly GuestDevice[], machine: LibvirtMachine): { devices: readonly GuestDevice[]; primed: ReadonlySet<string> } {
  if (machine.family !== 'virt' || !devices.some((d) => d.otherAddressType === 'virtio-mmio')) return { devices, primed: new Set() };
  const primed = new Set<string>();
  const out = devices.map((d) => {
    if (d.address || d.otherAddressType !== undefined || !primedVirtio(d)) return d;
    primed.add(d.key);
    return { ...d, otherAddressType: 'virtio-mmio' };
  });
  return { devices: primed.size ? out : devices, primed };
}

/**
 * Is this a spapr-vio device whatever address it is written with? qemuDomainAssignSpaprVIOAddresses()
 * (src/qemu/qemu_domain_address.c) sets the address type of a spapr-vlan NIC, of an ibmvscsi
 * SCSI controller (the pseries default SCSI model, qemuDomainDeviceDefPostParse) and of a pseries
 * serial to spapr-vio before any PCI address is assigned: a PCI address written for one is not
 * refused as such, libvirt reads it as a spapr-vio `reg` ({@link qemuDomainAssignSpaprVIORegs}).
 */
export function isSpaprVioDevice(device: GuestDevice, machine: LibvirtMachine): boolean {
  // a pseries serial: its target type is spapr-vio-serial, written or by default (qemuDomainChrDefPostParse)
  if (device.element === 'serial') return machine.family === 'pseries' && (device.bus === undefined || device.bus === 'spapr-vio-serial');
  if (device.element !== 'interface' && !(device.element === 'controller' && device.type === 'scsi')) return false;
  if (device.element === 'interface' && device.type === 'hostdev') return false;
  const d = qemuDomainDeviceDefPostParse(device, machine);
  return d.element === 'interface' ? d.model === 'spapr-vlan' : d.model === 'ibmvscsi';
}

/**
 * qemuDomainAssignSpaprVIOAddresses(): the spapr-vio devices ({@link isSpaprVioDevice}) written
 * with a PCI address lose it and take a spapr-vio one, so they sit on no PCI bus. Returns the same
 * array when there is none.
 */
export function qemuDomainAssignSpaprVIOAddresses(devices: readonly GuestDevice[], machine: LibvirtMachine): readonly GuestDevice[] {
  if (!devices.some((d) => d.address && isSpaprVioDevice(d, machine))) return devices;
  return devices.map((d) => (d.address && isSpaprVioDevice(d, machine) ? { ...d, address: undefined, otherAddressType: 'spapr-vio' } : d));
}

/** The default `reg` of each spapr-vio kind (VIO_ADDR_NET, _SCSI, _SERIAL in qemu_domain_address.c; QEMU's spapr_llan/vscsi/vty). */
export const VIO_ADDR = { NET: 0x1000, SCSI: 0x2000, SERIAL: 0x30000000 } as const;

/** The highest `reg` a spapr-vio device can have: it is 32 bits in QEMU. */
export const SPAPR_VIO_REG_MAX = 0xffffffff;

export interface SpaprVioReg {
  readonly key: string;
  /** the reg libvirt ends with (a default one moved on by 0x1000 past the ones in use) */
  readonly reg: number;
  /** the user's: written as spapr-vio, or read off the PCI address written for it */
  readonly user: boolean;
  /** libvirt refuses the domain at this device's turn, the first refusal it meets: why, in its words */
  readonly refused?: string | undefined;
  /** its reg fails too (a user reg in use at its turn, or above 32 bits), though libvirt stops before it */
  readonly fails?: true | undefined;
}

/**
 * The `reg` libvirt reads off a PCI address written for a spapr-vio device. libvirt only changes the
 * address *type* (info.type = SPAPRVIO) and keeps the address union as parsed, so the spapr-vio view
 * of a virPCIDeviceAddress is its first bytes: `reg` (64 bits) is domain | bus << 32, and `has_reg`
 * (the bool after it) is the low byte of `slot`. So a slot other than 0 makes it a user reg, and a
 * bus other than 0 a reg above 32 bits (checked on real libvirt 9.0: bus 0 slot 3 gives reg 0, bus 1
 * slot 0 the default 0x1000, bus 2 slot 3 "spapr-vio reg='0x200000000' exceeds maximum possible value").
 */
export function spaprVioRegOfPciAddress(a: GuestPciAddress): { readonly reg: number; readonly user: boolean } {
  return { reg: a.domain + a.bus * 2 ** 32, user: (a.slot & 0xff) !== 0 };
}

const hexReg = (n: number): string => (n === 0 ? '0' : `0x${n.toString(16)}`);

/**
 * qemuDomainAssignSpaprVIOAddresses() with qemuDomainAssignSpaprVIOAddress() and
 * qemuDomainSpaprVIOFindByReg() (src/qemu/qemu_domain_address.c): nets, then controllers (in
 * def->controllers order), then serials, each spapr-vio device keeps a user reg ({@link
 * spaprVioRegOfPciAddress}, or `reg` written) and libvirt refuses it when a device already spapr-vio
 * with a reg has the same ("spapr-vio address %#llx already in use"); a device without one takes its
 * kind's default ({@link VIO_ADDR}), moved on by 0x1000 while that is in use. A device written as
 * spapr-vio with a reg counts from the start; one converted from PCI only from its turn on. Then a
 * user reg above 32 bits is refused ("spapr-vio reg='%#llx' exceeds maximum possible value
 * (0xffffffff)", qemuValidateDomainDeviceDefAddress at define). `refused` is set on one device only,
 * the one whose turn fails first, where libvirt stops (its words name no device; checked with
 * libvirt 9.0: two written with reg 0x1000 fail at the first one's turn, three PCI-written with the
 * same reg at the second's). Off pseries, and without such devices, the list is empty.
 */
export function qemuDomainAssignSpaprVIORegs(devices: readonly GuestDevice[], machine: LibvirtMachine): readonly SpaprVioReg[] {
  const vio = (d: GuestDevice): boolean => d.otherAddressType === 'spapr-vio' || (isSpaprVioDevice(d, machine) && d.otherAddressType === undefined);
  if (!devices.some(vio)) return [];
  const ordered = [
    ...devices.filter((d) => d.element === 'interface'),
    ...assignmentOrder(devices.filter((d) => d.element === 'controller')),
    ...devices.filter((d) => d.element === 'serial'),
  ].filter(vio);
  /** regs in use: the devices done, and the ones written as spapr-vio with a reg; and how many hold each reg */
  const taken = new Map<string, number>();
  const holders = new Map<number, number>();
  const take = (key: string, reg: number): void => {
    const before = taken.get(key);
    if (before !== undefined) holders.set(before, (holders.get(before) ?? 1) - 1);
    taken.set(key, reg);
    holders.set(reg, (holders.get(reg) ?? 0) + 1);
  };
  for (const d of ordered) if (d.otherAddressType === 'spapr-vio' && d.addressReg !== undefined) take(d.key, d.addressReg);
  // by another device than `key`: a count, not a scan (the SCSI controllers libvirt adds for a drive address may be thousands)
  const inUse = (key: string, reg: number): boolean => (holders.get(reg) ?? 0) - (taken.get(key) === reg ? 1 : 0) > 0;
  const out: SpaprVioReg[] = [];
  // libvirt stops at the first refusal: the first clash in this order fails the address assignment
  // (qemuDomainAssignSpaprVIOAddress returns -1); with none, the validation after it
  // (qemuValidateDomainDeviceDefAddress, src/qemu/qemu_validate.c, devices in the same order: nets,
  // controllers, serials) fails on the first user reg above 32 bits. One device is named, as libvirt does.
  let clash = -1;
  for (const d of ordered) {
    const fromPci = d.address ? spaprVioRegOfPciAddress(d.address) : undefined;
    const user = d.otherAddressType === 'spapr-vio' ? d.addressReg !== undefined : (fromPci?.user ?? false);
    let reg = d.otherAddressType === 'spapr-vio' ? (d.addressReg ?? 0) : (fromPci?.reg ?? 0);
    if (!user) {
      reg = d.element === 'interface' ? VIO_ADDR.NET : d.element === 'serial' ? VIO_ADDR.SERIAL : VIO_ADDR.SCSI;
      while (inUse(d.key, reg)) reg += 0x1000;
    }
    const fails = user && (inUse(d.key, reg) || reg > SPAPR_VIO_REG_MAX);
    if (clash < 0 && user && inUse(d.key, reg)) clash = out.length;
    take(d.key, reg);
    out.push({ key: d.key, reg, user, ...(fails ? { fails: true as const } : {}) });
  }
  const at = clash >= 0 ? clash : out.findIndex((r) => r.user && r.reg > SPAPR_VIO_REG_MAX);
  const r = out[at];
  if (r) out[at] = { ...r, refused: clash >= 0 ? `spapr-vio address ${hexReg(r.reg)} already in use` : `spapr-vio reg='${hexReg(r.reg)}' exceeds maximum possible value (0xffffffff)` };
  return out;
}

/**
 * qemuDomainAssignPCIAddresses(): libvirt's own placement. Like libvirt it runs twice: a dry run
 * that may grow the address set (GEN-AUTO-1) and reserves the spare slot (GEN-AUTO-2) or spare
 * root port, whose new buses become controllers; then the real pass that assigns addresses on
 * the final set of buses; then the controller defaults ({@link qemuDomainAssignPCIControllerDefaults}).
 * The guest must already have indexes on its PCI controllers and a root at index 0
 * (virDomainAssignControllerIndexes, qemuDomainDefAddDefaultRoot). Pure.
 */
export function qemuDomainAssignPCIAddresses(given: Guest, machine: LibvirtMachine, host: Host | undefined, opts: { readonly implied?: ReadonlySet<string>; readonly order?: ControllerOrder | undefined } = {}): AssignResult {
  // qemuDomainAssignAddresses() gives virtio-serial, spapr-vio and virtio-mmio addresses before PCI ones
  const vio = qemuDomainAssignSpaprVIOAddresses(qemuDomainAssignVirtioSerialAddresses(given.devices), machine);
  const mmio = qemuDomainAssignVirtioMMIOAddresses(vio, machine);
  const base = mmio.primed.size || vio !== given.devices ? { ...given, devices: mmio.devices } : given;
  const added = new Set(opts.implied ?? []);
  // the controllers libvirt adds (default devices, implicit controllers, the virtio-serial ones for
  // consoles and channels) come after the written ones under 'written-first', as added
  const given0 = new Set(given.devices.map((d) => d.key));
  const serialAdded = opts.order === 'written-first' ? new Set(mmio.devices.filter((d) => d.element === 'controller' && (d.implicit || !given0.has(d.key))).map((d) => d.key)) : undefined;
  const w: AssignState = { machine, host, base, controllers: base.controllers.slice(), devices: base.devices.slice(), order: opts.order, added, ...(serialAdded?.size ? { appended: serialAdded } : {}) };
  // max_idx is the highest index of the XML: the buses libvirt itself adds for a gap or an address
  // (shown `implicit`, or listed in `implied`) come later, so they do not count (d17: its spare port).
  const maxIdx = Math.max(-1, ...w.controllers.map((c) => c.index ?? -1));
  const maxWritten = Math.max(-1, ...w.controllers.filter((c) => c.index === 0 || (!c.implicit && !opts.implied?.has(c.key))).map((c) => c.index ?? -1));
  const pcieRoot = qemuDomainHasPCIeRoot(base, machine);
  const unplaced: string[] = [];
  let dryRunFailure: string | undefined;

  // Pass 1: dry run.
  const dry = qemuDomainPCIAddressSetCreate(w, maxIdx + 1, true);
  try {
    machine.chipset?.validate(w, dry);
    if (!pcieRoot) {
      // every bus up to the first with a free slot is read
      const open = dry.buses.findIndex((b) => !dry.isFullyReserved(b));
      dry.reach = Math.max(dry.reach, open < 0 ? Infinity : open);
      if (open >= 0) dry.reserveNextAddr(F.PCI_DEVICE | F.AUTOASSIGN, 0);
    }
    qemuDomainAssignDevicePCISlots(w, dry, unplaced);
    if (maxWritten <= 0 && dry.buses.length > maxWritten + 1 && pcieRoot) dry.reserveNextAddr(F.PCIE_DEVICE | F.AUTOASSIGN, 0);
    // virDomainDefMaybeAddController() for every bus the dry run added
    for (let i = 1; i < dry.buses.length; i++) {
      if (w.controllers.some((c) => c.index === i)) continue;
      const model = (dry.buses[i] as SimBus).model;
      const key = freshControllerKey(w.controllers);
      added.add(key);
      w.controllers = [...w.controllers, { key, index: i, model, target: {} }];
      if (!isRootModel(model)) dry.reserveNextAddr(virDomainPCIControllerModelToConnectType(model), 0);
    }
  } catch (e) {
    if (!(e instanceof PlacementFailure)) throw e;
    dry.reach = Infinity;
    // libvirt's define ends here (goto cleanup); the second pass still runs so that the rules can
    // name the devices and controllers that find no place
    dryRunFailure = e.message;
  }
  const nbuses = Math.max(dry.buses.length, maxIdx + 1);

  // Pass 2: the real assignment on the buses the dry run settled on.
  const real = qemuDomainPCIAddressSetCreate(w, nbuses, false);
  machine.chipset?.validate(w, real);
  qemuDomainAssignDevicePCISlots(w, real, unplaced);

  let guest = virDomainPCIAddressSetAllMulti(qemuDomainAssignPCIControllerDefaults(guestOf(w), machine, { order: opts.order, added }));
  // the virtio-mmio address is libvirt's to write again; the design keeps the device as written
  if (mmio.primed.size) guest = { ...guest, devices: guest.devices.map((d) => (mmio.primed.has(d.key) && !d.implicit ? { ...d, otherAddressType: undefined } : d)) };
  return { guest, unplaced, reach: Math.max(dry.reach, real.reach), ...(dryRunFailure !== undefined ? { dryRunFailure } : {}) };
}

// ---------------------------------------------------------------------------------------------
// Controller defaults: the switch at the end of qemuDomainAssignPCIAddresses()

/** The `<model name>` libvirt fills in for each model (qemuDomainPCIControllerSetDefaultModelName), and the other names it accepts (GEN-MODEL-1). */
export const CONTROLLER_MODEL_NAMES: Readonly<Record<string, readonly string[]>> = {
  'pci-bridge': ['pci-bridge'],
  'dmi-to-pci-bridge': ['i82801b11-bridge'],
  'pcie-root-port': ['pcie-root-port', 'ioh3420'],
  'pcie-switch-upstream-port': ['x3130-upstream'],
  'pcie-switch-downstream-port': ['xio3130-downstream'],
  'pci-expander-bus': ['pxb'],
  'pcie-expander-bus': ['pxb-pcie'],
  'pcie-to-pci-bridge': ['pcie-pci-bridge'],
};

/** qemuDomainPCIControllerSetDefaultModelName(): the QEMU device name of a controller that names none. */
export function qemuDomainPCIControllerSetDefaultModelName(c: PciController, machine: LibvirtMachine): PciController {
  if (c.modelName !== undefined) return c;
  const name = c.model === 'pci-root' ? (machine.family === 'pseries' ? 'spapr-pci-host-bridge' : undefined) : CONTROLLER_MODEL_NAMES[c.model]?.[0];
  return name === undefined ? c : { ...c, modelName: name };
}

/**
 * qemuDomainAddressFindNewTargetIndex(): the lowest PHB target index in 1..31 no pci-root of
 * `controllers` uses; undefined when all are taken. Which PHBs libvirt's search sees at that point
 * (virDomainControllerIsPSeriesPHB(): those with their model name by then) is the caller's to pass
 * (qemuDomainPCIControllerSetDefaults, d12). One pass with a bit per index, stopping once all 31
 * are taken, where libvirt scans the list once per index.
 */
export function qemuDomainAddressFindNewTargetIndex(controllers: readonly PciController[]): number | undefined {
  let taken = 0;
  for (const c of controllers) {
    const t = phbTargetIndex(c);
    if (t === undefined) continue;
    taken = (taken | (1 << t)) >>> 0;
    if (taken === ALL_TARGETS_TAKEN) return undefined;
  }
  for (let t = 1; t <= 31; t++) if ((taken & (1 << t)) === 0) return t;
  return undefined;
}

/** Bits 1..31 set: every PHB target index libvirt's search tries is taken. */
const ALL_TARGETS_TAKEN = 0xfffffffe;

/** qemuDomainAddressFindNewBusNr(): two below the lowest busNr in use (from 256); undefined when that would be 2 or less. */
export function qemuDomainAddressFindNewBusNr(controllers: readonly PciController[]): number | undefined {
  let lowest = 256;
  for (const c of controllers) if (c.target.busNr !== undefined && c.target.busNr < lowest) lowest = c.target.busNr;
  return lowest <= 2 ? undefined : lowest - 2;
}

/**
 * Every default libvirt fills into one PCI controller, as the switch at the end of
 * qemuDomainAssignPCIAddresses() does: the model name, a pci-bridge's chassisNr (its index), a
 * port's chassis (its index) and port (slot × 8 + function for a root port, slot for a downstream
 * port), an expander bus's busNr, a pseries PHB's target index (0 for index 0, else the lowest
 * free). `controllers` are the others as they stand, for the searches. What is written stays.
 */
export function qemuDomainPCIControllerSetDefaults(c: PciController, controllers: readonly PciController[], machine: LibvirtMachine): PciController {
  return controllerSetDefaults(c, controllers, machine, undefined);
}

/**
 * The PHB target indexes libvirt's search (qemuDomainAddressFindNewTargetIndex(),
 * src/qemu/qemu_domain_address.c: index by index from 1 to 31, each over def->controllers) sees
 * while {@link qemuDomainPCIControllersSetDefaults} walks the controllers in order, kept up to
 * date instead of searched again per PHB: the list is read once, and each PHB's turn costs a
 * look at 31 indexes (a scan of the list per PHB was quadratic in PHBs: 1,608 written PHBs and
 * the 253 a 1 MiB document's addresses imply cost a third of its import).
 *
 * What the search sees of a pci-root `x` holding target index t (1..31) on the turn of PHB `c`
 * (virDomainControllerIsPSeriesPHB(): only PHBs named spapr-pci-host-bridge by then): `x` named so
 * as written or on its own earlier turn ({@link named}; on pseries every pci-root without a name
 * gets this one on its turn), or `x` still without a name but below `c` by index, i.e. named
 * before `c` in libvirt's index order ({@link unnamedLowest}: the lowest index of such a PHB per t
 * is enough, as one named meanwhile is in {@link named}).
 */
class PhbTargetIndexSearch {
  /** bit t: a pci-root named spapr-pci-host-bridge holds target index t */
  private named = 0;
  /** per target index: the lowest controller index of a pci-root without a model name holding it */
  private readonly unnamedLowest: number[] = [];

  constructor(controllers: readonly PciController[]) {
    for (const x of controllers) {
      const t = phbTargetIndex(x);
      if (t === undefined) continue;
      if (x.modelName === 'spapr-pci-host-bridge') this.named = (this.named | (1 << t)) >>> 0;
      else if (x.modelName === undefined && x.index !== undefined && !((this.unnamedLowest[t] ?? Infinity) <= x.index)) this.unnamedLowest[t] = x.index;
    }
  }

  /** The lowest of 1..31 the search sees free on the turn of a PHB of controller index `index`; undefined when all are taken. */
  lowestFree(index: number | undefined): number | undefined {
    let taken = this.named;
    if (index !== undefined) for (let t = 1; t <= 31; t++) if ((this.unnamedLowest[t] ?? Infinity) < index) taken = (taken | (1 << t)) >>> 0;
    for (let t = 1; t <= 31; t++) if ((taken & (1 << t)) === 0) return t;
    return undefined;
  }

  /** A controller as its turn left it. */
  note(c: PciController): void {
    const t = phbTargetIndex(c);
    if (t !== undefined && c.modelName === 'spapr-pci-host-bridge') this.named = (this.named | (1 << t)) >>> 0;
  }
}

/** The target index of a pci-root when it is one libvirt's search tries (an integer in 1..31). */
function phbTargetIndex(c: PciController): number | undefined {
  const t = c.target.index;
  return c.model === 'pci-root' && t !== undefined && t >= 1 && t <= 31 && Number.isInteger(t) ? t : undefined;
}

/** {@link qemuDomainPCIControllerSetDefaults}, with the PHB search kept by the caller's walk when it has one. */
function controllerSetDefaults(c: PciController, controllers: readonly PciController[], machine: LibvirtMachine, phbs: PhbTargetIndexSearch | undefined): PciController {
  const next = qemuDomainPCIControllerSetDefaultModelName(c, machine);
  const t = next.target;
  const a = next.address;
  switch (c.model) {
    case 'pci-bridge':
      if (t.chassisNr === undefined && c.index !== undefined) return { ...next, target: { ...t, chassisNr: c.index } };
      return next;
    case 'pcie-root-port':
    case 'pcie-switch-downstream-port': {
      if (c.index === undefined) return next;
      const chassis = t.chassis ?? c.index;
      const port = t.port ?? (a ? (c.model === 'pcie-root-port' ? a.slot * 8 + a.function : a.slot) : undefined);
      return chassis !== t.chassis || port !== t.port ? { ...next, target: { ...t, chassis, port } } : next;
    }
    case 'pci-expander-bus':
    case 'pcie-expander-bus': {
      if (t.busNr !== undefined) return next;
      const busNr = qemuDomainAddressFindNewBusNr(controllers);
      return busNr === undefined ? next : { ...next, target: { ...t, busNr } };
    }
    case 'pci-root': {
      if (machine.family !== 'pseries' || t.index !== undefined) return next;
      // virDomainControllerIsPSeriesPHB(): the search sees only PHBs that have their model name by
      // now: written with one, or named already because libvirt handles controllers by index. A
      // later PHB written without it keeps its target index unseen (d12: QEMU "PHB 1 already attached").
      const index = c.index === 0 ? 0 : (phbs ?? new PhbTargetIndexSearch(controllers)).lowestFree(c.index);
      return index === undefined ? next : { ...next, target: { ...t, index } };
    }
    default:
      return next;
  }
}

/**
 * {@link qemuDomainPCIControllerSetDefaults} over every PCI controller, in index order (libvirt
 * keeps def->controllers sorted by index, and target indexes and busNrs are handed out in that
 * order). The list keeps its order; returns the same array when nothing changes.
 */
export function qemuDomainPCIControllersSetDefaults(controllers: readonly PciController[], machine: LibvirtMachine, opts: { readonly order?: ControllerOrder | undefined; readonly added?: ReadonlySet<string> | undefined } = {}): readonly PciController[] {
  const out: PciController[] = controllers.slice();
  let changed = false;
  const order = out
    .map((c, i) => ({ i, rank: controllerRank(c, opts.order, opts.added), index: c.index ?? Number.MAX_SAFE_INTEGER }))
    .sort((a, b) => a.rank - b.rank || a.index - b.index || a.i - b.i);
  // made on the first PHB that searches, from the list as it stands then; told of each turn after
  let phbs: PhbTargetIndexSearch | undefined;
  for (const { i } of order) {
    const c = out[i] as PciController;
    if (phbs === undefined && c.model === 'pci-root' && machine.family === 'pseries' && c.target.index === undefined && c.index !== 0) phbs = new PhbTargetIndexSearch(out);
    const next = controllerSetDefaults(c, out, machine, phbs);
    if (next !== c) {
      out[i] = next;
      changed = true;
    }
    phbs?.note(next);
  }
  return changed ? out : controllers;
}

/** {@link qemuDomainPCIControllersSetDefaults} on a guest; the same guest when nothing changes. */
export function qemuDomainAssignPCIControllerDefaults(guest: Guest, machine: LibvirtMachine, opts: { readonly order?: ControllerOrder | undefined; readonly added?: ReadonlySet<string> | undefined } = {}): Guest {
  const controllers = qemuDomainPCIControllersSetDefaults(guest.controllers, machine, opts);
  return controllers === guest.controllers ? guest : { ...guest, controllers: controllers.slice() };
}
