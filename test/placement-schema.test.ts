import { describe, expect, it } from 'vitest';
import { exportDomain, place, validate } from '../src/engine/index.ts';
import type { PlaceOptions } from '../src/engine/index.ts';
import { bareDemoXml, barePcieXml, demoHost, designOf } from './support/designs.ts';
import { domainSchemaErrors, needDomainSchema } from './support/xmllint.ts';

// Issue 5: placed pseries/q35/virt designs are accepted by libvirt's RNG schema and have no error.
const cases: Array<{ name: string; xml: () => string; opts: PlaceOptions }> = [
  { name: 'pseries demo, pe-per-phb + 2 spare vPHBs', xml: bareDemoXml, opts: { policy: 'pe-per-phb', spare: 2 } },
  { name: 'pseries demo, libvirt policy', xml: bareDemoXml, opts: { policy: 'libvirt' } },
  { name: 'q35, pe-per-phb (root port per PCIe device) + 2 spare ports', xml: () => barePcieXml('q35'), opts: { policy: 'pe-per-phb', spare: 2 } },
  { name: 'q35, libvirt policy', xml: () => barePcieXml('q35'), opts: { policy: 'libvirt' } },
  { name: 'aarch64 virt, pe-per-phb + 1 spare port', xml: () => barePcieXml('virt'), opts: { policy: 'pe-per-phb', spare: 1 } },
  { name: 'aarch64 virt, libvirt policy', xml: () => barePcieXml('virt'), opts: { policy: 'libvirt' } },
];

describe('placed designs', () => {
  const host = demoHost();
  const exported = cases.map((c) => {
    const placed = place(designOf(c.xml(), host), c.opts);
    return { ...c, placed, xml: exportDomain(placed) };
  });

  for (const c of exported) {
    it(`${c.name}: every PCI device addressed, no error finding`, () => {
      const unaddressed = c.placed.guest.devices.filter((d) => !d.implicit && (d.element === 'hostdev' || d.element === 'interface' || d.element === 'disk') && !d.address);
      expect(unaddressed.map((d) => d.key)).toEqual([]);
      expect(validate(c.placed).filter((f) => f.severity === 'error')).toEqual([]);
    });
  }

  it('pe-per-phb gives each passed-through host group a vPHB of its own, and the spares stay empty', () => {
    const c = exported[0]!;
    const guest = c.placed.guest;
    const phbOfGroup = new Map<number, Set<number>>();
    for (const d of guest.devices) {
      if (d.element !== 'hostdev' || !d.address) continue;
      const group = host.devices.get(d.key)?.iommuGroup as number;
      const set = phbOfGroup.get(group) ?? new Set<number>();
      set.add(d.address.bus);
      phbOfGroup.set(group, set);
    }
    expect([...phbOfGroup.keys()].sort()).toEqual([1, 2, 3, 4]);
    const phbs = [...phbOfGroup.values()].map((s) => [...s]);
    for (const p of phbs) expect(p).toHaveLength(1);
    expect(new Set(phbs.flat()).size).toBe(4);
    expect(phbs.flat()).not.toContain(0);
    const used = new Set(guest.devices.map((d) => d.address?.bus));
    const empty = guest.controllers.filter((ctl) => ctl.index !== undefined && ctl.index > 0 && !used.has(ctl.index));
    expect(empty).toHaveLength(2);
  });

  describe("libvirt's RNG schema", () => {
    if (!needDomainSchema()) return;
    it('accepts every placed export', () => {
      expect(domainSchemaErrors(exported.map((c, i) => [`placed-${i}.xml`, c.xml] as const))).toBe('');
    });
  });
});
