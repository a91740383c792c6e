import { describe, expect, it } from 'vitest';
import { applyCommand } from '../../src/engine/commands/commands.ts';
import { findingsOf } from './alone.ts';
import { createDesign } from '../../src/engine/xml/domain.ts';
import { at, ctrl, design, dev, pseries, q35, rootPort } from '../../src/engine/rules/testkit.ts';
import type { Design } from '../../src/engine/model/design.ts';
import type { GuestDevice } from '../../src/engine/model/guest.ts';
import type { Finding } from '../../src/engine/rules/types.ts';

/**
 * The multifunction rules' branches beyond their case tables (issue 11; docs/mutation.md): QEMU's
 * pci_init_multifunction (function 0 must say multifunction='on' when the slot has others) and the
 * guest's scan from function 0 (Linux pci_scan_slot), with the machine's own function 0 slots.
 */

const of = (d: Design, id: string): Finding[] => findingsOf(d, id);
/** an i440fx guest (GEN-MF-3 is not judged on pseries), with these devices */
const i440fx = (devices: GuestDevice[]): Design => design({ machine: 'pc-i440fx-7.2', controllers: [ctrl('pci-root', 0)], devices });

describe('GEN-MF-2: function 0 with multifunction=\'off\' in a slot with other functions', () => {
  it('the message names slot and bus, both functions are subjects, and the fix turns multifunction on', () => {
    const d = pseries([], [dev('a', 'disk', at(0, 3, 0, 'off')), dev('b', 'disk', at(0, 3, 1))]);
    const got = of(d, 'GEN-MF-2');
    expect(got.map((f) => [f.message, f.subjects])).toEqual([["Slot 0x03 of bus 0x00 has several functions, but function 0 says multifunction='off': QEMU refuses to start (\"PCI: single function device can't be populated in function 3.1\").", { devices: ['a', 'b'] }]]);
    expect(got[0]?.fixes?.map((x) => x.label)).toEqual(["Set multifunction='on' on a"]);
    const fixed = applyCommand(d, got[0]!.fixes![0]!.command);
    expect(fixed.guest.devices.find((x) => x.key === 'a')?.address).toEqual({ domain: 0, bus: 0, slot: 3, function: 0, multifunction: 'on' });
    expect(of(fixed, 'GEN-MF-2')).toEqual([]);
  });

  it('function 0 is found whatever order the functions are written in', () => {
    const d = pseries([], [dev('b', 'disk', at(0, 3, 1)), dev('a', 'disk', at(0, 3, 0, 'off'))]);
    expect(of(d, 'GEN-MF-2').map((f) => f.fixes?.map((x) => x.label))).toEqual([["Set multifunction='on' on a"]]);
  });

  it('not judged: a lone function 0 with \'off\', function 0 without the attribute', () => {
    expect(of(pseries([], [dev('a', 'disk', at(0, 3, 0, 'off'))]), 'GEN-MF-2')).toEqual([]);
    expect(of(pseries([], [dev('a', 'disk', at(0, 3, 0)), dev('b', 'disk', at(0, 3, 1))]), 'GEN-MF-2')).toEqual([]);
  });

  it('a root port at x.0 with \'off\' and one at x.1 (libvirt\'s q35-multifunction, which QEMU 7.2 refuses): both named, the fix turns multifunction on', () => {
    const d = q35([rootPort(1, 2, 0, { address: at(0, 2, 0, 'off') }), rootPort(2, 2, 1)], []);
    const got = of(d, 'GEN-MF-2');
    expect(got.map((f) => f.subjects)).toEqual([{ controllers: [1, 2] }]);
    expect(got[0]?.fixes?.map((x) => x.label)).toEqual(["Set multifunction='on' on pcie-root-port 1"]);
    const fixed = applyCommand(d, got[0]!.fixes![0]!.command);
    expect(fixed.guest.controllers.find((x) => x.index === 1)?.address).toEqual({ domain: 0, bus: 0, slot: 2, function: 0, multifunction: 'on' });
    expect(of(fixed, 'GEN-MF-2')).toEqual([]);
    // function 0 with the higher index: QEMU creates function 1 first, and says so in other words
    const later = q35([rootPort(2, 2, 0, { address: at(0, 2, 0, 'off') }), rootPort(1, 2, 1)], []);
    expect(of(later, 'GEN-MF-2').map((f) => f.message)).toEqual([`Slot 0x02 of bus 0x00 has several functions, but function 0 says multifunction='off': QEMU refuses to start ("PCI: 2.0 indicates single function, but 2.1 is already populated").`]);
  });
});

