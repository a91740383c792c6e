import { describe, expect, it } from 'vitest';
import type { Design } from '../model/design.ts';
import type { GuestDevice, PciController } from '../model/guest.ts';
import { validate } from '../rules/validate.ts';
import { at, ctrl, dev, hostdev, phb, pseries, q35, rootPort } from '../rules/testkit.ts';
import type { Command } from './commands.ts';
import { applyCommand, CommandError, firstFreeSlot } from './commands.ts';

const addressOf = (d: Design, key: string) => d.guest.devices.find((x) => x.key === key)?.address;
const errors = (d: Design) => validate(d).filter((f) => f.severity === 'error').map((f) => f.ruleId);

/** A host group of four functions of one card and one of a single function, on two PHBs. */
const HOST = { groups: { 7: ['0001:01:00.0', '0001:01:00.1', '0001:01:00.2', '0001:01:00.3'], 9: ['0002:01:00.0'] } };

describe('add-hostdevs and move-group', () => {
  it('keeps the functions of one host slot together on one guest slot, multifunction on function 0', () => {
    const d = applyCommand(pseries([phb(1)], [], HOST), { kind: 'move-group', group: 7, controller: 1 });
    expect(d.guest.devices.map((x) => x.address)).toEqual([at(1, 1, 0, 'on'), at(1, 1, 1), at(1, 1, 2), at(1, 1, 3)]);
    expect(errors(d)).toEqual([]);
  });

  it('puts a four-function group on functions 0-3 of slot 0 of a root port', () => {
    const d = applyCommand(q35([rootPort(1, 1)], [], HOST), { kind: 'move-group', group: 7, controller: 1 });
    expect(d.guest.devices.map((x) => x.address)).toEqual([at(1, 0, 0, 'on'), at(1, 0, 1), at(1, 0, 2), at(1, 0, 3)]);
    expect(errors(d)).toEqual([]);
  });

  it('refuses a second group on a full root port and leaves the design as it was', () => {
    const placed = applyCommand(q35([rootPort(1, 1)], [], HOST), { kind: 'move-group', group: 7, controller: 1 });
    expect(() => applyCommand(placed, { kind: 'move-group', group: 9, controller: 1 })).toThrow(CommandError);
    expect(placed.guest.devices).toHaveLength(4);
  });

  it('refuses a bus with fewer free slots than the host slots need', () => {
    const full = Array.from({ length: 30 }, (_, i) => dev(`vd${i}`, 'disk', at(1, i + 1)));
    const d = pseries([phb(1)], full, { groups: { 3: ['0003:01:00.0', '0003:02:00.0'] } });
    expect(() => applyCommand(d, { kind: 'move-group', group: 3, controller: 1 })).toThrow(/vPHB 1 has no free slot/);
  });

  it('refuses a controller index the guest does not have', () => {
    expect(() => applyCommand(pseries([], [], HOST), { kind: 'move-group', group: 9, controller: 4 })).toThrow(/no PCI controller with index 4/);
  });

  it('renumbers from function 0 when the host function 0 does not come along (GEN-MF-3)', () => {
    const d = applyCommand(pseries([phb(1)], [], HOST), { kind: 'add-hostdevs', hostAddresses: ['0001:01:00.2', '0001:01:00.1'], controller: 1 });
    expect(addressOf(d, '0001:01:00.1')).toEqual(at(1, 1, 0, 'on'));
    expect(addressOf(d, '0001:01:00.2')).toEqual(at(1, 1, 1));
    expect(errors(d)).not.toContain('GEN-MF-3');
  });

  it('moves the members already in the guest instead of adding them twice, whatever spelling the address has', () => {
    const d0 = pseries([phb(1), phb(2)], [hostdev('0001:01:00.0', at(2, 3))], HOST);
    const d = applyCommand(d0, { kind: 'add-hostdevs', hostAddresses: ['1:01:00.0', '0001:01:00.1'], controller: 1 });
    expect(d.guest.devices.map((x) => x.key)).toEqual(['0001:01:00.0', '0001:01:00.1']);
    expect(addressOf(d, '0001:01:00.0')).toEqual(at(1, 1, 0, 'on'));
    const whole = applyCommand(d, { kind: 'move-group', group: 7, controller: 2 });
    expect(whole.guest.devices.map((x) => x.address)).toEqual([at(2, 1, 0, 'on'), at(2, 1, 1), at(2, 1, 2), at(2, 1, 3)]);
  });

  it('re-uses the slot the moved members leave on the same bus', () => {
    const d0 = pseries([phb(1)], [hostdev('0001:01:00.0', at(1, 1)), dev('vda', 'disk', at(1, 2))], HOST);
    const d = applyCommand(d0, { kind: 'move-group', group: 7, controller: 1 });
    expect(addressOf(d, '0001:01:00.3')).toEqual(at(1, 1, 3));
  });

  it('never picks the slots the machine itself holds (q35 00:1f, i440fx 00:01)', () => {
    const busy = Array.from({ length: 30 }, (_, i) => dev(`vd${i}`, 'disk', at(0, i + 1)));
    const q = q35([], busy, HOST);
    expect(firstFreeSlot(q.guest, 0)).toBeUndefined();
    expect(() => applyCommand(q, { kind: 'move-group', group: 9, controller: 0 })).toThrow(CommandError);
    const pc = pseries([], [], HOST, { machine: 'pc-i440fx-9.1', arch: 'x86_64', controllers: [ctrl('pci-root', 0)] });
    expect(firstFreeSlot(pc.guest, 0)).toBe(2);
  });
});

