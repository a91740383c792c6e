import { describe, expect, it } from 'vitest';
import { applyCommand } from '../../src/engine/commands/commands.ts';
import type { Command } from '../../src/engine/commands/commands.ts';
import { ctrl, design, dev, q35, virt } from '../../src/engine/rules/testkit.ts';
import type { Design } from '../../src/engine/model/design.ts';
import type { GuestDevice } from '../../src/engine/model/guest.ts';
import type { Finding } from '../../src/engine/rules/types.ts';
import { findingsOf } from './alone.ts';

/**
 * GEN-USB-1's branches beyond its case table (issue 11; docs/mutation.md): with
 * <controller type='usb' model='none'/> libvirt refuses any other USB controller
 * (src/conf/domain_conf.c virDomainDefControllersParse), a USB input or host USB device
 * (virDomainDefParseXML), the other USB devices (src/conf/domain_validate.c
 * virDomainDefValidateInternal, virDomainDeviceIsUSB), and a lone model='none' off index 0 where
 * qemuDomainDefAddDefaultDevices adds the machine's USB controller at index 0. Each finding's words,
 * subjects and fixes (remove what disables USB, or what needs it).
 */

const of = (d: Design): Finding[] => findingsOf(d, 'GEN-USB-1');
const none = (key = 'usb-none', extra: Partial<GuestDevice> = {}): GuestDevice => dev(key, 'controller', undefined, { type: 'usb', model: 'none', ...extra });
const xhci = (key: string, index: number): GuestDevice => dev(key, 'controller', undefined, { type: 'usb', model: 'qemu-xhci', index });
const tablet = dev('tablet', 'input', undefined, { bus: 'usb', type: 'tablet' });
const sda = dev('sda', 'disk', undefined, { bus: 'usb' });
const removeAll = (label: string, keys: string[]): [string, Command] => [label, { kind: 'batch', label, commands: keys.map((device) => ({ kind: 'remove-device', device })) }];
const USB_ON = "Remove the usb controller model='none' (USB stays on)";
const ANOTHER = '("Can\'t add another USB controller: USB is disabled for this domain")';
const fixesOf = (f: Finding | undefined) => f?.fixes?.map((x) => [x.label, x.command]);

describe('GEN-USB-1: other USB controllers beside model=none (virDomainDefControllersParse)', () => {
  it('two USB controllers: both named, "are", and two fixes: remove the none, or remove both of them', () => {
    const d = q35([], [none(), xhci('x1', 1), xhci('x2', 2)]);
    const got = of(d);
    expect(got.map((f) => [f.message, f.subjects])).toEqual([[`USB is disabled (usb controller model='none'), yet x1, x2 are written too: libvirt refuses the domain ${ANOTHER}.`, { devices: ['usb-none', 'x1', 'x2'] }]]);
    expect(fixesOf(got[0])).toEqual([removeAll(USB_ON, ['usb-none']), removeAll('Remove x1, x2 (USB stays off)', ['x1', 'x2'])]);
    for (const fix of got[0]?.fixes ?? []) expect(of(applyCommand(d, fix.command))).toEqual([]);
  });

  it('a second model=none: "is"; the fixes remove both nones, or the second alone (a second none is refused like any USB controller)', () => {
    const d = q35([], [none(), none('n2', { index: 1 })]);
    const got = of(d);
    expect(got.map((f) => [f.message, f.subjects])).toEqual([[`USB is disabled (usb controller model='none'), yet n2 is written too: libvirt refuses the domain ${ANOTHER}.`, { devices: ['usb-none', 'n2'] }]]);
    expect(fixesOf(got[0])).toEqual([removeAll(USB_ON, ['usb-none', 'n2']), removeAll('Remove n2 (USB stays off)', ['n2'])]);
    for (const fix of got[0]?.fixes ?? []) expect(of(applyCommand(d, fix.command))).toEqual([]);
  });

  it('a second none and a real controller: the fix that keeps USB off removes both, as its label says, and leaves nothing to refuse', () => {
    const d = q35([], [none(), none('n2', { index: 1 }), xhci('x3', 3)]);
    const got = of(d);
    expect(fixesOf(got[0])).toEqual([removeAll(USB_ON, ['usb-none', 'n2']), removeAll('Remove n2, x3 (USB stays off)', ['n2', 'x3'])]);
    for (const fix of got[0]?.fixes ?? []) expect(of(applyCommand(d, fix.command))).toEqual([]);
  });

  it('a controller of another type (scsi) beside model=none is no USB controller', () => {
    expect(of(q35([], [none(), dev('scsi0', 'controller', undefined, { type: 'scsi', model: 'virtio-scsi', index: 0 })]))).toEqual([]);
  });

  it('a USB device beside a real USB controller is not told again (the controller is what libvirt refuses first); beside only nones it is', () => {
    expect(of(q35([], [none(), xhci('x1', 1), tablet])).map((f) => f.subjects)).toEqual([{ devices: ['usb-none', 'x1'] }]);
    expect(of(q35([], [none(), none('n2', { index: 1 }), tablet])).map((f) => f.subjects)).toEqual([{ devices: ['tablet'] }, { devices: ['usb-none', 'n2'] }]);
  });
});

