import { describe, expect, it } from 'vitest';
import { applyCommand } from '../../src/engine/commands/commands.ts';
import type { Command } from '../../src/engine/commands/commands.ts';
import { validate } from '../../src/engine/index.ts';
import { findingsOf } from './alone.ts';
import { at, ctrl, design, dev, hostdev, q35, rootPort, virt } from '../../src/engine/rules/testkit.ts';
import type { Design } from '../../src/engine/model/design.ts';
import type { PciController } from '../../src/engine/model/guest.ts';
import type { Finding } from '../../src/engine/rules/types.ts';

/**
 * Q35-NUMA-1's branches beyond its case table (issue 11; docs/mutation.md), the rule run alone: the
 * guest learns a device's NUMA node only from the pxb-pcie above it (QEMU pci_expander_bridge.c
 * numa_node; libvirt pcie-expander-bus <target><node>), so a hostdev of host node N belongs behind
 * a root port of an expander whose node is N's guest cell; what is said, and where the fix puts it.
 */

const NIC = '0000:81:00.0';
const H = { groups: { 1: [NIC] }, numa: { [NIC]: 1 } };
const numa = { numaCells: 2, memnodes: { 0: '0', 1: '1' } };
const pxb = (index: number, node: number | undefined, slot: number): PciController => ctrl('pcie-expander-bus', index, { address: at(0, slot), target: node === undefined ? {} : { node } });
const portOn = (index: number, bus: number, slot = 0): PciController => ctrl('pcie-root-port', index, { address: at(bus, slot), target: { chassis: index, port: slot * 8 } });
const of = (d: Design): Finding[] => findingsOf(d, 'Q35-NUMA-1');
const UNDER_PCIE0 = 'hostdev 0000:81:00.0 is on host NUMA node 1 (guest cell 1) but sits under pcie.0, which has no NUMA node: the guest does not see it on cell 1. Put it behind a root port of a pcie-expander-bus with <node>1</node>.';
const move = (device: string, bus: number, fn = 0, multifunction?: 'on'): Command => ({ kind: 'move-device', device, address: { domain: 0, bus, slot: 0, function: fn, ...(multifunction ? { multifunction } : {}) } });
const batch = (what: string, commands: Command[]): Command => ({ kind: 'batch', label: `Move ${what} to NUMA cell 1`, commands });
const newPxb = (index: number, slot: number): Command => ({ kind: 'add-controller', controller: { model: 'pcie-expander-bus', index, target: { node: 1 }, address: { domain: 0, bus: 0, slot, function: 0 } } });
const newPort = (index: number, bus: number): Command => ({ kind: 'add-controller', controller: { model: 'pcie-root-port', index, target: { chassis: index, port: 0 }, address: { domain: 0, bus, slot: 0, function: 0 } } });
const fixesOf = (f: Finding | undefined) => f?.fixes?.map((x) => [x.label, x.command]);

