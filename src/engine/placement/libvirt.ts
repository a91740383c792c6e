import type { Guest, GuestDevice, MachineFamily, PciController } from '../model/guest.ts';
import { machineFamily } from '../model/guest.ts';
import type { Host } from '../model/host.ts';
import type { GuestPciAddress } from '../model/pci.ts';
import { hasPcieRoot } from '../machines/connect.ts';
import { AddressSet, newBus, PlacementFailure } from './addressSet.ts';
import { assignmentOrder, controllerFlags, controllerNeedsAddress, deviceFlags, F, isolationGroup, wantsPciAddress } from './flags.ts';
import { fillControllerDefaults, freshControllerKey, setAllMulti } from './prepare.ts';

/**
 * Policy `libvirt`: a model of qemuDomainAssignPCIAddresses() (src/qemu/qemu_domain_address.c,
 * libvirt 10.7) over our Guest. Like libvirt it runs twice: a dry run that may grow the address
 * set (GEN-AUTO-1) and reserves the spare slot (GEN-AUTO-2) or spare root port, whose new buses
 * become controllers; then the real pass that assigns addresses on the final set of buses.
 * The input guest must already have indexes on its PCI controllers and a root at index 0.
 */

export interface SimulationResult {
  readonly guest: Guest;
  /** devices libvirt could not place (it would refuse the domain) */
  readonly unplaced: readonly string[];
}

interface Work {
  readonly family: MachineFamily;
  readonly host: Host | undefined;
  controllers: PciController[];
  devices: GuestDevice[];
}

const guestOf = (base: Guest, w: Work): Guest => ({ ...base, controllers: w.controllers, devices: w.devices });

function defaultBusModel(w: Work, guest: Guest): string {
  if (w.family === 'pseries') return 'pci-root';
  return hasPcieRoot(guest) ? 'pcie-root-port' : 'pci-bridge';
}

/** qemuDomainPCIAddressSetCreate() + qemuDomainCollectPCIAddress(). */
function createSet(base: Guest, w: Work, nbuses: number, dryRun: boolean): AddressSet {
  const set = new AddressSet({ dryRun, multipleRoots: w.family === 'pseries' });
  const guest = guestOf(base, w);
  for (let i = 0; i < nbuses; i++) {
    const c = w.controllers.find((x) => x.index === i);
    set.buses.push(newBus(c ? c.model : i === 0 ? (hasPcieRoot(guest) ? 'pcie-root' : 'pci-root') : defaultBusModel(w, guest)));
  }
  const bus0 = set.buses[0];
  // qemuDomainSetupIsolationGroups(): the default PHB is for emulated devices only.
  if (bus0 && w.family === 'pseries') {
    bus0.isolationGroup = 0;
    bus0.isolationGroupLocked = true;
  }
  for (const d of w.devices) {
    if (!d.address) continue;
    set.reserve({ ...d.address }, deviceFlags(d, guest, w.host), isolationGroup(d, w.family, w.host), true);
  }
  for (const c of w.controllers) {
    if (!c.address) continue;
    set.reserve({ ...c.address }, controllerFlags(c.model), 0, true);
  }
  return set;
}

function setDeviceAddress(w: Work, key: string, address: GuestPciAddress): void {
  w.devices = w.devices.map((d) => (d.key === key ? { ...d, address } : d));
}

/** qemuDomainValidateDevicePCISlotsQ35(): ICH9 built-ins and preferred slots (Q35-RSV-1/2). */
function q35Chipset(base: Guest, w: Work, set: AddressSet): void {
  const at = (slot: number, fn = 0): GuestPciAddress => ({ domain: 0, bus: 0, slot, function: fn });
  const sata = w.devices.find((d) => d.element === 'controller' && d.type === 'sata');
  if (sata && !sata.address && wantsPciAddress(sata, w.family)) setDeviceAddress(w, sata.key, at(0x1f, 2));
  const usb2 = w.devices.filter((d) => d.element === 'controller' && d.type === 'usb' && d.model === 'ich9-uhci1' && !d.address);
  for (const u of usb2) {
    const slot = !set.slotInUse(0, 0x1d) ? 0x1d : !set.slotInUse(0, 0x1a) ? 0x1a : undefined;
    if (slot === undefined) continue;
    set.reserve(at(slot), F.PCIE_DEVICE, 0, true);
    setDeviceAddress(w, u.key, { ...at(slot), multifunction: 'on' });
  }
  for (const c of w.controllers) {
    if (c.model !== 'dmi-to-pci-bridge' || c.address || set.slotInUse(0, 0x1e)) continue;
    set.reserve(at(0x1e), F.PCIE_DEVICE, 0, true);
    w.controllers = w.controllers.map((x) => (x.key === c.key ? { ...x, address: at(0x1e) } : x));
  }
  set.reserve(at(0x1f, 0), F.PCIE_DEVICE, 0, true);
  set.reserve(at(0x1f, 3), F.PCIE_DEVICE, 0, true);
  const guest = guestOf(base, w);
  const video = w.devices.find((d) => d.element === 'video');
  if (video && !video.address && wantsPciAddress(video, w.family)) {
    if (set.slotInUse(0, 1)) {
      const a = set.reserveNext(deviceFlags(video, guest, w.host), 0);
      if (!set.opts.dryRun) setDeviceAddress(w, video.key, a);
    } else {
      set.reserve(at(1), F.PCIE_DEVICE, 0, true);
      setDeviceAddress(w, video.key, at(1));
    }
  }
  if (!set.slotInUse(0, 0x1b)) {
    const hda = w.devices.find((d) => d.element === 'sound' && d.model === 'ich9' && !d.address);
    if (hda) {
      set.reserve(at(0x1b), F.PCIE_DEVICE, 0, true);
      setDeviceAddress(w, hda.key, at(0x1b));
    }
  }
}

