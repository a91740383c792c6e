import { Q35_CHIPSET } from '../libvirt/qemuDomainAddress.ts';
import { PCIE_BLOCKS } from './blocks.ts';
import type { MachineProfile } from './types.ts';

/**
 * x86 `q35` (ICH9): a `pcie-root` with PCIe root ports, switches and bridges under it (QEMU
 * docs/pcie.txt), the ICH9 functions at fixed slots (LPC 00:1f.0, SATA 00:1f.2, SMBus 00:1f.3,
 * qemuDomainValidateDevicePCISlotsQ35), and a SATA controller libvirt always adds.
 */
export const Q35: MachineProfile = {
  family: 'q35',
  label: 'q35',
  /** qemuDomainMachineIsQ35(): ARCH_IS_X86 and `q35` or `pc-q35-*` (`pc-q35` alone is not q35: libvirt finds no PCI bus). */
  matches: (arch, machine) => (arch === undefined || arch === 'x86_64' || arch === 'i686') && (machine === 'q35' || machine.startsWith('pc-q35-')),
  rootModel: 'pcie-root',
  root: { key: 'implicit-pci-root', index: 0, model: 'pcie-root', target: {}, implicit: true },
  defaultModels: { usb: 'piix3-uhci', net: 'rtl8139', scsi: 'lsilogic', video: 'cirrus' },
  defaultDevices: { sata: true, usb: 'qemu-xhci', memballoon: true },
  chipset: Q35_CHIPSET,
  placeable: true,
  buildingBlocks: PCIE_BLOCKS,
  template: `<domain type='kvm'>
  <name>new-q35</name>
  <memory unit='GiB'>4</memory>
  <vcpu placement='static'>4</vcpu>
  <os>
    <type arch='x86_64' machine='q35'>hvm</type>
  </os>
  <devices>
    <emulator>/usr/bin/qemu-system-x86_64</emulator>
    <controller type='pci' index='0' model='pcie-root'/>
  </devices>
</domain>
`,
};
