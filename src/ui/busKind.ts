import type { MachineFamily, PciController } from '../engine/index.ts';
import { isPhb } from '../engine/index.ts';
import { controllerKindLabel } from './layout.ts';

/**
 * Whether a controller is a vPHB for people: a pci-root is a PAPR host bridge only on pseries (libvirt
 * gives it `<model name='spapr-pci-host-bridge'/>` there, qemuDomainPCIControllerSetDefaults in
 * src/qemu/qemu_domain_address.c); an i440fx guest's pci-root is its plain PCI root, with no PE.
 * The engine's isPhb() cannot tell them apart when no model name is written.
 */
export const shownAsPhb = (c: PciController, family: MachineFamily): boolean => family === 'pseries' && isPhb(c);

/** {@link controllerKindLabel} in the machine's words: "PCI root", never "vPHB", off pseries. */
export function busKindLabel(c: PciController, family: MachineFamily): string {
  return isPhb(c) && !shownAsPhb(c, family) ? 'PCI root' : controllerKindLabel(c);
}