describe('Q35-NUMA-1: where the hostdev sits, in words', () => {
  it('under pcie.0: the fix adds an expander for its cell on the first free slot of pcie.0 and a root port on it, and moves it there, which clears it', () => {
    const d = q35([rootPort(1, 1)], [hostdev(NIC, at(1, 0))], H, numa);
    const [f, ...rest] = of(d);
    expect(rest).toEqual([]);
    expect([f?.message, f?.subjects]).toEqual([UNDER_PCIE0, { devices: [NIC] }]);
    expect(fixesOf(f)).toEqual([['Move hostdev 0000:81:00.0 behind a new pcie-root-port on a new pcie-expander-bus for NUMA cell 1', batch('hostdev 0000:81:00.0', [newPxb(2, 2), newPort(3, 2), move(NIC, 3)])]]);
    expect(of(applyCommand(d, f!.fixes![0]!.command))).toEqual([]);
  });

  it('on the expander of another cell, and on an expander of no node: each said, the expander a subject', () => {
    const other = of(q35([pxb(1, 0, 2), portOn(2, 1)], [hostdev(NIC, at(2, 0))], H, numa));
    expect(other.map((f) => [f.message, f.subjects])).toEqual([
      ['hostdev 0000:81:00.0 is on host NUMA node 1 (guest cell 1) but sits on expander bus 1, which is on guest cell 0: the guest does not see it on cell 1. Put it behind a root port of a pcie-expander-bus with <node>1</node>.', { devices: [NIC], controllers: [1] }],
    ]);
    const none = of(q35([pxb(1, undefined, 2), portOn(2, 1)], [hostdev(NIC, at(2, 0))], H, numa));
    expect(none.map((f) => f.message)).toEqual(['hostdev 0000:81:00.0 is on host NUMA node 1 (guest cell 1) but sits on expander bus 1, which is on no NUMA node: the guest does not see it on cell 1. Put it behind a root port of a pcie-expander-bus with <node>1</node>.']);
  });

  it('behind a switch under a root port of the expander of its cell: the expander is found up the chain, no finding', () => {
    const up = ctrl('pcie-switch-upstream-port', 3, { address: at(2, 0) });
    const down = ctrl('pcie-switch-downstream-port', 4, { address: at(3, 0), target: { chassis: 4, port: 0 } });
    expect(of(q35([pxb(1, 1, 2), portOn(2, 1), up, down], [hostdev(NIC, at(4, 0))], H, numa))).toEqual([]);
  });

  it('a loop of controllers (each on the other\'s bus) ends: no expander above', () => {
    const a = ctrl('pcie-root-port', 1, { address: at(2, 0), target: { chassis: 1, port: 0 } });
    const b = ctrl('pcie-root-port', 2, { address: at(1, 0), target: { chassis: 2, port: 0 } });
    expect(of(q35([a, b], [hostdev(NIC, at(1, 0))], H, numa)).map((f) => f.message)).toEqual([UNDER_PCIE0]);
  });

  it('the functions of one host slot on one guest bus: one finding, "are", "sit", "them", moved together keeping their functions', () => {
    const GPU = '0000:81:00.0';
    const AUDIO = '0000:81:00.1';
    const d = q35([rootPort(1, 1)], [hostdev(GPU, at(1, 0, 0, 'on')), hostdev(AUDIO, at(1, 0, 1))], { groups: { 1: [GPU, AUDIO] }, numa: { [GPU]: 1, [AUDIO]: 1 } }, numa);
    const got = of(d);
    expect(got.map((f) => [f.message, f.subjects])).toEqual([
      ['hostdev 0000:81:00.0, hostdev 0000:81:00.1 are on host NUMA node 1 (guest cell 1) but sit under pcie.0, which has no NUMA node: the guest does not see them on cell 1. Put them behind a root port of a pcie-expander-bus with <node>1</node>.', { devices: [GPU, AUDIO] }],
    ]);
    const what = 'hostdev 0000:81:00.0 and hostdev 0000:81:00.1';
    expect(fixesOf(got[0])).toEqual([[`Move ${what} behind a new pcie-root-port on a new pcie-expander-bus for NUMA cell 1`, batch(what, [newPxb(2, 2), newPort(3, 2), move(GPU, 3, 0, 'on'), move(AUDIO, 3, 1)])]]);
  });

  it('functions of two host cards written into one guest slot: another host domain, bus or slot is another card, each its own finding', () => {
    for (const other of ['0001:81:00.1', '0000:82:00.1', '0000:81:01.1']) {
      const d = q35([rootPort(1, 1)], [hostdev(NIC, at(1, 0, 0, 'on')), hostdev(other, at(1, 0, 1))], { groups: { 1: [NIC], 2: [other] }, numa: { [NIC]: 1, [other]: 1 } }, numa);
      expect(of(d).map((f) => f.subjects), other).toEqual([{ devices: [NIC] }, { devices: [other] }]);
    }
  });

  it('one function of a host slot alone moves to function 0', () => {
    const VF = '0000:81:00.2';
    const got = of(q35([rootPort(1, 1)], [hostdev(VF, at(1, 0))], { groups: { 1: [VF] }, numa: { [VF]: 1 } }, numa));
    expect(got[0]?.fixes?.[0]?.command).toEqual(batch('hostdev 0000:81:00.2', [newPxb(2, 2), newPort(3, 2), move(VF, 3)]));
  });

  it('devices of two host slots, or of one host slot on two guest buses, are each their own finding', () => {
    const OTHER = '0000:82:00.0';
    const two = of(q35([rootPort(1, 1), rootPort(2, 2)], [hostdev(NIC, at(1, 0)), hostdev(OTHER, at(2, 0))], { groups: { 1: [NIC], 2: [OTHER] }, numa: { [NIC]: 1, [OTHER]: 1 } }, numa));
    expect(two.map((f) => f.subjects)).toEqual([{ devices: [NIC] }, { devices: [OTHER] }]);
    const GPU = '0000:81:00.0';
    const AUDIO = '0000:81:00.1';
    const split = of(q35([rootPort(1, 1), rootPort(2, 2)], [hostdev(GPU, at(1, 0)), hostdev(AUDIO, at(2, 0))], { groups: { 1: [GPU, AUDIO] }, numa: { [GPU]: 1, [AUDIO]: 1 } }, numa));
    expect(split.map((f) => f.subjects)).toEqual([{ devices: [GPU] }, { devices: [AUDIO] }]);
  });
});

