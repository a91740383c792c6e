import { describe, expect, it } from 'vitest';
import { at, ctrl, design, dev, hostdev, phb, pseries, q35, rootPort } from '../../src/engine/rules/testkit.ts';
import { findingsOf } from './alone.ts';

/**
 * fixes.ts's survivors (issue 11; docs/mutation.md, "mutctx"), each case failing with its mutant of
 * src/engine/rules/fixes.ts applied by hand.
 */

describe('libvirtPlaces: a controller whose address a fix may drop', () => {
  it('a root port, dmi-to-pci-bridge or pcie-expander-bus on q35 goes on pcie-root, even with index 0 written as pci-root (GEN-IDX-2 makes it pcie-root)', () => {
    // virDomainPCIAddressBusSetModel: pcie-root takes each of the three; a q35 index 0 that is not
    // pcie-root is GEN-IDX-2's error, whose fix makes it one, so the address can go
    for (const model of ['pcie-root-port', 'dmi-to-pci-bridge', 'pcie-expander-bus']) {
      const d = design({ machine: 'q35', controllers: [ctrl('pci-root', 0), ctrl(model, 1, { address: at(1, 0) })] });
      const labels = findingsOf(d, 'GEN-IDX-4').flatMap((f) => f.fixes?.map((x) => x.label) ?? []);
      expect(labels).toContain(`Drop the address of ${model} controller index 1 (libvirt places it)`);
    }
  });
});

describe('feasible: a fix whose command does not apply is not offered', () => {
  it('HD-VFIO-1 on a full vPHB: the rest of the group has no room next to its GPU, so no fix, and no error thrown', () => {
    // add-hostdevs refuses a bus with no free slot (CommandError): feasible() says no
    const GPU = '0000:01:00.0';
    const AUDIO = '0000:02:00.0';
    const disks = Array.from({ length: 30 }, (_, i) => dev(`vd${i}`, 'disk', at(1, i + 2)));
    const d = pseries([phb(1)], [hostdev(GPU, at(1, 1)), ...disks], { groups: { 1: [GPU, AUDIO] }, drivers: { [GPU]: 'vfio-pci', [AUDIO]: 'snd_hda_intel' } });
    const got = findingsOf(d, 'HD-VFIO-1');
    expect(got.map((f) => [f.severity, f.subjects, f.fixes])).toEqual([['error', { devices: [GPU], groups: [1] }, undefined]]);
  });
});

describe('relocateFix: the bus a fix adds', () => {
  it('a conventional PCI device with no bus to take it gets a pcie-to-pci-bridge on a new root port, named by its index; a PCIe one a root port', () => {
    // virDomainPCIAddressSetGrow's way for a conventional device under pcie-root: a pcie-root-port
    // holding a pcie-to-pci-bridge, whose slot 1 takes it
    const pci = q35([rootPort(1, 1)], [dev('nic', 'interface', at(1, 0)), dev('old', 'interface', at(1, 0), { model: 'e1000' })]);
    const [f] = findingsOf(pci, 'GEN-ADDR-4');
    expect(f?.fixes?.[0]?.label).toBe('Move old to a new pcie-to-pci-bridge (index 3) on a new pcie-root-port');
    const pcie = q35([rootPort(1, 1)], [dev('nic', 'interface', at(1, 0)), dev('vda', 'disk', at(1, 0))]);
    expect(findingsOf(pcie, 'GEN-ADDR-4')[0]?.fixes?.[0]?.label).toBe('Move vda to a new pcie-root-port (index 2)');
  });

  it('the same with pcie-root not written: the root libvirt adds (qemuDomainDefAddDefaultDevices) regrows nothing, so the fix still adds a root port', () => {
    // writingAControllerRegrows looks at the buses libvirt adds above index 0 only: bus 0 is pcie-root
    // whether written or not
    const pcie = design({ machine: 'q35', controllers: [{ ...ctrl('pcie-root', 0), implicit: true }, rootPort(1, 1)], devices: [dev('nic', 'interface', at(1, 0)), dev('vda', 'disk', at(1, 0))] });
    expect(findingsOf(pcie, 'GEN-ADDR-4')[0]?.fixes?.[0]?.label).toBe('Move vda to a new pcie-root-port (index 2)');
  });
});

describe('sameBusFix: a device moved within its vPHB', () => {
  it('a device on slot 0 of a full PHB gets no fix (libvirt offers slots 1-31 only, all taken)', () => {
    const full = Array.from({ length: 31 }, (_, i) => dev(`vd${i + 1}`, 'disk', at(1, i + 1)));
    const d = pseries([phb(1)], [...full, dev('zero', 'disk', at(1, 0))]);
    expect(findingsOf(d, 'PAPR-SLOT-1').map((f) => [f.subjects, f.fixes])).toEqual([[{ controllers: [1], devices: ['zero'] }, undefined]]);
  });
});

// mut7 (2026-12-01): fixes.ts's listed survivors of isolateFix, emptyPhbs and lowestFree, each case
// failing with its mutant applied by hand.
describe('isolateFix, emptyPhbs, lowestFree', () => {
  const A = '0000:01:00.0';
  const B = '0000:02:00.0';

  it('two hostdevs on PHB 0 without a host file: the fix names both and adds them (no IOMMU group to move) on a new vPHB', () => {
    // qemuDomainSetupIsolationGroups keeps PHB 0 for emulated devices (PAPR-ISO-4); without the host's
    // groups the fix can only add the written functions, add-hostdevs, as a group of its own
    const d = pseries([], [hostdev(A, at(0, 2)), hostdev(B, at(0, 3)), dev('vda', 'disk', at(0, 4))]);
    const [f] = findingsOf(d, 'PAPR-ISO-4');
    expect(f?.fixes?.map((x) => [x.label, x.command])).toEqual([
      [
        `Move hostdev ${A}, hostdev ${B} to a new vPHB (controller 1)`,
        {
          kind: 'batch',
          label: `Move hostdev ${A}, hostdev ${B} to a new vPHB`,
          commands: [
            { kind: 'add-controller', controller: { model: 'pci-root', index: 1 } },
            { kind: 'add-hostdevs', hostAddresses: [A, B], controller: 1 },
          ],
        },
      ],
    ]);
  });

  it('an empty pci-bridge is no empty vPHB: the group goes to a new vPHB, not behind the bridge (where PAPR-ISO-8 says it has no isolation)', () => {
    const d = pseries([ctrl('pci-bridge', 1, { address: at(0, 1) })], [hostdev(A, at(0, 2)), dev('vda', 'disk', at(0, 4))], { groups: { 4: [A] } });
    const [f] = findingsOf(d, 'PAPR-ISO-4');
    expect(f?.fixes?.map((x) => x.label)).toEqual(['Move IOMMU group 4 to a new vPHB (controller 2)']);
  });

  it('two PHBs with one target index and only 30 free: the fix gives 30, the highest QEMU takes', () => {
    // spapr_phb_placement (QEMU hw/ppc/spapr.c) refuses an index of SPAPR_MAX_PHBS or more; PHBs 0-29 hold 0-29
    const phbs = Array.from({ length: 29 }, (_, i) => phb(i + 1));
    const d = pseries([...phbs, phb(30, { index: 5 })], []);
    const [f] = findingsOf(d, 'PAPR-PHB-5');
    expect(f?.fixes?.map((x) => x.label)).toEqual(['Use the free target index 30']);
  });
});
