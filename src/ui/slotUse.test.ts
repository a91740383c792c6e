import { describe, expect, it } from 'vitest';
import type { Guest } from '../engine/index.ts';
import { machineFamily } from '../engine/index.ts';
import { largePseries } from '../../e2e/fixtures/designs.ts';
import { addedAtDefine, controllersByBus, devicesByBus, NO_CONTROLLERS, NO_DEVICES, slotsLine, slotUse } from './layout.ts';
import { designFromXml } from './testDesign.ts';

const design = designFromXml;

/** Slot use of bus `index` as the node and the tile get it: the design's devices and buses, and libvirt's additions there. */
function useOf(guest: Guest, index: number, withAdded = true) {
  const c = guest.controllers.find((k) => k.index === index);
  if (!c) throw new Error(`no bus ${index}`);
  const added = withAdded ? (addedAtDefine(guest).byBus.get(index) ?? NO_DEVICES) : NO_DEVICES;
  return slotUse(c, devicesByBus(guest).get(index) ?? NO_DEVICES, controllersByBus(guest).get(index) ?? NO_CONTROLLERS, added, machineFamily(guest));
}

describe('slotUse: a slot libvirt fills at define is not free', () => {
  const g = largePseries();
  const guest = design(g.domain, g.host ?? '').guest;

  it('vPHB 0 of the 31-vPHB design: the USB controller and memballoon libvirt adds take their slots, counted used', () => {
    const added = addedAtDefine(guest).byBus.get(0) ?? [];
    expect(added).toHaveLength(2);
    const own = useOf(guest, 0, false);
    const use = useOf(guest, 0);
    expect(use.byLibvirt).toBe(2);
    expect(use.used).toBe(own.used + 2);
    expect(use.free).toBe(own.free - 2);
    expect(use.used + use.free).toBe(use.slots.length);
    for (const d of added) {
      const slot = d.address?.slot ?? -1;
      expect(own.takenBy.has(slot)).toBe(false);
      expect(use.takenBy.get(slot)).toEqual({ label: d.label, byLibvirt: true });
    }
    // the design's own devices keep their slots, as the design's
    for (const d of devicesByBus(guest).get(0) ?? []) expect(use.takenBy.get(d.address?.slot ?? -1)?.byLibvirt).toBe(false);
    expect(slotsLine(use)).toBe(`${own.used + 2} used · ${own.free - 2} free · 2 taken by libvirt at define`);
  });

  it('a bus libvirt adds nothing to counts only the design, and its tile line says nothing of libvirt', () => {
    expect(addedAtDefine(guest).byBus.get(5)).toBeUndefined();
    const use = useOf(guest, 5);
    expect(use.byLibvirt).toBe(0);
    expect(slotsLine(use)).toBe(`${use.used} used · ${use.free} free`);
  });
});
