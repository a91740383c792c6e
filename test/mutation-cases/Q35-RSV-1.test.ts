import { describe, expect, it } from 'vitest';
import { findingsOf } from './alone.ts';
import { at, ctrl, dev, q35, rootPort } from '../../src/engine/rules/testkit.ts';
import type { Design } from '../../src/engine/model/design.ts';

/**
 * Q35-RSV-1 beyond its case table (issue 11; docs/mutation.md): libvirt
 * src/qemu/qemu_domain_address.c qemuDomainValidateDevicePCISlotsQ35 keeps 00:1f.0 (LPC), 00:1f.2
 * (the SATA controller with index 0) and 00:1f.3 (SMBus) on bus 0, and refuses that SATA controller
 * anywhere but 0:0:1f.2 ("Primary SATA controller must have PCI address 0:0:1f.2").
 */

const found = (d: Design) => findingsOf(d, 'Q35-RSV-1').map((f) => [f.message, f.subjects, f.fixes?.map((x) => [x.label, x.command])]);
const sata0 = (address: ReturnType<typeof at>) => dev('sata0', 'controller', address, { type: 'sata', index: 0 });
const PRIMARY = (where: string) =>
  `The primary SATA controller (sata0, controller index 0) is at ${where}; libvirt refuses it anywhere but 0:0:1f.2 ("Primary SATA controller must have PCI address 0:0:1f.2").`;
const MOVE = ['Move it to 00:1f.2', { kind: 'move-device', device: 'sata0', address: at(0, 0x1f, 2) }];
const bridge = [rootPort(1, 1), ctrl('pcie-to-pci-bridge', 2, { address: at(1, 0) })];

describe('Q35-RSV-1: the primary SATA controller', () => {
  it('at 00:05.2: the words and the move to 00:1f.2', () => {
    expect(found(q35([], [sata0(at(0, 5, 2))]))).toEqual([[PRIMARY('bus 0x00 slot 0x05 function 0x2'), { devices: ['sata0'] }, [MOVE]]]);
  });

  it('at 00:1f.4 (right slot, wrong function)', () => {
    expect(found(q35([], [sata0(at(0, 0x1f, 4))])).map(([m]) => m)).toEqual([PRIMARY('bus 0x00 slot 0x1f function 0x4')]);
  });

  it('at slot 0x1f function 2 of a bridge: bus 0 only', () => {
    expect(found(q35(bridge, [sata0(at(2, 0x1f, 2))])).map(([m]) => m)).toEqual([PRIMARY('bus 0x02 slot 0x1f function 0x2')]);
  });

  it('a controller of another type with index 0 (USB) is not the primary SATA controller', () => {
    expect(found(q35([], [dev('usb0', 'controller', at(0, 4), { type: 'usb', index: 0, model: 'qemu-xhci' }), sata0(at(0, 0x1f, 2))]))).toEqual([]);
  });

  it('a SATA controller with index 1 is never the primary one, even with no index 0 written', () => {
    expect(found(q35([], [dev('sata1', 'controller', at(0, 5), { type: 'sata', index: 1 })]))).toEqual([]);
  });
});

describe('Q35-RSV-1: the reserved functions of 00:1f', () => {
  it('each reserved function named for its ICH9 device, with a move elsewhere', () => {
    const got = findingsOf(q35([], [dev('a', 'disk', at(0, 0x1f, 0)), dev('b', 'disk', at(0, 0x1f, 3)), sata0(at(0, 0x1f, 2))]), 'Q35-RSV-1');
    expect(got.map((f) => [f.message, f.subjects])).toEqual([
      ['a is at bus 0x00 slot 0x1f function 0x0, reserved on q35 for the ICH9 LPC bridge.', { devices: ['a'] }],
      ['b is at bus 0x00 slot 0x1f function 0x3, reserved on q35 for the ICH9 SMBus controller.', { devices: ['b'] }],
    ]);
    for (const f of got) expect(f.fixes?.length).toBe(1);
  });

  it('a device at 00:1f.2 other than the primary SATA controller: named for it', () => {
    const got = findingsOf(q35([], [dev('c', 'disk', at(0, 0x1f, 2)), dev('sata1', 'controller', at(0, 5), { type: 'sata', index: 1 })]), 'Q35-RSV-1');
    expect(got.map((f) => f.message)).toEqual(['c is at bus 0x00 slot 0x1f function 0x2, reserved on q35 for the ICH9 primary SATA controller.']);
  });

  it('slot 0x1f of a bridge is not reserved', () => {
    expect(found(q35(bridge, [dev('nic', 'interface', at(2, 0x1f, 0), { model: 'e1000' })]))).toEqual([]);
  });
});
