import { describe, expect, it } from 'vitest';
import { at, ctrl, dev, q35, rootPort } from '../../src/engine/rules/testkit.ts';
import type { Design } from '../../src/engine/model/design.ts';
import type { Finding } from '../../src/engine/rules/types.ts';
import { findingsOf } from './alone.ts';

/**
 * GEN-CONNECT-2's branches beyond its case table (issue 11; docs/mutation.md): libvirt's
 * virDomainPCIAddressFlagsCompatible widens a hand-written address (fromConfig) so a PCI endpoint
 * may sit in a PCIe port and a PCIe endpoint on a conventional PCI bus; QEMU docs/pcie.txt §2 says
 * why either is a bad idea (the warning), each way in its own words. pcie-root is Q35-PCI-2's.
 */

const of = (d: Design): Finding[] => findingsOf(d, 'GEN-CONNECT-2');

describe('GEN-CONNECT-2', () => {
  it('a conventional PCI device in a PCIe port, in words naming the port', () => {
    expect(of(q35([rootPort(1, 1)], [dev('nic', 'interface', at(1, 0), { model: 'e1000' })])).map((f) => [f.message, f.subjects])).toEqual([
      ['nic at bus 0x01 slot 0x00 function 0x0 is a conventional PCI device in a PCIe port (pcie-root-port index 1).', { controllers: [1], devices: ['nic'] }],
    ]);
  });

  it('a PCIe device on a conventional PCI bus, the other way round', () => {
    expect(of(q35([rootPort(1, 1), ctrl('pcie-to-pci-bridge', 2, { address: at(1, 0) })], [dev('nic', 'interface', at(2, 1))])).map((f) => f.message)).toEqual([
      'nic at bus 0x02 slot 0x01 function 0x0 is a PCIe device on a conventional PCI bus (pcie-to-pci-bridge index 2).',
    ]);
  });

  it('a bus that takes neither kind (an upstream port) is GEN-CONNECT-3\'s error, not this warning', () => {
    expect(of(q35([rootPort(1, 1), ctrl('pcie-switch-upstream-port', 2, { address: at(1, 0) })], [dev('nic', 'interface', at(2, 0), { model: 'e1000' })]))).toEqual([]);
  });

  it('a conventional PCI device on pcie-root is left to Q35-PCI-2', () => {
    expect(of(q35([], [dev('nic', 'interface', at(0, 3), { model: 'e1000' })]))).toEqual([]);
  });
});