describe('remove-controller', () => {
  it('leaves the devices and controllers that were on its bus without an address, for libvirt to place', () => {
    const bridge = ctrl('pci-bridge', 2, { key: 'br', address: at(1, 2), target: { chassisNr: 2 } });
    const d0 = pseries([phb(1), bridge], [hostdev('0002:01:00.0', at(1, 1)), dev('vda', 'disk', at(0, 2)), dev('vdb', 'disk', at(2, 1))], HOST);
    const d = applyCommand(d0, { kind: 'remove-controller', controller: 'pci-1' });
    expect(addressOf(d, '0002:01:00.0')).toBeUndefined();
    expect(d.guest.controllers.find((c) => c.key === 'br')?.address).toBeUndefined();
    // Only what was on bus 1 loses its address; the disk behind the bridge keeps its own.
    expect(addressOf(d, 'vda')).toEqual(at(0, 2));
    expect(addressOf(d, 'vdb')).toEqual(at(2, 1));
    expect(errors(d)).not.toContain('GEN-ADDR-2');
  });

  it('keeps the addresses when another controller still has that index', () => {
    const d0 = pseries([phb(1), phb(1, { index: 2 }, { key: 'dup' })], [hostdev('0002:01:00.0', at(1, 1))], HOST);
    const d = applyCommand(d0, { kind: 'remove-controller', controller: 'dup' });
    expect(addressOf(d, '0002:01:00.0')).toEqual(at(1, 1));
  });
});

describe('update-controller', () => {
  it('takes the devices and controllers on its bus along when its index changes', () => {
    const port = ctrl('pcie-switch-upstream-port', 3, { key: 'up', address: at(1, 0) });
    const d0 = q35([rootPort(1, 1), port], [hostdev('0002:01:00.0', at(1, 0, 1)), dev('vda', 'disk', at(0, 4))], HOST);
    const d = applyCommand(d0, { kind: 'update-controller', controller: 'pci-1', changes: { index: 5 } });
    expect(addressOf(d, '0002:01:00.0')).toEqual(at(5, 0, 1));
    expect(d.guest.controllers.find((c) => c.key === 'up')?.address).toEqual(at(5, 0));
    expect(addressOf(d, 'vda')).toEqual(at(0, 4));
  });

  it('leaves the bus to the other controller when the old index was a duplicate (GEN-IDX-1 fix)', () => {
    const d0 = pseries([phb(1), phb(1, { index: 2 }, { key: 'dup' })], [hostdev('0002:01:00.0', at(1, 1))], HOST);
    const d = applyCommand(d0, { kind: 'update-controller', controller: 'dup', changes: { index: 2 } });
    expect(addressOf(d, '0002:01:00.0')).toEqual(at(1, 1));
  });
});