describe('GEN-USB-1: model=none off index 0 (qemuDomainDefAddDefaultDevices adds the USB controller at index 0)', () => {
  it('q35: named with its index, and the fix removes it', () => {
    const d = q35([], [none('n', { index: 1 })]);
    const got = of(d);
    expect(got.map((f) => [f.message, f.subjects])).toEqual([[`USB is disabled by n at controller index 1, not 0: libvirt adds its default USB controller at index 0 and refuses the domain ${ANOTHER}.`, { devices: ['n'] }]]);
    expect(fixesOf(got[0])).toEqual([removeAll(USB_ON, ['n'])]);
  });

  it('without an index libvirt numbers it 0 (virDomainAssignControllerIndexes): nothing on i440fx; virt adds no USB controller', () => {
    expect(of(design({ machine: 'pc', controllers: [ctrl('pci-root', 0)], devices: [none()] }))).toEqual([]);
    expect(of(virt([], [none('n', { index: 3 })]))).toEqual([]);
  });

  it('another type\'s controller at index 0 (scsi) does not stand for the USB one; beside a real USB controller it is the controllers finding alone', () => {
    expect(of(q35([], [none('n', { index: 1 }), dev('scsi0', 'controller', undefined, { type: 'scsi', model: 'virtio-scsi', index: 0 })])).map((f) => f.subjects)).toEqual([{ devices: ['n'] }]);
    expect(of(q35([], [none('n', { index: 1 }), xhci('x2', 2)])).map((f) => f.subjects)).toEqual([{ devices: ['n', 'x2'] }]);
  });

  it('beside a second none at index 0 it is the controllers finding alone', () => {
    expect(of(q35([], [none('n', { index: 1 }), none('n0', { index: 0 })])).map((f) => f.subjects)).toEqual([{ devices: ['n', 'n0'] }]);
  });
});

describe('GEN-USB-1: devices on a USB bus (virDomainDeviceIsUSB)', () => {
  it('one USB disk: "needs", validation\'s words, and the fix that turns USB back on clears it', () => {
    const d = q35([], [none(), sda]);
    const got = of(d);
    expect(got.map((f) => [f.message, f.subjects])).toEqual([["USB is disabled (usb controller model='none'), yet sda needs a USB bus: libvirt refuses the domain (\"USB is disabled for this domain, but USB devices are present in the domain XML\").", { devices: ['sda'] }]]);
    expect(fixesOf(got[0])).toEqual([removeAll(USB_ON, ['usb-none'])]);
    expect(of(applyCommand(d, got[0]!.fixes![0]!.command))).toEqual([]);
  });

  it('USB sound and a host USB device (named with its alias): "need", the host device refused by the parser first; a PS/2 keyboard and a sound card on PCI are no USB devices', () => {
    const got = of(q35([], [none(), dev('snd', 'sound', undefined, { model: 'usb' }), dev('kbd', 'input', undefined, { bus: 'ps2', type: 'keyboard' }), dev('ich', 'sound', undefined, { model: 'ich9' }), dev('uh', 'hostdev', undefined, { type: 'usb', alias: 'ua-h' })]));
    expect(got.map((f) => [f.message, f.subjects])).toEqual([["USB is disabled (usb controller model='none'), yet snd, uh (ua-h) need a USB bus: libvirt refuses the domain (\"Can't add host USB device: USB is disabled in this host\").", { devices: ['snd', 'uh'] }]]);
  });

  it('a USB redirdev (SPICE usbredir): validated per device before the domain, so its own words come before the USB disk\'s (virDomainRedirdevDefValidate)', () => {
    const redir = dev('redir0', 'redirdev', undefined, { bus: 'usb', type: 'spicevmc' });
    expect(of(q35([], [none(), sda, redir])).map((f) => [f.message, f.subjects])).toEqual([
      ["USB is disabled (usb controller model='none'), yet sda, redir0 need a USB bus: libvirt refuses the domain (\"cannot add redirected USB device: USB is disabled for this domain\").", { devices: ['sda', 'redir0'] }],
    ]);
    // a host USB device is refused by the parser, before any validation
    expect(of(q35([], [none(), redir, dev('uh', 'hostdev', undefined, { type: 'usb' })]))[0]?.message).toContain('("Can\'t add host USB device: USB is disabled in this host")');
  });

  it('a PCI hostdev and a virtio disk need no USB bus', () => {
    expect(of(q35([], [none(), dev('vda', 'disk'), dev('gpu', 'hostdev', undefined, { type: 'pci' })]))).toEqual([]);
  });
});
