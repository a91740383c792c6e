import { describe, expect, it } from 'vitest';
import { applyCommand } from '../../src/engine/commands/commands.ts';
import { findingsOf } from './alone.ts';
import { at, ctrl, phb, pseries } from '../../src/engine/rules/testkit.ts';
import type { PciController } from '../../src/engine/model/guest.ts';
import type { Design } from '../../src/engine/model/design.ts';

/**
 * The pseries controller rules beyond their case tables (issue 11; docs/mutation.md), each run alone:
 * PAPR-CTRL-1..4 (controllers libvirt refuses on pseries: qemuDomainDefAddDefaultDevices,
 * qemuDomainControllerDefPostParse, virDomainPCIAddressBusSetModel), PAPR-BRIDGE-2 (QEMU
 * hw/ppc/spapr_pci.c bridge_has_valid_chassis_nr: "Bridge chassis N already in use") and
 * PAPR-BRIDGE-4 (a pci-bridge shares its PHB's PE: spapr_pci_dma_iommu).
 */

const of = (d: Design, id: string) => findingsOf(d, id).map((f) => [f.message, f.subjects, f.fixes?.map((x) => [x.label, x.command])]);
/** a controller whose index libvirt cannot read (GEN-IDX-1 reports it; here it must not read "undefined") */
const unreadable = (c: PciController): PciController => ({ ...c, index: undefined, unreadable: ["index='x'"] });

describe('PAPR-CTRL-1..4: controllers pseries has no place for, in libvirt\'s words, each with its removal fix', () => {
  const kinds = [
    ['PAPR-CTRL-1', 'pcie-root', undefined, 'pseries has no pcie-root (controller 1); use PHBs (pci-root) instead.', 'pseries has no pcie-root'],
    ['PAPR-CTRL-2', 'pci-expander-bus', at(0, 1), 'pci-expander-bus controllers (index 1) are only supported on 440fx-based machine types; on pseries add a PHB.', 'pseries has no pci-expander-bus'],
    ['PAPR-CTRL-3', 'pcie-expander-bus', at(0, 1), 'pcie-expander-bus controllers (index 1) are not supported with this machine type; on pseries add a PHB.', 'pseries has no pcie-expander-bus'],
    ['PAPR-CTRL-4', 'pcie-root-port', at(0, 1), 'A pcie-root-port (controller 1) has no legal parent on pseries: PHBs and pci-bridges take only PCI devices and pci-bridges. Use a PHB instead.', 'it has no parent on pseries'],
  ] as const;

  it.each(kinds)('%s: a %s at index 1: the message, the controller, and the fix that removes it and clears the finding', (id, model, address, message, why) => {
    const d = pseries([ctrl(model, 1, address ? { address } : {})], []);
    expect(of(d, id)).toEqual([[message, { controllers: [1] }, [[`Remove ${model} controller index 1: ${why}`, { kind: 'remove-controller', controller: 'pci-1' }]]]]);
    const fixed = applyCommand(d, findingsOf(d, id)[0]!.fixes![0]!.command);
    expect(fixed.guest.controllers.map((c) => c.model)).not.toContain(model);
    expect(findingsOf(fixed, id)).toEqual([]);
  });

  it.each(kinds)('%s: a %s whose index cannot be read is named as such, with no controller number among the subjects', (id, model, address) => {
    const got = findingsOf(pseries([unreadable(ctrl(model, 1, address ? { address } : {}))], []), id);
    expect(got.map((f) => f.subjects)).toEqual([{ controllers: [] }]);
    expect(got[0]!.message).toContain('(index unreadable)');
    expect(got[0]!.message).not.toContain('undefined');
  });

  it('PAPR-CTRL-4: every PCIe port and PCIe bridge model is refused, each in its own finding naming its model', () => {
    const models = ['pcie-root-port', 'pcie-switch-upstream-port', 'pcie-switch-downstream-port', 'dmi-to-pci-bridge', 'pcie-to-pci-bridge'];
    const got = findingsOf(pseries(models.map((m, i) => ctrl(m, i + 1, { address: at(0, i + 1) })), []), 'PAPR-CTRL-4');
    expect(got.map((f) => [f.message.slice(0, f.message.indexOf(')') + 1), f.subjects])).toEqual(models.map((m, i) => [`A ${m} (controller ${i + 1})`, { controllers: [i + 1] }]));
  });
});

