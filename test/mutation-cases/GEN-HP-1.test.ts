import { describe, expect, it } from 'vitest';
import { applyCommand } from '../../src/engine/commands/commands.ts';
import { at, ctrl, dev, phb, pseries, q35, rootPort } from '../../src/engine/rules/testkit.ts';
import type { Design } from '../../src/engine/model/design.ts';
import type { Finding } from '../../src/engine/rules/types.ts';
import { findingsOf } from './alone.ts';

/**
 * GEN-HP-1's branches beyond its case table (issue 11; docs/mutation.md), after libvirt's
 * virDomainPCIAddressBusSetModel (src/conf/domain_addr.c: which buses get the HOTPLUGGABLE flag;
 * hotplug='off' removes it) and virDomainPCIAddressEnsureAddr ("…doesn't support hotplug"): the
 * words and fix for each kind (hotplug='off' on a port or a PHB, a model that never hotplugs), and
 * an empty bus that libvirt may still fill at define with an unaddressed device or controller.
 */

const of = (d: Design): Finding[] => findingsOf(d, 'GEN-HP-1');
const off = (index: number, slot: number) => rootPort(index, slot, 0, { target: { chassis: index, port: slot * 8, hotplug: 'off' } });
const TAIL = '(libvirt refuses: "…doesn\'t support hotplug"), so it is no hotplug spare; it only serves devices added while the guest is shut off.';

describe('GEN-HP-1', () => {
  it("an empty root port with hotplug='off': its words, and the fix turns hotplug back on", () => {
    const d = q35([off(1, 1)], []);
    const got = of(d);
    expect(got.map((f) => f.message)).toEqual([`pcie-root-port controller index 1 is empty and has hotplug='off': this empty controller can never receive a hotplugged device ${TAIL}`]);
    expect(got[0]?.fixes?.map((f) => f.label)).toEqual(['Allow hotplug on controller 1']);
    const fixed = applyCommand(d, got[0]!.fixes![0]!.command);
    // only hotplug changes: the port keeps its chassis and port
    expect(fixed.guest.controllers.find((c) => c.index === 1)?.target).toEqual({ chassis: 1, port: 8 });
    expect(of(fixed)).toEqual([]);
  });

  it("an empty PHB with hotplug='off' is called a PHB", () => {
    expect(of(pseries([phb(1, { hotplug: 'off' })], [])).map((f) => f.message)).toEqual([`pci-root controller index 1 is empty and has hotplug='off': this empty PHB can never receive a hotplugged device ${TAIL}`]);
  });

  it('an empty model that never hotplugs: why, and the fix removes it', () => {
    const d = q35([ctrl('dmi-to-pci-bridge', 1, { address: at(0, 0x1e) })], []);
    const got = of(d);
    expect(got.map((f) => f.message)).toEqual([`dmi-to-pci-bridge controller index 1 is empty and nothing can be hotplugged into a dmi-to-pci-bridge: this empty controller can never receive a hotplugged device ${TAIL}`]);
    expect(got[0]?.fixes?.map((f) => f.label)).toEqual(['Remove the empty dmi-to-pci-bridge (controller 1)']);
    expect(of(applyCommand(d, got[0]!.fixes![0]!.command))).toEqual([]);
  });

  it('libvirt may fill it at define with an unaddressed controller it accepts (an upstream port on the port)', () => {
    // only the upstream port, empty itself, is judged
    expect(of(q35([off(1, 1), ctrl('pcie-switch-upstream-port', 2)], [])).map((f) => f.subjects)).toEqual([{ controllers: [2] }]);
  });

  it('not with what it does not accept, nor with a device that takes no PCI address', () => {
    expect(of(q35([off(1, 1), ctrl('pci-bridge', 2)], []))).toHaveLength(1);
    // an upstream port the design already placed on another port is no candidate
    expect(of(q35([off(1, 1), rootPort(2, 2), ctrl('pcie-switch-upstream-port', 3, { address: at(2, 0) }), ctrl('pcie-switch-downstream-port', 4, { address: at(3, 0) })], [dev('vda', 'disk', at(4, 0))])).map((f) => f.subjects)).toEqual([{ controllers: [1] }]);
    expect(of(q35([off(1, 1)], [dev('vda', 'disk', undefined, { otherAddressType: 'ccw' })]))).toHaveLength(1);
  });

  it('a controller whose index libvirt cannot read is left to the index rules: it is no bus anyone could use', () => {
    expect(of(q35([ctrl('dmi-to-pci-bridge', undefined, { address: at(0, 0x1e), unreadable: ["index='x'"] })], []))).toEqual([]);
  });

  it('a port in use by a controller is not empty; the root bus is never a spare', () => {
    expect(of(q35([off(1, 1), ctrl('pcie-switch-upstream-port', 2, { address: at(1, 0) }), ctrl('pcie-switch-downstream-port', 3, { address: at(2, 0) })], [dev('vda', 'disk', at(3, 0))]))).toEqual([]);
    expect(of(pseries([], [], undefined, { controllers: [ctrl('pci-root', 0, { modelName: 'spapr-pci-host-bridge', target: { index: 0, hotplug: 'off' } })] }))).toEqual([]);
  });
});
