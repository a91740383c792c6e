import { describe, expect, it } from 'vitest';
import { findingsOf } from './alone.ts';
import { at, ctrl, q35, rootPort } from '../../src/engine/rules/testkit.ts';
import type { Design } from '../../src/engine/model/design.ts';

/**
 * Q35-DMI-1 beyond its case table (issue 11; docs/mutation.md): libvirt
 * src/conf/domain_addr.c virDomainPCIAddressBusSetModel lets only pcie-root and pcie-expander-bus
 * take a dmi-to-pci-bridge (VIR_PCI_CONNECT_TYPE_DMI_TO_PCI_BRIDGE), and
 * virDomainPCIAddressFlagsCompatible refuses it elsewhere.
 */

const found = (d: Design) => findingsOf(d, 'Q35-DMI-1').map((f) => [f.message, f.subjects, f.fixes?.map((x) => x.label)]);

describe('Q35-DMI-1: where a dmi-to-pci-bridge plugs in', () => {
  it('behind a root port: the words, both controllers, and the fix that leaves the place to libvirt', () => {
    expect(found(q35([rootPort(1, 1), ctrl('dmi-to-pci-bridge', 2, { address: at(1, 0) })], []))).toEqual([
      [
        "dmi-to-pci-bridge 2 cannot be plugged into the PCI controller with index='1' (pcie-root-port): it requires a controller that accepts a dmi-to-pci-bridge.",
        { controllers: [2, 1] },
        ['Drop the address of dmi-to-pci-bridge controller index 2 (libvirt places it)'],
      ],
    ]);
  });

  it('on a pcie-expander-bus it is accepted', () => {
    expect(found(q35([ctrl('pcie-expander-bus', 1, { address: at(0, 2), target: { busNr: 254 } }), ctrl('dmi-to-pci-bridge', 2, { address: at(1, 0) })], []))).toEqual([]);
  });

  it('without an address libvirt places it: nothing here', () => {
    expect(found(q35([ctrl('dmi-to-pci-bridge', 1)], []))).toEqual([]);
  });

  it('other controllers behind a root port are not this rule\'s', () => {
    expect(found(q35([rootPort(1, 1), ctrl('pcie-switch-upstream-port', 2, { address: at(1, 0) })], []))).toEqual([]);
  });

  it('a bridge whose index cannot be read is named by its place, its parent the only number', () => {
    const d = q35([rootPort(1, 1), { ...ctrl('dmi-to-pci-bridge', 2, { address: at(1, 0) }), index: undefined, unreadable: ["index='x'"] }], []);
    expect(found(d).map(([m, s]) => [m, s])).toEqual([
      ["A dmi-to-pci-bridge (index unreadable) cannot be plugged into the PCI controller with index='1' (pcie-root-port): it requires a controller that accepts a dmi-to-pci-bridge.", { controllers: [1] }],
    ]);
  });
});
