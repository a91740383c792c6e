import { describe, expect, it } from 'vitest';
import { ctrl, design, pseries } from '../../src/engine/rules/testkit.ts';
import type { Design } from '../../src/engine/model/design.ts';
import type { Finding } from '../../src/engine/rules/types.ts';
import { findingsOf } from './alone.ts';

/**
 * GEN-MODEL-2's branches beyond its case table (issue 11; docs/mutation.md), after libvirt's
 * virValidateControllerPCIModelNameToQEMUCaps (src/qemu/qemu_validate.c: "The '…' device is not
 * supported by this QEMU binary") and the ppc64 capability data (no pxb in qemu-system-ppc64, for
 * ppc64 and ppc64le guests alike); libvirt fills the default model name in before it checks.
 */

const of = (d: Design): Finding[] => findingsOf(d, 'GEN-MODEL-2');

describe('GEN-MODEL-2', () => {
  it("a ppc64le guest's pxb: libvirt's words, the binary named, the controller as subject", () => {
    expect(of(pseries([ctrl('pci-expander-bus', 1, { modelName: 'pxb' })], [], undefined, { arch: 'ppc64le' })).map((f) => [f.message, f.subjects])).toEqual([
      ["pci-expander-bus controller index 1 needs the QEMU device 'pxb', which qemu-system-ppc64 does not have: libvirt refuses it (\"The 'pxb' device is not supported by this QEMU binary\").", { controllers: [1] }],
    ]);
  });

  it('a name other than pxb, or a model whose default is another device, is not judged here', () => {
    expect(of(pseries([ctrl('pci-expander-bus', 1, { modelName: 'pxb-pcie' }), ctrl('pci-bridge', 2)], []))).toEqual([]);
  });

  it('a pseries guest with no arch written is ppc64 (libvirt\'s default for the machine): its pxb is refused; a q35 guest with no arch is not judged', () => {
    const noArch = (d: Design): Design => ({ ...d, guest: { ...d.guest, arch: undefined } });
    expect(of(noArch(pseries([ctrl('pci-expander-bus', 1)], []))).map((f) => f.subjects)).toEqual([{ controllers: [1] }]);
    expect(of(noArch(design({ machine: 'q35', controllers: [ctrl('pci-expander-bus', 1)] })))).toEqual([]);
  });

  it('a controller whose model has no default QEMU device (pcie-root) is skipped, not a failure of the rule', () => {
    expect(of(pseries([ctrl('pcie-root', 5)], []))).toEqual([]);
  });

  it('a pxb whose index cannot be read: the finding stands with no controller number', () => {
    expect(of(pseries([{ ...ctrl('pci-expander-bus', 1), index: undefined, unreadable: ["index='x'"] }], [])).map((f) => f.subjects)).toEqual([{ controllers: [] }]);
  });
});