describe('Q35-NUMA-1: where the fix puts it', () => {
  it('an empty root port of the expander of its cell: there, not an empty port on pcie.0, a busy port, nor a switch upstream port', () => {
    const up = ctrl('pcie-switch-upstream-port', 5, { address: at(2, 0) });
    // port 7 holds a switch (a controller, no device): not empty either
    const switchUnder7 = ctrl('pcie-switch-upstream-port', 8, { address: at(7, 0) });
    const d = virt([rootPort(1, 1), rootPort(4, 3), pxb(2, 1, 2), up, portOn(6, 2, 1), portOn(7, 2, 3), switchUnder7, portOn(3, 2, 2)], [hostdev(NIC, at(1, 0)), dev('vdb', 'disk', at(6, 0))], H, numa);
    const [f] = of(d);
    expect(fixesOf(f)).toEqual([['Move hostdev 0000:81:00.0 behind the empty pcie-root-port 3 of expander bus 2 (NUMA cell 1)', batch('hostdev 0000:81:00.0', [move(NIC, 3)])]]);
    expect(of(applyCommand(d, f!.fixes![0]!.command))).toEqual([]);
  });

  it('an expander of its cell with room: a new root port on it; a pci-expander-bus of that node is no place for a root port', () => {
    const pciPxb = ctrl('pci-expander-bus', 3, { address: at(0, 3), target: { node: 1 } });
    const d = q35([rootPort(1, 1), pciPxb, pxb(2, 1, 2)], [hostdev(NIC, at(1, 0))], H, numa);
    const [f] = of(d);
    expect(fixesOf(f)).toEqual([['Move hostdev 0000:81:00.0 behind a new pcie-root-port 4 on expander bus 2 (NUMA cell 1)', batch('hostdev 0000:81:00.0', [newPort(4, 2), move(NIC, 4)])]]);
  });

  it('an expander of its cell with a used root port in every slot: the new port takes a free function beside the first (02:00.1), as libvirt\'s search on that bus does', () => {
    const ports = Array.from({ length: 32 }, (_, s) => portOn(10 + s, 2, s));
    const disks = ports.map((p, s) => dev(`vd${s}`, 'disk', at(p.index!, 0)));
    const d = q35([rootPort(1, 1), pxb(2, 1, 2), ...ports], [hostdev(NIC, at(1, 0)), ...disks], H, numa);
    const [f] = of(d);
    // 33 ports below the expander need bus numbers up to its busNr + 33: libvirt's 254 leaves room for
    // one, so the fix gives it 222 (GEN-TGT-1), above root port 1's bus 1
    expect(f?.fixes?.map((x) => x.label)).toEqual(['Move hostdev 0000:81:00.0 behind a new pcie-root-port 42 on expander bus 2 (NUMA cell 1), its busNr 222']);
    const fixed = applyCommand(d, f!.fixes![0]!.command);
    expect(validate(fixed).filter((x) => x.severity === 'error' || x.ruleId === 'Q35-NUMA-1')).toEqual([]);
    expect(f?.fixes?.[0]?.command).toMatchObject({ commands: [{ kind: 'update-controller', changes: { target: { node: 1, busNr: 222 } } }, { kind: 'add-controller', controller: { model: 'pcie-root-port', index: 42, address: { bus: 2, slot: 0, function: 1 } } }, { kind: 'update-controller', controller: ports[0]?.key, changes: { address: { bus: 2, slot: 0, function: 0, multifunction: 'on' } } }, move(NIC, 42)] });
  });

  it('an expander of its cell whose bus numbers are all taken (the next expander right above, the root ports of pcie.0 right below): a new expander, not a port the firmware cannot number', () => {
    // pcie.0's root ports 1, 5 and the one libvirt adds for its USB controller and memballoon take
    // buses 1-3, expander 2 (cell 1) is bus 4 with port 6 at 5, expander 3 (cell 0) is bus 6
    const a = ctrl('pcie-expander-bus', 2, { address: at(0, 2), target: { node: 1, busNr: 4 } });
    const b = ctrl('pcie-expander-bus', 3, { address: at(0, 3), target: { node: 0, busNr: 6 } });
    const d = q35([rootPort(1, 1), rootPort(5, 4), a, b, portOn(6, 2, 0)], [hostdev(NIC, at(1, 0)), dev('vd', 'disk', at(6, 0))], H, numa);
    expect(validate(d).filter((x) => x.severity === 'error')).toEqual([]);
    const [f] = of(d);
    expect(f?.fixes?.map((x) => x.label)).toEqual(['Move hostdev 0000:81:00.0 behind a new pcie-root-port on a new pcie-expander-bus for NUMA cell 1']);
    // one number more below it (expander 2 at bus 5, expander 3 at 7): the expander takes busNr 4 and the port
    const a5 = ctrl('pcie-expander-bus', 2, { address: at(0, 2), target: { node: 1, busNr: 5 } });
    const b7 = ctrl('pcie-expander-bus', 3, { address: at(0, 3), target: { node: 0, busNr: 7 } });
    const roomy = q35([rootPort(1, 1), rootPort(5, 4), a5, b7, portOn(6, 2, 0)], [hostdev(NIC, at(1, 0)), dev('vd', 'disk', at(6, 0))], H, numa);
    const [g] = of(roomy);
    expect(g?.fixes?.map((x) => x.label)).toEqual(['Move hostdev 0000:81:00.0 behind a new pcie-root-port 7 on expander bus 2 (NUMA cell 1), its busNr 4']);
    expect(validate(applyCommand(roomy, g!.fixes![0]!.command)).filter((x) => x.severity === 'error' || x.ruleId === 'Q35-NUMA-1')).toEqual([]);
  });

  it('an expander of its cell with every slot taken by what takes no root port beside it: a new expander', () => {
    const bridges = Array.from({ length: 32 }, (_, s) => ctrl('dmi-to-pci-bridge', 10 + s, { address: at(2, s) }));
    const [f] = of(q35([rootPort(1, 1), pxb(2, 1, 2), ...bridges], [hostdev(NIC, at(1, 0))], H, numa));
    expect(f?.fixes?.map((x) => x.label)).toEqual(['Move hostdev 0000:81:00.0 behind a new pcie-root-port on a new pcie-expander-bus for NUMA cell 1']);
  });

  it('no free slot on pcie.0 for a new expander: the finding stands with no fix', () => {
    const fill = Array.from({ length: 29 }, (_, i) => dev(`nic${i}`, 'interface', at(0, i + 2)));
    const got = of(q35([rootPort(1, 1)], [hostdev(NIC, at(1, 0)), ...fill], H, numa));
    expect(got.map((f) => [f.message, f.fixes])).toEqual([[UNDER_PCIE0, undefined]]);
  });
});

