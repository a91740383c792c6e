import { describe, expect, it } from 'vitest';
import { applyCommand } from '../../src/engine/commands/commands.ts';
import type { Command } from '../../src/engine/commands/commands.ts';
import { findingsOf } from './alone.ts';
import { at, ctrl, design, dev, hostdev, phb, pseries, q35, rootPort } from '../../src/engine/rules/testkit.ts';
import type { Design } from '../../src/engine/model/design.ts';
import type { Finding } from '../../src/engine/rules/types.ts';

/**
 * HD-MF-1's branches beyond its case table (issue 11; docs/mutation.md), the rule run alone: libvirt
 * gives each function it places a slot of its own (virDomainPCIAddressGetNextAddr), so the functions
 * of one host slot stay together only as written (test hostdev-pci-multifunction): which functions
 * count as one card, what is said, and where the fix puts them.
 */

const GPU = '0000:01:00.0';
const AUDIO = '0000:01:00.1';
const THIRD = '0000:01:00.2';
const H = { groups: { 1: [GPU, AUDIO, THIRD] } };
const of = (d: Design): Finding[] => findingsOf(d, 'HD-MF-1');
const move = (device: string, bus: number, slot: number, fn: number): Command => ({ kind: 'move-device', device, address: { domain: 0, bus, slot, function: fn, ...(fn === 0 ? { multifunction: 'on' as const } : {}) } });
const together = (what: string, commands: Command[]): Command => ({ kind: 'batch', label: `Put ${what} together`, commands });
const PAIR = 'hostdev 0000:01:00.0 and hostdev 0000:01:00.1';
const message = (names: string, card: string, where: string): string =>
  `${names} are functions of one host device (${card}) but sit in different guest slots (${where}). The guest sees unrelated devices instead of one multi-function card; put them in one slot, function 0 with multifunction='on'.`;
const fixesOf = (f: Finding | undefined) => f?.fixes?.map((x) => [x.label, x.command]);

describe('HD-MF-1: which functions are one card', () => {
  it('written audio first: named in the design\'s order, the fix puts function 0 first, in the slot of the first addressed one, and clears it', () => {
    const d = q35([rootPort(1, 1), rootPort(2, 1, 1)], [hostdev(AUDIO, at(2, 0)), hostdev(GPU, at(1, 0))], H);
    const [f, ...rest] = of(d);
    expect(rest).toEqual([]);
    expect([f?.message, f?.subjects]).toEqual([message('hostdev 0000:01:00.1, hostdev 0000:01:00.0', '0000:01:00', '0000:01:00.1: bus 0x02 slot 0x00; 0000:01:00.0: bus 0x01 slot 0x00'), { devices: [AUDIO, GPU] }]);
    expect(fixesOf(f)).toEqual([[`Put ${PAIR} together in slot 0x00 of bus 0x01 (function 0 multifunction='on')`, together(PAIR, [move(GPU, 1, 0, 0), move(AUDIO, 1, 0, 1)])]]);
    expect(of(applyCommand(d, f!.fixes![0]!.command))).toEqual([]);
  });

  it('functions of two host slots on one host bus are two cards: nothing to say', () => {
    expect(of(q35([rootPort(1, 1), rootPort(2, 1, 1)], [hostdev(GPU, at(1, 0)), hostdev('0000:01:01.1', at(2, 0))], { groups: { 1: [GPU], 2: ['0000:01:01.1'] } }))).toEqual([]);
  });

  it('without the host\'s function 0: the functions are numbered 0, 1 in host order', () => {
    const [f] = of(q35([rootPort(1, 1), rootPort(2, 1, 1)], [hostdev(AUDIO, at(1, 0)), hostdev(THIRD, at(2, 0))], H));
    const what = 'hostdev 0000:01:00.1 and hostdev 0000:01:00.2';
    expect(fixesOf(f)).toEqual([[`Put ${what} together in slot 0x00 of bus 0x01 (function 0 multifunction='on')`, together(what, [move(AUDIO, 1, 0, 0), move(THIRD, 1, 0, 1)])]]);
  });

  it('a function passed twice (HD-SRC-2\'s) counts once; the second copy keeps its place and its function there is taken', () => {
    const d = q35([rootPort(1, 1), rootPort(2, 1, 1)], [hostdev(GPU, at(1, 0)), { ...hostdev(GPU, at(1, 0, 1)), key: `${GPU}#2` }, hostdev(AUDIO, at(2, 0))], H);
    const [f, ...rest] = of(d);
    expect(rest).toEqual([]);
    expect(f?.subjects).toEqual({ devices: [GPU, AUDIO] });
    expect(f?.fixes?.[0]?.command).toEqual(together(PAIR, [move(GPU, 1, 0, 0), move(AUDIO, 1, 0, 2)]));
  });

  it('functions the host does not list are still judged by their addresses', () => {
    const [f] = of(q35([rootPort(1, 1), rootPort(2, 1, 1)], [hostdev('0000:09:00.0', at(1, 0)), hostdev('0000:09:00.1', at(2, 0))], H));
    expect(f?.subjects).toEqual({ devices: ['0000:09:00.0', '0000:09:00.1'] });
  });
});