/** qemuDomainValidateDevicePCISlotsPIIX3(), reduced to what takes slots: PIIX3 at 00:01, primary video at 00:02. */
function piix3Chipset(w: Work, set: AddressSet): void {
  for (let fn = 0; fn < 4; fn++) set.reserve({ bus: 0, slot: 1, function: fn }, F.PCI_DEVICE, 0, true);
  const video = w.devices.find((d) => d.element === 'video');
  if (video && !video.address && wantsPciAddress(video, w.family) && !set.slotInUse(0, 2)) {
    set.reserve({ bus: 0, slot: 2, function: 0 }, F.PCI_DEVICE, 0, true);
    setDeviceAddress(w, video.key, { domain: 0, bus: 0, slot: 2, function: 0 });
  }
}

function chipset(base: Guest, w: Work, set: AddressSet): void {
  if (w.family === 'q35') q35Chipset(base, w, set);
  else if (w.family === 'i440fx') piix3Chipset(w, set);
}

/** qemuDomainAssignDevicePCISlots(): PCI controllers by index, then devices in GEN-ORDER-1 order. */
function assignAll(base: Guest, w: Work, set: AddressSet, unplaced: string[]): void {
  const controllers = w.controllers.filter(controllerNeedsAddress).sort((a, b) => (a.index ?? 0) - (b.index ?? 0));
  for (const c of controllers) {
    try {
      const a = set.reserveNext(controllerFlags(c.model), 0);
      if (!set.opts.dryRun) w.controllers = w.controllers.map((x) => (x.key === c.key ? { ...x, address: a } : x));
    } catch (e) {
      if (!(e instanceof PlacementFailure)) throw e;
      if (!set.opts.dryRun) unplaced.push(c.key);
    }
  }
  const guest = guestOf(base, w);
  for (const d of assignmentOrder(w.devices)) {
    if (d.address || !wantsPciAddress(d, w.family)) continue;
    try {
      const a = set.reserveNext(deviceFlags(d, guest, w.host), isolationGroup(d, w.family, w.host));
      if (!set.opts.dryRun) setDeviceAddress(w, d.key, a);
    } catch (e) {
      if (!(e instanceof PlacementFailure)) throw e;
      if (!set.opts.dryRun) unplaced.push(d.key);
    }
  }
}

export function simulateLibvirt(base: Guest, host: Host | undefined): SimulationResult {
  const family = machineFamily(base);
  const w: Work = { family, host, controllers: base.controllers.slice(), devices: base.devices.slice() };
  const maxIdx = Math.max(-1, ...w.controllers.map((c) => c.index ?? -1));
  const pcieRoot = hasPcieRoot(base);
  const unplaced: string[] = [];

  // Pass 1: dry run.
  const dry = createSet(base, w, maxIdx + 1, true);
  try {
    chipset(base, w, dry);
    if (!pcieRoot && !dry.buses.every((b) => dry.isFullyReserved(b))) dry.reserveNext(F.PCI_DEVICE | F.AUTOASSIGN, 0);
    assignAll(base, w, dry, unplaced);
    if (maxIdx <= 0 && dry.buses.length > maxIdx + 1 && pcieRoot) dry.reserveNext(F.PCIE_DEVICE | F.AUTOASSIGN, 0);
    for (let i = 1; i < dry.buses.length; i++) {
      if (w.controllers.some((c) => c.index === i)) continue;
      const model = (dry.buses[i] as { model: string }).model;
      w.controllers = [...w.controllers, { key: freshControllerKey(w.controllers), index: i, model, target: {} }];
      if (model !== 'pci-root' && model !== 'pcie-root') dry.reserveNext(controllerFlags(model), 0);
    }
  } catch (e) {
    if (!(e instanceof PlacementFailure)) throw e;
  }
  const nbuses = Math.max(dry.buses.length, maxIdx + 1);

  // Pass 2: the real assignment on the buses the dry run settled on.
  const real = createSet(base, w, nbuses, false);
  chipset(base, w, real);
  assignAll(base, w, real, unplaced);

  const guest = setAllMulti(fillControllerDefaults(guestOf(base, w)));
  return { guest, unplaced };
}
