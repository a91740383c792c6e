import { describe, expect, it } from 'vitest';
import { at, ctrl, design, pseries, q35 } from '../../src/engine/rules/testkit.ts';
import type { Design } from '../../src/engine/model/design.ts';
import type { Finding } from '../../src/engine/rules/types.ts';
import { findingsOf } from './alone.ts';

/**
 * GEN-MODEL-1's branches beyond its case table (issue 11; docs/mutation.md), after libvirt's
 * qemuValidateDomainDeviceDefControllerPCI (src/qemu/qemu_validate.c) and the names
 * qemuDomainPCIControllerSetDefaultModelName gives (src/qemu/qemu_domain.c): a pci-root takes a
 * <model name> only on pseries (spapr-pci-host-bridge), pcie-root never, every other PCI controller
 * model its own QEMU device names (a pcie-root-port two).
 */

const of = (d: Design): Finding[] => findingsOf(d, 'GEN-MODEL-1');
const messages = (d: Design): string[] => of(d).map((f) => f.message);

describe('GEN-MODEL-1', () => {
  it('pci-root outside pseries takes no name; on pseries only spapr-pci-host-bridge', () => {
    expect(of(design({ machine: 'pc', controllers: [ctrl('pci-root', 0, { modelName: 'spapr-pci-host-bridge' })] })).map((f) => [f.message, f.subjects])).toEqual([
      ["pci-root controller index 0 has <model name='spapr-pci-host-bridge'/>: the name must not be given.", { controllers: [0] }],
    ]);
    expect(messages(pseries([ctrl('pci-root', 1, { modelName: 'pxb', target: { index: 1 } })], []))).toEqual([
      "pci-root controller index 1 has <model name='pxb'/>: the name must be 'spapr-pci-host-bridge'.",
    ]);
  });

  it('a model with two QEMU devices lists both; each of them passes', () => {
    expect(messages(q35([ctrl('pcie-root-port', 1, { modelName: 'xio3130-downstream', address: at(0, 1) })], []))).toEqual([
      "pcie-root-port controller index 1 has <model name='xio3130-downstream'/>: the name must be 'pcie-root-port' or 'ioh3420'.",
    ]);
    for (const name of ['pcie-root-port', 'ioh3420']) expect(of(q35([ctrl('pcie-root-port', 1, { modelName: name, address: at(0, 1) })], []))).toEqual([]);
  });

  it('pcie-root: any name is refused', () => {
    expect(messages(q35([], [], undefined, { controllers: [ctrl('pcie-root', 0, { modelName: 'pcie-root' })] }))).toEqual([
      "pcie-root controller index 0 has <model name='pcie-root'/>: the name must not be given.",
    ]);
  });
});
