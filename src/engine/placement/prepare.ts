import type { Guest, GuestDevice, MachineFamily, PciController } from '../model/guest.ts';
import { machineFamily } from '../model/guest.ts';
import type { GuestPciAddress } from '../model/pci.ts';
import { CONTROLLER_MODEL_NAMES } from '../machines/connect.ts';
import { defaultUsbModel } from './flags.ts';

/** Machines whose PCI topology we place. i440fx is placed on a best-effort basis. */
export function placeableFamily(family: MachineFamily): boolean {
  return family === 'pseries' || family === 'q35' || family === 'virt' || family === 'i440fx';
}

export function rootModel(family: MachineFamily): 'pci-root' | 'pcie-root' {
  return family === 'q35' || family === 'virt' ? 'pcie-root' : 'pci-root';
}

/** Deterministic keys for added controllers, the same scheme as commands.ts. */
export function freshControllerKey(controllers: readonly PciController[]): string {
  const keys = new Set(controllers.map((c) => c.key));
  let n = 0;
  while (keys.has(`pci-new-${n}`)) n++;
  return `pci-new-${n}`;
}

/**
 * GEN-IDX-6 (virDomainAssignControllerIndexes): an index-less PCI controller gets the lowest
 * index no PCI controller uses, in document order, before the default root is added. Then
 * qemuDomainDefAddDefaultDevices adds the machine's root at index 0 when it is missing.
 */
export function assignIndexesAndRoot(guest: Guest): Guest {
  const family = machineFamily(guest);
  const used = new Set<number>();
  for (const c of guest.controllers) if (c.index !== undefined) used.add(c.index);
  let changed = false;
  const controllers = guest.controllers.map((c) => {
    // An index written but unreadable is not "no index": libvirt refuses it (GEN-IDX-1); filling
    // one in would silently rewrite what the user wrote.
    if (c.index !== undefined || c.unreadable?.some((u) => u.startsWith('index='))) return c;
    let i = 0;
    while (used.has(i)) i++;
    used.add(i);
    changed = true;
    return { ...c, index: i };
  });
  if (!used.has(0)) {
    const root: PciController = { key: freshControllerKey(controllers), index: 0, model: rootModel(family), target: {} };
    controllers.unshift(root);
    changed = true;
  }
  return changed ? { ...guest, controllers } : guest;
}

function freshDeviceKey(devices: readonly GuestDevice[], element: string): string {
  const keys = new Set(devices.map((d) => d.key));
  let n = devices.filter((d) => d.element === element).length;
  while (keys.has(`${element}-${n}`)) n++;
  return `${element}-${n}`;
}

/**
 * Devices libvirt adds on its own that take PCI slots (qemuDomainDefAddDefaultDevices,
 * virDomainDefAddImplicitDevices): the default USB controller (pseries pci-ohci, q35 qemu-xhci),
 * the virtio memballoon (neither on ARM or RISC-V virt), q35's SATA controller at 00:1f.2, and the
 * virtio-serial controller a virtio console or virtio channel needs
 * (virDomainDefMaybeAddVirtioSerialController).
 */
export function addImplicitDevices(guest: Guest): Guest {
  const family = machineFamily(guest);
  const devices = guest.devices.slice();
  const add = (d: Omit<GuestDevice, 'key'>): void => {
    devices.push({ ...d, key: freshDeviceKey(devices, d.element), implicit: true });
  };
  const has = (p: (d: GuestDevice) => boolean): boolean => devices.some(p);
  if (family === 'q35' && !has((d) => d.element === 'controller' && d.type === 'sata')) {
    add({ element: 'controller', type: 'sata', label: 'implicit sata controller' });
  }
  const usb = defaultUsbModel(family);
  if (family !== 'virt' && usb && !has((d) => d.element === 'controller' && d.type === 'usb')) {
    add({ element: 'controller', type: 'usb', model: usb, label: `implicit usb controller ${usb}` });
  }
  if (has((d) => (d.element === 'console' || d.element === 'channel') && d.bus === 'virtio') && !has((d) => d.element === 'controller' && d.type === 'virtio-serial')) {
    add({ element: 'controller', type: 'virtio-serial', label: 'implicit virtio-serial controller' });
  }
  if (family !== 'virt' && !has((d) => d.element === 'memballoon')) {
    add({ element: 'memballoon', model: 'virtio', label: 'implicit virtio memballoon' });
  }
  return devices.length === guest.devices.length ? guest : { ...guest, devices };
}

