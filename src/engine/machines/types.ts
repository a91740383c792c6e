import type { MachineFamily } from '../model/guest.ts';
import type { LibvirtMachine } from '../libvirt/qemuDomain.ts';

/** What the toolbar's "Add…" menu builds (machines/blocks.ts says what each looks like). */
export type BuildingBlock = 'vphb' | 'pci-bridge' | 'root-port' | 'pcie-to-pci-bridge' | 'switch';

/**
 * Everything pcitopo knows of one machine family, in one place: how libvirt recognises it, what
 * libvirt asks of it at define time ({@link LibvirtMachine}: root bus, chipset, default devices and
 * models), what the designer offers to build on it, and the new-design template. Adding a family
 * is one new profile plus its line in the registry (machines/index.ts).
 */
export interface MachineProfile extends LibvirtMachine {
  readonly family: MachineFamily;
  /** for people: "pseries", "q35", "aarch64 virt", "i440fx (pc)" */
  readonly label: string;
  /**
   * Does libvirt treat `<os><type arch machine>` as this family (qemuDomainMachineIsPSeries(),
   * qemuDomainMachineIsQ35(), …, src/qemu/qemu_domain.c)? Exactly libvirt's name test; an arch not
   * written is taken to be one this machine exists for.
   */
  matches(arch: string | undefined, machine: string): boolean;
  /**
   * The archs whose domains get this machine when `<os><type>` names none: libvirt takes the QEMU
   * binary's default machine (virQEMUCapsGetPreferredMachine: `pc` on x86, `pseries` on ppc64,
   * `virt` on aarch64, which libvirt prefers there). An arch not written is the host's; pcitopo
   * takes x86_64.
   */
  readonly defaultForArchs?: readonly string[] | undefined;
  /** `place` and the define prediction model this family's PCI topology */
  readonly placeable: boolean;
  /** said with every placement: how far pcitopo's model of this family goes */
  readonly placementNote?: string | undefined;
  /** the blocks the "Add…" menu offers, the first being the one "Add a bus" adds */
  readonly buildingBlocks: readonly BuildingBlock[];
  /** the smallest domain XML libvirt accepts for a new design on this family, root written out */
  readonly template?: string | undefined;
}
