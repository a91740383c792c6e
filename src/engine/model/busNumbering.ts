import type { Guest, PciController } from './guest.ts';

/**
 * The guest firmware's bus numbers (SeaBIOS, seen with QEMU 7.2 and query-pci): not libvirt's, and
 * needed both by the rule that judges them (GEN-TGT-1) and by placement, which must not add bridges
 * the firmware cannot number.
 */

export const isRootBus = (c: PciController): boolean => c.model === 'pci-root' || c.model === 'pcie-root';
export const isExpander = (c: PciController): boolean => c.model === 'pci-expander-bus' || c.model === 'pcie-expander-bus';

/** A root of the guest firmware's bus numbering: bus 0's controller or an expander bus. */
export interface NumberedRoot {
  readonly c: PciController;
  /** its own bus number: 0, or the expander's busNr (written, or the one libvirt gives it) */
  readonly start: number;
  /** the bus numbers the firmware gives below it, from start + 1: one per bridge (and a pxb's own pci-bridge) */
  readonly count: number;
}

/**
 * How the guest firmware numbers the buses of a guest whose controllers are where libvirt puts them, `busNrOf`
 * giving each expander's bus number (undefined: not numbered, left out). Sorted by start.
 */
export function busNumbering(guest: Guest, busNrOf: (c: PciController) => number | undefined): NumberedRoot[] {
  const byIndex = new Map<number, PciController>();
  for (const c of guest.controllers) if (c.index !== undefined && !byIndex.has(c.index)) byIndex.set(c.index, c);
  /** the root whose numbering `c`'s bus belongs to; undefined when the chain is broken or loops */
  const rootOf = (c: PciController): PciController | undefined => {
    let at: PciController | undefined = c;
    for (let hops = 0; at && hops <= byIndex.size; hops++) {
      const parent: PciController | undefined = at.address ? byIndex.get(at.address.bus) : undefined;
      if (!parent) return undefined;
      if (isRootBus(parent) || isExpander(parent)) return parent;
      at = parent;
    }
    return undefined;
  };
  const bridges = new Map<PciController, number>();
  for (const c of guest.controllers) {
    if (isRootBus(c) || isExpander(c)) continue;
    const root = rootOf(c);
    if (root) bridges.set(root, (bridges.get(root) ?? 0) + 1);
  }
  const count = (c: PciController): number => (bridges.get(c) ?? 0) + (c.model === 'pci-expander-bus' ? 1 : 0);
  const root0 = byIndex.get(0);
  const roots: NumberedRoot[] = root0 && isRootBus(root0) ? [{ c: root0, start: 0, count: count(root0) }] : [];
  for (const c of guest.controllers) {
    const busNr = isExpander(c) ? busNrOf(c) : undefined;
    if (busNr !== undefined) roots.push({ c, start: busNr, count: count(c) });
  }
  return roots.sort((a, b) => a.start - b.start);
}

/** How many bridges of `roots` the firmware cannot number apart: past the next root's number, or past 255. */
export function bridgesPastTheirRoom(roots: readonly NumberedRoot[]): number {
  let over = 0;
  roots.forEach((r, i) => {
    const limit = i + 1 < roots.length ? (roots[i + 1] as NumberedRoot).start - 1 : 255;
    over += Math.max(0, r.start + r.count - limit);
  });
  return over;
}