describe('PAPR-BRIDGE-2: pci-bridge chassisNr unique across the machine (QEMU bridge_has_valid_chassis_nr)', () => {
  const bridge = (index: number, chassisNr?: number) => ctrl('pci-bridge', index, { address: at(0, index), target: chassisNr === undefined ? {} : { chassisNr } });

  it('two bridges on chassis 1: QEMU\'s words, both bridges, and the fix giving the later one the lowest free chassisNr, which clears it', () => {
    const d = pseries([bridge(1, 1), bridge(2, 1)], []);
    expect(of(d, 'PAPR-BRIDGE-2')).toEqual([
      [
        'pci-bridges 1 and 2 both use chassis 1: QEMU refuses to start ("Bridge chassis 1 already in use").',
        { controllers: [1, 2] },
        [['Give bridge 2 the free chassisNr 2', { kind: 'update-controller', controller: 'pci-2', changes: { target: { chassisNr: 2 } } }]],
      ],
    ]);
    expect(findingsOf(applyCommand(d, findingsOf(d, 'PAPR-BRIDGE-2')[0]!.fixes![0]!.command), 'PAPR-BRIDGE-2')).toEqual([]);
  });

  it('the fix keeps the bridge\'s other target attributes', () => {
    const d = pseries([bridge(1, 1), ctrl('pci-bridge', 2, { address: at(0, 2), target: { chassisNr: 1, hotplug: 'off' } })], []);
    expect(findingsOf(d, 'PAPR-BRIDGE-2')[0]!.fixes![0]!.command).toEqual({ kind: 'update-controller', controller: 'pci-2', changes: { target: { chassisNr: 2, hotplug: 'off' } } });
  });

  it('three bridges on chassis 1: each later one gets a different free chassisNr (2, then 4: 3 is bridge 3\'s default)', () => {
    const d = pseries([bridge(1, 1), bridge(2, 1), bridge(3), bridge(4, 1)], []);
    const got = findingsOf(d, 'PAPR-BRIDGE-2');
    expect(got.map((f) => [f.subjects, f.fixes?.map((x) => x.label)])).toEqual([
      [{ controllers: [1, 2] }, ['Give bridge 2 the free chassisNr 2']],
      [{ controllers: [1, 4] }, ['Give bridge 4 the free chassisNr 4']],
    ]);
    let fixed = d;
    for (const f of got) fixed = applyCommand(fixed, f.fixes![0]!.command);
    expect(findingsOf(fixed, 'PAPR-BRIDGE-2')).toEqual([]);
  });

  it('a bridge without chassisNr has its index as chassis (libvirt\'s default, qemuDomainPCIControllerSetDefaults): it clashes with another bridge\'s chassisNr', () => {
    expect(findingsOf(pseries([bridge(1, 2), bridge(2)], []), 'PAPR-BRIDGE-2').map((f) => f.subjects)).toEqual([{ controllers: [1, 2] }]);
  });

  it('only pci-bridges have a chassis_nr (check_chassis_nr skips other objects): a PHB whose index equals a bridge\'s chassisNr is no clash', () => {
    expect(findingsOf(pseries([phb(1), bridge(2, 1)], []), 'PAPR-BRIDGE-2')).toEqual([]);
  });

  it('bridges whose index cannot be read and have no chassisNr: no chassis known, no clash claimed', () => {
    expect(findingsOf(pseries([unreadable(bridge(1)), unreadable(bridge(2))], []), 'PAPR-BRIDGE-2')).toEqual([]);
  });

  it('a bridge whose index cannot be read clashes by its chassisNr: named as such, no number for it among the subjects', () => {
    const got = findingsOf(pseries([unreadable(bridge(1, 3)), bridge(3)], []), 'PAPR-BRIDGE-2');
    expect(got.map((f) => [f.message, f.subjects])).toEqual([['pci-bridges (index unreadable) and 3 both use chassis 3: QEMU refuses to start ("Bridge chassis 3 already in use").', { controllers: [3] }]]);
    const later = findingsOf(pseries([bridge(1), unreadable(bridge(2, 1))], []), 'PAPR-BRIDGE-2');
    expect(later.map((f) => [f.message, f.subjects, f.fixes?.map((x) => x.label)])).toEqual([
      ['pci-bridges 1 and (index unreadable) both use chassis 1: QEMU refuses to start ("Bridge chassis 1 already in use").', { controllers: [1] }, ['Give bridge (index unreadable) the free chassisNr 2']],
    ]);
  });
});

describe('PAPR-BRIDGE-4: a pci-bridge adds no isolation on pseries', () => {
  it('the message names the bridge and what it shares', () => {
    expect(of(pseries([ctrl('pci-bridge', 1, { address: at(0, 1), target: { chassisNr: 1 } })], []), 'PAPR-BRIDGE-4')).toEqual([
      ["pci-bridge 1 adds no isolation on pseries: its devices share the PHB's DMA window and EEH PE. Prefer another PHB (pci-root).", { controllers: [1] }, undefined],
    ]);
  });

  it('a bridge whose index cannot be read: named as such, no controller number', () => {
    expect(of(pseries([unreadable(ctrl('pci-bridge', 1, { address: at(0, 1), target: { chassisNr: 1 } }))], []), 'PAPR-BRIDGE-4')).toEqual([
      ["pci-bridge (index unreadable) adds no isolation on pseries: its devices share the PHB's DMA window and EEH PE. Prefer another PHB (pci-root).", { controllers: [] }, undefined],
    ]);
  });
});
