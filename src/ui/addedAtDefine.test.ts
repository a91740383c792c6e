import { afterEach, describe, expect, it, vi } from 'vitest';
import type * as Engine from '../engine/index.ts';
import type { Guest, GuestPciAddress } from '../engine/index.ts';
import { applyCommand } from '../engine/index.ts';
import { largePseries } from '../../e2e/fixtures/designs.ts';
import { addedAtDefine } from './layout.ts';
import { designFromXml } from './testDesign.ts';

// layout.ts's define runs, counted: the drop's frame on the 31-vPHB design must run none
const runs = vi.hoisted(() => ({ count: 0 }));
vi.mock('../engine/index.ts', async (importOriginal) => {
  const engine = await importOriginal<typeof Engine>();
  return {
    ...engine,
    defineDomain: (...args: Parameters<typeof Engine.defineDomain>) => {
      runs.count++;
      return engine.defineDomain(...args);
    },
  };
});
const { defineDomain: oracle } = await vi.importActual<typeof Engine>('../engine/index.ts');

const design = designFromXml;

/** What libvirt's define adds to `guest`, from the engine itself: key, bus, slot and function of each added device. */
function definedAdded(guest: Guest): string[] {
  const own = new Set(guest.devices.map((d) => d.key));
  return (oracle(guest, undefined)?.guest.devices ?? []).filter((d) => !own.has(d.key) && d.address).map((d) => `${d.key} ${addr(d.address)}`);
}
const addr = (a: GuestPciAddress | undefined) => (a ? `${a.bus}:${a.slot}.${a.function}` : '-');
const shown = (guest: Guest) => [...addedAtDefine(guest).byBus.values()].flat().map((d) => `${d.key} ${addr(d.address)}`);

afterEach(() => {
  runs.count = 0;
});

describe('addedAtDefine on the 31-vPHB design: define in the drop\'s frame only when its answer can change', () => {
  const g = largePseries();
  const start = design(g.domain, g.host ?? '');
  // libvirt adds a USB controller and a memballoon to it, on vPHB 0 (its emulated devices' vPHB)
  const usbSlot = (guest: Guest) => addedAtDefine(guest).byBus.get(0)?.find((d) => d.element === 'controller')?.address;

  it('runs no define for host groups dropped on other vPHBs, and shows what define would', () => {
    expect(shown(start.guest)).toEqual(definedAdded(start.guest));
    expect(shown(start.guest)).toHaveLength(2);
    runs.count = 0;
    let d = start;
    for (let i = 0; i < 10; i++) {
      d = applyCommand(d, { kind: 'move-group', group: 2 + (i % 5), controller: i % 2 ? 20 : 1 });
      expect(addedAtDefine(d.guest)).toBe(addedAtDefine(start.guest));
    }
    expect(runs.count).toBe(0);
    // the engine agrees for every one of them
    let e = start;
    for (let i = 0; i < 10; i++) {
      e = applyCommand(e, { kind: 'move-group', group: 2 + (i % 5), controller: i % 2 ? 20 : 1 });
      expect(shown(e.guest)).toEqual(definedAdded(e.guest));
    }
  });

  it('runs define again, and moves the added device, when a device takes the slot it had', () => {
    const before = usbSlot(start.guest);
    expect(before).toBeDefined();
    const vda = start.guest.devices.find((d) => d.element === 'disk')?.key ?? '';
    const taken = applyCommand(start, { kind: 'move-device', device: vda, address: { domain: 0, bus: 0, slot: before?.slot ?? 0, function: 0 } });
    runs.count = 0;
    expect(usbSlot(taken.guest)?.slot).not.toBe(before?.slot);
    expect(runs.count).toBe(1);
    expect(shown(taken.guest)).toEqual(definedAdded(taken.guest));
  });

  it('runs define again when a move frees a slot before the added devices on the bus they go to', () => {
    const nic = start.guest.devices.find((d) => d.element === 'interface')?.key ?? '';
    // the NIC at 0:3 sits between the USB controller (0:1) and the memballoon libvirt puts after it
    const freed = applyCommand(start, { kind: 'move-device', device: nic, address: { domain: 0, bus: 5, slot: 9, function: 0 } });
    runs.count = 0;
    expect(shown(freed.guest)).toEqual(definedAdded(freed.guest));
    expect(shown(freed.guest)).not.toEqual(shown(start.guest));
    expect(runs.count).toBe(1);
  });

  it('runs define again when a controller is added', () => {
    addedAtDefine(start.guest);
    const more = applyCommand(start, { kind: 'add-controller', controller: { model: 'pci-root' } });
    runs.count = 0;
    expect(shown(more.guest)).toEqual(definedAdded(more.guest));
    expect(runs.count).toBe(1);
  });
});
