import { describe, expect, it } from 'vitest';
import { findingsOf } from './alone.ts';
import { at, ctrl, dev, hostdev, q35, rootPort } from '../../src/engine/rules/testkit.ts';
import type { Design } from '../../src/engine/model/design.ts';

/**
 * Q35-RP-4 beyond its case table (issue 11; docs/mutation.md): a root or downstream port has one
 * slot; libvirt src/conf/domain_addr.c virDomainPCIAddressBusSetModel gives it maxSlot 0 and
 * virDomainPCIAddressValidate refuses any other ("slot must be <= 0"), for devices and controllers
 * alike.
 */

const found = (d: Design) => findingsOf(d, 'Q35-RP-4').map((f) => [f.message, f.subjects, f.fixes?.map((x) => x.label)]);
const up = (slot: number) => ctrl('pcie-switch-upstream-port', 2, { address: at(1, slot) });

describe('Q35-RP-4: slot 0 only behind a port', () => {
  it('a disk at slot 1 of a root port: the words, the port, and the move to slot 0', () => {
    expect(found(q35([rootPort(1, 1)], [dev('vda', 'disk', at(1, 1))]))).toEqual([
      ['vda is at bus 0x01 slot 0x01 function 0x0, but pcie-root-port 1 has only slot 0 (slot must be <= 0).', { controllers: [1], devices: ['vda'] }, ['Move vda to slot 0x00 of bus 0x01']],
    ]);
  });

  it('three functions of one slot move together in function order, each named once', () => {
    const d = q35([rootPort(1, 1)], [dev('vdc', 'disk', at(1, 2, 2)), hostdev('0000:01:00.0', at(1, 2, 0, 'on')), dev('vdb', 'disk', at(1, 2, 1))]);
    const got = findingsOf(d, 'Q35-RP-4');
    expect(got.map((f) => f.subjects.devices)).toEqual([['0000:01:00.0'], ['vdb'], ['vdc']]);
    for (const f of got) expect(f.fixes?.map((x) => x.label)).toEqual(['Move hostdev 0000:01:00.0 and vdb and vdc to slot 0x00 of bus 0x01']);
    const moves = got[0]!.fixes![0]!.command;
    expect(moves.kind === 'batch' ? moves.commands.map((c) => (c.kind === 'move-device' ? [c.device, c.address?.function] : c.kind)) : moves.kind).toEqual([
      ['0000:01:00.0', 0],
      ['vdb', 1],
      ['vdc', 2],
    ]);
  });

  it('a controller at slot 1 of a root port: named with the port, and no fix', () => {
    expect(found(q35([rootPort(1, 1), up(1)], []))).toEqual([['Controller 2 is at bus 0x01 slot 0x01 function 0x0, but pcie-root-port 1 has only slot 0.', { controllers: [1, 2] }, undefined]]);
  });

  it('a controller at slot 0 of a root port is where it belongs', () => {
    expect(found(q35([rootPort(1, 1), up(0)], []))).toEqual([]);
  });

  it('a controller whose index cannot be read is named by its model, the port the only number', () => {
    const d = q35([rootPort(1, 1), { ...up(1), index: undefined, unreadable: ["index='x'"] }], []);
    expect(found(d)).toEqual([['A pcie-switch-upstream-port (index unreadable) is at bus 0x01 slot 0x01 function 0x0, but pcie-root-port 1 has only slot 0.', { controllers: [1] }, undefined]]);
  });
});