describe('Q35-NUMA-1: when there is nothing to judge', () => {
  it('no host: the host is needed only with guest NUMA cells and a hostdev', () => {
    const noHost = (spec: Parameters<typeof design>[0]) => of(design(spec));
    expect(noHost({ machine: 'q35', controllers: [ctrl('pcie-root', 0), rootPort(1, 1)], devices: [hostdev(NIC, at(1, 0))], ...numa }).map((f) => f.severity)).toEqual(['info']);
    expect(noHost({ machine: 'q35', controllers: [ctrl('pcie-root', 0), rootPort(1, 1)], devices: [hostdev(NIC, at(1, 0))] })).toEqual([]);
    expect(noHost({ machine: 'q35', controllers: [ctrl('pcie-root', 0), rootPort(1, 1)], devices: [dev('vda', 'disk', at(1, 0))], ...numa })).toEqual([]);
  });

  it('a host node that maps to no guest cell, on an expander of a node: not judged', () => {
    expect(of(q35([pxb(1, 0, 2), portOn(2, 1)], [hostdev(NIC, at(2, 0))], H, { numaCells: 2, memnodes: { 0: '0', 1: '0' } }))).toEqual([]);
  });

  it('a hostdev whose host address the host does not have: no node, not judged', () => {
    expect(of(q35([rootPort(1, 1)], [hostdev('0000:99:00.0', at(1, 0))], H, numa))).toEqual([]);
  });

  it('an empty pcie-root-port written on a pci-expander-bus of the cell is no port to move it behind: the fix adds a pcie-expander-bus', () => {
    // libvirt 9.0 refuses a pci-expander-bus on q35 ("pci-expander-bus controllers are only supported
    // on 440fx-based machinetypes", qemuValidateDomainDeviceDefControllerPCI; checked here with
    // virsh), and its bus takes PCI devices and pci-bridges, no pcie-root-port
    // (virDomainPCIAddressBusSetModel): only a pcie-expander-bus's ports are offered
    const pci = ctrl('pci-expander-bus', 2, { address: at(0, 2), target: { node: 1 } });
    const d = q35([rootPort(1, 1), pci, portOn(3, 2)], [hostdev(NIC, at(1, 0))], H, numa);
    const got = of(d);
    expect(got.map((f) => f.subjects)).toEqual([{ devices: [NIC] }]);
    expect(fixesOf(got[0])?.map(([label]) => label)).toEqual(['Move hostdev 0000:81:00.0 behind a new pcie-root-port on a new pcie-expander-bus for NUMA cell 1']);
  });
});
