import { applyCommand, createDesign, DEMO_DOMAIN_XML, exportDomain } from '../src/engine/index.ts';
import { linearityFigures, measureLinearity } from './linearity.ts';
import type { Bench } from './types.ts';

/**
 * Import + one address edit + export of a ~1 MiB domain (DESIGN.md §7: under 100 ms). The
 * document is the demo guest with its real devices repeated: each copy of the emulated devices
 * and hostdevs gets its own bus so addresses stay distinct, as in a large real guest.
 */
const TARGET_CHARS = 1024 * 1024;

export function bigDomain(target = TARGET_CHARS): string {
  const open = DEMO_DOMAIN_XML.indexOf('<devices>') + '<devices>'.length;
  const close = DEMO_DOMAIN_XML.indexOf('    <memballoon');
  const head = DEMO_DOMAIN_XML.slice(0, open);
  const block = DEMO_DOMAIN_XML.slice(DEMO_DOMAIN_XML.indexOf('\n    <disk', open), close);
  const tail = DEMO_DOMAIN_XML.slice(close);
  const parts: string[] = [head];
  let size = head.length + tail.length;
  for (let i = 0; size < target; i++) {
    const bus = `0x${(i % 256).toString(16).padStart(2, '0')}`;
    const copy = block.replace(/bus='0x0[0-2]' slot='0x0(\d)'/g, (_m, s: string) => `bus='${bus}' slot='0x${(Number(s) + (i >> 8)).toString(16).padStart(2, '0')}'`);
    parts.push(copy);
    size += copy.length;
  }
  parts.push(tail);
  return parts.join('');
}

interface Ctx {
  readonly text: string;
}

const importOnly = ({ text }: Ctx): number => {
  const r = createDesign(text, undefined, 'bench.xml');
  if (!r.ok) throw new Error(r.error.message);
  return r.value.guest.devices.length;
};

export const benchmarks: Bench<Ctx>[] = [
  {
    name: 'xml-import-export-1mib',
    budget: 100,
    setup: () => ({ text: bigDomain() }),
    run: ({ text }) => {
      const r = createDesign(text, undefined, 'bench.xml');
      if (!r.ok) throw new Error(r.error.message);
      const d = r.value;
      const device = d.guest.devices.find((x) => x.address);
      if (!device) throw new Error('no addressed device');
      const moved = applyCommand(d, { kind: 'move-device', device: device.key, address: { domain: 0, bus: 0, slot: 30, function: 0 } });
      return exportDomain(moved).length;
    },
    iterations: 20,
    extra: ({ text }) => [{ name: 'xml-import-export-1mib-size', value: Math.round(text.length / 1024), unit: 'KiB' }],
  },
  {
    name: 'domain-import-1mib',
    isolated: true,
    setup: () => ({ text: bigDomain() }),
    run: importOnly,
    iterations: 15,
  },
  {
    // Linear in size (DESIGN.md §7): ten times the document should take about ten times as long,
    // measured on its own (bench/linearity.ts says how), in a fresh process like the host's.
    name: 'domain-import-10mib',
    isolated: true,
    setup: () => ({ text: bigDomain(10 * TARGET_CHARS) }),
    run: importOnly,
    iterations: 3,
    extra: (big) => linearityFigures('domain-import-linearity', 'the document', measureLinearity(importOnly, { text: bigDomain() }, big)),
  },
];
