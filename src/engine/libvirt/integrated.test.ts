import { describe, expect, it } from 'vitest';
import type { GuestDevice } from '../model/guest.ts';
import { Q35, VIRT } from '../machines/index.ts';
import { controller, emulated, guestOf } from '../placement/testkit.ts';
import { qemuDomainAssignPCIAddresses, takesPciAddress } from './qemuDomainAddress.ts';

/**
 * Integrated devices (VIR_PCI_CONNECT_INTEGRATED in qemuDomainDeviceCalculatePCIConnectFlags,
 * virDomainPCIAddressFlagsCompatible): a virtio-iommu and pvpanic-pci go on pcie-root itself, where
 * no other device is auto-assigned, and libvirt adds no root port for them.
 */
describe('integrated devices sit on pcie-root', () => {
  for (const [name, machine, device] of [
    ['virtio-iommu on q35', Q35, emulated({ key: 'iommu', element: 'iommu', model: 'virtio' })],
    ['panic pvpanic on virt (pvpanic-pci)', VIRT, emulated({ key: 'panic', element: 'panic', model: 'pvpanic' })],
    // libvirt 10.7's test pvpanic-pci-x86_64: model pvpanic is pvpanic-pci on x86 too
    ['panic pvpanic on q35 (pvpanic-pci)', Q35, emulated({ key: 'panic', element: 'panic', model: 'pvpanic' })],
  ] as const) {
    it(`${name}: a slot of pcie-root, no root port added; a virtio device beside it still gets a root port`, () => {
      const rng: GuestDevice = emulated({ key: 'rng', element: 'rng', model: 'virtio' });
      const family = machine.family === 'q35' ? 'q35' : 'virt';
      const r = qemuDomainAssignPCIAddresses(guestOf(family, { controllers: [controller('pcie-root', 0)], devices: [device, rng] }), machine, undefined);
      const where = new Map(r.guest.devices.map((d) => [d.key, d.address]));
      expect(where.get(device.key)?.bus).toBe(0);
      expect(where.get('rng')?.bus).not.toBe(0);
      expect(r.unplaced).toEqual([]);
    });
  }

  it('pvpanic is pvpanic-pci on x86 and virt alike; the ISA panic (model isa, x86\'s default) takes no PCI address', () => {
    expect(takesPciAddress(emulated({ element: 'panic', model: 'pvpanic' }), Q35)).toBe(true);
    expect(takesPciAddress(emulated({ element: 'panic', model: 'pvpanic' }), VIRT)).toBe(true);
    expect(takesPciAddress(emulated({ element: 'panic', model: 'isa' }), Q35)).toBe(false);
    expect(takesPciAddress(emulated({ element: 'panic' }), Q35)).toBe(false);
  });

  it('with every slot of pcie-root taken libvirt cannot place it (it adds no bus for an integrated device)', () => {
    const taken = Array.from({ length: 31 }, (_, i) => emulated({ key: `d${i}`, element: 'rng', model: 'virtio', address: { domain: 0, bus: 0, slot: i + 1, function: 0 } }));
    const r = qemuDomainAssignPCIAddresses(guestOf('q35', { controllers: [controller('pcie-root', 0)], devices: [...taken, emulated({ key: 'iommu', element: 'iommu', model: 'virtio' })] }), Q35, undefined);
    expect(r.unplaced).toEqual(['iommu']);
  });
});

describe('virtio devices off PCI or on it (qemuDomainAssignVirtioMMIOAddresses, vhost-scsi hostdevs)', () => {
  it('aarch64 virt with one virtio-mmio device: every virtio device without an address goes virtio-mmio, no root port is added; the design keeps them as written', () => {
    const devices = [
      emulated({ key: 'vda', element: 'disk', bus: 'virtio', otherAddressType: 'virtio-mmio' }),
      emulated({ key: 'rng', element: 'rng', model: 'virtio' }),
      emulated({ key: 'balloon', element: 'memballoon', model: 'virtio' }),
    ];
    const r = qemuDomainAssignPCIAddresses(guestOf('virt', { controllers: [controller('pcie-root', 0)], devices }), VIRT, undefined);
    expect(r.guest.devices.filter((d) => d.address)).toEqual([]);
    expect(r.guest.controllers.map((c) => c.model)).toEqual(['pcie-root']);
    expect(r.guest.devices.map((d) => d.otherAddressType)).toEqual(['virtio-mmio', undefined, undefined]);
  });

  it('without a virtio-mmio device, or on q35, virtio devices take PCI slots', () => {
    for (const [family, machine] of [['virt', VIRT], ['q35', Q35]] as const) {
      const r = qemuDomainAssignPCIAddresses(guestOf(family, { controllers: [controller('pcie-root', 0)], devices: [emulated({ key: 'rng', element: 'rng', model: 'virtio' })] }), machine, undefined);
      expect(r.guest.devices[0]?.address).toBeDefined();
    }
  });

  it('a vhost-scsi hostdev (type scsi_host) is a virtio PCIe device: it takes a root port', () => {
    const d = emulated({ key: 'vhost', element: 'hostdev', type: 'scsi_host', mode: 'subsystem' });
    expect(takesPciAddress(d, Q35)).toBe(true);
    const r = qemuDomainAssignPCIAddresses(guestOf('q35', { controllers: [controller('pcie-root', 0)], devices: [d] }), Q35, undefined);
    const bus = r.guest.devices[0]?.address?.bus;
    expect(r.guest.controllers.find((c) => c.index === bus)?.model).toBe('pcie-root-port');
  });
});
