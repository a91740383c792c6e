import { describe, expect, it } from 'vitest';
import { applyCommand } from '../../src/engine/commands/commands.ts';
import { at, ctrl, dev, q35, rootPort, virt } from '../../src/engine/rules/testkit.ts';
import type { Design } from '../../src/engine/model/design.ts';
import type { Finding } from '../../src/engine/rules/types.ts';
import { findingsOf } from './alone.ts';

/**
 * GEN-INTEGRATED-1's branches beyond its case table (issue 11; docs/mutation.md), after libvirt's
 * virDomainPCIAddressFlagsCompatible (src/conf/domain_addr.c: a device with the INTEGRATED flag
 * "needs to be an integrated device (bus=0)") and qemuDomainDeviceCalculatePCIConnectFlags
 * (src/qemu/qemu_domain_address.c: virtio-iommu and pvpanic-pci get that flag): the message in
 * libvirt's words, the fix to the first free slot of bus 0 (none when bus 0 is full), and which
 * devices are judged at all.
 */

const of = (d: Design): Finding[] => findingsOf(d, 'GEN-INTEGRATED-1');

describe('GEN-INTEGRATED-1', () => {
  it('virtio-iommu behind a root port: libvirt\'s words, and the fix moves it to the first free slot of bus 0', () => {
    const d = q35([rootPort(1, 1)], [dev('iommu0', 'iommu', at(1, 0), { model: 'virtio' })]);
    const got = of(d);
    expect(got.map((f) => [f.message, f.subjects])).toEqual([['The device at PCI address bus 0x01 slot 0x00 function 0x0 (iommu0) needs to be an integrated device (bus=0).', { devices: ['iommu0'] }]]);
    expect(got[0]?.fixes?.map((f) => f.label)).toEqual(['Move iommu0 to bus 0x00 slot 0x02']);
    expect(of(applyCommand(d, got[0]!.fixes![0]!.command))).toEqual([]);
  });

  it('no fix when bus 0 has no free slot left', () => {
    const ports = Array.from({ length: 30 }, (_, i) => ctrl('pcie-root-port', i + 1, { address: at(0, i + 1), target: { chassis: i + 1 } }));
    const got = of(q35(ports, [dev('iommu0', 'iommu', at(1, 0), { model: 'virtio' })]));
    expect(got.map((f) => [f.severity, f.message])).toEqual([['error', 'The device at PCI address bus 0x01 slot 0x00 function 0x0 (iommu0) needs to be an integrated device (bus=0).']]);
    expect(got[0]?.fixes).toBeUndefined();
  });

  it('only integrated devices with an address off bus 0 are judged', () => {
    expect(of(q35([rootPort(1, 1)], [dev('iommu0', 'iommu', at(1, 0), { model: 'intel' }), dev('vda', 'disk', at(1, 0))]))).toEqual([]);
    expect(of(q35([], [dev('iommu0', 'iommu', undefined, { model: 'virtio' })]))).toEqual([]);
    expect(of(virt([rootPort(1, 1)], [dev('panic0', 'panic', at(0, 3), { model: 'pvpanic' })]))).toEqual([]);
  });
});
