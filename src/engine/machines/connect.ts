import type { GuestDevice, Guest, MachineFamily, PciController } from '../model/guest.ts';
import { machineFamily } from '../model/guest.ts';
import type { HostDevice, Host } from '../model/host.ts';
import { formatPciAddress } from '../model/pci.ts';

/**
 * libvirt's connect-flag model (RULES.md §1): what each bus accepts and what each child is.
 * Sources: libvirt src/conf/domain_addr.c virDomainPCIAddressBusSetModel(),
 * virDomainPCIControllerModelToConnectType(); src/qemu/qemu_domain_address.c
 * qemuDomainDeviceCalculatePCIConnectFlags().
 */

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

export interface BusModel {
  readonly minSlot: number;
  readonly maxSlot: number;
  readonly accepts: readonly ConnectType[];
  /** libvirt auto-assigns endpoints here (AUTOASSIGN flag) */
  readonly autoAssign: boolean;
  /** HOTPLUGGABLE unless `<target hotplug='off'/>` */
  readonly hotplug: boolean;
}

const PCI_ENDPOINT_BUS: readonly ConnectType[] = ['pci-endpoint', 'pci-bridge'];

/** Table 1.1. */
export const BUS_MODELS: Readonly<Record<string, BusModel>> = {
  'pci-root': { minSlot: 1, maxSlot: 31, accepts: ['pci-endpoint', 'pci-bridge', 'pci-expander-bus'], autoAssign: true, hotplug: true },
  'pcie-root': { minSlot: 1, maxSlot: 31, accepts: ['pcie-endpoint', 'pcie-root-port', 'dmi-to-pci-bridge', 'pcie-expander-bus'], autoAssign: false, hotplug: false },
  'pcie-root-port': { minSlot: 0, maxSlot: 0, accepts: ['pcie-endpoint', 'pcie-switch-upstream-port', 'pcie-to-pci-bridge'], autoAssign: true, hotplug: true },
  'pcie-switch-downstream-port': { minSlot: 0, maxSlot: 0, accepts: ['pcie-endpoint', 'pcie-switch-upstream-port', 'pcie-to-pci-bridge'], autoAssign: true, hotplug: true },
  'pcie-switch-upstream-port': { minSlot: 0, maxSlot: 31, accepts: ['pcie-switch-downstream-port'], autoAssign: false, hotplug: false },
  'dmi-to-pci-bridge': { minSlot: 0, maxSlot: 31, accepts: PCI_ENDPOINT_BUS, autoAssign: false, hotplug: false },
  'pcie-to-pci-bridge': { minSlot: 1, maxSlot: 31, accepts: PCI_ENDPOINT_BUS, autoAssign: true, hotplug: true },
  'pci-bridge': { minSlot: 1, maxSlot: 31, accepts: PCI_ENDPOINT_BUS, autoAssign: true, hotplug: true },
  'pci-expander-bus': { minSlot: 0, maxSlot: 31, accepts: PCI_ENDPOINT_BUS, autoAssign: true, hotplug: true },
  'pcie-expander-bus': { minSlot: 0, maxSlot: 31, accepts: ['pcie-root-port', 'dmi-to-pci-bridge'], autoAssign: false, hotplug: false },
};

export function busModel(c: PciController): BusModel | undefined {
  return BUS_MODELS[c.model];
}

/** Table 1.2: a controller's connect type when it is the child; undefined for roots. */
export function controllerConnectType(c: PciController): ConnectType | undefined {
  switch (c.model) {
    case 'pci-bridge':
    case 'pcie-root-port':
    case 'pcie-switch-upstream-port':
    case 'pcie-switch-downstream-port':
    case 'dmi-to-pci-bridge':
    case 'pcie-to-pci-bridge':
    case 'pci-expander-bus':
    case 'pcie-expander-bus':
      return c.model;
    default:
      return undefined;
  }
}

/** The default `<model name>` libvirt fills in (GEN-MODEL-1), and what it must be. */
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

/** Does the guest have a pcie-root (q35, aarch64 virt)? Then PCIe-class devices are PCIe endpoints. */
export function hasPcieRoot(guest: Guest): boolean {
  const fam = machineFamily(guest);
  return fam === 'q35' || fam === 'virt' || guest.controllers.some((c) => c.model === 'pcie-root');
}

