import { describe, expect, it } from 'vitest';
import { importHost } from './nodedev.ts';

/** Issue 13: a host file that puts one device in two IOMMU groups is refused, naming the device, both groups and the line. */

function device(fn: number, group: number, members: readonly number[]): string {
  const addr = (f: number) => `      <address domain='0x0000' bus='0x01' slot='0x00' function='0x${f}'/>`;
  return `<device>
  <name>pci_0000_01_00_${fn}</name>
  <capability type='pci'>
    <class>0x030000</class>
    <domain>0</domain>
    <bus>1</bus>
    <slot>0</slot>
    <function>${fn}</function>
    <iommuGroup number='${group}'>
${members.map(addr).join('\n')}
    </iommuGroup>
  </capability>
</device>
`;
}

describe('one device in two IOMMU groups', () => {
  it('two devices whose group lists disagree about a third', () => {
    const text = device(0, 1, [0, 2]) + device(1, 2, [1, 2]);
    const r = importHost(text, 'host.xml');
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error).toMatchObject({ code: 'not-node-devices', file: 'host.xml', line: 15 });
    expect(r.error.message).toBe('PCI device 0000:01:00.2 is listed in IOMMU group 1 (line 1) and in IOMMU group 2; a device belongs to one group');
  });

  it("a device's own group against another device's list", () => {
    const r = importHost(device(0, 1, [0, 1]) + device(1, 2, [1]), 'host.xml');
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.message).toMatch(/0000:01:00\.1 is listed in IOMMU group 1 \(line 1\) and in IOMMU group 2/);
  });

  it('the same group told twice, and members named only by others, are read', () => {
    const r = importHost(device(0, 1, [0, 1, 2]) + device(1, 1, [0, 1, 2]), 'host.xml');
    expect(r.ok).toBe(true);
    if (r.ok) expect(r.value.groups.get(1)?.members).toEqual(['0000:01:00.0', '0000:01:00.1', '0000:01:00.2']);
  });
});
