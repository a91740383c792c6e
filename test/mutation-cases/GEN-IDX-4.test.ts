import { describe, expect, it } from 'vitest';
import { findingsOf } from './alone.ts';
import { at, ctrl, design, dev, q35 } from '../../src/engine/rules/testkit.ts';
import type { GuestDevice } from '../../src/engine/model/guest.ts';

/**
 * GEN-IDX-4 on the pci-bridge libvirt adds at define (issue 11; docs/mutation.md, "mutsmall"), beyond
 * GEN-IDX.test.ts. i440fx with every slot of pci-root taken (slot 1 is PIIX3's, 2..31 written NICs):
 * the bridge libvirt adds for a bus (qemuDomainAssignPCIAddresses adds a controller for each bus the
 * dry run grew, virDomainPCIAddressSetGrow) finds no free slot before its own bus and lands there,
 * and libvirt refuses the domain ("PCI controller at index 1 (0x01) has bus='0x01', but index must
 * be larger than bus").
 */
const full = (more: readonly GuestDevice[]) =>
  design({
    machine: 'pc-i440fx-7.2',
    controllers: [ctrl('pci-root', 0)],
    devices: [...Array.from({ length: 30 }, (_, i) => dev(`nic${i}`, 'interface', at(0, i + 2))), ...more],
  });
const refused = "on bus 0x01, its own bus: libvirt refuses the domain (\"PCI controller at index 1 (0x01) has bus='0x01', but index must be larger than bus\"). Free a slot on a bus that exists, or give the devices addresses on a bus with room.";

describe('GEN-IDX-4: the bridge libvirt adds, and what it adds it for', () => {
  it('a disk written on bus 1, which no controller makes: libvirt adds the bridge for that address, and names no device it placed (the memballoon is none)', () => {
    const d = full([dev('vdb', 'disk', at(1, 3)), dev('balloon', 'memballoon', undefined, { model: 'none' })]);
    expect(findingsOf(d, 'GEN-IDX-4').map((f) => [f.message, f.subjects])).toEqual([
      [`libvirt adds pci-bridge index 1 at define and, with no free slot on the buses before it, puts it ${refused}`, { controllers: [1], devices: [] }],
    ]);
  });

  it('with a NIC left without an address too, libvirt puts the NIC on that bridge: the NIC is named, the disk written there is not (it was not placed)', () => {
    const d = full([dev('vdb', 'disk', at(1, 3)), dev('extra', 'interface'), dev('balloon', 'memballoon', undefined, { model: 'none' })]);
    expect(findingsOf(d, 'GEN-IDX-4').map((f) => [f.message, f.subjects])).toEqual([
      [`libvirt adds pci-bridge index 1 at define for extra and, with no free slot on the buses before it, puts it ${refused}`, { controllers: [1], devices: ['extra'] }],
    ]);
  });
});

describe('GEN-IDX-4: a controller written on a bus no controller makes', () => {
  // In the dry run libvirt grows a bus for the address (virDomainPCIAddressSetGrow, src/conf/domain_addr.c)
  // only for a switch upstream port, adding a pcie-root-port of the next index: the upstream port index 1
  // then sits on root port 2, which QEMU, given the controllers in index order, has not created yet
  it('an upstream port index 1 on bus 2: libvirt adds root port 2 for it, and QEMU refuses the order', () => {
    const d = q35([ctrl('pcie-switch-upstream-port', 1, { address: at(2, 0) })], []);
    expect(findingsOf(d, 'GEN-IDX-4').map((f) => [f.message, f.subjects])).toEqual([
      [
        "PCI controller at index 1 (pcie-switch-upstream-port) has bus='0x02': libvirt accepts it, but QEMU creates PCI controllers in index order and refuses to start (\"Bus 'pci.2' not found\"). Its index must be larger than its bus.",
        { controllers: [1] },
      ],
    ]);
  });

  it('any other controller there is refused by libvirt first (GEN-ADDR-2), not judged by its order', () => {
    expect(findingsOf(q35([ctrl('pcie-root-port', 1, { address: at(2, 0) })], []), 'GEN-IDX-4')).toEqual([]);
  });
});
