import { describe, expect, it } from 'vitest';
import { createDesign } from '../xml/domain.ts';
import { place } from '../placement/index.ts';
import { domainXml } from '../rules/testkit.ts';

// libvirt looks for the default USB and SATA controllers, and for the PIIX3 / ICH9 controllers it
// pins, by *index 0* (qemuDomainDefAddDefaultDevices: virDomainControllerFind(def, USB, 0);
// qemuDomainValidateDevicePCISlotsPIIX3/Q35: cont->idx == 0). A controller of the type written at
// another index alone does not stand in for it. Each placement here is libvirt 9.0's (virsh define
// on the embedded driver, then dumpxml).
function placed(text: string) {
  const r = createDesign(text);
  if (!r.ok) throw new Error(r.error.message);
  const g = place(r.value, { policy: 'libvirt', libvirtVersion: '9.0.0' }).guest;
  const where = (p: (d: (typeof g.devices)[number]) => boolean) =>
    g.devices.filter(p).map((d) => `${d.type ?? d.element}${d.index ?? ''}@${d.address ? `${d.address.bus}:${d.address.slot.toString(16)}.${d.address.function}` : '-'}`);
  return { g, where };
}

describe('controllers of index 0 (qemuDomainDefAddDefaultDevices, qemuDomainValidateDevicePCISlots*)', () => {
  it('q35 with a qemu-xhci at index 1 only: libvirt adds the default USB controller 0 after it, and the console\'s virtio-serial after that', () => {
    const { where } = placed(domainXml('q35', 'x86_64', "    <controller type='usb' index='1' model='qemu-xhci'/>\n    <console type='pty'><target type='virtio' port='0'/></console>", 'qemu'));
    expect(where((d) => d.element === 'controller' && (d.type === 'usb' || d.type === 'virtio-serial'))).toEqual(['usb1@1:0.0', 'usb0@2:0.0', 'virtio-serial0@3:0.0']);
  });

  it('q35 with a SATA controller at index 1 only: the added SATA controller 0 takes 00:1f.2, the written one a slot of its own', () => {
    const { where } = placed(domainXml('q35', 'x86_64', "    <controller type='sata' index='1'/>\n    <interface type='user'><model type='e1000e'/></interface>", 'qemu'));
    expect(where((d) => d.element === 'controller' && d.type === 'sata').sort()).toEqual(['sata0@0:1f.2', 'sata1@3:1.0']);
  });

  it('i440fx with a piix3-uhci at index 2 only: the default USB controller 0 takes 00:01.2, the written one the next free slot', () => {
    const { where } = placed(domainXml('pc', 'x86_64', "    <controller type='usb' index='2' model='piix3-uhci'/>", 'qemu'));
    expect(where((d) => d.element === 'controller' && d.type === 'usb').sort()).toEqual(['usb0@0:1.2', 'usb2@0:2.0']);
  });

  it('one written without an index takes index 0: no default is added beside it', () => {
    const { where } = placed(domainXml('q35', 'x86_64', "    <controller type='usb' model='qemu-xhci'/>", 'qemu'));
    expect(where((d) => d.element === 'controller' && d.type === 'usb')).toHaveLength(1);
  });
});
