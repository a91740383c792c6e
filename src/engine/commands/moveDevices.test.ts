import { describe, expect, it } from 'vitest';
import type { Design } from '../model/design.ts';
import { validate } from '../rules/validate.ts';
import { at, dev, hostdev, phb, pseries, q35, rootPort } from '../rules/testkit.ts';
import { applyCommand, CommandError, describeCommand } from './commands.ts';

const addressOf = (d: Design, key: string) => d.guest.devices.find((x) => x.key === key)?.address;
const errors = (d: Design) => validate(d).filter((f) => f.severity === 'error').map((f) => f.ruleId);

describe('move-devices', () => {
  it('puts each unaddressed device on its own free slot of the bus, lowest first', () => {
    const d0 = pseries([phb(1)], [dev('vda', 'disk', at(1, 1)), dev('vdb', 'disk'), dev('net0', 'interface')]);
    const d = applyCommand(d0, { kind: 'move-devices', devices: ['vdb', 'net0'], controller: 1 });
    expect(addressOf(d, 'vdb')).toEqual(at(1, 2));
    expect(addressOf(d, 'net0')).toEqual(at(1, 3));
    expect(addressOf(d, 'vda')).toEqual(at(1, 1));
    expect(errors(d)).toEqual([]);
  });

  it('keeps the functions of one card together on one slot, multifunction on function 0', () => {
    const card = [0, 1, 2, 3].map((f) => hostdev(`0001:01:00.${f}`, at(1, 1, f, f === 0 ? 'on' : undefined)));
    const d0 = pseries([phb(1), phb(2)], [...card, dev('vda', 'disk', at(2, 1))], { groups: { 7: card.map((c) => c.key) } });
    const d = applyCommand(d0, { kind: 'move-devices', devices: card.map((c) => c.key), controller: 2 });
    expect(card.map((c) => addressOf(d, c.key))).toEqual([at(2, 2, 0, 'on'), at(2, 2, 1), at(2, 2, 2), at(2, 2, 3)]);
    expect(errors(d)).toEqual([]);
  });

  it('renumbers from function 0 when the function 0 of a card stays behind (GEN-MF-3)', () => {
    const card = [0, 1, 2].map((f) => hostdev(`0001:01:00.${f}`, at(1, 1, f, f === 0 ? 'on' : undefined)));
    const d = applyCommand(pseries([phb(1), phb(2)], card), { kind: 'move-devices', devices: [card[2]?.key ?? '', card[1]?.key ?? ''], controller: 2 });
    expect(addressOf(d, '0001:01:00.1')).toEqual(at(2, 1, 0, 'on'));
    expect(addressOf(d, '0001:01:00.2')).toEqual(at(2, 1, 1));
  });

  it('leaves devices already on the bus where they are', () => {
    const d0 = pseries([phb(1), phb(2)], [dev('vda', 'disk', at(2, 5)), dev('vdb', 'disk', at(1, 1))]);
    const d = applyCommand(d0, { kind: 'move-devices', devices: ['vda', 'vdb'], controller: 2 });
    expect(addressOf(d, 'vda')).toEqual(at(2, 5));
    expect(addressOf(d, 'vdb')).toEqual(at(2, 1));
  });

  it('refuses, leaving the design unchanged, when the bus has too few free slots', () => {
    const d0 = q35([rootPort(1, 1)], [dev('vda', 'disk'), dev('vdb', 'disk')]);
    expect(() => applyCommand(d0, { kind: 'move-devices', devices: ['vda', 'vdb'], controller: 1 })).toThrow(/no free slot on controller 1 for vdb/);
    expect(d0.guest.devices.every((x) => x.address === undefined)).toBe(true);
  });

  it('refuses an unknown device or bus', () => {
    const d0 = pseries([phb(1)], [dev('vda', 'disk')]);
    expect(() => applyCommand(d0, { kind: 'move-devices', devices: ['nope'], controller: 1 })).toThrow(CommandError);
    expect(() => applyCommand(d0, { kind: 'move-devices', devices: ['vda'], controller: 9 })).toThrow(/no PCI controller with index 9/);
  });

  it('is described for the undo history, in libvirt words when the design is known', () => {
    expect(describeCommand({ kind: 'move-devices', devices: ['a', 'b'], controller: 3 })).toBe('Move 2 devices to bus 0x03');
    const d = pseries([phb(1)], [dev('vda', 'disk', at(0, 1)), dev('vdb', 'disk')]);
    expect(describeCommand({ kind: 'move-devices', devices: ['vda', 'vdb'], controller: 1 }, d)).toBe('Move 2 devices to vPHB 1');
    expect(describeCommand({ kind: 'move-devices', devices: ['vdb'], controller: 1 }, d)).toMatch(/^Move .*vdb.* to vPHB 1$/);
  });
});
