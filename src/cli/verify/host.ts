/**
 * What `verify` assumes of the host it is not given. On pseries libvirt isolates each PCI hostdev
 * by its host IOMMU group (a PE): qemuDomainFillDeviceIsolationGroup() (src/qemu/qemu_domain_address.c)
 * reads the group from sysfs of the machine libvirt runs on (virPCIDeviceAddressGetIOMMUGroupNum:
 * /sys/bus/pci/devices/ADDR/iommu_group), and one it cannot read is left in group 0 with the emulated
 * devices ("Can't look up isolation group for host device …, device won't be isolated"), so libvirt
 * puts such a hostdev the XML leaves unaddressed on the default vPHB instead of a vPHB of its own.
 * verify takes no host file and runs here: the guest's host's groups are unknown to it, and the
 * engine stands in one group per host device (domain:bus:slot, qemuDomainFillDeviceIsolationGroup
 * with no host), i.e. takes every hostdev as isolated. The report says so, and what libvirt here read.
 */
import type { Design } from '../../engine/index.ts';
import { formatPciAddress, isHostdevLike, machineFamily } from '../../engine/index.ts';

/** Whether libvirt on this machine can read the IOMMU group of host device `address` ("0001:01:00.0"). */
export type GroupReadable = (address: string) => boolean;

const list = (xs: readonly string[]): string => (xs.length <= 4 ? xs.join(', ') : `${xs.slice(0, 4).join(', ')} and ${xs.length - 4} more`);

/**
 * The lines of the report's "no host given" part for a pseries design with PCI hostdevs (none
 * otherwise): what verify assumed of their host IOMMU groups, and what libvirt here made of them.
 */
export function hostAssumptions(design: Design, readable: GroupReadable): string[] {
  if (machineFamily(design.guest) !== 'pseries') return [];
  const hostdevs = design.guest.devices.filter((d) => isHostdevLike(d) && d.hostAddress && !d.implicit);
  if (hostdevs.length === 0) return [];
  const name = (d: (typeof hostdevs)[number]): string => formatPciAddress(d.hostAddress as NonNullable<typeof d.hostAddress>);
  const lines = [
    `no host given: the host IOMMU groups (PEs) of the ${hostdevs.length === 1 ? 'hostdev' : `${hostdevs.length} hostdevs`} (${list(hostdevs.map(name))}) are not known to verify; pcitopo assumed each host device (domain:bus:slot) a group of its own, isolated`,
  ];
  const unread = hostdevs.filter((d) => !readable(name(d)));
  const read = hostdevs.filter((d) => readable(name(d)));
  if (unread.length > 0) {
    const unaddressed = unread.filter((d) => !d.address);
    const one = unread.length === 1;
    lines.push(
      `libvirt here could not read the IOMMU group of ${list(unread.map(name))} (not on this machine), so it ${one ? 'did not isolate it' : 'isolated none of them'}${
        unaddressed.length > 0
          ? `: it put ${list(unaddressed.map(name))}, left without an address, on a vPHB with the emulated devices, where their own host gives each IOMMU group a vPHB of its own`
          : one
            ? ' (the design writes its address: it did not move)'
            : ' (the design writes their addresses: none moved)'
      }`,
    );
  }
  if (read.length > 0) lines.push(`libvirt here read this machine's IOMMU groups for ${list(read.map(name))}: right for the guest only if this machine is its host`);
  lines.push("'pcitopo validate DOMAIN.xml --host HOST.xml' judges the PEs against the host's own groups");
  return lines;
}
