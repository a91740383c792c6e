import type { Command } from '../commands/commands.ts';
import { firstFreeSlot } from '../commands/commands.ts';
import type { GuestDevice, PciController } from '../model/guest.ts';
import { isPhb } from '../model/guest.ts';
import { hexNumber } from '../model/names.ts';
import { guestCellForHostNode } from '../model/numa.ts';
import type { RuleContext } from './context.ts';
import { nextFreeIndex } from './context.ts';
import type { Fix } from './types.ts';

/**
 * Fix builders: each returns engine commands (commands.ts) so a fix is an ordinary edit for undo,
 * the UI and `validate --fix`.
 */

/** A non-default PHB with nothing on its bus: what libvirt's auto-placement would give a new group. */
export function emptyPhb(ctx: RuleContext): number | undefined {
  for (const c of ctx.guest.controllers) {
    if (!isPhb(c) || c.index === undefined || c.index === 0) continue;
    const bus = ctx.busByIndex.get(c.index);
    if (!bus || (bus.devices.length === 0 && bus.controllers.length === 0)) return c.index;
  }
  return undefined;
}

export function emptyPhbs(ctx: RuleContext): number[] {
  const out: number[] = [];
  for (const c of ctx.guest.controllers) {
    if (!isPhb(c) || c.index === undefined || c.index === 0) continue;
    const bus = ctx.busByIndex.get(c.index);
    if (!bus || (bus.devices.length === 0 && bus.controllers.length === 0)) out.push(c.index);
  }
  return out;
}

/** Put a host IOMMU group (or, without a host, these hostdevs) on an empty vPHB, adding one when none is free. */
export function isolateFix(ctx: RuleContext, group: number | undefined, devices: readonly GuestDevice[]): Fix {
  const target = emptyPhb(ctx);
  const place = (controller: number): Command =>
    group !== undefined && ctx.host?.groups.has(group)
      ? { kind: 'move-group', group, controller }
      : { kind: 'add-hostdevs', hostAddresses: devices.map((d) => d.key), controller };
  const what = group !== undefined ? `IOMMU group ${group}` : devices.map((d) => d.label).join(', ');
  if (target !== undefined) return { label: `Move ${what} to the empty vPHB (controller ${target})`, command: place(target) };
  const index = nextFreeIndex(ctx.guest);
  // The new vPHB carries the guest NUMA cell of the group's host node, as pe-per-phb placement does
  // (PAPR-NUMA-4): isolating a group must not cost it its NUMA locality.
  const hostNode = devices.map((d) => ctx.hostDevice(d)?.numaNode).find((n) => n !== undefined);
  const node = guestCellForHostNode(ctx.guest, ctx.host, hostNode);
  const controller = { model: 'pci-root', index, ...(node !== undefined ? { target: { node } } : {}) };
  return {
    label: `Move ${what} to a new vPHB (controller ${index}${node !== undefined ? `, NUMA cell ${node}` : ''})`,
    command: { kind: 'batch', label: `Move ${what} to a new vPHB`, commands: [{ kind: 'add-controller', controller }, place(index)] },
  };
}

/** Move a device to the lowest free slot of its own bus (function 0). */
export function freeSlotFix(ctx: RuleContext, d: GuestDevice): Fix | undefined {
  if (!d.address) return undefined;
  const slot = firstFreeSlot(ctx.guest, d.address.bus, new Set([d.key]));
  if (slot === undefined || slot === d.address.slot) return undefined;
  return { label: `Move ${d.label} to slot ${hexNumber(slot, 2)} of bus ${hexNumber(d.address.bus, 2)}`, command: { kind: 'move-device', device: d.key, address: { domain: 0, bus: d.address.bus, slot, function: 0 } } };
}

/** Lowest value in [min, max] not in `used`. */
export function lowestFree(used: ReadonlySet<number>, min: number, max: number): number | undefined {
  for (let n = min; n <= max; n++) if (!used.has(n)) return n;
  return undefined;
}

export function setTargetFix(c: PciController, label: string, target: PciController['target']): Fix {
  return { label, command: { kind: 'update-controller', controller: c.key, changes: { target } } };
}
