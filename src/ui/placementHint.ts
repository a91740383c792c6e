/**
 * Where libvirt would put each device that has no PCI address yet, as a hint in the Unplaced tray:
 * the engine's `libvirt` placement policy (its simulation of qemuDomainAssignPCIAddresses), as the
 * libvirt release the design targets, run once per design and release, memoised by the design's
 * identity, never per render.
 */
import type { Design } from '../engine/index.ts';
import { machineFamily, placeWithReport } from '../engine/index.ts';
import { controllerKindLabel, unplacedDevices } from './layout.ts';

const hex2 = (n: number) => n.toString(16).padStart(2, '0');
const NO_HINTS: ReadonlyMap<string, string> = new Map();
const cache = new WeakMap<Design, Map<string, ReadonlyMap<string, string>>>();

/**
 * device key -> "libvirt: vPHB 0, slot 0x05" for every unplaced device (DESIGN.md §6 keys), placed as
 * `libvirtVersion` ("9.0"; undefined: the default release) places.
 */
export function libvirtHints(design: Design, libvirtVersion?: string): ReadonlyMap<string, string> {
  const unplaced = unplacedDevices(design.guest);
  if (unplaced.length === 0) return NO_HINTS;
  let byRelease = cache.get(design);
  if (!byRelease) {
    byRelease = new Map();
    cache.set(design, byRelease);
  }
  let hints = byRelease.get(libvirtVersion ?? '');
  if (hints) return hints;
  const out = new Map<string, string>();
  try {
    const placed = placeWithReport(design, { policy: 'libvirt', libvirtVersion }).design.guest;
    const known = new Set(design.guest.controllers.map((c) => c.key));
    for (const d of unplaced) {
      if (d.address) {
        out.set(d.key, `on bus 0x${hex2(d.address.bus)}, which no controller of this design provides`);
        continue;
      }
      const a = placed.devices.find((x) => x.key === d.key)?.address;
      const c = a ? placed.controllers.find((x) => x.index === a.bus) : undefined;
      if (!a) out.set(d.key, 'libvirt would find no free slot for it');
      else out.set(d.key, `libvirt: ${c ? `${known.has(c.key) ? '' : 'a new '}${controllerKindLabel(c, machineFamily(design.guest))} ${a.bus}` : `bus 0x${hex2(a.bus)}`}, slot 0x${hex2(a.slot)}${a.function ? `.${a.function}` : ''}`);
    }
  } catch (e) {
    for (const d of unplaced) out.set(d.key, `no hint: ${(e as Error).message}`);
  }
  hints = out;
  byRelease.set(libvirtVersion ?? '', hints);
  return hints;
}
