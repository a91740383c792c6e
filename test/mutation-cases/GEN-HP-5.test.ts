import { describe, expect, it } from 'vitest';
import { at, ctrl, dev, hostdev, phb, pseries, q35, rootPort } from '../../src/engine/rules/testkit.ts';
import type { Design } from '../../src/engine/model/design.ts';
import type { Finding } from '../../src/engine/rules/types.ts';
import { findingsOf } from './alone.ts';

/**
 * GEN-HP-5's branches beyond its case table (issue 11; docs/mutation.md), after libvirt's
 * qemuDomainDetachDeviceLive and qemuIsMultiFunctionDevice (src/qemu/qemu_hotplug.c): a device on a
 * controller with hotplug='off' ("… - not allowed by controller") and a device whose slot holds other
 * functions ("cannot hot unplug multifunction PCI guest address"), each in its words, slots in order.
 */

const of = (d: Design): Finding[] => findingsOf(d, 'GEN-HP-5');
const offPort = rootPort(1, 1, 0, { target: { chassis: 1, port: 8, hotplug: 'off' } });

describe('GEN-HP-5', () => {
  it("hotplug='off': every device on the controller named, 'it' for one and 'them' for several", () => {
    expect(of(q35([offPort], [dev('vda', 'disk', at(1, 0))])).map((f) => f.message)).toEqual([
      "pcie-root-port controller index 1 has hotplug='off': libvirt refuses to hot-unplug vda (\"not allowed by controller\"); remove it only while the guest is shut off.",
    ]);
    expect(of(pseries([phb(1, { hotplug: 'off' })], [dev('vda', 'disk', at(1, 1)), dev('vdb', 'disk', at(1, 2))])).map((f) => [f.message, f.subjects])).toEqual([
      ["pci-root controller index 1 has hotplug='off': libvirt refuses to hot-unplug vda, vdb (\"not allowed by controller\"); remove them only while the guest is shut off.", { controllers: [1], devices: ['vda', 'vdb'] }],
    ]);
  });

  it('shared slots: one finding per slot in slot order, in hex, each naming its own devices by label (subjects by key)', () => {
    const d = pseries([phb(1)], [
      hostdev('0000:02:00.0', at(1, 0x12, 0, 'on')), hostdev('0000:02:00.1', at(1, 0x12, 1)),
      hostdev('0000:01:00.0', at(1, 2, 0, 'on')), hostdev('0000:01:00.1', at(1, 2, 1)),
    ]);
    expect(of(d).map((f) => [f.message, f.subjects])).toEqual([
      ['Slot 0x02 of bus 0x01 holds several functions: libvirt refuses to hot-unplug hostdev 0000:01:00.0, hostdev 0000:01:00.1 ("multifunction PCI guest address"); remove them only while the guest is shut off.', { controllers: [1], devices: ['0000:01:00.0', '0000:01:00.1'] }],
      ['Slot 0x12 of bus 0x01 holds several functions: libvirt refuses to hot-unplug hostdev 0000:02:00.0, hostdev 0000:02:00.1 ("multifunction PCI guest address"); remove them only while the guest is shut off.', { controllers: [1], devices: ['0000:02:00.0', '0000:02:00.1'] }],
    ]);
  });

  it("a device sharing its slot with a controller: 'it'", () => {
    expect(of(pseries([ctrl('pci-bridge', 1, { address: at(0, 3, 0, 'on'), target: { chassisNr: 1 } })], [dev('vda', 'disk', at(0, 3, 1))])).map((f) => f.message)).toEqual([
      'Slot 0x03 of bus 0x00 holds several functions: libvirt refuses to hot-unplug vda ("multifunction PCI guest address"); remove it only while the guest is shut off.',
    ]);
  });
});
