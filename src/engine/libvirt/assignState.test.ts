import { describe, expect, it } from 'vitest';
import type { GuestDevice, PciController } from '../model/guest.ts';
import { PSERIES, Q35 } from '../machines/index.ts';
import { controller, emulated, guestOf, phb } from '../placement/testkit.ts';
import { qemuDomainAssignPCIAddresses } from './qemuDomainAddress.ts';

/**
 * qemuDomainAssignPCIAddresses() writes addresses into a copy of the device list it owns (one
 * write per device, not a copy of the list per device): the guest it is given stays as it was,
 * and every device it places gets its address, those the chipset homes (q35's SATA at 00:1f.2,
 * its video at 00:01.0) included.
 */
const freeze = <T>(xs: readonly T[]): readonly T[] => Object.freeze(xs.map((x) => Object.freeze({ ...x })));

describe('qemuDomainAssignPCIAddresses leaves its input alone', () => {
  it('q35: the chipset-homed devices and 20 disks get addresses; the frozen input is untouched', () => {
    const devices: GuestDevice[] = [
      emulated({ element: 'controller', type: 'sata', key: 'sata' }),
      emulated({ element: 'video', model: 'vga', key: 'video' }),
      ...Array.from({ length: 20 }, (_, i) => emulated({ key: `disk-${i}` })),
    ];
    const controllers: PciController[] = [controller('pcie-root', 0)];
    const base = { ...guestOf('q35', { controllers: freeze(controllers), devices: freeze(devices) }) };
    const before = JSON.stringify(base);
    const { guest, unplaced } = qemuDomainAssignPCIAddresses(base, Q35, undefined);
    expect(JSON.stringify(base)).toBe(before);
    expect(unplaced).toEqual([]);
    const where = new Map(guest.devices.map((d) => [d.key, d.address]));
    expect(where.get('sata')).toEqual({ domain: 0, bus: 0, slot: 0x1f, function: 2 });
    expect(where.get('video')).toEqual({ domain: 0, bus: 0, slot: 1, function: 0 });
    const taken = guest.devices.map((d) => (d.address ? `${d.address.bus}:${d.address.slot}.${d.address.function}` : 'none'));
    expect(taken).not.toContain('none');
    expect(new Set(taken).size).toBe(taken.length);
  });

  it('pseries: 600 devices in document order, each once, input untouched', () => {
    const devices = Array.from({ length: 600 }, (_, i) => emulated({ key: `d-${i}`, element: i % 2 ? 'rng' : 'disk', model: i % 2 ? 'virtio' : undefined }));
    const base = guestOf('pseries', { controllers: freeze([phb(0, 0)]), devices: freeze(devices) });
    const { guest } = qemuDomainAssignPCIAddresses(base, PSERIES, undefined);
    expect(base.devices.every((d) => d.address === undefined)).toBe(true);
    expect(guest.devices.map((d) => d.key)).toEqual(devices.map((d) => d.key));
    const taken = guest.devices.map((d) => (d.address ? `${d.address.bus}:${d.address.slot}.${d.address.function}` : 'none'));
    expect(taken).not.toContain('none');
    expect(new Set(taken).size).toBe(600);
  });
});
