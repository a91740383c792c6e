import { describe, expect, it } from 'vitest';
import type { PciController } from '../../engine/index.ts';
import { landedNote, spareAccount } from './spares.ts';

const ctrl = (index: number, model: string, hotplug?: 'on' | 'off'): PciController => ({ key: `pci-${index}`, index, model, target: hotplug ? { hotplug } : {} });
const q35 = [ctrl(0, 'pcie-root'), ctrl(1, 'pcie-root-port'), ctrl(2, 'pcie-root-port'), ctrl(3, 'pcie-root-port', 'off'), ctrl(4, 'pcie-to-pci-bridge'), ctrl(5, 'pcie-switch-upstream-port')];

describe('spares through define', () => {
  it('empty ports and bridges are hotplug room; roots, hotplug=off ports and upstream ports are not (engine spareKind)', () => {
    expect([...spareAccount(q35, 'q35', new Set([0]), new Set([0])).empty]).toEqual([[1, 'port'], [2, 'port'], [4, 'bridge']]);
    const phbs = [{ ...ctrl(0, 'pci-root'), modelName: 'spapr-pci-host-bridge' }, { ...ctrl(1, 'pci-root'), modelName: 'spapr-pci-host-bridge' }];
    expect([...spareAccount(phbs, 'pseries', new Set(), new Set()).empty]).toEqual([[1, 'vPHB']]);
  });

  it('a device libvirt adds on the last empty port took a spare; next to another empty port it did not', () => {
    const last = spareAccount(q35, 'q35', new Set([0, 1]), new Set([0, 1, 2]));
    expect([...last.empty]).toEqual([[2, 'port'], [4, 'bridge']]);
    expect(landedNote(last, 2, true)).toEqual({ note: 'on a port the design left empty: spare taken by libvirt, no empty port is left for hotplug', spareTaken: true });
    // a device the design left to libvirt may go there: that is what the design asked for
    expect(landedNote(last, 2, false)).toEqual({ note: 'on a port the design left empty (0 empty ports left)', spareTaken: false });
    const kept = spareAccount([...q35, ctrl(6, 'pcie-root-port')], 'q35', new Set([0, 1]), new Set([0, 1, 2]));
    expect(landedNote(kept, 2, true)).toEqual({ note: 'on a port the design left empty (1 empty port left)', spareTaken: false });
    expect(landedNote(kept, 1, true)).toEqual({ spareTaken: false });
  });

  it('a port libvirt adds and leaves empty is hotplug room too: the spare is not taken (the root port of the pcie-to-pci-bridge libvirt adds, the bridge in an earlier port)', () => {
    // design ports 1, 2; libvirt takes 2 for its USB controller, adds port 6 and a bridge 7 (on port 1), port 6 stays empty
    const libvirts = [{ index: 0, model: 'pcie-root' }, { index: 1, model: 'pcie-root-port' }, { index: 2, model: 'pcie-root-port' }, { index: 6, model: 'pcie-root-port' }, { index: 7, model: 'pcie-to-pci-bridge' }];
    const design = [ctrl(0, 'pcie-root'), ctrl(1, 'pcie-root-port'), ctrl(2, 'pcie-root-port')];
    const withAdded = spareAccount(design, 'q35', new Set([0]), new Set([0, 1, 2, 7]), libvirts);
    expect(landedNote(withAdded, 2, true)).toEqual({ note: 'on a port the design left empty (1 empty port left)', spareTaken: false });
    // libvirt's port taken too (a device on bus 6): no room left
    const taken = spareAccount(design, 'q35', new Set([0]), new Set([0, 1, 2, 6, 7]), libvirts);
    expect(landedNote(taken, 2, true)).toEqual({ note: 'on a port the design left empty: spare taken by libvirt, no empty port is left for hotplug', spareTaken: true });
    // an empty bridge libvirt adds is room of its kind, not a port
    expect(spareAccount(design, 'q35', new Set([0]), new Set([0, 1, 2, 6]), libvirts).left.get('bridge')).toBe(1);
  });
});
