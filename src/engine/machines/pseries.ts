import type { MachineProfile } from './types.ts';

/**
 * IBM POWER `pseries` (PAPR): every PCI host bridge is a `pci-root` controller, a vPHB with its
 * own PE, DMA window and EEH (RULES.md §2). libvirt places passed-through devices of different
 * host IOMMU groups on different PHBs (qemuDomainSetupIsolationGroups) and adds PHBs, not bridges,
 * for buses it needs (qemuDomainPCIAddressSetCreate). No chipset of its own on the PCI bus.
 */
export const PSERIES: MachineProfile = {
  family: 'pseries',
  label: 'pseries',
  /** qemuDomainMachineIsPSeries(): ARCH_IS_PPC64 and `pseries` or `pseries-*`. */
  matches: (arch, machine) => (arch === undefined || arch === 'ppc64' || arch === 'ppc64le') && (machine === 'pseries' || machine.startsWith('pseries-')),
  defaultForArchs: ['ppc64', 'ppc64le'],
  rootModel: 'pci-root',
  root: { key: 'implicit-pci-root', index: 0, model: 'pci-root', modelName: 'spapr-pci-host-bridge', target: { index: 0 }, implicit: true },
  defaultModels: { usb: 'pci-ohci', net: 'rtl8139', scsi: 'ibmvscsi', video: 'vga' },
  defaultDevices: { sata: false, usb: 'pci-ohci', memballoon: true },
  placeable: true,
  buildingBlocks: ['vphb', 'pci-bridge'],
  template: `<domain type='kvm'>
  <name>new-pseries</name>
  <memory unit='GiB'>4</memory>
  <vcpu placement='static'>4</vcpu>
  <os>
    <type arch='ppc64le' machine='pseries'>hvm</type>
  </os>
  <devices>
    <emulator>/usr/bin/qemu-system-ppc64</emulator>
    <controller type='pci' index='0' model='pci-root'>
      <model name='spapr-pci-host-bridge'/>
      <target index='0'/>
    </controller>
  </devices>
</domain>
`,
};
