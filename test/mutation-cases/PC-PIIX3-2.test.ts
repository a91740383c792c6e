import { describe, expect, it } from 'vitest';
import { applyCommand } from '../../src/engine/commands/commands.ts';
import { findingsOf } from './alone.ts';
import { at, ctrl, design, dev } from '../../src/engine/rules/testkit.ts';
import type { Design } from '../../src/engine/model/design.ts';
import type { GuestDevice } from '../../src/engine/model/guest.ts';

/**
 * PC-PIIX3-2's branches beyond its case table (issue 11; docs/mutation.md): who holds each function
 * of 00:01 on i440fx (libvirt qemuDomainValidateDevicePCISlotsPIIX3: IDE controller 0 at 00:01.1, a
 * piix3-uhci or model-less USB controller 0 at 00:01.2; QEMU pc_init1: piix3-ide at 00:01.1 always),
 * and who refuses a device written there: libvirt ("Attempted double use of PCI Address") or, at
 * 00:01.1 with no IDE controller libvirt knows of, QEMU at start.
 */

const pc = (devices: GuestDevice[]): Design => design({ machine: 'pc', controllers: [ctrl('pci-root', 0)], devices });
const sound = (address = at(0, 1, 1)): GuestDevice => dev('snd', 'sound', address, { model: 'es1370' });
const of = (d: Design): string[] => findingsOf(d, 'PC-PIIX3-2').map((f) => f.message);
const usb0 = (model?: string, address?: ReturnType<typeof at>): GuestDevice => dev('usb0', 'controller', address, { type: 'usb', index: 0, ...(model ? { model } : {}) });
const ide0: GuestDevice = dev('ide0', 'controller', undefined, { type: 'ide', index: 0 });

const QEMU_1 = "snd is at bus 0x00 slot 0x01 function 0x1, which is QEMU's own PIIX3 IDE function (piix3-ide)'s: libvirt defines it, and QEMU refuses to start (\"PCI: slot 1 function 1 not available for …, in use by piix3-ide\").";
const LIBVIRT_1 = "snd is at bus 0x00 slot 0x01 function 0x1, which is the PIIX3 IDE controller's: libvirt refuses it (\"Attempted double use of PCI Address 0000:00:01.1\").";
const USB_2 = "snd is at bus 0x00 slot 0x01 function 0x2, which is the PIIX3 USB controller's: libvirt refuses it (\"Attempted double use of PCI Address 0000:00:01.2\").";

describe('PC-PIIX3-2: function 1, the IDE function', () => {
  it('no IDE controller and no IDE disk: QEMU\'s own piix3-ide holds it, libvirt defines the domain and QEMU refuses', () => {
    expect(of(pc([sound()]))).toEqual([QEMU_1]);
  });

  it('IDE controller 0 written without address: libvirt puts it there and refuses the device (double use)', () => {
    expect(of(pc([ide0, sound()]))).toEqual([LIBVIRT_1]);
  });

  it('an IDE disk: libvirt adds IDE controller 0 for it, at 00:01.1, and refuses the device', () => {
    expect(of(pc([dev('hdc', 'disk', undefined, { bus: 'ide', targetDev: 'hdc' }), sound()]))).toEqual([LIBVIRT_1]);
  });

  it('a virtio disk adds no IDE controller: QEMU\'s words', () => {
    expect(of(pc([dev('vda', 'disk', undefined, { bus: 'virtio', targetDev: 'vda' }), sound()]))).toEqual([QEMU_1]);
  });

  it('a USB controller 0 is no IDE controller: QEMU\'s words', () => {
    expect(of(pc([usb0('none'), sound()]))).toEqual([QEMU_1]);
  });

  it('only IDE controller 0 goes to 00:01.1: an IDE controller 1 (which libvirt refuses on i440fx anyway, one IDE controller only) leaves the function to QEMU\'s own', () => {
    expect(of(pc([dev('ide1', 'controller', undefined, { type: 'ide', index: 1 }), sound()]))).toEqual([QEMU_1]);
  });

  it('IDE controller 0 written at 00:01.1 itself: a device there is GEN-ADDR-4\'s double use, not this rule\'s', () => {
    expect(of(pc([dev('ide0', 'controller', at(0, 1, 1), { type: 'ide', index: 0 }), sound()]))).toEqual([]);
  });
});

describe('PC-PIIX3-2: function 2, the USB function', () => {
  it('USB controller 0 piix3-uhci without address: libvirt puts it at 00:01.2 and refuses the device', () => {
    expect(of(pc([usb0('piix3-uhci'), sound(at(0, 1, 2))]))).toEqual([USB_2]);
  });

  it('USB controller 0 model-less: libvirt\'s default for i440fx is piix3-uhci, at 00:01.2', () => {
    expect(of(pc([usb0(), sound(at(0, 1, 2))]))).toEqual([USB_2]);
  });

  it('an IDE controller 0 written before a USB controller 0 of model none: the IDE controller is no USB controller, function 2 is free', () => {
    expect(of(pc([ide0, usb0('none'), sound(at(0, 1, 2))]))).toEqual([]);
  });

  it('only USB controller 0 goes to 00:01.2: a piix3-uhci with index 1 is placed elsewhere, and USB controller 0 here is an EHCI', () => {
    expect(of(pc([dev('usb1', 'controller', undefined, { type: 'usb', index: 1, model: 'piix3-uhci' }), usb0('ich9-ehci1'), sound(at(0, 1, 2))]))).toEqual([]);
  });

  it('piix3-uhci written at 00:01.2 itself: a device there is GEN-ADDR-4\'s', () => {
    expect(of(pc([usb0('piix3-uhci', at(0, 1, 2)), sound(at(0, 1, 2))]))).toEqual([]);
  });
});

describe('PC-PIIX3-2: only 0000:00:01 is the PIIX3\'s', () => {
  it('slot 1 of another bus or another domain is not judged', () => {
    const bridge = ctrl('pci-bridge', 1, { address: at(0, 3), target: { chassisNr: 1 } });
    expect(findingsOf(design({ machine: 'pc', controllers: [ctrl('pci-root', 0), bridge], devices: [sound(at(1, 1, 0))] }), 'PC-PIIX3-2')).toEqual([]);
    expect(of(pc([sound(at(0, 1, 0, undefined, 1))]))).toEqual([]);
  });

  it('the fix moves the device off slot 1, to the first free slot of bus 0, which clears the finding', () => {
    const d = pc([dev('nic', 'interface', at(0, 2)), sound(at(0, 1, 3))]);
    const [f, ...rest] = findingsOf(d, 'PC-PIIX3-2');
    expect(rest).toEqual([]);
    expect(f?.subjects).toEqual({ devices: ['snd'] });
    expect(f?.fixes?.map((x) => [x.label, x.command])).toEqual([
      ['Move snd to slot 0x03 of bus 0x00', { kind: 'move-device', device: 'snd', address: { domain: 0, bus: 0, slot: 3, function: 0 } }],
    ]);
    expect(findingsOf(applyCommand(d, f!.fixes![0]!.command), 'PC-PIIX3-2')).toEqual([]);
  });
});
