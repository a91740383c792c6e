import { describe, expect, it } from 'vitest';
import type { Guest } from './guest.ts';
import { guestCellForHostNode } from './numa.ts';
import { makeHost } from './host.ts';
import { parsePciAddress } from './pci.ts';

const guest = (numaCells: Guest['numaCells'], numaMemnodes: Guest['numaMemnodes'] = []): Guest => ({
  name: 'n', domainType: 'kvm', arch: 'x86_64', machine: 'q35', numaCells, numaMemnodes, controllers: [], devices: [],
});

// A <cell id> libvirt cannot read (Guest.unreadable, GEN-IDX-1) is a cell without an id.
describe('guestCellForHostNode with a cell whose id is unreadable', () => {
  it('a memnode maps only a cell whose id was read', () => {
    const g = guest([{ id: 0 }, { id: undefined }], [{ cellid: 0, nodeset: '0' }, { cellid: 1, nodeset: '1' }]);
    expect(guestCellForHostNode(g, undefined, 0)).toBe(0);
    expect(guestCellForHostNode(g, undefined, 1)).toBeUndefined();
  });

  it('without memnodes, the cell still counts by its position', () => {
    const devices = ['0000:01:00.0', '0000:02:00.0'].map((a, i) => ({ address: a, pci: parsePciAddress(a)!, iommuGroup: i, pcie: true, bridge: false, numaNode: i, virtFunctions: [] }));
    const host = makeHost(devices, 'h');
    expect(guestCellForHostNode(guest([{ id: 0 }, { id: undefined }]), host, 1)).toBe(1);
  });
});
