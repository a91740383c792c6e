import type { Design } from '../model/design.ts';
import type { Guest } from '../model/guest.ts';
import { machineFamily } from '../model/guest.ts';
import { simulateLibvirt } from './libvirt.ts';
import { placePePerPhb } from './pePerPhb.ts';
import { addImplicitDevices, assignIndexesAndRoot, placeableFamily } from './prepare.ts';
import { wantsPciAddress } from './flags.ts';

export type PlacementPolicy = 'libvirt' | 'pe-per-phb';

export interface PlaceOptions {
  readonly policy: PlacementPolicy;
  /** spare empty vPHBs (pseries) or root ports (q35/virt), pe-per-phb only */
  readonly spare?: number | undefined;
  /** re-place even devices the user addressed */
  readonly replaceAll?: boolean | undefined;
  /** model libvirt's implicit devices (default USB, memballoon, q35 SATA, virtio-serial); default true for 'libvirt' */
  readonly implicitDevices?: boolean | undefined;
}

/**
 * Auto-placement: returns a new design whose guest has every PCI-addressable device addressed
 * and the controllers it needs. Pure. Devices the user addressed never move unless `replaceAll`.
 * Machines without a PCI topology we model come back unchanged.
 */
export function place(design: Design, opts: PlaceOptions): Design {
  let guest: Guest = design.guest;
  const family = machineFamily(guest);
  if (!placeableFamily(family)) return design;
  if (opts.replaceAll) {
    guest = { ...guest, devices: guest.devices.map((d) => (d.address && wantsPciAddress(d, family) ? { ...d, address: undefined } : d)) };
  }
  guest = assignIndexesAndRoot(guest);
  if (opts.implicitDevices ?? opts.policy === 'libvirt') guest = addImplicitDevices(guest);
  const placed = opts.policy === 'libvirt' ? simulateLibvirt(guest, design.host).guest : placePePerPhb(guest, design.host, opts.spare ?? 0);
  return { ...design, guest: placed };
}
