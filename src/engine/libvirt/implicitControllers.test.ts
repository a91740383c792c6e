import { describe, expect, it } from 'vitest';
import type { Guest, GuestDevice } from '../model/guest.ts';
import { I440FX, Q35 } from '../machines/index.ts';
import { emulated, guestOf } from '../placement/testkit.ts';
import { readDomain } from '../xml/domainRead.ts';
import { virDiskNameToIndex, virDomainDefAddImplicitControllers, virDomainDefAddImplicitVideo, virDomainDefPostParse, virDomainDiskDefControllerIndex } from './domainConf.ts';
import { qemuDomainAssignPCIAddresses } from './qemuDomainAddress.ts';

/**
 * The controllers libvirt adds for what disks and channels sit on (virDomainDefAddImplicitControllers,
 * virDomainDiskDefAssignAddress, virDomainDefMaybeAddVirtioSerialController in src/conf/domain_conf.c),
 * and the video it adds for graphics (virDomainDefAddImplicitVideo).
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

describe('virDomainDefAddImplicitVideo: a video device for graphics without one', () => {
  const pc = (devices: string): Guest => {
    const r = readDomain(`<domain type='kvm'><name>t</name><memory>1</memory><os><type arch='x86_64' machine='pc'>hvm</type></os><devices>${devices}</devices></domain>`);
    if (!r.ok) throw new Error(r.error.message);
    return r.value.guest;
  };

  it('graphics and no video: libvirt adds one video, which as the primary video takes PIIX3\'s 00:02.0 on i440fx and pushes the others on', () => {
    const g = pc("<graphics type='vnc'/><memballoon model='virtio'/>");
    const defined = virDomainDefPostParse(g, I440FX);
    expect(defined.devices.filter((d) => d.element === 'video').map((d) => d.implicit)).toEqual([true]);
    const placed = qemuDomainAssignPCIAddresses(defined, I440FX, undefined).guest.devices;
    const slotOf = (el: string): number | undefined => placed.find((d) => d.element === el)?.address?.slot;
    expect([slotOf('video'), slotOf('memballoon')]).toEqual([2, 3]);
  });

  it('a written video, or no graphics: nothing added', () => {
    for (const g of [pc("<graphics type='vnc'/><video><model type='qxl'/></video>"), pc("<memballoon model='virtio'/>")]) {
      expect(virDomainDefAddImplicitVideo(g)).toBe(g);
    }
  });
});

describe('disks are placed in the order libvirt keeps them (virDomainDiskInsertPreAlloced)', () => {
  it('vdb written before vda: vda takes the earlier slot; disks of another bus do not reorder them', () => {
    const devices = [disk('virtio', 'vdb', { key: 'vdb' }), disk('sata', 'sda', { key: 'sda' }), disk('virtio', 'vda', { key: 'vda' }), disk('virtio', 'vdc', { key: 'vdc' })];
    const placed = qemuDomainAssignPCIAddresses({ ...guestOf('q35'), controllers: [{ key: 'r', index: 0, model: 'pcie-root', target: {} }], devices }, Q35, undefined);
    const bus = (k: string): number | undefined => placed.guest.devices.find((d) => d.key === k)?.address?.bus;
    expect([bus('vda'), bus('vdb'), bus('vdc')]).toEqual([1, 2, 3]);
  });
});
