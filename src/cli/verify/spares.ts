/**
 * Hotplug spares through `virsh define`: a root port, vPHB or bridge the design leaves empty is
 * room for hotplug only while nothing lands on it. libvirt adds devices of its own at define time
 * (default USB controller, memballoon, …) and puts them, and whatever the design left unaddressed,
 * into the first free compatible bus, which may be exactly such a spare.
 */
import type { DefineCopy } from './prepare.ts';

export type SpareKind = 'port' | 'vPHB' | 'bridge';

export const SPARE_WORD: Readonly<Record<SpareKind, string>> = { port: 'port', vPHB: 'vPHB', bridge: 'bridge' };

/** The hotplug room a PCI controller's bus offers, or undefined for roots, upstream ports and the like. */
export function spareKindOf(model: string, index: number, hotplug?: string): SpareKind | undefined {
  if (index === 0 || hotplug === 'off') return undefined;
  if (model === 'pcie-root-port' || model === 'pcie-switch-downstream-port') return 'port';
  if (model === 'pci-root') return 'vPHB';
  if (model === 'pci-bridge' || model === 'pcie-to-pci-bridge') return 'bridge';
  return undefined;
}

export interface SpareAccount {
  /** buses the design leaves empty, by index */
  readonly empty: ReadonlyMap<number, SpareKind>;
  /** how many of each kind are still empty after define */
  readonly left: ReadonlyMap<SpareKind, number>;
}

/**
 * `designedBuses`: buses the design puts something on; `definedBuses`: buses with anything on
 * them in libvirt's defined XML.
 */
export function spareAccount(controllers: DefineCopy['controllers'], designedBuses: ReadonlySet<number>, definedBuses: ReadonlySet<number>): SpareAccount {
  const empty = new Map<number, SpareKind>();
  const left = new Map<SpareKind, number>();
  for (const [index, c] of controllers) {
    const kind = spareKindOf(c.model, index, c.hotplug);
    if (!kind || designedBuses.has(index)) continue;
    empty.set(index, kind);
    if (!definedBuses.has(index)) left.set(kind, (left.get(kind) ?? 0) + 1);
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