/** Devices that never take a PCI address (RULES.md §1.3 last bullet). */
export function takesPciAddress(d: GuestDevice, family: MachineFamily): boolean {
  if (d.address) return true;
  if (d.otherAddressType && d.otherAddressType !== 'pci') return false;
  switch (d.element) {
    case 'hostdev':
      return d.mode !== 'capabilities' && (d.type === 'pci' || d.type === 'mdev');
    case 'interface':
      if (d.type === 'hostdev') return true;
      if (d.model === 'usb-net' || d.model === 'spapr-vlan') return false;
      // pseries: an interface with no model is spapr-vlan; everywhere else it is a PCI NIC.
      return !(family === 'pseries' && d.model === undefined);
    case 'disk':
      return d.bus === 'virtio';
    case 'controller':
      if (d.type === 'usb') return d.model !== 'none' && !/^(qusb|usb_)/.test(d.model ?? '');
      if (d.type === 'scsi') return d.model !== 'ibmvscsi' && !(family === 'pseries' && d.model === undefined);
      if (d.type === 'ide' || d.type === 'fdc' || d.type === 'ccid' || d.type === 'xenbus' || d.type === 'isa') return false;
      return true;
    case 'video':
      return d.model !== 'ramfb' && d.model !== 'none';
    case 'sound':
      return d.model !== 'pcspk' && d.model !== 'usb';
    case 'memballoon':
      return d.model !== 'none';
    case 'watchdog':
      return d.model === 'i6300esb';
    case 'input':
      return d.bus === 'virtio';
    case 'panic':
      return d.model === 'pvpanic-pci';
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

/** §1.3: PCI or PCIe class, decided as libvirt does. Needs the host for hostdevs (PCIe capability). */
export function endpointConnectType(d: GuestDevice, guest: Guest, host?: Host): 'pci-endpoint' | 'pcie-endpoint' {
  if (!hasPcieRoot(guest)) return 'pci-endpoint';
  if (d.element === 'hostdev' || (d.element === 'interface' && d.type === 'hostdev')) {
    if (d.type === 'mdev') return 'pcie-endpoint';
    const hd = hostDeviceOf(d, host);
    // libvirt assumes PCIe when it cannot read the config space.
    return hd && !hd.pcie ? 'pci-endpoint' : 'pcie-endpoint';
  }
  if (d.element === 'iommu' || (d.element === 'panic' && d.model === 'pvpanic-pci')) return 'pcie-endpoint';
  const model = d.model ?? '';
  if (/transitional$/.test(model) && !/non-transitional$/.test(model)) return 'pci-endpoint';
  if (d.element === 'interface') {
    if (model === 'virtio' || model === 'virtio-non-transitional' || model === 'e1000e' || model === 'igb' || model === '') return 'pcie-endpoint';
    return 'pci-endpoint';
  }
  if (d.element === 'controller') {
    if (d.type === 'usb') return model === 'qemu-xhci' || model === 'nec-xhci' ? 'pcie-endpoint' : 'pci-endpoint';
    // no model: libvirt's default outside pseries/s390 is lsilogic, conventional PCI (qemuDomainDefaultSCSIControllerModel)
    if (d.type === 'scsi') return model === 'virtio-scsi' || model === 'virtio-non-transitional' ? 'pcie-endpoint' : 'pci-endpoint';
    if (d.type === 'virtio-serial') return 'pcie-endpoint';
    return 'pci-endpoint';
  }
  // no model: libvirt's default video on aarch64 virt is virtio (qemuDomainDefaultVideoModel); elsewhere vga/cirrus
  if (d.element === 'video') return model === 'virtio' || model === 'bochs' || (model === '' && machineFamily(guest) === 'virt') ? 'pcie-endpoint' : 'pci-endpoint';
  if (d.element === 'sound' || d.element === 'watchdog' || d.element === 'shmem' || d.element === 'serial' || d.element === 'pstore' || d.element === 'crypto') return 'pci-endpoint';
  return 'pcie-endpoint';
}

export function hostDeviceOf(d: GuestDevice, host?: Host): HostDevice | undefined {
  if (!host || !d.hostAddress) return undefined;
  return host.devices.get(formatPciAddress(d.hostAddress));
}

/** Does the bus of `parent` accept a child of this connect type (table 1.1, automatic placement)? */
export function busAccepts(parent: PciController, child: ConnectType): boolean {
  return busModel(parent)?.accepts.includes(child) ?? false;
}
