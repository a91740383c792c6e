import type { PciAddress } from '../model/pci.ts';

const hex = (n: number): string => n.toString(16);

/**
 * libvirt's check of a PCI address it has just read (src/util/virpci.c virPCIDeviceAddressIsValid),
 * applied by src/conf/device_conf.c virPCIDeviceAddressParseXML to every `<address type='pci'>` it
 * parses that is not empty (domain, bus and slot not all 0): a guest address and the host side of a
 * `<hostdev>`'s `<source>` alike. The domain is any unsigned int; bus, slot and function have the
 * widths of a PCI address.
 *
 * @returns libvirt's own message for the first field out of range (the define fails with it), or
 *   undefined when the address is valid or empty (an empty one is checked by its user).
 */
export function virPCIDeviceAddressIsValid(a: PciAddress): string | undefined {
  if (a.domain === 0 && a.bus === 0 && a.slot === 0) return undefined; // virPCIDeviceAddressIsEmpty: not checked at parse
  if (a.bus > 0xff) return `Invalid PCI address bus='0x${hex(a.bus)}', must be <= 0xFF`;
  if (a.slot > 0x1f) return `Invalid PCI address slot='0x${hex(a.slot)}', must be <= 0x1F`;
  if (a.function > 7) return `Invalid PCI address function=0x${hex(a.function)}, must be <= 7`;
  return undefined;
}
