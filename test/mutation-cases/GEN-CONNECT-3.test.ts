import { describe, expect, it } from 'vitest';
import { applyCommand } from '../../src/engine/commands/commands.ts';
import { findingsOf } from './alone.ts';
import { at, ctrl, dev, phb, pseries, q35, rootPort } from '../../src/engine/rules/testkit.ts';
import type { Design } from '../../src/engine/model/design.ts';
import type { Finding } from '../../src/engine/rules/types.ts';

/**
 * GEN-CONNECT-3's branches beyond its case table (issue 11; docs/mutation.md): libvirt's
 * virDomainPCIAddressFlagsCompatible ("cannot be plugged into the PCI controller with index='N'")
 * for devices and controllers, and the root port virDomainPCIAddressSetGrow adds to hold a
 * pcie-to-pci-bridge, which takes that bridge alone.
 */

const of = (d: Design): Finding[] => findingsOf(d, 'GEN-CONNECT-3');
const HOLDER = "pcie-root-port libvirt adds to hold the pcie-to-pci-bridge it adds";

describe('GEN-CONNECT-3: devices', () => {
  it('a disk on an upstream port: libvirt\'s words, both subjects, and the fix moves it to a bus that takes it', () => {
    const d = q35([rootPort(1, 1), ctrl('pcie-switch-upstream-port', 2, { address: at(1, 0) })], [dev('vda', 'disk', at(2, 0))]);
    const got = of(d);
    expect(got.map((f) => [f.message, f.subjects])).toEqual([["The device at PCI address bus 0x02 slot 0x00 function 0x0 (vda) cannot be plugged into the PCI controller with index='2' (pcie-switch-upstream-port): it accepts no endpoint devices.", { controllers: [2], devices: ['vda'] }]]);
    expect(got[0]?.fixes?.map((x) => x.label)).toEqual(['Move vda to a new pcie-root-port (index 3)']);
    expect(of(applyCommand(d, got[0]!.fixes![0]!.command))).toEqual([]);
  });

  it('on the root port libvirt adds for its bridge: a PCIe device is told "PCI Express", a conventional one "standard PCI" and moved onto the bridge', () => {
    const pcie = of(q35([ctrl('pcie-root-port', 1, { implicit: true }), ctrl('pcie-to-pci-bridge', 2, { implicit: true })], [dev('nic', 'interface', at(2, 3), { model: 'rtl8139' }), dev('vnic', 'interface', at(1, 0))]));
    expect(pcie.map((f) => f.message)).toEqual([`The device at PCI address bus 0x01 slot 0x00 function 0x0 (vnic) cannot be plugged into the PCI controller with index='1' (${HOLDER}): it accepts only that bridge (libvirt: "It requires a controller that accepts a PCI Express device").`]);
    const d = q35([ctrl('pcie-root-port', 1, { implicit: true }), ctrl('pcie-to-pci-bridge', 2, { implicit: true })], [dev('nic', 'interface', at(1, 3), { model: 'rtl8139' }), dev('e1000', 'interface', at(1, 0), { model: 'e1000' })]);
    const pci = of(d);
    expect(pci.map((f) => f.message)).toEqual([`The device at PCI address bus 0x01 slot 0x00 function 0x0 (e1000) cannot be plugged into the PCI controller with index='1' (${HOLDER}): it accepts only that bridge (libvirt: "It requires a controller that accepts a standard PCI device").`]);
    expect(pci[0]?.fixes?.map((x) => x.label)).toEqual(['Move e1000 to slot 0x01 of pcie-to-pci-bridge 2']);
  });
});

describe('GEN-CONNECT-3: controllers', () => {
  it('a pci-bridge on an upstream port: named with its index, and the fix lets libvirt place it', () => {
    const got = of(q35([rootPort(1, 1), ctrl('pcie-switch-upstream-port', 2, { address: at(1, 0) }), ctrl('pci-bridge', 3, { address: at(2, 0) })], []));
    expect(got.map((f) => [f.message, f.subjects])).toEqual([["The pci-bridge controller with index 3 cannot be plugged into the PCI controller with index='2' (pcie-switch-upstream-port): it requires a controller that accepts a pci-bridge.", { controllers: [3, 2] }]]);
    expect(got[0]?.fixes?.map((x) => x.label)).toEqual(['Drop the address of pci-bridge controller index 3 (libvirt places it)']);
  });

  it('the root port libvirt adds for its pcie-to-pci-bridge holds that bridge without a finding', () => {
    expect(of(q35([ctrl('pcie-root-port', 1, { implicit: true }), ctrl('pcie-to-pci-bridge', 2, { implicit: true, address: at(1, 0) })], [dev('nic', 'interface', at(2, 1), { model: 'rtl8139' })]))).toEqual([]);
  });

  it('a pci-bridge goes wherever an endpoint may (a root port), so it is not judged there', () => {
    expect(of(q35([rootPort(1, 1), ctrl('pci-bridge', 2, { address: at(1, 0), target: { chassisNr: 2 } })], []))).toEqual([]);
  });

  it('left to the rules with the specific advice: a dmi-to-pci-bridge (Q35-DMI-1), PCIe controllers on pseries (PAPR-CTRL-*)', () => {
    expect(of(q35([rootPort(1, 1), ctrl('dmi-to-pci-bridge', 2, { address: at(1, 0) })], []))).toEqual([]);
    expect(of(pseries([phb(1), ctrl('pcie-root-port', 2, { address: at(1, 1) })], []))).toEqual([]);
  });
});
