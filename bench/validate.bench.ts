import type { Bench } from './types.ts';
import type { Design } from '../src/engine/model/design.ts';
import type { GuestDevice, PciController } from '../src/engine/model/guest.ts';
import type { HostDevice } from '../src/engine/model/host.ts';
import { makeHost } from '../src/engine/model/host.ts';
import { formatPciAddress } from '../src/engine/model/pci.ts';
import { applyCommand } from '../src/engine/commands/commands.ts';
import { createValidator, validate } from '../src/engine/rules/index.ts';
import { ctrl, dev, q35 } from '../src/engine/rules/testkit.ts';

/**
 * DESIGN.md §7 full-size pseries design: 31 vPHBs, 30 passthrough groups of 4 functions (one per
 * non-default PHB), 200 emulated devices on PHB 0 (8 functions per slot), a host of 512 IOMMU
 * groups / 2,048 devices. Built directly with the model: no XML in the timing.
 */
export function fullSizeDesign(): Design {
  const hostDevices: HostDevice[] = [];
  for (let g = 0; g < 512; g++) {
    for (let f = 0; f < 4; f++) {
      const pci = { domain: Math.floor(g / 256), bus: g % 256, slot: 0, function: f };
      hostDevices.push({ address: formatPciAddress(pci), pci, iommuGroup: g, pcie: true, bridge: false, numaNode: 0, virtFunctions: [] });
    }
  }
  const host = makeHost(hostDevices, 'bench');
  const controllers: PciController[] = [];
  for (let i = 0; i <= 30; i++) controllers.push({ key: `pci-${i}`, index: i, model: 'pci-root', modelName: 'spapr-pci-host-bridge', target: { index: i } });
  const devices: GuestDevice[] = [];
  for (let i = 0; i < 200; i++) {
    const slot = 1 + Math.floor(i / 8);
    const fn = i % 8;
    devices.push({ key: `disk-${i}`, element: 'disk', bus: 'virtio', label: `virtio disk ${i}`, address: { domain: 0, bus: 0, slot, function: fn, ...(fn === 0 ? { multifunction: 'on' as const } : {}) } });
  }
  for (let g = 1; g <= 30; g++) {
    for (let f = 0; f < 4; f++) {
      const pci = { domain: 0, bus: g, slot: 0, function: f };
      const key = formatPciAddress(pci);
      devices.push({ key, element: 'hostdev', type: 'pci', mode: 'subsystem', managed: 'yes', hostAddress: pci, label: `hostdev ${key}`, address: { domain: 0, bus: g, slot: 1, function: f, ...(f === 0 ? { multifunction: 'on' as const } : {}) } });
    }
  }
  const guest = { name: 'bench', domainType: 'kvm', arch: 'ppc64le', machine: 'pseries', numaCells: [], numaMemnodes: [], controllers, devices };
  return { guest, original: guest, source: { text: '' }, host };
}

const noDefaults = [dev('usb', 'controller', undefined, { type: 'usb', model: 'none' }), dev('mb', 'memballoon', undefined, { model: 'none' })];

export const benchmarks: Bench[] = [
  {
    name: 'validate-full',
    budget: 5,
    setup: () => fullSizeDesign(),
    run: (d) => validate(d as Design).length,
    iterations: 50,
  },
  {
    name: 'validate-after-move',
    budget: 1,
    setup: () => {
      const design = fullSizeDesign();
      const validator = createValidator();
      validator(design);
      // Alternate between two slots so every run is a real one-device move.
      const there = applyCommand(design, { kind: 'move-device', device: 'disk-199', address: { domain: 0, bus: 0, slot: 30, function: 0 } });
      return { validator, designs: [there, design], n: 0 };
    },
    run: (ctx) => {
      const c = ctx as { validator: (d: Design) => unknown[]; designs: Design[]; n: number };
      c.n++;
      return c.validator(c.designs[c.n % 2] as Design).length;
    },
    iterations: 100,
  },
  {
    // issue 11's tester: 1,200 virtio NICs written without an address on q35, which libvirt refuses
    // (pcie-root runs out of root-port functions); Q35-HP-1's fix once tried every root port left,
    // each with a whole define: 9.2 s for `pcitopo validate` on this input, 78 s with 3,000 NICs
    name: 'validate-q35-1200-unaddressed-nics',
    budget: 2000,
    setup: () => q35([], Array.from({ length: 1200 }, (_, i) => dev(`net${i}`, 'interface', undefined, { model: 'virtio' }))),
    run: (d) => validate(d as Design).length,
    iterations: 3,
  },
  {
    // issue 11: 300 virtio NICs without an address beside a pcie-expander-bus: libvirt adds a root
    // port per NIC and refuses the 255th, index 256 (GEN-IDX-1). Q35-HP-1's fix tried every root
    // port pcie-root and the expander had room for, each with whole defines: 5.0 s for `pcitopo
    // validate` on this input (10.1 s on a random q35 design of 766 devices the same way refused)
    name: 'validate-q35-index-past-255',
    budget: 2000,
    setup: () => q35([ctrl('pcie-expander-bus', 1)], [...nics(300), ...noDefaults]),
    run: (d) => validate(d as Design).length,
    iterations: 3,
  },
];

function nics(n: number): GuestDevice[] {
  return Array.from({ length: n }, (_, i) => dev(`net${i}`, 'interface', undefined, { model: 'virtio' }));
}