/** qemuDomainAddressFindNewTargetIndex(): lowest PHB target index in 1..31 not in use. */
function newTargetIndex(controllers: readonly PciController[]): number | undefined {
  for (let t = 1; t <= 31; t++) if (!controllers.some((c) => c.model === 'pci-root' && c.target.index === t)) return t;
  return undefined;
}

/** qemuDomainAddressFindNewBusNr(). */
function newBusNr(controllers: readonly PciController[]): number | undefined {
  let lowest = 256;
  for (const c of controllers) if (c.target.busNr !== undefined && c.target.busNr < lowest) lowest = c.target.busNr;
  return lowest <= 2 ? undefined : lowest - 2;
}

/**
 * The tail of qemuDomainAssignPCIAddresses(): default model names and the target values
 * libvirt writes back (GEN-MODEL-1, GEN-TGT-2, PAPR-PHB-1/4), in controller order.
 */
export function fillControllerDefaults(guest: Guest): Guest {
  const family = machineFamily(guest);
  const out: PciController[] = guest.controllers.slice();
  let changed = false;
  // libvirt keeps def->controllers sorted by index, and target indexes are handed out in that order.
  const order = out.map((c, i) => ({ i, index: c.index ?? Number.MAX_SAFE_INTEGER })).sort((a, b) => a.index - b.index || a.i - b.i);
  for (const { i } of order) {
    const c = out[i] as PciController;
    let next: PciController = c;
    if (next.modelName === undefined) {
      const name = c.model === 'pci-root' ? (family === 'pseries' ? 'spapr-pci-host-bridge' : undefined) : CONTROLLER_MODEL_NAMES[c.model]?.[0];
      if (name !== undefined) next = { ...next, modelName: name };
    }
    const t = next.target;
    const a = next.address;
    if (c.model === 'pci-bridge' && t.chassisNr === undefined && c.index !== undefined) next = { ...next, target: { ...t, chassisNr: c.index } };
    if ((c.model === 'pcie-root-port' || c.model === 'pcie-switch-downstream-port') && c.index !== undefined) {
      const chassis = t.chassis ?? c.index;
      const port = t.port ?? (a ? (c.model === 'pcie-root-port' ? a.slot * 8 + a.function : a.slot) : undefined);
      if (chassis !== t.chassis || port !== t.port) next = { ...next, target: { ...t, chassis, port } };
    }
    if ((c.model === 'pci-expander-bus' || c.model === 'pcie-expander-bus') && t.busNr === undefined) {
      const busNr = newBusNr(out);
      if (busNr !== undefined) next = { ...next, target: { ...t, busNr } };
    }
    if (c.model === 'pci-root' && family === 'pseries' && t.index === undefined) {
      const index = c.index === 0 ? 0 : newTargetIndex(out);
      if (index !== undefined) next = { ...next, target: { ...t, index } };
    }
    if (next !== c) {
      out[i] = next;
      changed = true;
    }
  }
  return changed ? { ...guest, controllers: out } : guest;
}

/** virDomainPCIAddressSetAllMulti(): multifunction='on' on function 0 of a slot with more functions, unless written 'off'. */
export function setAllMulti(guest: Guest): Guest {
  const slotsWithMore = new Set<string>();
  const key = (a: GuestPciAddress): string => `${a.domain}:${a.bus}:${a.slot}`;
  for (const x of [...guest.devices, ...guest.controllers]) if (x.address && x.address.function !== 0) slotsWithMore.add(key(x.address));
  if (slotsWithMore.size === 0) return guest;
  const fix = <T extends { address?: GuestPciAddress | undefined }>(x: T): T =>
    x.address && x.address.function === 0 && x.address.multifunction === undefined && slotsWithMore.has(key(x.address))
      ? { ...x, address: { ...x.address, multifunction: 'on' } }
      : x;
  return { ...guest, devices: guest.devices.map(fix), controllers: guest.controllers.map(fix) };
}
