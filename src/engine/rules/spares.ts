import type { GuestDevice, PciController } from '../model/guest.ts';
import { isPhb } from '../model/guest.ts';
import type { RuleContext } from './context.ts';

/**
 * Shared by the pseries hotplug and isolation rules (PAPR-HP-1, PAPR-HP-2, PAPR-ISO-9): which
 * buses libvirt sees as empty and unlocked, and which hostdev groups still need one. Step 2 of
 * virDomainPCIAddressGetNextAddr() hands empty buses out in index order, so the lowest ones go
 * to cold-plugged groups first and only what is left over stays a hotplug spare.
 */

/** Non-default PHBs and pci-bridges with nothing on their bus, ascending by index. */
export function emptyBuses(ctx: RuleContext, opts: { hotpluggable: boolean }): PciController[] {
  const out: PciController[] = [];
  for (const c of ctx.guest.controllers) {
    if (c.index === undefined || c.index === 0 || !(isPhb(c) || c.model === 'pci-bridge')) continue;
    if (opts.hotpluggable && c.target.hotplug === 'off') continue;
    const bus = ctx.busByIndex.get(c.index);
    if (bus && (bus.devices.length > 0 || bus.controllers.length > 0)) continue;
    out.push(c);
  }
  return out.sort((a, b) => (a.index ?? 0) - (b.index ?? 0));
}

/** The isolation group libvirt computes for a hostdev (PAPR-ISO-1); without a host, the device alone. */
function groupKey(ctx: RuleContext, d: GuestDevice): string {
  const g = ctx.groupOf(d);
  return g === undefined ? `dev:${d.key}` : `group:${g}`;
}

/**
 * Hostdevs libvirt still has to place whose group has no bus yet (step 1 of
 * virDomainPCIAddressGetNextAddr() puts a device on a bus of its own group): each such group
 * takes one empty bus, or a new PHB at define time.
 */
export function homelessGroups(ctx: RuleContext): { readonly count: number; readonly devices: readonly GuestDevice[] } {
  const pending = ctx.hostdevs.filter((d) => !d.address && d.otherAddressType === undefined);
  if (pending.length === 0) return { count: 0, devices: [] };
  const isHostdev = new Set(ctx.hostdevs);
  const homes = new Set<string>();
  for (const bus of ctx.buses) {
    if (bus.index === 0) continue;
    let key: string | undefined;
    let mixed = bus.controllers.length > 0;
    for (const d of bus.devices) {
      const k = isHostdev.has(d) ? groupKey(ctx, d) : 'emulated';
      if (key === undefined) key = k;
      else if (key !== k) mixed = true;
    }
    if (key !== undefined && key !== 'emulated' && !mixed) homes.add(key);
  }
  const groups = new Set<string>();
  const devices: GuestDevice[] = [];
  for (const d of pending) {
    const k = groupKey(ctx, d);
    if (homes.has(k)) continue;
    groups.add(k);
    devices.push(d);
  }
  return { count: groups.size, devices };
}

/** Empty hotpluggable buses left once libvirt has given the lowest ones to cold-plugged groups. */
export function hotplugSpares(ctx: RuleContext): PciController[] {
  return emptyBuses(ctx, { hotpluggable: true }).slice(homelessGroups(ctx).count);
}
