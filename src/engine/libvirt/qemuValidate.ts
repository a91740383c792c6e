import type { PciController } from '../model/guest.ts';
import type { LibvirtMachine } from './qemuDomain.ts';

/**
 * libvirt's QEMU driver validation, src/qemu/qemu_validate.c (libvirt 10.7): the checks that
 * refuse a domain whatever its addresses are.
 */

/**
 * qemuValidateDomainDeviceDefControllerPCI()'s refusal of a root bus away from index 0: "pSeries
 * guests can have multiple pci-root controllers, but other machine types only support a single
 * one" ("pci-root and pcie-root controllers should have index 0"; GEN-IDX-3). Returns libvirt's
 * message for the first such controller, undefined when there is none.
 */
export function qemuValidateDomainDeviceDefControllerPCIRootIndexError(controllers: readonly PciController[], machine: Pick<LibvirtMachine, 'family'>): string | undefined {
  const stray = controllers.find((c) => c.index !== undefined && c.index !== 0 && (c.model === 'pcie-root' || (c.model === 'pci-root' && machine.family !== 'pseries')));
  return stray === undefined ? undefined : 'pci-root and pcie-root controllers should have index 0';
}
