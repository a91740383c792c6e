import { importHost } from '../src/engine/index.ts';
import { linearityFigures, measureLinearity } from './linearity.ts';
import type { Bench } from './types.ts';

/** A host of `groups` IOMMU groups of 4 functions, as a nodedev-dumpxml loop prints it (512 groups: 2,048 devices). */
export function bigHostXml(groups = 512): string {
  const parts: string[] = [];
  for (let g = 0; g < groups; g++) {
    const domain = Math.floor(g / 64);
    const bus = (g % 64) + 1;
    const members = [0, 1, 2, 3].map(
      (f) => `      <address domain='0x${domain.toString(16).padStart(4, '0')}' bus='0x${bus.toString(16).padStart(2, '0')}' slot='0x00' function='0x${f}'/>`,
    );
    for (let f = 0; f < 4; f++) {
      parts.push(`<device>
  <name>pci_${domain.toString(16).padStart(4, '0')}_${bus.toString(16).padStart(2, '0')}_00_${f}</name>
  <driver>
    <name>vfio-pci</name>
  </driver>
  <capability type='pci'>
    <class>0x020000</class>
    <domain>${domain}</domain>
    <bus>${bus}</bus>
    <slot>0</slot>
    <function>${f}</function>
    <product id='0x1017'>MT27800 Family [ConnectX-5]</product>
    <vendor id='0x15b3'>Mellanox Technologies</vendor>
    <iommuGroup number='${g}'>
${members.join('\n')}
    </iommuGroup>
    <numa node='${domain % 2 ? 8 : 0}'/>
    <pci-express/>
  </capability>
</device>`);
    }
  }
  return `${parts.join('\n')}\n`;
}

const importAll = (xml: unknown): number => {
  const r = importHost(xml as string, 'host.xml');
  if (!r.ok) throw new Error(r.error.message);
  return r.value.devices.size;
};

export const benchmarks: Bench[] = [
  {
    name: 'host-import-2048',
    iterations: 15,
    isolated: true,
    budget: 50,
    setup: () => bigHostXml(512),
    run: importAll,
    extra: (xml) => [{ name: 'host-import-2048-size', value: Math.round((xml as string).length / 1024), unit: 'KiB' }],
  },
  {
    // Linear in size (DESIGN.md §7): ten times the devices should take about ten times as long.
    // The ratio is measured on its own (bench/linearity.ts says how), not from the two medians:
    // those come from loops that leave different heaps behind.
    name: 'host-import-20480',
    iterations: 3,
    isolated: true,
    setup: () => bigHostXml(5120),
    run: importAll,
    extra: (xml) => linearityFigures('host-import-linearity', 'the devices', measureLinearity(importAll, bigHostXml(512), xml)),
  },
];
