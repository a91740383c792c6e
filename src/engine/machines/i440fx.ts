import { PIIX3_CHIPSET } from '../libvirt/qemuDomainAddress.ts';
import type { MachineProfile } from './types.ts';

/**
 * x86 `pc` (i440FX + PIIX3): a conventional `pci-root` with pci-bridges for more buses; the PIIX3
 * functions at 00:01 and the primary video at 00:02 (qemuDomainValidateDevicePCISlotsPIIX3).
 */
export const I440FX: MachineProfile = {
  family: 'i440fx',
  label: 'i440fx',
  /** qemuDomainMachineIsI440FX(): ARCH_IS_X86 and `pc`, `pc-0.*`, `pc-1.*`, `pc-i440fx-*` or `rhel*`. */
  matches: (arch, machine) =>
    (arch === undefined || arch === 'x86_64' || arch === 'i686') &&
    (machine === 'pc' || machine.startsWith('pc-0.') || machine.startsWith('pc-1.') || machine.startsWith('pc-i440fx-') || machine.startsWith('rhel')),
  defaultForArchs: ['x86_64', 'i686'],
  rootModel: 'pci-root',
  root: { key: 'implicit-pci-root', index: 0, model: 'pci-root', target: {}, implicit: true },
  defaultModels: { usb: 'piix3-uhci', net: 'rtl8139', scsi: 'lsilogic', video: 'cirrus' },
  defaultDevices: { sata: false, usb: 'piix3-uhci', memballoon: true },
  chipset: PIIX3_CHIPSET,
  placeable: true,
  placementNote: 'i440fx (pc) is placed best effort: check the result with pcitopo verify',
  buildingBlocks: ['pci-bridge'],
};