describe('HD-MF-1: where the fix puts them', () => {
  it('q35, neither function addressed (libvirt would give each its own slot): both go to one slot of a root port, on the host\'s function numbers, the label saying "Put"', () => {
    const d = q35([rootPort(1, 1)], [hostdev(AUDIO), hostdev(GPU)], H);
    const [f] = of(d);
    expect(fixesOf(f)).toEqual([[`Put ${PAIR} to the empty pcie-root-port 1`, { kind: 'batch', label: `Put ${PAIR}`, commands: [move(GPU, 1, 0, 0), move(AUDIO, 1, 0, 1)] }]]);
    expect(of(applyCommand(d, f!.fixes![0]!.command))).toEqual([]);
  });

  it('beside a controller in the anchor\'s slot: the audio takes the next free function', () => {
    const [f] = of(q35([rootPort(2, 3, 1), rootPort(5, 5)], [hostdev(GPU, at(0, 3, 0, 'on')), hostdev(AUDIO, at(5, 0))], H));
    expect(fixesOf(f)).toEqual([[`Put ${PAIR} together in slot 0x03 of bus 0x00 (function 0 multifunction='on')`, together(PAIR, [move(GPU, 0, 3, 0), move(AUDIO, 0, 3, 2)])]]);
  });

  it('beside a device in the anchor\'s slot: the same', () => {
    const [f] = of(pseries([phb(1)], [hostdev(GPU, at(1, 1, 0, 'on')), dev('vda', 'disk', at(1, 1, 1)), hostdev(AUDIO, at(1, 2))], H));
    expect(f?.fixes?.[0]?.command).toEqual(together(PAIR, [move(GPU, 1, 1, 0), move(AUDIO, 1, 1, 2)]));
  });

  it('the anchor\'s slot with every other function taken: the pair goes to a whole free slot', () => {
    const d = pseries([phb(1)], [hostdev(GPU, at(1, 1, 0, 'on')), ...[1, 2, 3, 4, 5, 6, 7].map((fn) => dev(`vd${fn}`, 'disk', at(1, 1, fn))), hostdev(AUDIO, at(1, 2))], H);
    const [f] = of(d);
    expect(fixesOf(f)).toEqual([[`Put ${PAIR} to slot 0x02 of bus 0x01`, { kind: 'batch', label: `Put ${PAIR}`, commands: [move(GPU, 1, 2, 0), move(AUDIO, 1, 2, 1)] }]]);
    expect(of(applyCommand(d, f!.fixes![0]!.command))).toEqual([]);
  });

  it('one function libvirt cannot place (the design has a NIC on bus 300): said so, and the pair goes to the addressed one', () => {
    const [f] = of(q35([rootPort(1, 1)], [hostdev(AUDIO), hostdev(GPU, at(1, 0)), dev('nic', 'interface', at(300, 1))], H));
    expect(f?.message).toBe(message('hostdev 0000:01:00.1, hostdev 0000:01:00.0', '0000:01:00', '0000:01:00.1: a slot of its own (no address: libvirt gives each function one); 0000:01:00.0: bus 0x01 slot 0x00'));
    expect(f?.fixes?.[0]?.command).toEqual(together(PAIR, [move(GPU, 1, 0, 0), move(AUDIO, 1, 0, 1)]));
  });

  it('pseries, none addressed: on the empty vPHB, else on a new one', () => {
    const unplaced = [hostdev(AUDIO), hostdev(GPU), dev('nic', 'interface', at(300, 1))];
    expect(fixesOf(of(pseries([phb(1)], unplaced, H))[0])).toEqual([[`Put ${PAIR} together on the empty vPHB (controller 1)`, together(PAIR, [move(GPU, 1, 1, 0), move(AUDIO, 1, 1, 1)])]]);
    expect(fixesOf(of(pseries([], unplaced, H))[0])).toEqual([
      [`Put ${PAIR} together on a new vPHB (controller 1)`, together(PAIR, [{ kind: 'add-controller', controller: { model: 'pci-root', index: 1 } }, move(GPU, 1, 1, 0), move(AUDIO, 1, 1, 1)])],
    ]);
  });
});

