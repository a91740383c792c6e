import { describe, expect, it } from 'vitest';
import type { Guest, GuestDevice } from '../model/guest.ts';
import { emulated, guestOf } from '../placement/testkit.ts';
import { virDiskNameToIndex, virDomainDefAddImplicitControllers, virDomainDiskDefControllerIndex } from './domainConf.ts';

/**
 * The controllers libvirt adds for what disks and channels sit on (virDomainDefAddImplicitControllers,
 * virDomainDiskDefAssignAddress, virDomainDefMaybeAddVirtioSerialController in src/conf/domain_conf.c).
 */
const disk = (bus: string, targetDev: string, extra: Partial<GuestDevice> = {}): GuestDevice => emulated({ element: 'disk', bus, targetDev, ...extra });
const added = (g: Guest): string[] => virDomainDefAddImplicitControllers(g).devices.filter((d) => d.implicit).map((d) => `${d.type}#${d.index}`);

describe('virDiskNameToIndex', () => {
  it('reads the letters after the prefix in base 26 (a=0, z=25, aa=26), partition digits ignored; other names are undefined', () => {
    expect(['sda', 'hdd', 'vdz', 'sdaa', 'xvdb', 'sdb1'].map(virDiskNameToIndex)).toEqual([0, 3, 25, 26, 1, 1]);
    expect(['disk0', 'sd', 'nvme0n1'].map(virDiskNameToIndex)).toEqual([undefined, undefined, undefined]);
  });
});

describe('the controller a disk sits on (virDomainDiskDefAssignAddress)', () => {
  it('per bus: 6 SATA ports, 4 IDE units, 7 SCSI units, 2 floppies a controller; a written drive address wins; virtio and usb disks sit on none', () => {
    expect(virDomainDiskDefControllerIndex(disk('sata', 'sdf'))).toBe(0);
    expect(virDomainDiskDefControllerIndex(disk('sata', 'sdg'))).toBe(1);
    expect(virDomainDiskDefControllerIndex(disk('ide', 'hde'))).toBe(1);
    expect(virDomainDiskDefControllerIndex(disk('scsi', 'sdh'))).toBe(1);
    expect(virDomainDiskDefControllerIndex(disk('fdc', 'fdb'))).toBe(0);
    expect(virDomainDiskDefControllerIndex(disk('sata', 'sda', { otherAddressType: 'drive', addressController: 3 }))).toBe(3);
    expect(virDomainDiskDefControllerIndex(disk('virtio', 'vdz'))).toBeUndefined();
    expect(virDomainDiskDefControllerIndex(disk('usb', 'sdz'))).toBeUndefined();
  });
});

describe('virDomainDefAddImplicitControllers', () => {
  it('adds every controller of a disk bus from 0 up to the highest a disk needs, SCSI before IDE before SATA, and keeps the ones written', () => {
    const g = guestOf('q35', { devices: [disk('sata', 'sdm'), disk('ide', 'hda'), disk('scsi', 'sda'), emulated({ element: 'controller', type: 'sata', index: 1 })] });
    expect(added(g)).toEqual(['scsi#0', 'ide#0', 'sata#0', 'sata#2']);
  });

  it('a virtio channel needs virtio-serial controller 0, or the one its virtio-serial address names; other channels none', () => {
    const chan = (extra: Partial<GuestDevice>): GuestDevice => emulated({ element: 'channel', ...extra });
    expect(added(guestOf('q35', { devices: [chan({ bus: 'virtio' }), chan({ bus: 'virtio', otherAddressType: 'virtio-serial', addressController: 2 }), chan({ bus: 'guestfwd' })] }))).toEqual(['virtio-serial#0', 'virtio-serial#2']);
  });

  it('adds nothing when the disks need nothing new: the same guest', () => {
    const g = guestOf('q35', { devices: [disk('virtio', 'vda'), disk('sata', 'sda', { otherAddressType: 'drive', addressController: 0 }), emulated({ element: 'controller', type: 'sata', index: 0 })] });
    expect(virDomainDefAddImplicitControllers(g)).toBe(g);
  });
});
