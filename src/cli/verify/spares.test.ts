import { describe, expect, it } from 'vitest';
import { landedNote, spareAccount, spareKindOf } from './spares.ts';

const controllers = new Map([
  [0, { model: 'pcie-root' }],
  [1, { model: 'pcie-root-port' }],
  [2, { model: 'pcie-root-port' }],
  [3, { model: 'pcie-root-port', hotplug: 'off' }],
  [4, { model: 'pcie-to-pci-bridge' }],
]);

describe('spares through define', () => {
  it('knows which buses are hotplug room', () => {
    expect(['pcie-root-port', 'pcie-switch-downstream-port', 'pci-root', 'pci-bridge', 'pcie-switch-upstream-port'].map((m) => spareKindOf(m, 1))).toEqual(['port', 'port', 'vPHB', 'bridge', undefined]);
    expect(spareKindOf('pci-root', 0)).toBeUndefined();
    expect(spareKindOf('pcie-root-port', 2, 'off')).toBeUndefined();
  });

  it('a device libvirt adds on the last empty port took a spare; next to another empty port it did not', () => {
    const last = spareAccount(controllers, new Set([0, 1]), new Set([0, 1, 2]));
    expect([...last.empty]).toEqual([[2, 'port'], [4, 'bridge']]);
    expect(landedNote(last, 2, true)).toEqual({ note: 'on a port the design left empty: spare taken by libvirt, no empty port is left for hotplug', spareTaken: true });
    // a device the design left to libvirt may go there: that is what the design asked for
    expect(landedNote(last, 2, false)).toEqual({ note: 'on a port the design left empty (0 empty ports left)', spareTaken: false });
    const kept = spareAccount(new Map([...controllers, [5, { model: 'pcie-root-port' }]]), new Set([0, 1]), new Set([0, 1, 2]));
    expect(landedNote(kept, 2, true)).toEqual({ note: 'on a port the design left empty (1 empty port left)', spareTaken: false });
    expect(landedNote(kept, 1, true)).toEqual({ spareTaken: false });
  });
});
