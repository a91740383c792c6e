import { PCIE_BLOCKS } from './blocks.ts';
import type { MachineProfile } from './types.ts';

/**
 * ARM (and RISC-V) `virt`: a generic PCIe host bridge (GPEX) as `pcie-root`, built like q35's
 * PCIe side without a chipset on the bus. libvirt adds neither a USB controller nor a memballoon
 * here (qemuDomainDefAddDefaultDevices), and its default models are virtio (RULES.md VIRT-*).
 */
export const VIRT: MachineProfile = {
  family: 'virt',
  label: 'aarch64 virt',
  /**
   * qemuDomainMachineIsARMVirt() (armv6l, armv7l, aarch64) and qemuDomainMachineIsRISCVVirt()
   * (riscv64): `virt` or `virt-*`.
   */
  matches: (arch, machine) =>
    (arch === undefined || arch === 'aarch64' || arch === 'armv7l' || arch === 'armv6l' || arch === 'riscv64') && (machine === 'virt' || machine.startsWith('virt-')),
  defaultForArchs: ['aarch64'],
  rootModel: 'pcie-root',
  root: { key: 'implicit-pci-root', index: 0, model: 'pcie-root', target: {}, implicit: true },
  defaultModels: { usb: 'qemu-xhci', net: 'virtio', scsi: 'lsilogic', video: 'virtio' },
  defaultDevices: { sata: false, memballoon: false },
  placeable: true,
  buildingBlocks: PCIE_BLOCKS,
  template: `<domain type='kvm'>
  <name>new-virt</name>
  <memory unit='GiB'>4</memory>
  <vcpu placement='static'>4</vcpu>
  <os>
    <type arch='aarch64' machine='virt'>hvm</type>
  </os>
  <devices>
    <emulator>/usr/bin/qemu-system-aarch64</emulator>
    <controller type='pci' index='0' model='pcie-root'/>
  </devices>
</domain>
`,
};
