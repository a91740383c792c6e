import { describe, expect, it } from 'vitest';
import { applyCommand } from '../../src/engine/commands/commands.ts';
import { findingsOf } from './alone.ts';
import { at, ctrl, design, q35, rootPort, virt } from '../../src/engine/rules/testkit.ts';
import type { Design } from '../../src/engine/model/design.ts';

/**
 * Q35-PXB-1 and Q35-PXB-2 beyond their case tables (issue 11; docs/mutation.md). libvirt
 * qemuDomainControllerDefPostParse / qemuValidateDomainDeviceDefControllerPCI: pcie-expander-bus
 * (pxb-pcie) on q35 and virt only, pci-expander-bus (pxb) on i440fx only; an expander's <node> must be
 * one of the guest's NUMA cells ("... is configured for NUMA node N, not present in the domain's
 * <cpu><numa> array (M)").
 */

const found = (d: Design, id: string) => findingsOf(d, id).map((f) => [f.message, f.subjects, f.fixes?.map((x) => [x.label, x.command])]);
const pc = (...controllers: ReturnType<typeof ctrl>[]): Design => design({ machine: 'pc-i440fx-9.0', controllers: [ctrl('pci-root', 0), ...controllers] });

describe('Q35-PXB-1: where pcie-expander-bus goes, and its NUMA node', () => {
  it('pcie-expander-bus on i440fx: the words and the removal fix', () => {
    const pxb = ctrl('pcie-expander-bus', 1, { address: at(0, 2) });
    expect(found(pc(pxb), 'Q35-PXB-1')).toEqual([
      ['pcie-expander-bus controllers (index 1) are not supported with this machine type.', { controllers: [1] }, [['Remove pcie-expander-bus controller index 1: only q35 and virt have pcie-expander-bus', { kind: 'remove-controller', controller: pxb.key }]]],
    ]);
  });

  it('pcie-expander-bus on aarch64 virt is accepted', () => {
    expect(found(virt([ctrl('pcie-expander-bus', 1, { address: at(0, 2), target: { busNr: 254 } })], []), 'Q35-PXB-1')).toEqual([]);
  });

  it('pci-expander-bus on i440fx is not refused here (only its node is judged)', () => {
    expect(found(pc(ctrl('pci-expander-bus', 1, { address: at(0, 2) })), 'Q35-PXB-1')).toEqual([]);
  });

  it('a pci-expander-bus on a node the guest lacks: the words and the fix that takes the node off', () => {
    const pxb = ctrl('pci-expander-bus', 1, { address: at(0, 2), target: { busNr: 254, node: 1 } });
    const d = design({ machine: 'pc-i440fx-9.0', numaCells: 1, controllers: [ctrl('pci-root', 0), pxb] });
    expect(found(d, 'Q35-PXB-1')).toEqual([
      [
        "pci-expander-bus with index 1 is configured for NUMA node 1, not present in the domain's <cpu><numa> array (1).",
        { controllers: [1] },
        [['Take NUMA node 1 off pci-expander-bus 1', { kind: 'update-controller', controller: pxb.key, changes: { target: { busNr: 254, node: undefined } } }]],
      ],
    ]);
  });

  it('node 0 of one NUMA cell exists: nothing', () => {
    expect(found(q35([ctrl('pcie-expander-bus', 1, { address: at(0, 2), target: { busNr: 254, node: 0 } })], [], undefined, { numaCells: 1 }), 'Q35-PXB-1')).toEqual([]);
  });

  it('only expanders have a node here: a root port written with one is not judged by this rule', () => {
    expect(found(q35([rootPort(1, 1, 0, { target: { chassis: 1, port: 8, node: 3 } })], []), 'Q35-PXB-1')).toEqual([]);
  });

  it('an expander whose index cannot be read is named without a controller number', () => {
    const d = pc({ ...ctrl('pcie-expander-bus', 1, { address: at(0, 2) }), index: undefined, unreadable: ["index='x'"] });
    expect(found(d, 'Q35-PXB-1').map(([, s]) => s)).toEqual([{ controllers: [] }]);
  });
});

describe('Q35-PXB-2: pci-expander-bus only on i440fx', () => {
  it('pxb on q35: the words, the subject and the removal fix', () => {
    const pxb = ctrl('pci-expander-bus', 1, { address: at(0, 2) });
    expect(found(q35([pxb], []), 'Q35-PXB-2')).toEqual([
      [
        'pci-expander-bus controllers (index 1) are only supported on 440fx-based machine types; use pcie-expander-bus here.',
        { controllers: [1] },
        [['Remove pci-expander-bus controller index 1: only i440fx has pci-expander-bus', { kind: 'remove-controller', controller: pxb.key }]],
      ],
    ]);
  });

  it('a pxb whose index cannot be read is named without a controller number', () => {
    expect(found(q35([{ ...ctrl('pci-expander-bus', 1, { address: at(0, 2) }), index: undefined, unreadable: ["index='x'"] }], []), 'Q35-PXB-2').map(([, s]) => s)).toEqual([{ controllers: [] }]);
  });
});

describe('Q35-PXB-1: a negative <node> (virDomainControllerDefParseXML, mut10)', () => {
  // libvirt 9.0: "invalid NUMA node in target"
  it('pcie-expander-bus with <node>-1</node>: libvirt\'s words, and the fix that takes the node off keeping the rest of the target', () => {
    const pxb = ctrl('pcie-expander-bus', 1, { address: at(0, 2), target: { busNr: 254, node: -1 } });
    const d = q35([pxb], [], undefined, { numaCells: 1 });
    expect(found(d, 'Q35-PXB-1')).toEqual([
      [
        'pcie-expander-bus with index 1 has <node>-1</node>: libvirt refuses it while reading the XML ("invalid NUMA node in target").',
        { controllers: [1] },
        [['Take NUMA node -1 off pcie-expander-bus 1', { kind: 'update-controller', controller: pxb.key, changes: { target: { busNr: 254, node: undefined } } }]],
      ],
    ]);
    const fixed = applyCommand(d, findingsOf(d, 'Q35-PXB-1')[0]!.fixes![0]!.command);
    expect(found(fixed, 'Q35-PXB-1')).toEqual([]);
    expect(fixed.guest.controllers.find((c) => c.index === 1)?.target).toEqual({ busNr: 254 });
  });
});
