/**
 * Starting points for "New design" (machine-select): the smallest domain XML that libvirt accepts
 * for each machine family, with its root controller written out so the tree is never empty.
 */
export type TemplateMachine = 'pseries' | 'q35' | 'virt';

const PSERIES = `<domain type='kvm'>
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
`;

const Q35 = `<domain type='kvm'>
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
`;

const VIRT = `<domain type='kvm'>
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
`;

export const MACHINE_TEMPLATES: Readonly<Record<TemplateMachine, string>> = { pseries: PSERIES, q35: Q35, virt: VIRT };
