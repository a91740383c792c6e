import { describe, expect, it } from 'vitest';
import { createDesign, type Design } from '../../engine/index.ts';
import { hostAssumptions } from './host.ts';
import { formatVerifyReport } from './report.ts';

/**
 * verify takes no host: on pseries the hostdevs' host IOMMU groups (PEs) are unknown to it, and
 * libvirt here reads this machine's (qemuDomainFillDeviceIsolationGroup). Real libvirt 9.0 here, with
 * neither host device present, puts two unaddressed hostdevs on vPHB 0 at 00:03.0 and 00:04.0 with
 * the emulated devices (pcitopo verify on the PSERIES document below).
 */
const domain = (machine: string, arch: string, devices: string): Design => {
  const r = createDesign(`<domain type='kvm'><name>hd</name><memory unit='KiB'>1048576</memory><os><type arch='${arch}' machine='${machine}'>hvm</type></os><devices>
${devices}
</devices></domain>`);
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
};
const hostdev = (host: string, guest?: string) => {
  const [d, b, s] = host.split(/[:.]/);
  return `<hostdev mode='subsystem' type='pci' managed='yes'><source><address domain='0x${d}' bus='0x${b}' slot='0x${s}' function='0x0'/></source>${guest ? `<address type='pci' domain='0x0000' bus='0x00' slot='${guest}' function='0x0'/>` : ''}</hostdev>`;
};
const nowhere = () => false;

describe('hostAssumptions: what verify says of the host it is not given', () => {
  it('pseries, hostdevs not on this machine and left to libvirt: assumed isolated, and libvirt here isolated none', () => {
    const lines = hostAssumptions(domain('pseries', 'ppc64le', hostdev('0001:01:00.0') + hostdev('0001:02:00.0')), nowhere);
    expect(lines).toEqual([
      'no host given: the host IOMMU groups (PEs) of the 2 hostdevs (0001:01:00.0, 0001:02:00.0) are not known to verify; pcitopo assumed each host device (domain:bus:slot) a group of its own, isolated',
      'libvirt here could not read the IOMMU group of 0001:01:00.0, 0001:02:00.0 (not on this machine), so it isolated none of them: it put 0001:01:00.0, 0001:02:00.0, left without an address, on a vPHB with the emulated devices, where their own host gives each IOMMU group a vPHB of its own',
      "'pcitopo validate DOMAIN.xml --host HOST.xml' judges the PEs against the host's own groups",
    ]);
  });

  it('a hostdev the design addresses: nothing moved, said so; one hostdev in the singular', () => {
    const lines = hostAssumptions(domain('pseries', 'ppc64le', hostdev('0001:01:00.0', '0x05')), nowhere);
    expect(lines[0]).toContain('of the hostdev (0001:01:00.0)');
    expect(lines[1]).toBe('libvirt here could not read the IOMMU group of 0001:01:00.0 (not on this machine), so it did not isolate it (the design writes its address: it did not move)');
    const two = hostAssumptions(domain('pseries', 'ppc64le', hostdev('0001:01:00.0', '0x05') + hostdev('0001:02:00.0', '0x06')), nowhere);
    expect(two[1]).toBe('libvirt here could not read the IOMMU group of 0001:01:00.0, 0001:02:00.0 (not on this machine), so it isolated none of them (the design writes their addresses: none moved)');
  });

  it('a hostdev whose group this machine has: libvirt read this machine\'s, right only on its host', () => {
    const lines = hostAssumptions(domain('pseries', 'ppc64le', hostdev('0001:01:00.0') + hostdev('0001:02:00.0')), (a) => a === '0001:02:00.0');
    expect(lines).toContain("libvirt here read this machine's IOMMU groups for 0001:02:00.0: right for the guest only if this machine is its host");
    expect(lines.some((l) => l.startsWith('libvirt here could not read the IOMMU group of 0001:01:00.0 (not on this machine)'))).toBe(true);
  });

  it('nothing to say: pseries without hostdevs, or another machine (no isolation groups there)', () => {
    expect(hostAssumptions(domain('pseries', 'ppc64le', "<interface type='network'><source network='default'/><model type='virtio'/></interface>"), nowhere)).toEqual([]);
    expect(hostAssumptions(domain('q35', 'x86_64', hostdev('0000:01:00.0')), nowhere)).toEqual([]);
  });

  it('the report prints them under their heading', () => {
    const text = formatVerifyReport({ ok: true, stage: 'done', controllers: [], devices: [], substitutions: [], timingMs: {}, hostAssumed: ['no host given: x', 'y'] });
    expect(text).toContain('\nHost not given (verify takes the design alone):\n  - no host given: x\n  - y\n');
    expect(formatVerifyReport({ ok: true, stage: 'done', controllers: [], devices: [], substitutions: [], timingMs: {} })).not.toContain('Host not given');
  });
});
