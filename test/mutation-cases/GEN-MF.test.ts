import { describe, expect, it } from 'vitest';
import { applyCommand } from '../../src/engine/commands/commands.ts';
import { findingsOf } from './alone.ts';
import { at, ctrl, design, dev, pseries, q35, rootPort } from '../../src/engine/rules/testkit.ts';
import type { Design } from '../../src/engine/model/design.ts';
import type { Finding } from '../../src/engine/rules/types.ts';

/**
 * The multifunction rules' branches beyond their case tables (issue 11; docs/mutation.md): QEMU's
 * pci_init_multifunction (function 0 must say multifunction='on' when the slot has others) and the
 * guest's scan from function 0 (Linux pci_scan_slot), with the machine's own function 0 slots.
 */

const of = (d: Design, id: string): Finding[] => findingsOf(d, id);

describe('GEN-MF-2: function 0 with multifunction=\'off\' in a slot with other functions', () => {
  it('the message names slot and bus, both functions are subjects, and the fix turns multifunction on', () => {
    const d = pseries([], [dev('a', 'disk', at(0, 3, 0, 'off')), dev('b', 'disk', at(0, 3, 1))]);
    const got = of(d, 'GEN-MF-2');
    expect(got.map((f) => [f.message, f.subjects])).toEqual([["Slot 0x03 of bus 0x00 has several functions, but function 0 says multifunction='off'.", { devices: ['a', 'b'] }]]);
    expect(got[0]?.fixes?.map((x) => x.label)).toEqual(["Set multifunction='on' on a"]);
    expect(of(applyCommand(d, got[0]!.fixes![0]!.command), 'GEN-MF-2')).toEqual([]);
  });

  it('not judged: a lone function 0 with \'off\', function 0 without the attribute, a root port at x.0 with \'off\' (libvirt\'s q35-multifunction)', () => {
    expect(of(pseries([], [dev('a', 'disk', at(0, 3, 0, 'off'))]), 'GEN-MF-2')).toEqual([]);
    expect(of(pseries([], [dev('a', 'disk', at(0, 3, 0)), dev('b', 'disk', at(0, 3, 1))]), 'GEN-MF-2')).toEqual([]);
    expect(of(q35([rootPort(1, 2, 0, { address: at(0, 2, 0, 'off') }), rootPort(2, 2, 1)], []), 'GEN-MF-2')).toEqual([]);
  });
});

describe('GEN-MF-3: a slot with functions but no function 0', () => {
  it('lists the functions as written, and the fix moves the lowest-numbered device to function 0 with multifunction on', () => {
    const d = pseries([], [dev('b', 'disk', at(0, 3, 2)), dev('a', 'disk', at(0, 3, 1))]);
    const got = of(d, 'GEN-MF-3');
    expect(got.map((f) => [f.message, f.subjects])).toEqual([['Slot 0x03 of bus 0x00 uses function(s) 2, 1 but has no function 0; the guest will not see them.', { devices: ['b', 'a'] }]]);
    expect(got[0]?.fixes?.map((x) => x.label)).toEqual(['Move a to function 0 of slot 0x03']);
    const fixed = applyCommand(d, got[0]!.fixes![0]!.command);
    expect(fixed.guest.devices.find((x) => x.key === 'a')?.address).toMatchObject({ bus: 0, slot: 3, function: 0, multifunction: 'on' });
    expect(of(fixed, 'GEN-MF-3')).toEqual([]);
  });

  it('a lone function moved to 0 gets no multifunction attribute', () => {
    const d = pseries([], [dev('a', 'disk', at(0, 3, 1))]);
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
    expect(of(pseries([], [dev('a', 'disk', at(0, 0x1f, 1))]), 'GEN-MF-3').map((f) => f.subjects)).toEqual([{ devices: ['a'] }]);
  });
});
