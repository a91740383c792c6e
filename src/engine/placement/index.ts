import type { Design } from '../model/design.ts';
import type { Guest } from '../model/guest.ts';
import { machineFamily } from '../model/guest.ts';
import { simulateLibvirt } from './libvirt.ts';
import { placePePerPhb } from './pePerPhb.ts';
import { addImplicitDevices, assignIndexesAndRoot, placeableFamily } from './prepare.ts';
import { wantsPciAddress } from './flags.ts';
import { beyondLibvirtLimits } from '../libvirt/limits.ts';

export type PlacementPolicy = 'libvirt' | 'pe-per-phb';

export interface PlaceOptions {
  readonly policy: PlacementPolicy;
  /** spare empty vPHBs (pseries) or root ports (q35/virt), pe-per-phb only */
  readonly spare?: number | undefined;
  /** re-place even devices the user addressed */
  readonly replaceAll?: boolean | undefined;
  /**
   * model libvirt's implicit devices (default USB, memballoon, q35 SATA, virtio-serial) so that
   * their slots and ports are kept for them and spares stay empty; default true
   */
  readonly implicitDevices?: boolean | undefined;
}

export interface PlaceReport {
  readonly design: Design;
  /** what placement could not do as asked ("only 28 spare vPHBs fit (target index max 30)"), for people */
  readonly notes: readonly string[];
}

/**
 * Auto-placement: returns a new design whose guest has every PCI-addressable device addressed
 * and the controllers it needs. Pure. Devices the user addressed never move unless `replaceAll`.
 * Machines without a PCI topology we model come back unchanged.
 */
export function place(design: Design, opts: PlaceOptions): Design {
  return placeWithReport(design, opts).design;
}

/**
 * {@link place}, plus notes on what could not be done as asked (spares that do not fit or that
 * libvirt will take, devices without a slot). Never throws: a design beyond libvirt's limits
 * (libvirt/limits.ts) comes back unchanged with a note saying why, checked before any work, and so
 * does one that placement cannot handle.
 */
export function placeWithReport(design: Design, opts: PlaceOptions): PlaceReport {
  try {
    const family = machineFamily(design.guest);
    const beyond = placeableFamily(family) ? beyondLibvirtLimits(design.guest, family, 3) : [];
    if (beyond.length > 0) {
      return { design, notes: [`nothing was placed: ${beyond.map((p) => p.message).join('; ')}; libvirt refuses such a domain (see validate)`] };
    }
    return placeWithin(design, opts);
  } catch (e) {
    return { design, notes: [`nothing was placed: placement failed on this design (${e instanceof Error ? e.message : String(e)}); please report it with the domain XML`] };
  }
}

function placeWithin(design: Design, opts: PlaceOptions): PlaceReport {
  let guest: Guest = design.guest;
  const family = machineFamily(guest);
  if (!placeableFamily(family)) return { design, notes: [`machine '${design.guest.machine ?? '?'}' is not one pcitopo places (pseries, q35, aarch64 virt, i440fx): nothing was placed`] };
  if (opts.replaceAll) {
    guest = { ...guest, devices: guest.devices.map((d) => (d.address && wantsPciAddress(d, family) ? { ...d, address: undefined } : d)) };
  }
  guest = assignIndexesAndRoot(guest);
  if (opts.implicitDevices ?? true) guest = addImplicitDevices(guest);
  if (opts.policy === 'libvirt') {
    const sim = simulateLibvirt(guest, design.host);
    const label = (key: string): string => sim.guest.devices.find((d) => d.key === key)?.label ?? key;
    const notes = sim.unplaced.map((k) => `no free slot for ${label(k)}: libvirt would refuse the domain`);
    // i440fx is modelled for its buses only, not its chipset's fixed functions (the PIIX3 USB at 00:01.2)
    if (family === 'i440fx') notes.push('i440fx (pc) is placed best effort: check the result with pcitopo verify');
    // asked for spares under a policy that has none: say so rather than drop the request silently
    if ((opts.spare ?? 0) > 0) notes.push("spare counts apply to --policy pe-per-phb; libvirt's own policy adds no spares");
    return { design: { ...design, guest: sim.guest }, notes };
  }
  const r = placePePerPhb(guest, design.host, opts.spare ?? 0);
  const notes = family === 'i440fx' ? [...r.notes, 'i440fx (pc) is placed best effort: check the result with pcitopo verify'] : r.notes;
  return { design: { ...design, guest: r.guest }, notes };
}
