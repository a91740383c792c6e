import { describe, expect, it } from 'vitest';
import { applyCommand } from '../../src/engine/commands/commands.ts';
import { findingsOf } from './alone.ts';
import { at, ctrl, dev, hostdev, phb, pseries } from '../../src/engine/rules/testkit.ts';
import type { Design } from '../../src/engine/model/design.ts';
import { pseriesWithoutDrc } from '../../src/engine/rules/PAPR-HP-1.ts';

/**
 * PAPR-HP-1 and PAPR-HP-2 beyond their case tables (issue 11; docs/mutation.md), each run alone.
 * HP-1: QEMU's pseries-2.3 and older turn the PHBs' dynamic reconfiguration off (hw/ppc/spapr.c
 * spapr_machine_2_3_class_options: "dynamic-reconfiguration" off), so spapr_pci_pre_plug refuses every
 * hotplug ("Bus ... does not support hotplugging"). HP-2: libvirt places a hotplugged hostdev on a bus
 * of its own IOMMU group or on an empty PHB and cannot add a PHB to a running guest
 * (qemuDomainAttachHostPCIDevice, virDomainPCIAddressGetNextAddr).
 */

const of = (d: Design, id: string) => findingsOf(d, id).map((f) => [f.message, f.subjects, f.fixes?.map((x) => [x.label, x.command])]);
const on = (machine: string, controllers: Parameters<typeof pseries>[0], devices: Parameters<typeof pseries>[1] = []) => pseries(controllers, devices, undefined, { machine });

describe('PAPR-HP-1: which machines have no dynamic reconfiguration', () => {
  it.each([
    ['pseries-2.1', true],
    ['pseries-2.3', true],
    ['pseries-2.4', false],
    ['pseries-2.12', false],
    ['pseries-3.0', false],
    ['pseries-3.1', false],
    ['pseries-9.1', false],
    ['pseries', false],
  ] as const)('%s: %s', (machine, without) => {
    expect(pseriesWithoutDrc(machine)).toBe(without);
  });

  it('a machine name that does not start with pseries-N.M, or none, is the newest pseries', () => {
    expect(pseriesWithoutDrc('my-pseries-2.3')).toBe(false);
    expect(pseriesWithoutDrc(undefined)).toBe(false);
  });
});

describe('PAPR-HP-1: spares on a machine without dynamic reconfiguration', () => {
  it('one spare PHB: the machine named, "spare", "controller"', () => {
    expect(of(on('pseries-2.3', [phb(1)]), 'PAPR-HP-1')).toEqual([
      [
        "Machine pseries-2.3 has no dynamic reconfiguration: QEMU refuses every PCI hotplug (\"Bus … does not support hotplugging\"), so the empty spare (controller 1) can never receive a device. Use pseries-2.4 or newer (plain 'pseries' is the newest), or drop the spares.",
        { controllers: [1] },
        undefined,
      ],
    ]);
  });

  it('a spare PHB and a spare pci-bridge: both named, "spares", "controllers"', () => {
    const bridge = ctrl('pci-bridge', 2, { address: at(0, 1), target: { chassisNr: 2 } });
    expect(of(on('pseries-2.2', [phb(1), bridge]), 'PAPR-HP-1').map((f) => [f[0], f[1]])).toEqual([
      [
        "Machine pseries-2.2 has no dynamic reconfiguration: QEMU refuses every PCI hotplug (\"Bus … does not support hotplugging\"), so the empty spares (controllers 1, 2) can never receive a device. Use pseries-2.4 or newer (plain 'pseries' is the newest), or drop the spares.",
        { controllers: [1, 2] },
      ],
    ]);
  });

  it('pseries-3.0 with a spare: hotplug works, nothing to say', () => {
    expect(of(on('pseries-3.0', [phb(1)]), 'PAPR-HP-1')).toEqual([]);
  });

  it('pseries-2.3 whose only extra PHB holds a disk: no spare, nothing to say', () => {
    expect(of(on('pseries-2.3', [phb(1)], [dev('vda', 'disk', at(1, 1))]), 'PAPR-HP-1')).toEqual([]);
  });
});

