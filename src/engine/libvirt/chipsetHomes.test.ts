import { describe, expect, it } from 'vitest';
import { PIIX3_CHIPSET, Q35_CHIPSET } from './qemuDomainAddress.ts';
import { at, ctrl, dev } from '../rules/testkit.ts';

/**
 * Where the chipset step puts the primary video (qemuDomainValidateDevicePCISlotsQ35 / ...PIIX3):
 * its home (00:01.0 on q35, 00:02.0 on i440fx) when nothing written takes that slot, else the next
 * free slot, before libvirt places any controller (qemuDomainPCIAddressReserveNextAddr).
 */
describe('the primary video: its home, or the next free slot first', () => {
  const video = dev('video', 'video', undefined, { model: 'virtio' });
  const second = dev('video2', 'video', undefined, { model: 'virtio' });
  const cases = [
    [Q35_CHIPSET, 1],
    [PIIX3_CHIPSET, 2],
  ] as const;
  for (const [chipset, home] of cases) {
    it(`home slot ${home}`, () => {
      const free = { devices: [video, second, dev('nic', 'interface', at(0, home + 1))], controllers: [] };
      expect(chipset.homes(video, free)).toBe(true);
      expect(chipset.placesFirst(video, free)).toBe(false);
      // a written device at another function of the home slot takes it too
      const taken = { devices: [video, second, dev('nic', 'interface', at(0, home, 3))], controllers: [] };
      expect(chipset.homes(video, taken)).toBe(false);
      expect(chipset.placesFirst(video, taken)).toBe(true);
      const byController = { devices: [video], controllers: [ctrl('pcie-root-port', 1, { address: at(0, home) })] };
      expect(chipset.placesFirst(video, byController)).toBe(true);
      // only the primary video, and only an address on bus 0
      expect(chipset.placesFirst(second, taken)).toBe(false);
      expect(chipset.placesFirst(video, { devices: [video, dev('nic', 'interface', at(1, home))], controllers: [] })).toBe(false);
    });
  }
  it("q35's SATA controller 0 has its home whatever is written", () => {
    const sata = dev('sata0', 'controller', undefined, { type: 'sata', index: 0 });
    expect(Q35_CHIPSET.homes(sata, { devices: [sata], controllers: [] })).toBe(true);
    expect(Q35_CHIPSET.placesFirst(sata, { devices: [sata], controllers: [] })).toBe(false);
  });
});
