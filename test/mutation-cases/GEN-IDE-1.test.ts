import { describe, expect, it } from 'vitest';
import { ctrl, design, dev, pseries, q35, virt } from '../../src/engine/rules/testkit.ts';
import type { GuestDevice } from '../../src/engine/model/guest.ts';
import type { Design } from '../../src/engine/model/design.ts';
import type { Finding } from '../../src/engine/rules/types.ts';
import { findingsOf } from './alone.ts';

/**
 * GEN-IDE-1's branches beyond its case table (issue 11; docs/mutation.md), after libvirt's
 * qemuValidateDomainDeviceDefControllerIDE (src/qemu/qemu_validate.c): on a machine with a built-in
 * IDE controller (qemuDomainHasBuiltinIDE: i440fx) only index 0 is allowed ("Only a single IDE
 * controller is supported for this machine type"); elsewhere any IDE controller, and so any IDE disk,
 * which makes libvirt add one (virDomainDefAddImplicitControllers), is refused ("IDE controllers are
 * unsupported for this QEMU binary or machine type"). An IDE disk's controller is its drive address's,
 * else its name's drive index / 4 (virDomainDiskDefAssignAddress: 2 buses x 2 units).
 */

const of = (d: Design): Finding[] => findingsOf(d, 'GEN-IDE-1');
const pc = (devices: GuestDevice[]): Design => design({ machine: 'pc', controllers: [ctrl('pci-root', 0)], devices });
const ideDisk = (name: string, extra: Partial<GuestDevice> = {}): GuestDevice => dev(name, 'disk', undefined, { bus: 'ide', targetDev: name, ...extra });
const ideCtrl = (key: string, index: number | undefined): GuestDevice => dev(key, 'controller', undefined, { type: 'ide', ...(index === undefined ? {} : { index }) });

describe('GEN-IDE-1 on i440fx (built-in IDE controller 0)', () => {
  it('a second IDE controller: libvirt\'s words, the advice to use another bus, the controller as subject', () => {
    expect(of(pc([ideCtrl('ide1', 1)])).map((f) => [f.message, f.subjects])).toEqual([
      ['ide1 is an IDE controller (index 1): libvirt refuses it ("Only a single IDE controller is supported for this machine type"); use SATA, SCSI or virtio disks beyond the four of IDE controller 0.', { devices: ['ide1'] }],
    ]);
  });

  it('an IDE controller written without an index is the built-in one (index 0)', () => {
    expect(of(pc([ideCtrl('ide', undefined)]))).toEqual([]);
  });

  it('the four drives of controller 0 (hda-hdd) pass, the fifth (hde) is on controller 1', () => {
    expect(of(pc(['hda', 'hdb', 'hdc', 'hdd'].map((n) => ideDisk(n))))).toEqual([]);
    expect(of(pc([ideDisk('hde')])).map((f) => f.message)).toEqual([
      'hde is an IDE disk on IDE controller 1: libvirt refuses it ("Only a single IDE controller is supported for this machine type"); use SATA, SCSI or virtio disks beyond the four of IDE controller 0.',
    ]);
  });

  it('the drive address\'s controller wins over the name (hde on controller 0 passes)', () => {
    expect(of(pc([ideDisk('hde', { addressController: 0 })]))).toEqual([]);
  });

  it('an IDE disk without a target name counts on controller 0; other buses and controllers are not judged', () => {
    expect(of(pc([dev('cd', 'disk', undefined, { bus: 'ide' })]))).toEqual([]);
    expect(of(pc([dev('sda', 'disk', undefined, { bus: 'sata', targetDev: 'sda', addressController: 3 }), dev('sata1', 'controller', undefined, { type: 'sata', index: 1 })]))).toEqual([]);
  });
});

describe('GEN-IDE-1 elsewhere (no IDE at all)', () => {
  const UNSUPPORTED = 'libvirt refuses it ("IDE controllers are unsupported for this QEMU binary or machine type"); use a SATA, SCSI or virtio disk.';

  it.each([
    ['q35', (d: GuestDevice[]) => q35([], d)],
    ['virt', (d: GuestDevice[]) => virt([], d)],
    ['pseries', (d: GuestDevice[]) => pseries([], d)],
  ] as const)('%s: IDE controller 0 and an IDE disk on controller 0 are refused in libvirt\'s words', (_m, make) => {
    expect(of(make([ideCtrl('ide0', 0)])).map((f) => f.message)).toEqual([`ide0 is an IDE controller (index 0): ${UNSUPPORTED}`]);
    expect(of(make([ideDisk('hda')])).map((f) => [f.message, f.subjects])).toEqual([[`hda is an IDE disk on IDE controller 0: ${UNSUPPORTED}`, { devices: ['hda'] }]]);
  });

  it('an IDE controller without an index is refused too', () => {
    expect(of(q35([], [ideCtrl('ide', undefined)])).map((f) => f.message)).toEqual([`ide is an IDE controller (index 0): ${UNSUPPORTED}`]);
  });

  it('a device named by its alias too', () => {
    expect(of(q35([], [{ ...ideCtrl('ide0', 0), label: 'IDE controller', alias: 'ide' }])).map((f) => f.message)).toEqual([`IDE controller (ide) is an IDE controller (index 0): ${UNSUPPORTED}`]);
  });
});
