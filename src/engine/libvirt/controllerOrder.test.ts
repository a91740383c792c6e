import { describe, expect, it } from 'vitest';
import { createDesign } from '../xml/domain.ts';
import { place } from '../placement/index.ts';
import { libvirtControllerOrder } from './qemuDomainAddress.ts';
import { domainXml } from '../rules/testkit.ts';

// Where libvirt 9.0 and 10.7 differ: the controllers libvirt adds for a gap in the indexes are
// addressed (and, on pseries, given target indexes) after the written ones in 9.0 and by index in
// 10.7. Both are checked: 10.7 by its own tests (the corpus), 9.0 by the differential stage.
function placed(text: string, libvirtVersion?: string) {
  const r = createDesign(text);
  if (!r.ok) throw new Error(r.error.message);
  return place(r.value, { policy: 'libvirt', libvirtVersion }).guest.controllers;
}
function placedDevices(text: string, libvirtVersion?: string) {
  const r = createDesign(text);
  if (!r.ok) throw new Error(r.error.message);
  return place(r.value, { policy: 'libvirt', libvirtVersion }).guest.devices;
}

describe('the controller order of a libvirt release', () => {
  it('reads the release: before 10.0 written-first, from 10.0 (and unknown) by index', () => {
    expect(libvirtControllerOrder('9.0.0')).toBe('written-first');
    expect(libvirtControllerOrder('9.0')).toBe('written-first');
    expect(libvirtControllerOrder('10.7.0')).toBe('index');
    expect(libvirtControllerOrder(undefined)).toBe('index');
    expect(libvirtControllerOrder('x')).toBe('index');
  });

  it('q35, root port 5 alone: 10.7 puts port 1 at 00:01.0; 9.0 puts the written port 5 there', () => {
    const text = domainXml('q35', 'x86_64', "    <controller type='pci' index='5' model='pcie-root-port'/>\n");
    const at = (list: ReturnType<typeof placed>, index: number) => list.find((c) => c.index === index)?.address;
    expect(at(placed(text), 1)).toMatchObject({ bus: 0, slot: 1, function: 0 });
    expect(at(placed(text), 5)).toMatchObject({ bus: 0, slot: 1, function: 4 });
    expect(at(placed(text, '9.0'), 5)).toMatchObject({ bus: 0, slot: 1, function: 0 });
    expect(at(placed(text, '9.0'), 1)).toMatchObject({ bus: 0, slot: 1, function: 1 });
  });

  it('pseries, PHB 2 alone: 10.7 gives target = index; 9.0 gives the written PHB target 1 and the added one 2', () => {
    const text = domainXml('pseries', 'ppc64le', "    <controller type='pci' index='2' model='pci-root'/>\n");
    const target = (list: ReturnType<typeof placed>, index: number) => list.find((c) => c.index === index)?.target.index;
    expect([target(placed(text), 1), target(placed(text), 2)]).toEqual([1, 2]);
    expect([target(placed(text, '9.0'), 1), target(placed(text, '9.0'), 2)]).toEqual([2, 1]);
  });

  // checked with real libvirt 9.0: the written virtio-serial controller 1 at bus 1, the default USB
  // controller at bus 2, the virtio-serial controller 0 the console makes libvirt add at bus 3
  it('q35, virtio-serial 1 written and a virtio console: 9.0 addresses the controllers it adds after the written one', () => {
    const text = domainXml('q35', 'x86_64', "    <controller type='virtio-serial' index='1'/>\n    <console type='pty'><target type='virtio'/></console>\n");
    const bus = (list: ReturnType<typeof placedDevices>, type: string, index: number) => list.find((d) => d.element === 'controller' && d.type === type && (d.index ?? 0) === index)?.address?.bus;
    const v9 = placedDevices(text, '9.0');
    expect([bus(v9, 'virtio-serial', 1), bus(v9, 'usb', 0), bus(v9, 'virtio-serial', 0)]).toEqual([1, 2, 3]);
    // 10.7 keeps def->controllers by type and index: virtio-serial 0 first
    const v10 = placedDevices(text);
    expect(bus(v10, 'virtio-serial', 0)).toBeLessThan(bus(v10, 'virtio-serial', 1) ?? 0);
  });

  it('i440fx, two channels on a one-port virtio-serial 0: 9.0 puts the one libvirt adds for the second after the written one and USB', () => {
    const text = domainXml('pc', 'x86_64', "    <controller type='virtio-serial' index='1' ports='1'/>\n    <channel type='pty'><target type='virtio' name='org.x.a'/></channel>\n");
    const slot = (list: ReturnType<typeof placedDevices>, index: number) => list.find((d) => d.element === 'controller' && d.type === 'virtio-serial' && d.index === index)?.address?.slot;
    const v9 = placedDevices(text, '9.0');
    expect([slot(v9, 1), slot(v9, 0)]).toEqual([2, 3]);
  });
});
