import { describe, expect, it } from 'vitest';
import type { GuestDevice } from '../model/guest.ts';
import { emulated } from '../placement/testkit.ts';
import { qemuDomainAssignVirtioSerialAddresses } from './virtioSerial.ts';

// libvirt's own test channel-virtio-autoadd: a virtio-serial controller with ports='4' holds three
// channels (port 0 is the consoles'), so libvirt adds controller 1 for the other three
// (virDomainVirtioSerialAddrNext, virDomainVirtioSerialAddrSetAutoaddController).
const serial = (index: number, ports?: number): GuestDevice => emulated({ key: `vs${index}`, element: 'controller', type: 'virtio-serial', index, ports });
const channel = (n: number, extra: Partial<GuestDevice> = {}): GuestDevice => emulated({ key: `ch${n}`, element: 'channel', bus: 'virtio', ...extra });
const console0 = (n: number): GuestDevice => emulated({ key: `con${n}`, element: 'console', bus: 'virtio' });
const added = (devices: GuestDevice[]): number[] => qemuDomainAssignVirtioSerialAddresses(devices).slice(devices.length).map((d) => d.index ?? -1);

describe('virtio-serial ports and the controllers libvirt adds for them', () => {
  it('ports=4: three channels fit, the fourth makes libvirt add controller 1', () => {
    expect(added([serial(0, 4), ...[1, 2, 3].map((n) => channel(n))])).toEqual([]);
    expect(added([serial(0, 4), ...[1, 2, 3, 4].map((n) => channel(n))])).toEqual([1]);
  });

  it('31 ports by default: 30 channels fit, the 31st adds a controller', () => {
    expect(added([serial(0), ...Array.from({ length: 30 }, (_, n) => channel(n))])).toEqual([]);
    expect(added([serial(0), ...Array.from({ length: 31 }, (_, n) => channel(n))])).toEqual([1]);
  });

  it('a console may take port 0, so ports=4 holds one console and three channels', () => {
    expect(added([serial(0, 4), console0(0), ...[1, 2, 3].map((n) => channel(n))])).toEqual([]);
    expect(added([serial(0, 4), console0(0), console0(1), ...[1, 2, 3].map((n) => channel(n))])).toEqual([1]);
  });

  it('written ports are taken first; the added controller gets the lowest free index', () => {
    const written = [1, 2, 3].map((p) => channel(p, { otherAddressType: 'virtio-serial', addressController: 0, addressPort: p }));
    expect(added([serial(0, 4), serial(2, 4), ...written, ...[4, 5, 6, 7].map((n) => channel(n))])).toEqual([1]);
  });

  it('a channel that names its controller (port 0) stays there and adds nothing', () => {
    expect(added([serial(0, 2), channel(1), channel(2, { otherAddressType: 'virtio-serial', addressController: 0 })])).toEqual([]);
  });

  it('no virtio channel: the same list', () => {
    const list = [serial(0, 1)];
    expect(qemuDomainAssignVirtioSerialAddresses(list)).toBe(list);
  });
});
