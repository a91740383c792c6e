import { describe, expect, it } from 'vitest';
import { findingsOf } from './alone.ts';
import { at, ctrl, design, q35, rootPort } from '../../src/engine/rules/testkit.ts';
import type { Design } from '../../src/engine/model/design.ts';

/**
 * Q35-ROOT-1 beyond its case table (issue 11; docs/mutation.md): libvirt
 * src/conf/domain_validate.c virDomainControllerDefValidate refuses a pci-root or pcie-root with an
 * <address> ("pci-root and pcie-root controllers should not have an address"); every other
 * controller plugs in somewhere and has one.
 */

const found = (d: Design) => findingsOf(d, 'Q35-ROOT-1').map((f) => [f.message, f.subjects, f.fixes?.map((x) => [x.label, x.command])]);

describe('Q35-ROOT-1: a root with an address', () => {
  it('pci-root with an address on i440fx: the words and the fix that drops it', () => {
    const root = ctrl('pci-root', 0, { address: at(0, 1) });
    expect(found(design({ machine: 'pc-i440fx-9.0', controllers: [root] }))).toEqual([
      ['The pci-root controller (index 0) should not have an address.', { controllers: [0] }, [['Remove the address', { kind: 'update-controller', controller: root.key, changes: { address: null } }]]],
    ]);
  });

  it('a root port with its address is not a root: nothing', () => {
    expect(found(q35([rootPort(1, 1)], []))).toEqual([]);
  });

  it('a root whose index cannot be read is named without a controller number', () => {
    const d = q35([], [], undefined, { controllers: [{ ...ctrl('pcie-root', 0, { address: at(0, 1) }), index: undefined, unreadable: ["index='x'"] }] });
    expect(found(d).map(([, s]) => s)).toEqual([{ controllers: [] }]);
  });
});
