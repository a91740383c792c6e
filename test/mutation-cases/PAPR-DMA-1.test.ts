import { describe, expect, it } from 'vitest';
import { findingsOf } from './alone.ts';
import { at, ctrl, dev, hostdev, phb, pseries } from '../../src/engine/rules/testkit.ts';
import type { Design } from '../../src/engine/model/design.ts';

/**
 * PAPR-DMA-1 beyond its case table (issue 11; docs/mutation.md), run alone. QEMU gives each PHB one
 * default 32-bit DMA window (hw/ppc/spapr_pci.c spapr_phb_properties dma_win_size, 1 GiB; one LIOBN
 * per PHB, SPAPR_PCI_LIOBN) and every device on the PHB, behind bridges too, DMAs through it
 * (spapr_pci_dma_iommu returns the PHB's one address space for every devfn).
 */

const of = (d: Design) => findingsOf(d, 'PAPR-DMA-1').map((f) => [f.message, f.subjects, f.fixes]);
const TWO_GROUPS = { groups: { 1: ['0000:01:00.0', '0000:01:00.1'], 2: ['0000:02:00.0'] } };

describe('PAPR-DMA-1: who shares a hostdev\'s default DMA window', () => {
  it('emulated devices: their count in the message, the PHB, the hostdevs then the emulated devices', () => {
    expect(of(pseries([phb(1)], [hostdev('0000:01:00.0', at(1, 1)), dev('vda', 'disk', at(1, 2)), dev('nic', 'interface', at(1, 3))]))).toEqual([
      ['PHB 1: its 1 GiB default DMA window is shared by the hostdevs and 2 emulated device(s).', { controllers: [1], devices: ['0000:01:00.0', 'vda', 'nic'] }, undefined],
    ]);
  });

  it('hostdevs of two IOMMU groups (the host tells): "devices of other IOMMU groups", the hostdevs named', () => {
    expect(of(pseries([phb(1)], [hostdev('0000:01:00.0', at(1, 1)), hostdev('0000:02:00.0', at(1, 2))], TWO_GROUPS))).toEqual([
      ['PHB 1: its 1 GiB default DMA window is shared by the hostdevs and devices of other IOMMU groups.', { controllers: [1], devices: ['0000:01:00.0', '0000:02:00.0'] }, undefined],
    ]);
  });

  it('two IOMMU groups and one emulated device: one finding, the emulated device counted (the groups do not cancel it out)', () => {
    expect(of(pseries([phb(1)], [hostdev('0000:01:00.0', at(1, 1)), hostdev('0000:02:00.0', at(1, 2)), dev('vda', 'disk', at(1, 3))], TWO_GROUPS))).toEqual([
      ['PHB 1: its 1 GiB default DMA window is shared by the hostdevs and 1 emulated device(s).', { controllers: [1], devices: ['0000:01:00.0', '0000:02:00.0', 'vda'] }, undefined],
    ]);
  });

  it('the functions of one IOMMU group alone on their PHB: one PE, nothing shared', () => {
    expect(of(pseries([phb(1)], [hostdev('0000:01:00.0', at(1, 1, 0, 'on')), hostdev('0000:01:00.1', at(1, 1, 1))], TWO_GROUPS))).toEqual([]);
  });

  it('emulated devices on a PHB without hostdevs: no hostdev to disturb', () => {
    expect(of(pseries([phb(1)], [dev('vda', 'disk', at(1, 1)), dev('vdb', 'disk', at(1, 2))]))).toEqual([]);
  });

  it('a disk behind a pci-bridge on the hostdev\'s PHB shares its window too, and the finding is the PHB\'s, once', () => {
    const bridge = ctrl('pci-bridge', 2, { address: at(1, 2), target: { chassisNr: 2 } });
    expect(of(pseries([phb(1), bridge], [hostdev('0000:01:00.0', at(1, 1)), dev('vda', 'disk', at(2, 1))]))).toEqual([
      ['PHB 1: its 1 GiB default DMA window is shared by the hostdevs and 1 emulated device(s).', { controllers: [1], devices: ['0000:01:00.0', 'vda'] }, undefined],
    ]);
  });

  it('each PHB judged on its own: a hostdev alone on PHB 1 and a disk alone on PHB 2 share nothing', () => {
    expect(of(pseries([phb(1), phb(2)], [hostdev('0000:01:00.0', at(1, 1)), dev('vda', 'disk', at(2, 1))]))).toEqual([]);
  });
});
