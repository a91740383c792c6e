import { describe, expect, it } from 'vitest';
import type { Guest, GuestDevice } from '../model/guest.ts';
import { I440FX, Q35 } from '../machines/index.ts';
import { emulated, guestOf } from '../placement/testkit.ts';
import { readDomain } from '../xml/domainRead.ts';
import { INT_MAX, virDiskNameToIndex, virDomainDefAddImplicitControllers, virDomainHostdevAssignAddresses, virDomainDefAddImplicitVideo, virDomainDefImplicitDiskControllers, virDomainDefImplicitDiskControllersBeyond, virDomainDefPostParse, virDomainDiskDefControllerIndex } from './domainConf.ts';
import { MAX_PCI_SLOTS } from './limits.ts';
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

  // libvirt 9.0: a disk on drive controller 300 defines 301 SCSI controllers (pcitopo stopped at 255)
  it('adds every index up to the one a drive address names, past 255: controller 300 is 301 controllers', () => {
    const g = guestOf('q35', { devices: [disk('scsi', 'sda', { otherAddressType: 'drive', addressController: 300 })] });
    const scsi = added(g);
    expect(scsi).toHaveLength(301);
    expect(scsi.at(-1)).toBe('scsi#300');
  });

  // libvirt 9.0: virtio-serial controller='300' defines one virtio-serial controller, index 300
  it('a virtio-serial address past 255 adds its one controller at that index', () => {
    expect(added(guestOf('q35', { devices: [emulated({ element: 'channel', bus: 'virtio', otherAddressType: 'virtio-serial', addressController: 300 })] }))).toEqual(['virtio-serial#300']);
  });

  // libvirt compares the unsigned number as an int: 2147483648 is negative and adds nothing (checked with 9.0)
  it('a controller number above INT_MAX adds no controller; INT_MAX itself is a number libvirt counts to', () => {
    const over = guestOf('q35', { devices: [disk('scsi', 'sda', { otherAddressType: 'drive', addressController: INT_MAX + 1 }), emulated({ element: 'channel', bus: 'virtio', otherAddressType: 'virtio-serial', addressController: INT_MAX + 1 })] });
    expect(virDomainDefAddImplicitControllers(over)).toBe(over);
    expect(virDomainDefImplicitDiskControllers(over)).toEqual([]);
    const max = guestOf('q35', { devices: [disk('scsi', 'sda', { otherAddressType: 'drive', addressController: INT_MAX })] });
    expect(virDomainDefImplicitDiskControllers(max).map((c) => c.highest)).toEqual([INT_MAX]);
  });

  it('SCSI hostdevs add SCSI controllers up to theirs, after the disks and channels, of the model written at the index of the highest', () => {
    const hostdev = (controller: number, extra: Partial<GuestDevice> = {}): GuestDevice => emulated({ element: 'hostdev', type: 'scsi', mode: 'subsystem', otherAddressType: 'drive', addressController: controller, ...extra });
    const g = guestOf('q35', {
      devices: [hostdev(1), hostdev(3), disk('sata', 'sda'), emulated({ element: 'channel', bus: 'virtio' }), emulated({ element: 'controller', type: 'scsi', index: 3, model: 'virtio-scsi' })],
    });
    const out = virDomainDefAddImplicitControllers(g).devices.filter((d) => d.implicit);
    expect(out.map((d) => `${d.type}#${d.index}:${d.model ?? ''}`)).toEqual(['sata#0:', 'virtio-serial#0:', 'scsi#0:virtio-scsi', 'scsi#1:virtio-scsi', 'scsi#2:virtio-scsi']);
    // a PCI hostdev, or a SCSI one in capabilities mode, sits on no SCSI controller
    expect(added(guestOf('q35', { devices: [hostdev(2, { mode: 'capabilities' }), emulated({ element: 'hostdev', type: 'pci' })] }))).toEqual([]);
  });

  // libvirt 9.0: 18 SCSI hostdevs without an address sit on controllers 0, 1, 2 (units 0-6 each), and three lsilogic are defined
  it('SCSI hostdevs without an address take the first free unit of 0-6 from controller 0 on, and their controllers are added', () => {
    const hostdevs = Array.from({ length: 18 }, (_, i) => emulated({ key: `hd${i}`, element: 'hostdev', type: 'scsi', mode: 'subsystem' }));
    const g = guestOf('q35', { devices: hostdevs });
    expect([...virDomainHostdevAssignAddresses(g.devices).values()]).toEqual([...Array(7).fill(0), ...Array(7).fill(1), 2, 2, 2, 2]);
    expect(added(g)).toEqual(['scsi#0', 'scsi#1', 'scsi#2']);
  });

  // libvirt 9.0: disk sda (controller 0 unit 0 by its name), a hostdev written at unit 1, then six without an address: units 2-6, then controller 1
  it("units a SCSI disk (by its name or drive address) or a written SCSI hostdev holds are skipped; another bus or target's are not", () => {
    const hostdev = (key: string, extra: Partial<GuestDevice> = {}): GuestDevice => emulated({ key, element: 'hostdev', type: 'scsi', mode: 'subsystem', ...extra });
    const free = Array.from({ length: 6 }, (_, i) => hostdev(`hd${i}`));
    const devices = [disk('scsi', 'sda'), hostdev('written', { otherAddressType: 'drive', addressController: 0, addressDrive: { bus: 0, target: 0, unit: 1 } }), ...free];
    expect([...virDomainHostdevAssignAddresses(devices).values()]).toEqual([0, 0, 0, 0, 0, 1]);
    // a unit on target 1 leaves unit 1 of target 0 free; a disk's drive address holds its unit
    const other = [disk('scsi', 'sdb', { otherAddressType: 'drive', addressController: 0, addressDrive: { bus: 0, target: 0, unit: 0 } }), hostdev('t1', { otherAddressType: 'drive', addressController: 0, addressDrive: { bus: 0, target: 1, unit: 1 } }), ...free];
    expect([...virDomainHostdevAssignAddresses(other).values()]).toEqual([0, 0, 0, 0, 0, 0]);
    expect(virDomainHostdevAssignAddresses([disk('scsi', 'sda')]).size).toBe(0);
  });

  it("the reader keeps a drive address's bus, target and unit (0 when not written)", () => {
    const r = readDomain("<domain type='kvm'><name>t</name><memory>1</memory><os><type arch='x86_64' machine='q35'>hvm</type></os><devices><disk type='file'><target dev='sda' bus='scsi'/><address type='drive' controller='1' target='2' unit='3'/></disk></devices></domain>");
    if (!r.ok) throw new Error(r.error.message);
    expect(r.value.guest.devices.map((d) => [d.addressController, d.addressDrive])).toEqual([[1, { bus: 0, target: 2, unit: 3 }]]);
  });

  it('past the PCI slots of any guest (256 buses x 32) the count is named, never built; at the bound it is not', () => {
    const at = (n: number): Guest => guestOf('q35', { devices: [disk('scsi', 'sda', { otherAddressType: 'drive', addressController: n })] });
    expect(MAX_PCI_SLOTS).toBe(8192);
    expect(virDomainDefImplicitDiskControllersBeyond(at(MAX_PCI_SLOTS - 1))).toBeUndefined();
    expect(virDomainDefImplicitDiskControllersBeyond(at(MAX_PCI_SLOTS))?.highest).toBe(MAX_PCI_SLOTS);
    // a target name is a number too: sdzzzz is disk 475253, SCSI controller 67893 (libvirt 9.0 does not return in 20 s)
    const named = guestOf('q35', { devices: [disk('scsi', 'sdzzzz')] });
    expect(virDomainDefImplicitDiskControllersBeyond(named)?.highest).toBe(67893);
    // whoever calls it anyway gets no more than the bound, not two billion
    expect(virDomainDefAddImplicitControllers(at(INT_MAX)).devices).toHaveLength(MAX_PCI_SLOTS + 1);
  });

  it('keys the added controllers as freshDeviceKey would, one after another, past the keys taken', () => {
    const g = guestOf('q35', { devices: [emulated({ key: 'c-a', element: 'controller', type: 'usb', index: 0 }), disk('scsi', 'sda', { key: 'controller-1', otherAddressType: 'drive', addressController: 1 })] });
    expect(virDomainDefAddImplicitControllers(g).devices.filter((d) => d.implicit).map((d) => d.key)).toEqual(['controller-2', 'controller-3']);
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
