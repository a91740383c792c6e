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
 * `definedBuses`: buses with anything on them in libvirt's defined XML; `libvirts`: the PCI
 * controllers of libvirt's defined XML (index and model). Those the design does not number (libvirt
 * adds them, or numbers them as it reads the domain) and that stay empty are hotplug room too: a
 * root port libvirt adds for the pcie-to-pci-bridge it adds stays empty when the bridge goes to an
 * earlier free port (qemuDomainAssignPCIAddresses' dry run grows a port for it, the real pass puts
 * it in the first free one), and a port is a port to hotplug into whoever wrote it.
 */
export function spareAccount(
  controllers: readonly PciController[],
  family: MachineFamily,
  designedBuses: ReadonlySet<number>,
  definedBuses: ReadonlySet<number>,
  libvirts: ReadonlyArray<{ readonly index: number; readonly model: string }> = [],
): SpareAccount {
  const empty = new Map<number, SpareKind>();
  const left = new Map<SpareKind, number>();
  for (const c of controllers) {
    const kind = spareKind(c, family);
    if (!kind || c.index === undefined || designedBuses.has(c.index)) continue;
    empty.set(c.index, kind);
    if (!definedBuses.has(c.index)) left.set(kind, (left.get(kind) ?? 0) + 1);
  }
  const numbered = new Set(controllers.flatMap((c) => (c.index === undefined ? [] : [c.index])));
  for (const c of libvirts) {
    const kind = spareKind({ index: c.index, model: c.model, target: {} }, family);
    if (kind && !numbered.has(c.index) && !definedBuses.has(c.index)) left.set(kind, (left.get(kind) ?? 0) + 1);
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
