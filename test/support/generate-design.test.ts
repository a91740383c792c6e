import { describe, expect, it } from 'vitest';
import { createDesign, importHost } from '../../src/engine/index.ts';
import { FAMILIES, MUTATION_NAMES, Rng, domainXml, generateDesign, hostXml, withoutAddress, withoutItem, withoutNuma } from './generate-design.ts';

/** The generator of the differential check (test/real/differential.ts) is deterministic and gives designs pcitopo reads. */
const SAMPLE = FAMILIES.flatMap((f) => Array.from({ length: 60 }, (_, n) => generateDesign(3, n, f)));

describe('generateDesign', () => {
  it('gives the same design for the same seed, family and number, and others for others', () => {
    expect(domainXml(generateDesign(5, 7, 'q35'))).toBe(domainXml(generateDesign(5, 7, 'q35')));
    expect(hostXml(generateDesign(5, 7, 'pseries'))).toBe(hostXml(generateDesign(5, 7, 'pseries')));
    const distinct = new Set(Array.from({ length: 20 }, (_, n) => domainXml(generateDesign(5, n, 'q35')).replace(/<name>.*<\/name>/, '')));
    expect(distinct.size).toBeGreaterThan(15);
    expect(domainXml(generateDesign(6, 7, 'q35'))).not.toBe(domainXml(generateDesign(5, 7, 'q35')));
  });

  it('writes domains and host files that pcitopo reads', () => {
    for (const d of SAMPLE) {
      const h = hostXml(d);
      const host = h === undefined ? undefined : importHost(h, 'host.xml');
      if (host && !host.ok) throw new Error(`${d.name}: host: ${host.error.message}`);
      const r = createDesign(domainXml(d), host?.value, 'domain.xml');
      expect(r.ok, `${d.name}: ${r.ok ? '' : r.error.message}`).toBe(true);
    }
  });

  it('covers each family, addressed and unaddressed devices, controllers, NUMA, hostdevs and mutations', () => {
    for (const f of FAMILIES) {
      const of = SAMPLE.filter((d) => d.family === f);
      expect(of.some((d) => d.items.some((i) => i.pci && (i.pci.index ?? 0) > 0)), f).toBe(true);
      expect(of.some((d) => d.items.some((i) => !i.pci && i.address)), f).toBe(true);
      expect(of.some((d) => d.items.some((i) => !i.pci && i.tag !== 'controller' && !i.address)), f).toBe(true);
      expect(of.some((d) => d.cells > 0), f).toBe(true);
      expect(of.some((d) => d.host.length > 0), f).toBe(true);
      expect(of.filter((d) => d.mutation).length, f).toBeGreaterThan(5);
      expect(of.filter((d) => !d.mutation).length, f).toBeGreaterThan(30);
    }
    // 1,000 per family: a mutation that needs a bridge is one of 29 names where it applies
    const used = new Set(FAMILIES.flatMap((f) => Array.from({ length: 1000 }, (_, n) => generateDesign(11, n, f).mutation)));
    expect(MUTATION_NAMES.filter((m) => !used.has(m))).toEqual([]);
  });

  it('the kinds real users write reach the XML: expander busNr clashes, switch ports on a root port\'s chassis, indexes past 255, drive addresses, spapr-vio regs, numatune, hotplug, packed root ports, bridge chassisNr, many devices, bridges on the wrong bus', () => {
    const all = FAMILIES.flatMap((f) => Array.from({ length: 400 }, (_, n) => generateDesign(11, n, f)));
    const xmlOf = (m: string): string[] => all.filter((d) => d.mutation === m).map(domainXml);
    const busNrs = (x: string): number[] => [...x.matchAll(/busNr='(\d+)'/g)].map((m) => Number(m[1]));
    // two expander buses, one on the busNr of the other or just past it
    for (const x of xmlOf('expander-busnr-clash')) {
      const b = busNrs(x);
      expect(b.length).toBeGreaterThanOrEqual(2);
      expect(Math.min(...b.slice(1).map((n) => n - (b[0] as number)))).toBeLessThanOrEqual(2);
    }
    expect(xmlOf('expander-busnr-clash').some((x) => new Set(busNrs(x)).size < busNrs(x).length)).toBe(true);
    expect(xmlOf('expander-busnr-below-its-buses').every((x) => busNrs(x).some((n) => n < 16))).toBe(true);
    for (const d of all.filter((x) => x.mutation === 'switch-port-chassis-of-root-port')) {
      // the one the mutation added has the highest index (a design may list its controllers shuffled)
      const down = d.items.filter((i) => i.pci?.model === 'pcie-switch-downstream-port').sort((a, b) => (a.pci?.index ?? 0) - (b.pci?.index ?? 0)).at(-1)?.pci;
      const rps = d.items.filter((i) => i.pci?.model === 'pcie-root-port').map((i) => i.pci);
      expect(rps.some((r) => (r?.chassis ?? r?.index) === down?.chassis || (r?.port !== undefined && r.port === down?.port)), d.name).toBe(true);
    }
    expect(xmlOf('controller-index-past-255').every((x) => /index='25[4-8]'/.test(x))).toBe(true);
    expect(xmlOf('many-devices').every((x) => (x.match(/<input type='keyboard' bus='virtio'\/>/g) ?? []).length >= 180)).toBe(true);
    expect(xmlOf('drive-controller-high').every((x) => /<address type='drive' controller='\d+'/.test(x))).toBe(true);
    expect(xmlOf('spapr-vio-reg').every((x) => /<address type='spapr-vio' reg='0x[0-9a-f]+'\/>/.test(x))).toBe(true);
    const tunes = xmlOf('numatune-memnode');
    expect(tunes.every((x) => /<numatune>\s*<memnode cellid='\d+'/.test(x))).toBe(true);
    // memnodes that fit, and ones libvirt refuses: no cells, a cell past the last
    expect(tunes.some((x) => x.includes('<numa>'))).toBe(true);
    expect(tunes.some((x) => !x.includes('<numa>'))).toBe(true);
    expect(xmlOf('expander-on-missing-node').every((x) => /<node>\d+<\/node>/.test(x))).toBe(true);
    expect(xmlOf('hotplug-off').every((x) => /hotplug='(off|on)'/.test(x))).toBe(true);
    expect(xmlOf('hotplug-off').some((x) => x.includes("hotplug='off'"))).toBe(true);
    // root ports in the functions of one slot of pcie-root
    for (const d of all.filter((x) => x.mutation === 'root-ports-multifunction')) {
      const at = d.items.filter((i) => i.pci?.model === 'pcie-root-port' && i.address?.bus === 0).map((i) => i.address);
      expect(at.length, d.name).toBeGreaterThanOrEqual(2);
      expect(new Set(at.map((a) => a?.slot)).size, d.name).toBe(1);
    }
    for (const d of all.filter((x) => x.mutation === 'bridge-chassisnr-clash')) {
      const nrs = d.items.filter((i) => i.pci?.model === 'pci-bridge').map((i) => i.pci?.chassisNr ?? i.pci?.index);
      expect(nrs.length >= 2 && (new Set(nrs).size < nrs.length || nrs.some((n) => n === 0 || n === 255)), d.name).toBe(true);
    }
    expect(all.filter((x) => x.mutation === 'crowded').every((d) => d.items.length >= 20)).toBe(true);
    // a bridge or a root port on a bus that does not take it, and an endpoint straight on an expander bus
    expect(xmlOf('bridge-on-the-wrong-bus').every((x) => /model='(pci-bridge|pcie-to-pci-bridge|pcie-root-port)'>\s*<address type='pci' domain='0x0000' bus='0x[0-9a-f]+'/.test(x))).toBe(true);
    for (const d of all.filter((x) => x.mutation === 'endpoint-on-expander')) {
      const pxb = d.items.find((i) => i.pci?.model.endsWith('expander-bus'))?.pci?.index;
      expect(d.items.some((i) => !i.pci && i.address?.bus === pxb), d.name).toBe(true);
    }
  });

  it('the host file describes every passed-through host function with its IOMMU group, PCI Express or conventional as generated', () => {
    const kinds = new Set<boolean>();
    for (const d of SAMPLE.filter((x) => x.host.length)) {
      const r = importHost(hostXml(d) as string);
      if (!r.ok) throw new Error(r.error.message);
      for (const it of d.items.filter((i) => i.host)) {
        const dev = r.value.devices.get(it.host as string);
        const gen = d.host.find((h) => h.address === it.host);
        expect(dev?.pcie, `${d.name} ${it.host}`).toBe(gen?.pcie);
        expect(dev?.iommuGroup).toBe(gen?.group);
        kinds.add(dev?.pcie ?? false);
      }
    }
    // both kinds occur: libvirt places a conventional hostdev behind a PCI bridge on q35
    expect([...kinds].sort()).toEqual([false, true]);
  });

  it('shrinking steps drop one item, one address or the NUMA cells, and nothing else', () => {
    const d = SAMPLE.find((x) => x.cells > 0 && x.items.some((i) => i.address) && x.items.some((i) => i.pci?.node !== undefined));
    if (!d) throw new Error('no sample design with NUMA, addresses and a node');
    expect(withoutItem(d, 0).items).toEqual(d.items.slice(1));
    const k = d.items.findIndex((i) => i.address);
    expect(withoutAddress(d, k).items[k]?.address).toBeUndefined();
    expect(withoutAddress(d, k).items.filter((i) => i.address)).toHaveLength(d.items.filter((i) => i.address).length - 1);
    const flat = withoutNuma(d);
    expect(flat.cells).toBe(0);
    expect(flat.items.some((i) => i.pci?.node !== undefined)).toBe(false);
    expect(domainXml(flat)).not.toContain('<numa>');
    const tuned = { ...d, numatune: ["<memnode cellid='0' mode='strict' nodeset='0'/>"] };
    expect(domainXml(tuned)).toContain("<memnode cellid='0'");
    expect(domainXml(withoutNuma(tuned))).not.toContain('<numatune>');
  });
});

describe('Rng', () => {
  it('is a fixed sequence per seed, in [0, 1)', () => {
    const a = new Rng(42);
    const b = new Rng(42);
    const xs = Array.from({ length: 100 }, () => a.next());
    expect(xs).toEqual(Array.from({ length: 100 }, () => b.next()));
    expect(xs.every((x) => x >= 0 && x < 1)).toBe(true);
    expect(new Set(xs).size).toBe(100);
    const r = new Rng(1);
    const ints = Array.from({ length: 200 }, () => r.int(2, 4));
    expect(new Set(ints)).toEqual(new Set([2, 3, 4]));
  });
});
