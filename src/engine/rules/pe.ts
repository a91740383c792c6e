import type { GuestDevice } from '../model/guest.ts';
import type { RuleContext } from './context.ts';
import { isHostdev } from './context.ts';

/**
 * What each PHB carries, counting what sits behind its pci-bridges too: QEMU gives every devfn under
 * a PHB the PHB's one IOMMU address space, DMA window and EEH PE (RULES.md PAPR-ISO-6..8, DMA-1).
 */
export interface PhbLoad {
  readonly phb: number;
  readonly hostdevs: GuestDevice[];
  /** emulated PCI devices (isolation group 0) */
  readonly emulated: GuestDevice[];
  /** host IOMMU groups of the hostdevs (needs the host) */
  readonly groups: Set<number>;
}

const loadsOf = new WeakMap<RuleContext, ReadonlyMap<number, PhbLoad>>();

/**
 * Each PHB's load (PhbLoad), keyed by the PHB's controller index. Made once per validation's
 * context, since five PAPR rules read it and re-validation after a move must stay under 1 ms
 * (DESIGN.md §7): the loads are shared, so readers must not change them.
 */
export function phbLoads(ctx: RuleContext): ReadonlyMap<number, PhbLoad> {
  let loads = loadsOf.get(ctx);
  if (!loads) loadsOf.set(ctx, (loads = collectPhbLoads(ctx)));
  return loads;
}

function collectPhbLoads(ctx: RuleContext): Map<number, PhbLoad> {
  const out = new Map<number, PhbLoad>();
  for (const bus of ctx.buses) {
    const root = ctx.rootOf(bus.index);
    if (!root || root.model !== 'pci-root' || root.index === undefined) continue;
    let load = out.get(root.index);
    if (!load) out.set(root.index, (load = { phb: root.index, hostdevs: [], emulated: [], groups: new Set() }));
    for (const d of bus.devices) {
      if (isHostdev(d)) {
        load.hostdevs.push(d);
        const g = ctx.groupOf(d);
        if (g !== undefined) load.groups.add(g);
      } else if (ctx.takesPci(d)) load.emulated.push(d);
    }
  }
  return out;
}
