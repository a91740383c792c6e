import type { GuestDevice } from './guest.ts';
import type { PciAddress } from './pci.ts';
import { pciAddressKey } from './pci.ts';

/**
 * The host as `virsh nodedev-dumpxml` describes it (libvirt docs/formatnode.rst, nodedev.rng).
 * On POWER an IOMMU group is a host PE; libvirt's pseries isolation group is its number + 1
 * (RULES.md PAPR-ISO-1).
 */
export interface HostDevice {
  /** `dddd:bb:ss.f`, the key used everywhere (data-testid `host-device-<address>`) */
  readonly address: string;
  readonly pci: PciAddress;
  /** nodedev name, e.g. `pci_0001_01_00_0` */
  readonly name?: string | undefined;
  readonly vendorId?: string | undefined;
  readonly vendorName?: string | undefined;
  readonly productId?: string | undefined;
  readonly productName?: string | undefined;
  /** `0x020000`: class, subclass, prog-if */
  readonly classCode?: string | undefined;
  /** bound host driver, e.g. `vfio-pci`, `mlx5_core`; undefined when none */
  readonly driver?: string | undefined;
  /** IOMMU group number; undefined when the host did not say (no IOMMU, or old libvirt) */
  readonly iommuGroup?: number | undefined;
  readonly numaNode?: number | undefined;
  /** true when the nodedev has `<pci-express>` (RULES.md Q35-HOSTDEV-1) */
  readonly pcie: boolean;
  /** header type 1/2: a bridge, exempt from HD-VFIO-1 */
  readonly bridge: boolean;
  /** SR-IOV: the PF of this VF */
  readonly physFunction?: string | undefined;
  /** SR-IOV: the active VFs of this PF */
  readonly virtFunctions: readonly string[];
  readonly sriovMaxVfs?: number | undefined;
}

export interface IommuGroup {
  readonly number: number;
  /** addresses of every device in the group, sorted */
  readonly members: readonly string[];
}

export interface Host {
  readonly devices: ReadonlyMap<string, HostDevice>;
  readonly groups: ReadonlyMap<number, IommuGroup>;
  /** free text, e.g. where it came from: shown in the UI */
  readonly label?: string | undefined;
}

/** Host PCI address order: domain, bus, slot, function, as numbers (lspci's order). */
const byPciAddress = (a: HostDevice, b: HostDevice): number => a.pci.domain - b.pci.domain || a.pci.bus - b.pci.bus || a.pci.slot - b.pci.slot || a.pci.function - b.pci.function;

/**
 * The host of these devices, in PCI address order. The order compares the numbers, not the address
 * text with localeCompare (the same order for `dddd:bb:ss.f`), which loaded the browser's collation
 * data while the first design was being opened.
 */
export function makeHost(devices: readonly HostDevice[], label?: string): Host {
  const byAddress = new Map<string, HostDevice>();
  for (const d of [...devices].sort(byPciAddress)) byAddress.set(d.address, d);
  const members = new Map<number, Set<string>>();
  for (const d of byAddress.values()) {
    if (d.iommuGroup === undefined) continue;
    let set = members.get(d.iommuGroup);
    if (!set) members.set(d.iommuGroup, (set = new Set()));
    set.add(d.address);
  }
  const groups = new Map<number, IommuGroup>();
  for (const n of [...members.keys()].sort((a, b) => a - b)) {
    groups.set(n, { number: n, members: [...(members.get(n) as Set<string>)].sort() });
  }
  return { devices: byAddress, groups, label };
}

/** The host device a hostdev passes through (its `<source><address>`), when the host has it. */
export function hostDeviceOf(d: Pick<GuestDevice, 'hostAddress'>, host: Host | undefined): HostDevice | undefined {
  if (!host || !d.hostAddress) return undefined;
  return host.devices.get(pciAddressKey(d.hostAddress));
}
