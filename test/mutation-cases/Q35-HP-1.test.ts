import { describe, expect, it } from 'vitest';
import { applyCommand } from '../../src/engine/commands/commands.ts';
import type { Command } from '../../src/engine/commands/commands.ts';
import { findingsOf } from './alone.ts';
import { at, ctrl, dev, q35, rootPort } from '../../src/engine/rules/testkit.ts';
import type { Design } from '../../src/engine/model/design.ts';
import type { PciController } from '../../src/engine/model/guest.ts';
import type { Finding } from '../../src/engine/rules/types.ts';

/**
 * Q35-HP-1's branches beyond its case table (issue 11; docs/mutation.md), the rule run alone: a PCIe
 * device is hotplugged only into an empty root or downstream port with hotplug on (libvirt
 * docs/pci-hotplug.rst, QEMU docs/pcie.txt), and libvirt's own devices take the first empty ports at
 * define (qemuDomainDefAddDefaultDevices, virDomainPCIAddressGetNextAddr).
 */

const noDefaults = [dev('usb', 'controller', undefined, { type: 'usb', model: 'none' }), dev('mb', 'memballoon', undefined, { model: 'none' })];
const of = (d: Design): Finding[] => findingsOf(d, 'Q35-HP-1');
const NONE_EMPTY = 'No empty hotpluggable root or downstream port: nothing can be hotplugged into this guest. Add one empty pcie-root-port per device you plan to hotplug.';
const addPort = (index: number, slot: number): Command => ({ kind: 'add-controller', controller: { model: 'pcie-root-port', index, target: { chassis: index, port: slot * 8 }, address: { domain: 0, bus: 0, slot, function: 0 } } });
const ADD = 'Add an empty pcie-root-port';
const found = (d: Design) => of(d).map((f) => [f.message, f.subjects, f.fixes?.map((x) => [x.label, x.command])]);
const up = ctrl('pcie-switch-upstream-port', 2, { address: at(1, 0) });
const down = (i: number, slot: number, extra: Partial<PciController> = {}): PciController => ctrl('pcie-switch-downstream-port', i, { address: at(2, slot), target: { chassis: i, port: slot }, ...extra });

describe('Q35-HP-1: no empty hotpluggable port', () => {
  it('every port used: the words, every port a subject, the fix adds a port on the first free slot, which clears it', () => {
    const d = q35([rootPort(1, 1)], [dev('vda', 'disk', at(1, 0)), ...noDefaults]);
    expect(found(d)).toEqual([[NONE_EMPTY, { controllers: [1] }, [[ADD, addPort(2, 2)]]]]);
    expect(of(applyCommand(d, of(d)[0]!.fixes![0]!.command))).toEqual([]);
  });

  it('an empty downstream port is a spare', () => {
    expect(of(q35([rootPort(1, 1), up, down(3, 0), down(4, 1)], [dev('vda', 'disk', at(3, 0)), ...noDefaults]))).toEqual([]);
  });

  it('an empty port with hotplug=\'off\' is no spare, root or downstream', () => {
    expect(found(q35([rootPort(1, 1), up, down(3, 0), down(4, 1, { target: { chassis: 4, port: 1, hotplug: 'off' } })], [dev('vda', 'disk', at(3, 0)), ...noDefaults]))).toEqual([
      [NONE_EMPTY, { controllers: [1, 3, 4] }, [[ADD, addPort(5, 2)]]],
    ]);
    expect(found(q35([rootPort(1, 1), rootPort(2, 1, 1, { target: { chassis: 2, port: 9, hotplug: 'off' } })], [dev('vda', 'disk', at(1, 0)), ...noDefaults]))).toEqual([
      [NONE_EMPTY, { controllers: [1, 2] }, [[ADD, addPort(3, 2)]]],
    ]);
  });

  it('a port holding a switch (a controller, no device) is not empty', () => {
    expect(found(q35([rootPort(1, 1), up, down(3, 0)], [dev('vda', 'disk', at(3, 0)), ...noDefaults]))).toEqual([[NONE_EMPTY, { controllers: [1, 3] }, [[ADD, addPort(4, 2)]]]]);
  });

  it('a design libvirt cannot define (a NIC on bus 300): judged as written, every port used', () => {
    expect(of(q35([rootPort(1, 1)], [dev('vda', 'disk', at(1, 0)), dev('nic', 'interface', at(300, 1)), ...noDefaults])).map((f) => [f.message, f.subjects])).toEqual([[NONE_EMPTY, { controllers: [1] }]]);
  });

  it('a pcie-to-pci-bridge waiting for a port: no add-port fix (the bridge would take it, from a lower index: GEN-CONNECT-1 first)', () => {
    expect(found(q35([rootPort(1, 1), ctrl('pcie-to-pci-bridge', 2)], [dev('vda', 'disk', at(1, 0)), ...noDefaults]))).toEqual([[NONE_EMPTY, { controllers: [1] }, undefined]]);
  });
});

