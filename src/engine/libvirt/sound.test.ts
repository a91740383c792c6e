import { describe, expect, it } from 'vitest';
import { Q35 } from '../machines/index.ts';
import { emulated } from '../placement/testkit.ts';
import { placeWithReport } from '../placement/index.ts';
import { createDesign } from '../xml/domain.ts';
import { qemuDomainDeviceCalculatePCIConnectFlags, takesPciAddress } from './qemuDomainAddress.ts';

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

// ich7 asks for a slot (qemuDomainAssignDevicePCISlots skips only sb16, pcspk, usb) with connect
// flags 0, so libvirt 9.0 finds none and refuses: "Cannot automatically add a new PCI bus for a
// device with connect flags 00". place must not give it the slot libvirt never gives.
describe("<sound model='ich7'>: connect flags 0, never placed", () => {
  it('has no connect flags, where ich6 is a PCI device', () => {
    const guest = { controllers: [] };
    expect(qemuDomainDeviceCalculatePCIConnectFlags(emulated({ element: 'sound', model: 'ich7' }), guest, Q35, undefined)).toBe(0);
    expect(qemuDomainDeviceCalculatePCIConnectFlags(emulated({ element: 'sound', model: 'ich6' }), guest, Q35, undefined)).not.toBe(0);
  });

  it.each(['pc', 'q35'])('place on %s leaves it without an address and says libvirt refuses', (machine) => {
    const r = createDesign(`<domain type='qemu'><name>s</name><os><type arch='x86_64' machine='${machine}'>hvm</type></os><devices><sound model='ich6'/><sound model='ich7'/></devices></domain>`);
    if (!r.ok) throw new Error(r.error.message);
    const out = placeWithReport(r.value, { policy: 'libvirt' });
    const sounds = out.design.guest.devices.filter((d) => d.element === 'sound');
    expect(sounds.map((d) => [d.model, d.address !== undefined])).toEqual([
      ['ich6', true],
      ['ich7', false],
    ]);
    expect(out.notes.join('\n')).toMatch(/ich7 sound: libvirt would refuse the domain/);
  });
});

// libvirt 9.0, virsh define of a q35 with <filesystem><driver type='loop'|'nbd'|'ploop'/>: "Cannot
// automatically add a new PCI bus for a device with connect flags 00"
describe('<filesystem> drivers of other hypervisors: connect flags 0, never placed', () => {
  it('loop, nbd and ploop have none; path, handle, virtiofs and no driver are virtio devices', () => {
    const guest = { controllers: [] };
    const flags = (driverType?: string) => qemuDomainDeviceCalculatePCIConnectFlags(emulated({ element: 'filesystem', ...(driverType === undefined ? {} : { driverType }) }), guest, Q35, undefined);
    expect(['loop', 'nbd', 'ploop'].map(flags)).toEqual([0, 0, 0]);
    expect(['path', 'handle', 'virtiofs', undefined].map(flags).every((f) => f !== 0)).toBe(true);
  });
});
