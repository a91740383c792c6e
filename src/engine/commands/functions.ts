import type { GuestPciAddress, PciAddress } from '../model/pci.ts';
import { formatPciAddress } from '../model/pci.ts';

/**
 * Host functions on one guest bus, as a PE wants them (PAPR-ISO-5) and as users expect of a
 * multi-port card: each host slot becomes one guest slot, its functions kept as functions of that
 * slot, multifunction='on' on function 0. The host numbering stays when the host's function 0
 * comes along; without it the functions are renumbered from 0, since function 0 must exist
 * (GEN-MF-3). Used by the move-group and add-hostdevs commands and by the pe-per-phb placement.
 *
 * `items` come in the order their host slots get guest slots; an item without a host address gets
 * a slot of its own. `nextSlot` hands out (and reserves) a free slot on `bus`. Returns the
 * address of every item placed; it stops at the first host slot that gets no guest slot.
 */
export function placeFunctions<T>(items: readonly T[], hostAddress: (item: T) => PciAddress | undefined, bus: number, nextSlot: () => number | undefined): Map<T, GuestPciAddress> {
  const byHostSlot = new Map<string | T, T[]>();
  for (const item of items) {
    const a = hostAddress(item);
    const k = a ? formatPciAddress(a).replace(/\.[0-7]$/, '') : item;
    const list = byHostSlot.get(k) ?? [];
    list.push(item);
    byHostSlot.set(k, list);
  }
  const out = new Map<T, GuestPciAddress>();
  for (const funcs of byHostSlot.values()) {
    const fnOf = (item: T): number | undefined => hostAddress(item)?.function;
    funcs.sort((a, b) => (fnOf(a) ?? 0) - (fnOf(b) ?? 0));
    const slot = nextSlot();
    if (slot === undefined) break;
    const keep = fnOf(funcs[0] as T) === 0;
    const multi = funcs.length > 1;
    funcs.forEach((item, i) => {
      const fn = keep ? (fnOf(item) ?? i) : i;
      out.set(item, { domain: 0, bus, slot, function: fn, ...(multi && fn === 0 ? { multifunction: 'on' as const } : {}) });
    });
  }
  return out;
}
