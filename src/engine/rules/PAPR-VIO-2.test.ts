import { describe, expect, it } from 'vitest';
import { spaprVioRegToIrq } from './PAPR-VIO-2.ts';

describe("QEMU's spapr_vio_reg_to_irq", () => {
  it("maps QEMU's own regs by their low byte, libvirt's vty regs to 0xf0-0xff, the others by bits 12-19", () => {
    // the nvram QEMU creates (0x71000000) and the 255th ibmvscsi libvirt adds (0x2000 + 254 * 0x1000): 4352, "IRQ 4352 is not free"
    expect([0x71000000, 0x100000].map(spaprVioRegToIrq)).toEqual([0x1100, 0x1100]);
    // libvirt's defaults: spapr-vlan 0x1000, ibmvscsi 0x2000, spapr-vty 0x30000000 and the next vty
    expect([0x1000, 0x2000, 0x30000000, 0x30001000].map(spaprVioRegToIrq)).toEqual([0x1101, 0x1102, 0x11f0, 0x11f1]);
    // an ibmvscsi at 0xf0000 shares the first vty's: "IRQ 4592 is not free"
    expect(spaprVioRegToIrq(0xf0000)).toBe(4592);
  });
});
