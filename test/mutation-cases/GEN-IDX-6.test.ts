import { describe, expect, it } from 'vitest';
import { ctrl, design } from '../../src/engine/rules/testkit.ts';
import type { PciController } from '../../src/engine/model/guest.ts';
import type { Design } from '../../src/engine/model/design.ts';
import type { Finding } from '../../src/engine/rules/types.ts';
import { findingsOf } from './alone.ts';

/**
 * GEN-IDX-6's branches beyond its case table (issue 11; docs/mutation.md), after libvirt's
 * virDomainAssignControllerIndexes (src/conf/domain_postparse.c): each controller written without an
 * index, in document order, gets the lowest index its type leaves unused, before the root bus is
 * added; so when no controller holds index 0, the first index-less one becomes controller 0, which
 * must be the root (pci-root or pcie-root).
 */

const of = (d: Design): Finding[] => findingsOf(d, 'GEN-IDX-6');
const q35 = (controllers: PciController[]): Design => design({ machine: 'q35', controllers });

describe('GEN-IDX-6', () => {
  it('names the first index-less controller in document order, in words that say what to do', () => {
    expect(of(q35([ctrl('pcie-root-port', 2), ctrl('pci-bridge', undefined), ctrl('pcie-root-port', undefined)])).map((f) => [f.message, f.subjects])).toEqual([
      ['The pci-bridge controller written without an index will get index 0, which must be the root bus. Add the root controller (index 0) explicitly or give the controller an index.', { controllers: [] }],
    ]);
  });

  it('an index-less root written first becomes the root: pcie-root on q35, pci-root on pseries', () => {
    expect(of(q35([ctrl('pcie-root', undefined), ctrl('pcie-root-port', undefined)]))).toEqual([]);
    expect(of(design({ machine: 'pseries', controllers: [ctrl('pci-root', undefined), ctrl('pci-bridge', undefined)] }))).toEqual([]);
  });

  it('an index-less root written after an index-less port comes too late', () => {
    expect(of(q35([ctrl('pcie-root-port', undefined), ctrl('pcie-root', undefined)]))).toHaveLength(1);
  });

  it('any controller written with index 0 takes it; no controller without an index, nothing to judge', () => {
    expect(of(q35([ctrl('pcie-root-port', 1), ctrl('pcie-root', 0), ctrl('pcie-root-port', undefined)]))).toEqual([]);
    expect(of(q35([ctrl('pcie-root-port', 1)]))).toEqual([]);
    expect(of(q35([]))).toEqual([]);
  });
});
