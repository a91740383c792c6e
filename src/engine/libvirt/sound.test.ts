import { describe, expect, it } from 'vitest';
import { Q35 } from '../machines/index.ts';
import { emulated } from '../placement/testkit.ts';
import { takesPciAddress } from './qemuDomainAddress.ts';

// qemuDomainDeviceCalculatePCIConnectFlags() (libvirt src/qemu/qemu_domain_address.c): the PCI
// sound models take a slot; sb16 is an ISA card, pcspk the PC speaker, usb a USB audio device.
// libvirt's own test sound-device placed the memballoon one slot lower than pcitopo did, which
// counted sb16 as PCI.
describe('which sound models take a PCI slot', () => {
  for (const model of ['es1370', 'ac97', 'ich6', 'ich7', 'ich9', 'virtio']) {
    it(`${model}: yes`, () => expect(takesPciAddress(emulated({ element: 'sound', model }), Q35)).toBe(true));
  }
  for (const model of ['sb16', 'pcspk', 'usb']) {
    it(`${model}: no`, () => expect(takesPciAddress(emulated({ element: 'sound', model }), Q35)).toBe(false));
  }
});
