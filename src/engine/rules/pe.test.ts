import { describe, expect, it } from 'vitest';
import { buildContext } from './context.ts';
import { phbLoads } from './pe.ts';
import { at, ctrl, dev, hostdev, phb, pseries, q35, rootPort } from './testkit.ts';

/**
 * QEMU gives every devfn under a spapr-pci-host-bridge the PHB's one IOMMU address space, DMA window
 * and EEH PE (hw/ppc/spapr_pci.c spapr_pci_dma_iommu): what sits behind a pci-bridge counts for
 * the PHB above it (PAPR-ISO-6..8, PAPR-DMA-1 read these loads).
 */
describe('what each vPHB carries (phbLoads)', () => {
  const groups = { 1: ['0000:01:00.0', '0000:01:00.1'], 2: ['0000:02:00.0'] };
  const d = pseries(
    [phb(1), phb(2), ctrl('pci-bridge', 3, { address: at(1, 5) }), ctrl('pci-bridge', 4, { address: at(3, 1) }), phb(6)],
    [dev('vda', 'disk', at(0, 2)), hostdev('0000:01:00.0', at(1, 1)), hostdev('0000:01:00.1', at(4, 2)), hostdev('0000:02:00.0', at(3, 3)), dev('net', 'interface', at(4, 4)), hostdev('0000:09:00.0', at(2, 1))],
    { groups },
  );

  it('is made once per context (five rules read it), and a new context of a changed design has its own', () => {
    const ctx = buildContext(d);
    expect(phbLoads(ctx)).toBe(phbLoads(ctx));
    const moved = { ...d, guest: { ...d.guest, devices: d.guest.devices.filter((x) => x.key !== '0000:09:00.0') } };
    expect(phbLoads(buildContext(moved)).get(2)?.hostdevs).toEqual([]);
    expect(phbLoads(ctx).get(2)?.hostdevs.map((x) => x.key)).toEqual(['0000:09:00.0']);
  });

  it('counts what sits behind bridges, and bridges of bridges, for the PHB above them', () => {
    const loads = phbLoads(buildContext(d));
    const one = loads.get(1);
    expect(one?.hostdevs.map((x) => x.key)).toEqual(['0000:01:00.0', '0000:02:00.0', '0000:01:00.1']);
    expect(one?.emulated.map((x) => x.key)).toEqual(['net']);
    expect([...(one?.groups ?? [])].sort()).toEqual([1, 2]);
  });

  it('a hostdev the host does not list has no group; the default PHB carries the emulated devices; empty PHBs carry nothing', () => {
    const loads = phbLoads(buildContext(d));
    expect(loads.get(2)).toEqual({ phb: 2, hostdevs: [expect.objectContaining({ key: '0000:09:00.0' })], emulated: [], groups: new Set() });
    expect(loads.get(0)?.emulated.map((x) => x.key)).toEqual(['vda']);
    expect(loads.get(6)).toEqual({ phb: 6, hostdevs: [], emulated: [], groups: new Set() });
    expect([...loads.keys()].sort()).toEqual([0, 1, 2, 6]);
  });

  it('keyed by controller index, not target index', () => {
    const e = pseries([phb(5, { index: 1 })], [hostdev('0000:02:00.0', at(5, 1))], { groups });
    expect([...phbLoads(buildContext(e)).keys()].sort()).toEqual([0, 5]);
  });

  it('a guest without PHBs (q35: pcie-root) has no loads', () => {
    const q = q35([rootPort(1, 1)], [hostdev('0000:01:00.0', at(1, 0))], { groups });
    expect(phbLoads(buildContext(q)).size).toBe(0);
  });
});
