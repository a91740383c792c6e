import { describe, expect, it } from 'vitest';
import { at, ctrl, design } from '../../src/engine/rules/testkit.ts';
import { findingsOf } from './alone.ts';

/**
 * fixes.ts's survivors (issue 11; docs/mutation.md, "mutctx"), each case failing with its mutant of
 * src/engine/rules/fixes.ts applied by hand.
 */

describe('libvirtPlaces: a controller whose address a fix may drop', () => {
  it('a root port, dmi-to-pci-bridge or pcie-expander-bus on q35 goes on pcie-root, even with index 0 written as pci-root (GEN-IDX-2 makes it pcie-root)', () => {
    // virDomainPCIAddressBusSetModel: pcie-root takes each of the three; a q35 index 0 that is not
    // pcie-root is GEN-IDX-2's error, whose fix makes it one, so the address can go
    for (const model of ['pcie-root-port', 'dmi-to-pci-bridge', 'pcie-expander-bus']) {
      const d = design({ machine: 'q35', controllers: [ctrl('pci-root', 0), ctrl(model, 1, { address: at(1, 0) })] });
      const labels = findingsOf(d, 'GEN-IDX-4').flatMap((f) => f.fixes?.map((x) => x.label) ?? []);
      expect(labels).toContain(`Drop the address of ${model} controller index 1 (libvirt places it)`);
    }
  });
});