describe('GEN-MF-3: a slot with functions but no function 0', () => {
  it('lists the functions as written, and the fix moves the lowest-numbered device to function 0 with multifunction on', () => {
    const d = i440fx([dev('b', 'disk', at(0, 3, 2)), dev('a', 'disk', at(0, 3, 1))]);
    const got = of(d, 'GEN-MF-3');
    expect(got.map((f) => [f.message, f.subjects])).toEqual([['Slot 0x03 of bus 0x00 uses function(s) 2, 1 but has no function 0; the guest will not see them.', { devices: ['b', 'a'] }]]);
    expect(got[0]?.fixes?.map((x) => x.label)).toEqual(['Move a to function 0 of slot 0x03']);
    const fixed = applyCommand(d, got[0]!.fixes![0]!.command);
    expect(fixed.guest.devices.find((x) => x.key === 'a')?.address).toMatchObject({ bus: 0, slot: 3, function: 0, multifunction: 'on' });
    expect(of(fixed, 'GEN-MF-3')).toEqual([]);
  });

  it('a lone function moved to 0 gets no multifunction attribute', () => {
    const d = i440fx([dev('a', 'disk', at(0, 3, 1))]);
    const fixed = applyCommand(d, of(d, 'GEN-MF-3')[0]!.fixes![0]!.command);
    expect(fixed.guest.devices[0]?.address).toEqual({ domain: 0, bus: 0, slot: 3, function: 0 });
  });

  it('a controller alone at a function > 0 is named, with no fix (its devices would move with it)', () => {
    expect(of(q35([rootPort(1, 2, 1, { address: at(0, 2, 1) })], []), 'GEN-MF-3').map((f) => [f.subjects, f.fixes])).toEqual([[{ controllers: [1] }, undefined]]);
  });

  it('the chipset\'s function 0 counts: 00:1f on q35 (ICH9 LPC), 00:01 on i440fx (PIIX3); elsewhere it does not', () => {
    expect(of(q35([], [dev('usb', 'controller', at(0, 0x1f, 2))]), 'GEN-MF-3')).toEqual([]);
    expect(of(design({ machine: 'pc-i440fx-7.2', controllers: [ctrl('pci-root', 0)], devices: [dev('ide', 'controller', at(0, 1, 1))] }), 'GEN-MF-3')).toEqual([]);
    expect(of(q35([rootPort(1, 2), ctrl('pcie-switch-upstream-port', 2, { address: at(1, 0) })], [dev('x', 'interface', at(0, 1, 1))]), 'GEN-MF-3').map((f) => f.subjects)).toEqual([{ devices: ['x'] }]);
    expect(of(design({ machine: 'virt', controllers: [ctrl('pcie-root', 0)], devices: [dev('a', 'disk', at(0, 0x1f, 1))] }), 'GEN-MF-3').map((f) => f.subjects)).toEqual([{ devices: ['a'] }]);
  });

  it('not on pseries: QEMU puts every function in the PHB\'s device tree (legacy-device@3,1), which the guest builds its devices from', () => {
    expect(of(pseries([], [dev('a', 'disk', at(0, 3, 1))]), 'GEN-MF-3')).toEqual([]);
  });
});

describe('GEN-MF-3 at define: the functions libvirt puts in a slot itself', () => {
  // libvirt qemuDomainAssignDevicePCISlots gives each ICH9 USB2 controller of one index its own
  // function of one slot (ehci1 at 7, uhci1 at 0, uhci2 at 1, uhci3 at 2); on q35 a conventional PCI
  // device lands behind the pcie-to-pci-bridge libvirt adds
  const usb = (key: string, model: string): ReturnType<typeof dev> => dev(key, 'controller', undefined, { type: 'usb', model, index: 0 });
  const tail = 'An ICH9 USB2 EHCI needs its ich9-uhci1 companion (same controller index), which takes function 0.';

  it('an EHCI alone: named, where libvirt puts it, "it"', () => {
    expect(of(q35([], [usb('ehci', 'ich9-ehci1')]), 'GEN-MF-3').map((f) => [f.message, f.subjects])).toEqual([
      [`libvirt will put ehci at bus 0x02 slot 0x01 function 0x7 with no function 0 in slot 0x01: the guest will not see it. ${tail}`, { devices: ['ehci'] }],
    ]);
  });

  it('EHCI with uhci2 and uhci3 but no uhci1: all three named, "them"', () => {
    expect(of(q35([], [usb('ehci', 'ich9-ehci1'), usb('u2', 'ich9-uhci2'), usb('u3', 'ich9-uhci3')]), 'GEN-MF-3').map((f) => [f.message, f.subjects])).toEqual([
      [`libvirt will put ehci, u2, u3 at bus 0x02 slot 0x01 function 0x7 with no function 0 in slot 0x01: the guest will not see them. ${tail}`, { devices: ['ehci', 'u2', 'u3'] }],
    ]);
  });

  it('a written device in a slot without function 0 is judged once, on the written design, when libvirt also places something', () => {
    const got = of(q35([], [dev('disk', 'disk', at(0, 3, 1)), usb('ehci', 'ich9-ehci1')]), 'GEN-MF-3');
    expect(got.map((f) => f.subjects)).toEqual([{ devices: ['disk'] }, { devices: ['ehci'] }]);
  });
});

