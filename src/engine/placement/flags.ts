import type { Guest, GuestDevice, MachineFamily, PciController } from '../model/guest.ts';
import { machineFamily } from '../model/guest.ts';
import type { Host } from '../model/host.ts';
import { endpointConnectType, hasPcieRoot, hostDeviceOf, takesPciAddress } from '../machines/connect.ts';

/**
 * libvirt's connect flags as a bit mask, so the address-set simulation can do what
 * virDomainPCIAddressFlagsCompatible() does (src/conf/domain_addr.h, virDomainPCIConnectFlags).
 */
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
} as const;

export const TYPES_MASK = (1 << 10) - 1;

export interface BusShape {
  readonly flags: number;
  readonly minSlot: number;
  readonly maxSlot: number;
}

/** virDomainPCIAddressBusSetModel(): what a controller's bus accepts, its slots, and AUTOASSIGN. */
export function busShape(model: string): BusShape | undefined {
  switch (model) {
    case 'pci-root':
    case 'pci-bridge':
      return { flags: F.AUTOASSIGN | F.PCI_DEVICE | F.PCI_BRIDGE | (model === 'pci-root' ? F.PCI_EXPANDER_BUS : 0), minSlot: 1, maxSlot: 31 };
    case 'pci-expander-bus':
      return { flags: F.AUTOASSIGN | F.PCI_DEVICE | F.PCI_BRIDGE, minSlot: 0, maxSlot: 31 };
    case 'pcie-root':
      return { flags: F.PCIE_DEVICE | F.PCIE_ROOT_PORT | F.DMI_TO_PCI_BRIDGE | F.PCIE_EXPANDER_BUS, minSlot: 1, maxSlot: 31 };
    case 'dmi-to-pci-bridge':
      return { flags: F.PCI_DEVICE | F.PCI_BRIDGE, minSlot: 0, maxSlot: 31 };
    case 'pcie-to-pci-bridge':
      return { flags: F.AUTOASSIGN | F.PCI_DEVICE | F.PCI_BRIDGE, minSlot: 1, maxSlot: 31 };
    case 'pcie-root-port':
    case 'pcie-switch-downstream-port':
      return { flags: F.AUTOASSIGN | F.PCIE_DEVICE | F.PCIE_SWITCH_UPSTREAM_PORT | F.PCIE_TO_PCI_BRIDGE, minSlot: 0, maxSlot: 0 };
    case 'pcie-switch-upstream-port':
      return { flags: F.PCIE_SWITCH_DOWNSTREAM_PORT, minSlot: 0, maxSlot: 31 };
    case 'pcie-expander-bus':
      return { flags: F.PCIE_ROOT_PORT | F.DMI_TO_PCI_BRIDGE, minSlot: 0, maxSlot: 31 };
    default:
      return undefined;
  }
}

/** virDomainPCIControllerModelToConnectType(): a controller as the child. 0 for roots. */
export function controllerFlags(model: string): number {
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

export function isRootModel(model: string): boolean {
  return model === 'pci-root' || model === 'pcie-root';
}

/** The USB controller model libvirt picks when `<controller type='usb'>` has none (qemuDomainDefaultUSBControllerModel, latest caps). */
export function defaultUsbModel(family: MachineFamily): string | undefined {
  switch (family) {
    case 'pseries':
      return 'pci-ohci';
    case 'q35':
    case 'virt':
      return 'qemu-xhci';
    case 'i440fx':
      return 'piix3-uhci';
    default:
      return undefined;
  }
}

/** The device as libvirt sees it after filling defaults that decide its connect type. */
function effective(d: GuestDevice, family: MachineFamily): GuestDevice {
  if (d.element === 'controller' && d.type === 'usb' && d.model === undefined) {
    const model = defaultUsbModel(family);
    return model ? { ...d, model } : d;
  }
  return d;
}

/**
 * Does libvirt want a PCI address for this device (virDeviceInfoPCIAddressIsWanted plus the
 * per-kind filters of qemuDomainAssignDevicePCISlots)? Extends takesPciAddress() with the
 * `<serial><target type='pci-serial'/>` spelling libvirt writes.
 */
export function wantsPciAddress(d: GuestDevice, family: MachineFamily): boolean {
  if (d.otherAddressType !== undefined && d.otherAddressType !== 'pci') return false;
  if (d.element === 'serial') return d.bus === 'pci-serial' || d.bus === 'pci' || d.type === 'pci';
  return takesPciAddress(effective(d, family), family);
}

/** qemuDomainDeviceCalculatePCIConnectFlags() for an endpoint: PCI or PCIe, and AUTOASSIGN. */
export function deviceFlags(d: GuestDevice, guest: Guest, host: Host | undefined): number {
  const family = machineFamily(guest);
  const e = effective(d, family);
  if (!hasPcieRoot(guest)) return F.PCI_DEVICE | F.AUTOASSIGN;
  if (e.element === 'serial') return F.PCI_DEVICE | F.AUTOASSIGN;
  return (endpointConnectType(e, guest, host) === 'pcie-endpoint' ? F.PCIE_DEVICE : F.PCI_DEVICE) | F.AUTOASSIGN;
}

export function isHostdevLike(d: GuestDevice): boolean {
  return (d.element === 'hostdev' && (d.type === 'pci' || d.type === undefined)) || (d.element === 'interface' && d.type === 'hostdev');
}

/** RULES.md PAPR-ISO-1: host IOMMU group + 1 for PCI hostdevs on pseries, 0 for everything else. */
export function isolationGroup(d: GuestDevice, family: MachineFamily, host: Host | undefined): number {
  if (family !== 'pseries' || !isHostdevLike(d)) return 0;
  const group = hostDeviceOf(d, host)?.iommuGroup;
  return group === undefined ? 0 : group + 1;
}

/**
 * qemuDomainAssignDevicePCISlots() order (RULES.md GEN-ORDER-1). Hostdev-type interfaces sit in
 * def->hostdevs ahead of every `<hostdev>` because libvirt parses `<interface>` first.
 */
export function orderRank(d: GuestDevice): number {
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
 * Devices in libvirt's assignment order. Non-PCI controllers are kept the way
 * virDomainControllerInsertPreAlloced() keeps def->controllers: grouped by type, in order of
 * the type's first appearance, document order within a type.
 */
export function assignmentOrder(devices: readonly GuestDevice[]): GuestDevice[] {
  const typeRank = new Map<string, number>();
  for (const d of devices) if (d.element === 'controller' && !typeRank.has(d.type ?? '')) typeRank.set(d.type ?? '', typeRank.size);
  return devices
    .map((d, i) => ({ d, i }))
    .sort((a, b) => {
      const r = orderRank(a.d) - orderRank(b.d);
      if (r !== 0) return r;
      if (a.d.element === 'controller' && b.d.element === 'controller') {
        const t = (typeRank.get(a.d.type ?? '') ?? 0) - (typeRank.get(b.d.type ?? '') ?? 0);
        if (t !== 0) return t;
      }
      return a.i - b.i;
    })
    .map((x) => x.d);
}

export function controllerNeedsAddress(c: PciController): boolean {
  return !isRootModel(c.model) && c.address === undefined && controllerFlags(c.model) !== 0;
}
