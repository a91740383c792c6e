import type { Guest, PciController } from '../model/guest.ts';
import type { RuleContext } from './context.ts';
import { atDefine, placesAnything } from './atDefine.ts';
import { definedControllers } from '../placement/defineTime.ts';
import type { NumberedRoot } from '../model/busNumbering.ts';
import { busNumbering, isExpander } from '../model/busNumbering.ts';

export { isExpander, isRootBus } from '../model/busNumbering.ts';

/**
 * How the guest firmware numbers the buses, root by root (SeaBIOS, seen with QEMU 7.2 and query-pci):
 * each root (bus 0, or an expander bus at its busNr) gives its bridges (root and switch ports,
 * pci-bridges, dmi- and pcie-to-pci bridges, below it at any depth) the numbers from its own + 1
 * up; an expander is a root of its own. A pci-expander-bus (QEMU's pxb) holds a pci-bridge of its
 * own, so it counts one more (libvirt src/qemu/qemu_domain_address.c qemuDomainAddressFindNewBusNr:
 * "each pxb device requires at least 2 bus numbers"). Judged where libvirt puts the controllers (the
 * define-time model when it places any), with the busNr libvirt gives an expander written without
 * one (qemuDomainAddressFindNewBusNr: two below the lowest, 254 for the first) as the release of
 * `ctx.order` defines it. Sorted by start.
 */
export function firmwareBusNumbering(ctx: RuleContext): readonly NumberedRoot[] {
  const known = numbered.get(ctx);
  if (known) return known;
  let roots: readonly NumberedRoot[] = [];
  if (ctx.guest.controllers.some(isExpander)) {
    const guest: Guest = atDefine(ctx, placesAnything)?.guest ?? ctx.guest;
    const given = new Map(definedControllers(ctx.design.guest, ctx.order).list.map((c) => [c.key, c.target.busNr]));
    roots = busNumbering(guest, (c) => c.target.busNr ?? given.get(c.key));
  }
  numbered.set(ctx, roots);
  return roots;
}

/** One numbering per validation: GEN-TGT-1 and Q35-NUMA-1's fix (once per expander it tries) read it. */
const numbered = new WeakMap<RuleContext, readonly NumberedRoot[]>();

/**
 * Whether `more` bridges can go below expander `e` and the firmware still number every bus: the
 * busNr it must then have (its own when it fits; else the highest that fits, when the root numbered
 * before it still fits below that) and whether that differs from the one it has (written or
 * libvirt's), which whoever adds the bridges then writes; undefined when none fits.
 */
export function busNrForMoreBridges(ctx: RuleContext, e: PciController, more: number): { readonly busNr: number; readonly changed: boolean } | undefined {
  const roots = firmwareBusNumbering(ctx);
  const i = roots.findIndex((r) => r.c.key === e.key);
  const r = roots[i];
  if (!r) return undefined;
  const next = roots[i + 1];
  const limit = next ? next.start - 1 : 255;
  const need = r.count + more;
  if (r.start + need <= limit) return { busNr: r.start, changed: false };
  const prev = roots[i - 1];
  const start = limit - need;
  return prev && start > prev.start + prev.count && start >= 1 ? { busNr: start, changed: true } : undefined;
}
