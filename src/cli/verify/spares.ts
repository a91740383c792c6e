/**
 * Hotplug spares through `virsh define`: a root port, vPHB or bridge the design leaves empty is
 * room for hotplug only while nothing lands on it. libvirt adds devices of its own at define time
 * (default USB controller, memballoon, …) and puts them, and whatever the design left unaddressed,
 * into the first free compatible bus, which may be exactly such a spare. Which buses are hotplug
 * room is the engine's `spareKind` (the same judgement the rules and placement make).
 */
import type { MachineFamily, PciController, SpareKind } from '../../engine/index.ts';
import { spareKind } from '../../engine/index.ts';

export const SPARE_WORD: Readonly<Record<SpareKind, string>> = { port: 'port', vPHB: 'vPHB', bridge: 'bridge' };

export interface SpareAccount {
  /** buses the design leaves empty, by index */
  readonly empty: ReadonlyMap<number, SpareKind>;
  /** how many of each kind are still empty after define */
  readonly left: ReadonlyMap<SpareKind, number>;
}

/**
 * `controllers`: the design's PCI controllers; `designedBuses`: buses the design puts something on;
 * `definedBuses`: buses with anything on them in libvirt's defined XML.
 */
export function spareAccount(controllers: readonly PciController[], family: MachineFamily, designedBuses: ReadonlySet<number>, definedBuses: ReadonlySet<number>): SpareAccount {
  const empty = new Map<number, SpareKind>();
  const left = new Map<SpareKind, number>();
  for (const c of controllers) {
    const kind = spareKind(c, family);
    if (!kind || c.index === undefined || designedBuses.has(c.index)) continue;
    empty.set(c.index, kind);
    if (!definedBuses.has(c.index)) left.set(kind, (left.get(kind) ?? 0) + 1);
  }
  return { empty, left };
}

/**
 * What to say about something the design did not put where libvirt put it. A spare counts as
 * taken (the design is not realised as designed) when libvirt added the device itself and no
 * empty bus of that kind is left; ports kept for libvirt's own devices next to real spares, as
 * pcitopo's placement keeps them, are fine.
 */
export function landedNote(account: SpareAccount, bus: number, addedByLibvirt: boolean): { note?: string; spareTaken: boolean } {
  const kind = account.empty.get(bus);
  if (!kind) return { spareTaken: false };
  const word = SPARE_WORD[kind];
  const left = account.left.get(kind) ?? 0;
  if (addedByLibvirt && left === 0) return { note: `on a ${word} the design left empty: spare taken by libvirt, no empty ${word} is left for hotplug`, spareTaken: true };
  return { note: `on a ${word} the design left empty (${left} empty ${word}${left === 1 ? '' : 's'} left)`, spareTaken: false };
}