describe('Q35-HP-1: every empty port taken at define', () => {
  it('the default USB controller: libvirt adds it there; the words offer model=\'none\' too', () => {
    expect(found(q35([rootPort(1, 1), rootPort(2, 1, 1)], [dev('vda', 'disk', at(1, 0)), dev('mb', 'memballoon', undefined, { model: 'none' })]))).toEqual([
      [
        "Every empty port will be taken at define time: libvirt adds usb controller qemu-xhci on port 2, so no port is left for hotplug. Add one more empty pcie-root-port, or write <controller type='usb' model='none'/> / <memballoon model='none'/> if the guest does without them.",
        { controllers: [2] },
        [[ADD, addPort(3, 2)]],
      ],
    ]);
  });

  it('the USB controller and the memballoon: both named, both ports subjects', () => {
    expect(found(q35([rootPort(1, 1), rootPort(2, 1, 1), rootPort(3, 1, 2)], [dev('vda', 'disk', at(1, 0))]))).toEqual([
      [
        "Every empty port will be taken at define time: libvirt adds usb controller qemu-xhci on port 2, virtio memballoon on port 3, so no port is left for hotplug. Add one more empty pcie-root-port, or write <controller type='usb' model='none'/> / <memballoon model='none'/> if the guest does without them.",
        { controllers: [2, 3] },
        [[ADD, addPort(4, 2)]],
      ],
    ]);
  });

  it('a device the design leaves to libvirt: "places", and no word of model=\'none\'', () => {
    expect(found(q35([ctrl('pcie-root-port', 1)], [dev('rng0', 'rng'), ...noDefaults]))).toEqual([
      ['Every empty port will be taken at define time: libvirt places rng0 on port 1, so no port is left for hotplug. Add one more empty pcie-root-port.', { controllers: [1] }, [[ADD, addPort(2, 1)]]],
    ]);
  });

  it('two devices libvirt places on the two empty ports: both named', () => {
    expect(of(q35([ctrl('pcie-root-port', 1), ctrl('pcie-root-port', 2)], [dev('rng0', 'rng'), dev('rng1', 'rng'), ...noDefaults])).map((f) => f.message)).toEqual([
      'Every empty port will be taken at define time: libvirt places rng0 on port 1, rng1 on port 2, so no port is left for hotplug. Add one more empty pcie-root-port.',
    ]);
  });

  it('one port to the USB controller and one to a device libvirt places: "adds … and places …"', () => {
    expect(of(q35([rootPort(1, 1), rootPort(2, 1, 1), rootPort(3, 1, 2)], [dev('vda', 'disk', at(1, 0)), dev('rng0', 'rng'), dev('mb', 'memballoon', undefined, { model: 'none' })])).map((f) => [f.message, f.subjects])).toEqual([
      [
        "Every empty port will be taken at define time: libvirt adds usb controller qemu-xhci on port 2 and places rng0 on port 3, so no port is left for hotplug. Add one more empty pcie-root-port, or write <controller type='usb' model='none'/> / <memballoon model='none'/> if the guest does without them.",
        { controllers: [2, 3] },
      ],
    ]);
  });
});
