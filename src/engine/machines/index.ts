import type { Guest, MachineFamily } from '../model/guest.ts';
import { qemuDomainHasPCIeRoot } from '../libvirt/qemuDomain.ts';
import { PCIE_BLOCKS } from './blocks.ts';
import { I440FX } from './i440fx.ts';
import { PSERIES } from './pseries.ts';
import { Q35 } from './q35.ts';
import type { BuildingBlock, MachineProfile } from './types.ts';
import { VIRT } from './virt.ts';

/**
 * The machine registry: one profile per family pcitopo places, in one list. Everything that
 * depends on the machine asks the profile (machineProfile(guest)); nothing else tests machine
 * names. A new family is a new file next to this one and its line in {@link MACHINE_PROFILES}.
 */
export const MACHINE_PROFILES: readonly MachineProfile[] = [PSERIES, Q35, VIRT, I440FX];

/**
 * Any machine no profile recognises (g3beige, mac99, powernv, versatilepb, s390-ccw-virtio,
 * `pc-q35` without a version, …): rules that apply to every machine still run; nothing is placed.
 * libvirt would still add a pci-root where an address names bus 0 (s390 zPCI).
 */
export const OTHER_MACHINE: MachineProfile = {
  family: 'other',
  label: 'other',
  matches: () => false,
  rootModel: 'pci-root',
  root: { key: 'implicit-pci-root', index: 0, model: 'pci-root', target: {}, implicit: true },
  defaultModels: {},
  defaultDevices: { sata: false, memballoon: false },
  placeable: false,
  buildingBlocks: ['pci-bridge'],
};

/**
 * The profile of the guest's machine (`<os><type arch machine>`), or {@link OTHER_MACHINE}. No
 * machine written: the arch's default machine (MachineProfile.defaultForArchs; no arch: x86_64).
 */
export function machineProfile(guest: Pick<Guest, 'arch' | 'machine'>): MachineProfile {
  if (guest.machine === undefined) {
    const arch = guest.arch ?? 'x86_64';
    return MACHINE_PROFILES.find((p) => p.defaultForArchs?.includes(arch)) ?? OTHER_MACHINE;
  }
  const machine = guest.machine;
  return MACHINE_PROFILES.find((p) => p.matches(guest.arch, machine)) ?? OTHER_MACHINE;
}

/** Which rule set and placement apply (RULES.md PAPR-MACH-1, VIRT-ROOT-1): the family of the guest's machine profile. */
export function machineFamily(guest: Pick<Guest, 'arch' | 'machine'>): MachineFamily {
  return machineProfile(guest).family;
}

/** The profile of a family ({@link OTHER_MACHINE} for 'other'). */
export function profileOf(family: MachineFamily): MachineProfile {
  return MACHINE_PROFILES.find((p) => p.family === family) ?? OTHER_MACHINE;
}

/** Does the guest have a PCIe root (q35, aarch64 virt, or a written pcie-root)? Then PCIe-class devices are PCIe endpoints. */
export function hasPcieRoot(guest: Pick<Guest, 'arch' | 'machine' | 'controllers'>): boolean {
  return qemuDomainHasPCIeRoot(guest, machineProfile(guest));
}

/**
 * The blocks the designer offers for this guest: its machine's, except that a design with a
 * pcie-root its machine does not have (an i440fx left with one, r04) is built like a PCIe
 * machine. The first is what "Add a bus" adds.
 */
export function buildingBlocksFor(guest: Pick<Guest, 'arch' | 'machine' | 'controllers'>): readonly BuildingBlock[] {
  const p = machineProfile(guest);
  if (p.buildingBlocks.includes('vphb') || p.rootModel === 'pcie-root') return p.buildingBlocks;
  return hasPcieRoot(guest) ? PCIE_BLOCKS : p.buildingBlocks;
}

/** The families with a new-design template (machine-select). */
export type TemplateMachine = 'pseries' | 'q35' | 'virt';

/** New-design templates by family, from the profiles. */
export const MACHINE_TEMPLATES: Readonly<Record<TemplateMachine, string>> = Object.fromEntries(
  MACHINE_PROFILES.flatMap((p) => (p.template === undefined ? [] : [[p.family, p.template] as const])),
) as Record<TemplateMachine, string>;

/** What `place` says about a machine it does not place. */
export function unplacedMachineNote(guest: Pick<Guest, 'machine'>): string {
  const placed = MACHINE_PROFILES.filter((p) => p.placeable).map((p) => p.label).join(', ');
  return `machine '${guest.machine ?? '?'}' is not one pcitopo places (${placed}): nothing was placed`;
}

export { PSERIES, Q35, VIRT, I440FX };
export type { BuildingBlock, MachineProfile } from './types.ts';
export { blockControllers, chassisPicker, MAX_SWITCH_PORTS, PCIE_BLOCKS, spareKind, type BlockPlace, type SpareKind } from './blocks.ts';