describe('add-controller keys', () => {
  it('gives each new controller a key no controller has, the same for the same edits', () => {
    const add: Command = { kind: 'add-controller', controller: { model: 'pci-root' } };
    const run = () => [add, add, { kind: 'remove-controller', controller: 'pci-new-0' } as Command, add].reduce(applyCommand, pseries([], []));
    const keys = run().guest.controllers.map((c) => c.key);
    expect(new Set(keys).size).toBe(keys.length);
    expect(keys).toEqual(run().guest.controllers.map((c) => c.key));
    expect(run().guest.controllers.map((c) => c.index)).toEqual([0, 2, 3]);
  });
});

/**
 * The incremental validator re-uses a bus's findings when its controller and occupants are the
 * same objects as before, so a command must hand back every object it did not change as is.
 */
describe('commands keep untouched objects identical', () => {
  const bridge = ctrl('pci-bridge', 3, { key: 'br', address: at(0, 5), target: { chassisNr: 3 } });
  const base = pseries([phb(1), phb(2), bridge], [dev('vda', 'disk', at(0, 2)), hostdev('0002:01:00.0', at(2, 1)), hostdev('0001:01:00.0', at(1, 1, 0, 'on')), hostdev('0001:01:00.1', at(1, 1, 1)), dev('vdb', 'disk', at(3, 1))], HOST);
  const commands: Array<[string, Command, readonly string[]]> = [
    ['move-device', { kind: 'move-device', device: 'vda', address: at(0, 3) }, ['vda']],
    ['set-multifunction', { kind: 'set-multifunction', device: 'vda', value: 'on' }, ['vda']],
    ['add-hostdevs', { kind: 'add-hostdevs', hostAddresses: ['0001:01:00.2'], controller: 2 }, []],
    ['move-group', { kind: 'move-group', group: 7, controller: 2 }, ['0001:01:00.0', '0001:01:00.1']],
    ['remove-device', { kind: 'remove-device', device: 'vda' }, []],
    ['add-controller', { kind: 'add-controller', controller: { model: 'pci-root' } }, []],
    ['remove-controller', { kind: 'remove-controller', controller: 'pci-2' }, ['0002:01:00.0']],
    ['update-controller target', { kind: 'update-controller', controller: 'pci-1', changes: { target: { index: 9 } } }, ['pci-1']],
    ['update-controller index', { kind: 'update-controller', controller: 'br', changes: { index: 6 } }, ['br', 'vdb']],
    ['batch', { kind: 'batch', label: 'two', commands: [{ kind: 'move-device', device: 'vda', address: at(0, 3) }, { kind: 'remove-device', device: 'vdb' }] }, ['vda']],
  ];
  for (const [name, cmd, changed] of commands) {
    it(name, () => {
      const next = applyCommand(base, cmd);
      const before = new Map<string, GuestDevice | PciController>([...base.guest.devices, ...base.guest.controllers].map((x) => [x.key, x]));
      const kept = [...next.guest.devices, ...next.guest.controllers].filter((x) => before.has(x.key) && !changed.includes(x.key));
      for (const x of kept) expect(x, x.key).toBe(before.get(x.key));
      for (const k of changed) expect([...next.guest.devices, ...next.guest.controllers].find((x) => x.key === k)).not.toBe(before.get(k));
      expect(next.original).toBe(base.original);
      expect(next.host).toBe(base.host);
    });
  }
});