describe('HD-MF-1 without a host', () => {
  it('the host is needed only when one host slot has two functions passed', () => {
    const noHost = (devices: ReturnType<typeof hostdev>[]) => of(design({ machine: 'q35', controllers: [ctrl('pcie-root', 0), rootPort(1, 1)], devices }));
    expect(noHost([hostdev(GPU, at(1, 0)), hostdev(AUDIO, at(1, 0, 1))]).map((f) => f.severity)).toEqual(['info']);
    expect(noHost([hostdev(GPU, at(1, 0))])).toEqual([]);
  });
});

describe('HD-MF-1: after its own-suite re-run', () => {
  it('host functions whose numbers would meet if the host slot were keyed loosely are still apart: no finding', () => {
    const H2 = { groups: { 1: ['0000:01:01.0'], 2: ['0000:21:00.1'], 3: ['0100:00:00.0'], 4: ['0000:01:00.1'] } };
    expect(of(q35([rootPort(1, 1), rootPort(2, 1, 1)], [hostdev('0000:01:01.0', at(1, 0)), hostdev('0000:21:00.1', at(2, 0))], H2))).toEqual([]);
    expect(of(q35([rootPort(1, 1), rootPort(2, 1, 1)], [hostdev('0100:00:00.0', at(1, 0)), hostdev('0000:01:00.1', at(2, 0))], H2))).toEqual([]);
  });

  it('a function of another host slot passed first does not hide a function of this one', () => {
    const H3 = { groups: { 1: ['0000:01:00.1'], 2: ['0000:01:08.0', '0000:01:08.1'] } };
    const got = of(q35([rootPort(1, 1), rootPort(2, 1, 1), rootPort(3, 1, 2)], [hostdev('0000:01:00.1', at(1, 0)), hostdev('0000:01:08.0', at(2, 0)), hostdev('0000:01:08.1', at(3, 0))], H3));
    expect(got.map((f) => f.subjects)).toEqual([{ devices: ['0000:01:08.0', '0000:01:08.1'] }]);
  });

  it('with the host\'s function 0, the host numbers are kept even with a gap (functions 0 and 2)', () => {
    const [f] = of(q35([rootPort(1, 1), rootPort(2, 1, 1)], [hostdev(GPU, at(1, 0)), hostdev(THIRD, at(2, 0))], H));
    const what = 'hostdev 0000:01:00.0 and hostdev 0000:01:00.2';
    expect(f?.fixes?.[0]?.command).toEqual(together(what, [move(GPU, 1, 0, 0), move(THIRD, 1, 0, 2)]));
  });

  it('what sits in other slots of the anchor\'s bus takes none of its functions', () => {
    const d = pseries([phb(1)], [hostdev(GPU, at(1, 1)), hostdev(AUDIO, at(1, 2)), dev('vda', 'disk', at(1, 3, 0, 'on')), dev('vdb', 'disk', at(1, 3, 1))], H);
    expect(of(d)[0]?.fixes?.[0]?.command).toEqual(together(PAIR, [move(GPU, 1, 1, 0), move(AUDIO, 1, 1, 1)]));
  });

  it('one function alone that libvirt cannot place is no split card', () => {
    expect(of(q35([rootPort(1, 1)], [hostdev(GPU), dev('nic', 'interface', at(300, 1))], H))).toEqual([]);
  });

  it('q35, none addressed: never a vPHB (those are pseries\')', () => {
    const got = of(q35([rootPort(1, 1)], [hostdev(AUDIO), hostdev(GPU), dev('nic', 'interface', at(300, 1))], H));
    expect(got.map((f) => f.subjects)).toEqual([{ devices: [AUDIO, GPU] }]);
    expect(got.flatMap((f) => f.fixes ?? []).filter((x) => x.label.includes('vPHB'))).toEqual([]);
  });

  it('without a host: one host slot with two functions is enough to need it, whatever else is passed', () => {
    const d = design({ machine: 'q35', controllers: [ctrl('pcie-root', 0), rootPort(1, 1), rootPort(2, 1, 1)], devices: [hostdev(GPU, at(1, 0)), hostdev(AUDIO, at(1, 0, 1)), hostdev('0000:02:00.0', at(2, 0))] });
    expect(of(d).map((f) => f.severity)).toEqual(['info']);
  });
});
