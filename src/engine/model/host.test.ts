import { describe, expect, it } from 'vitest';
import type { HostDevice } from './host.ts';
import { makeHost } from './host.ts';
import { formatPciAddress, parsePciAddress } from './pci.ts';

const device = (text: string, iommuGroup?: number): HostDevice => {
  const pci = parsePciAddress(text);
  if (!pci) throw new Error(`bad address ${text}`);
  return { address: formatPciAddress(pci), pci, iommuGroup, pcie: true, bridge: false, virtFunctions: [] };
};

describe('makeHost', () => {
  it('lists devices in PCI address order, whatever order they came in', () => {
    const h = makeHost(['0001:00:00.0', '0000:0a:00.1', '0000:0a:00.0', '0000:02:1f.7', '0000:02:03.0'].map((a, i) => device(a, i)));
    expect([...h.devices.keys()]).toEqual(['0000:02:03.0', '0000:02:1f.7', '0000:0a:00.0', '0000:0a:00.1', '0001:00:00.0']);
  });

  it('groups the devices by IOMMU group, the groups in number order', () => {
    const h = makeHost([device('0000:03:00.0', 7), device('0000:01:00.1', 2), device('0000:01:00.0', 2), device('0000:05:00.0')]);
    expect([...h.groups.keys()]).toEqual([2, 7]);
    expect(h.groups.get(2)?.members).toEqual(['0000:01:00.0', '0000:01:00.1']);
    expect(h.devices.size).toBe(4);
  });
});