describe('GEN-MF-3 at define: only devices are "placed by libvirt", never a written controller', () => {
  it('a device whose key is a controller\'s (alias \'pci-1\', which libvirt drops) is not confused with root port pci-1 written at 00:02.1', () => {
    // libvirt keeps only a user alias ('ua-') from an inactive define (virDomainDeviceInfoParseXML),
    // so the rng is an unaddressed virtio device: it goes behind the port, at 01:00.0
    // (virDomainPCIAddressGetNextAddr); the port's slot 00:02 still has no function 0, and the
    // finding names the port only, not the rng aliased like the port
    const xml = `<domain type='kvm'><name>g</name><memory>1048576</memory><os><type arch='x86_64' machine='q35'>hvm</type></os><devices>
<controller type='pci' index='0' model='pcie-root'/>
<controller type='pci' index='1' model='pcie-root-port'><target chassis='1' port='0x11'/><address type='pci' domain='0' bus='0' slot='2' function='1'/></controller>
<rng model='virtio'><backend model='random'>/dev/urandom</backend><alias name='pci-1'/></rng>
<controller type='usb' model='none'/><memballoon model='none'/>
</devices></domain>`;
    const r = createDesign(xml, undefined, 'g.xml');
    if (!r.ok) throw new Error(r.error.message);
    // a device key never takes a controller key's form (keys.ts, since fidel2): the rng is pci-1#2
    expect([r.value.guest.devices[0]?.key, r.value.guest.controllers[1]?.key]).toEqual(['pci-1#2', 'pci-1']);
    expect(of(r.value, 'GEN-MF-3').map((f) => [f.message, f.subjects])).toEqual([['Slot 0x02 of bus 0x00 uses function(s) 1 but has no function 0; the guest will not see them.', { controllers: [1] }]]);
  });
});

describe('GEN-MF-3 on a design libvirt cannot define: the written slots as written', () => {
  // libvirt refuses an address on bus 300 (virPCIDeviceAddressIsValid: "must be <= 0xFF"), so no
  // define-time model: the rule judges the slots as written, each by its own function 0
  const refused = dev('nic', 'interface', at(300, 1));

  it('a slot with functions 0 and 1 is fine; a slot with function 1 alone is named, with its fix', () => {
    const d = q35([rootPort(1, 1)], [refused, dev('a', 'disk', at(0, 3, 0, 'on')), dev('b', 'disk', at(0, 3, 1)), dev('c', 'disk', at(0, 4, 1))]);
    expect(of(d, 'GEN-MF-3').map((f) => [f.message, f.subjects, f.fixes?.map((x) => x.label)])).toEqual([
      ['Slot 0x04 of bus 0x00 uses function(s) 1 but has no function 0; the guest will not see them.', { devices: ['c'] }, ['Move c to function 0 of slot 0x04']],
    ]);
  });

  it('function 0 written after function 1 counts too', () => {
    expect(of(q35([rootPort(1, 1)], [refused, dev('b', 'disk', at(0, 3, 1)), dev('a', 'disk', at(0, 3, 0, 'on'))]), 'GEN-MF-3')).toEqual([]);
  });
});

describe('GEN-MF-3: the chipset\'s function 0 is on bus 0 only', () => {
  it('slot 0x1f of a bridge on q35 and slot 0x03 on i440fx have no chipset function 0', () => {
    const onBridge = q35([ctrl('pcie-root-port', 1, { address: at(0, 2) }), ctrl('pcie-to-pci-bridge', 2, { address: at(1, 0) })], [dev('x', 'interface', at(2, 0x1f, 1))]);
    expect(of(onBridge, 'GEN-MF-3').map((f) => f.message)).toEqual(['Slot 0x1f of bus 0x02 uses function(s) 1 but has no function 0; the guest will not see them.']);
    const i440fx = design({ machine: 'pc-i440fx-7.2', controllers: [ctrl('pci-root', 0)], devices: [dev('x', 'interface', at(0, 3, 1))] });
    expect(of(i440fx, 'GEN-MF-3').map((f) => f.subjects)).toEqual([{ devices: ['x'] }]);
  });
});
