import type { Design, GuestDevice } from '../src/engine/index.ts';
import { place } from '../src/engine/index.ts';
import { designOf, emulated, guestOf, hostdev, hostOf } from '../src/engine/placement/testkit.ts';
import type { Bench } from './types.ts';

/**
 * `place-full` (DESIGN.md §7): pe-per-phb on a full-size pseries design, 30 host IOMMU groups of
 * 4 functions passed through, 200 emulated devices (PHB 0 overflows onto more vPHBs) and 1 spare
 * vPHB; the result has 31 vPHBs for the groups and spare plus PHB 0 and overflow PHBs. The host
 * holds 512 groups / 2,048 devices so host look-ups are at full size.
 */
function fullDesign(): Design {
  const groups = Array.from({ length: 512 }, (_, g) => ({
    group: g,
    numaNode: g % 2,
    devices: Array.from({ length: 4 }, (_, f) => `${(g >> 8).toString(16).padStart(4, '0')}:${(g & 0xff).toString(16).padStart(2, '0')}:00.${f}`),
  }));
  const host = hostOf(groups);
  const devices: GuestDevice[] = [];
  for (const g of groups.slice(0, 30)) for (const a of g.devices) devices.push(hostdev(a));
  for (let i = 0; i < 200; i++) devices.push(emulated({ key: `vd${i}` }));
  return designOf(guestOf('pseries', { devices, numaCells: [{ id: 0 }, { id: 1 }] }), host);
}

export const benchmarks: Bench[] = [
  {
    name: 'place-full',
    setup: fullDesign,
    run: (design) => place(design as Design, { policy: 'pe-per-phb', spare: 1 }).guest.controllers.length,
    extra: (design) => {
      const g = place(design as Design, { policy: 'pe-per-phb', spare: 1 }).guest;
      return [{ name: 'place-full-vphbs', value: g.controllers.filter((c) => c.model === 'pci-root').length, unit: 'vPHBs' }];
    },
  },
  {
    name: 'place-full-libvirt',
    setup: fullDesign,
    run: (design) => place(design as Design, { policy: 'libvirt' }).guest.controllers.length,
  },
];