const H = { groups: { 1: ['0000:01:00.0'], 2: ['0000:02:00.0'] } };
const HP2_MESSAGE =
  'No empty vPHB is left for hotplug: libvirt places a hotplugged hostdev only on a bus of its own IOMMU group or on an empty PHB and cannot add a PHB to a running guest, so attaching a hostdev of a new group would fail ("No more available PCI slots", an error at hotplug time). Add one empty vPHB per IOMMU group you plan to hotplug.';
const ADD_PHB = ['Add an empty vPHB for hotplug', { kind: 'add-controller', controller: { model: 'pci-root' } }];
/** PHBs 1..n, each holding a disk */
const busyPhbs = (n: number) => ({ controllers: Array.from({ length: n }, (_, i) => phb(i + 1)), devices: Array.from({ length: n }, (_, i) => dev(`d${i + 1}`, 'disk', at(i + 1, 1))) });

describe('PAPR-HP-2: an empty vPHB for the next IOMMU group to hotplug', () => {
  it('no spare: the words, no subject, and the fix adding an empty vPHB, which clears it', () => {
    const d = pseries([phb(1)], [hostdev('0000:01:00.0', at(1, 1))], H);
    expect(of(d, 'PAPR-HP-2')).toEqual([[HP2_MESSAGE, {}, [ADD_PHB]]]);
    expect(findingsOf(applyCommand(d, findingsOf(d, 'PAPR-HP-2')[0]!.fixes![0]!.command), 'PAPR-HP-2')).toEqual([]);
  });

  it('without the host any group may come: the finding stands', () => {
    expect(of(pseries([], []), 'PAPR-HP-2')).toEqual([[HP2_MESSAGE, {}, [ADD_PHB]]]);
  });

  it('the host\'s only group left out of the guest holds bridges only: nothing to hotplug, nothing to say', () => {
    const d = pseries([phb(1)], [hostdev('0000:01:00.0', at(1, 1))], { groups: { 1: ['0000:01:00.0'], 2: ['0000:02:00.0'] }, bridges: ['0000:02:00.0'] });
    expect(of(d, 'PAPR-HP-2')).toEqual([]);
  });

  it('a group left out that holds a bridge and a device: the device may be hotplugged', () => {
    const d = pseries([phb(1)], [hostdev('0000:01:00.0', at(1, 1))], { groups: { 1: ['0000:01:00.0'], 2: ['0000:02:00.0', '0000:03:00.0'] }, bridges: ['0000:02:00.0'] });
    expect(of(d, 'PAPR-HP-2').map((f) => f[0])).toEqual([HP2_MESSAGE]);
  });

  it('29 busy PHBs: a 30th can still be added (target index 30)', () => {
    const { controllers, devices } = busyPhbs(29);
    expect(of(pseries(controllers, devices), 'PAPR-HP-2').map((f) => f[2])).toEqual([[ADD_PHB]]);
  });

  it('30 busy PHBs use every target index libvirt accepts: no fix', () => {
    const { controllers, devices } = busyPhbs(30);
    expect(of(pseries(controllers, devices), 'PAPR-HP-2')).toEqual([[HP2_MESSAGE, {}, undefined]]);
  });

  it('29 busy PHBs and a busy pci-bridge: the bridge takes no target index, the 30th PHB is still offered', () => {
    const { controllers, devices } = busyPhbs(29);
    const bridge = ctrl('pci-bridge', 30, { address: at(1, 2), target: { chassisNr: 30 } });
    expect(of(pseries([...controllers, bridge], [...devices, dev('vdz', 'disk', at(30, 1))]), 'PAPR-HP-2').map((f) => f[2])).toEqual([[ADD_PHB]]);
  });
});
