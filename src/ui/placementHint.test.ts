import { describe, expect, it } from 'vitest';
import { createDesign } from '../engine/index.ts';
import { libvirtHints } from './placementHint.ts';

const domain = (machine: string, arch: string) =>
  `<domain type='kvm'><name>hint</name><memory>1048576</memory><os><type arch='${arch}' machine='${machine}'>hvm</type></os><devices><disk type='file' device='disk'><target dev='vda' bus='virtio'/></disk><memballoon model='none'/></devices></domain>`;

function hintOf(machine: string, arch: string): string | undefined {
  const r = createDesign(domain(machine, arch), undefined, `${machine}.xml`);
  if (!r.ok) throw new Error(r.error.message);
  const disk = r.value.guest.devices.find((d) => d.label === 'disk vda');
  if (!disk) throw new Error('no disk vda');
  return libvirtHints(r.value).get(disk.key);
}

describe('libvirtHints', () => {
  // libvirt's pci-bridge-many-disks.xml (machine 'pc', 105 disks without an address) read
  // "libvirt: vPHB 0, slot 0x05" for every disk: the pseries word for an i440fx pci-root
  it('names the bus libvirt would use in the machine\'s words: PCI root on i440fx, vPHB on pseries', () => {
    expect(hintOf('pc', 'x86_64')).toMatch(/^libvirt: PCI root 0, slot 0x[0-9a-f]{2}$/);
    expect(hintOf('pseries', 'ppc64')).toMatch(/^libvirt: vPHB 0, slot 0x[0-9a-f]{2}$/);
  });
});
