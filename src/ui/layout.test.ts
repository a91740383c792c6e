import { describe, expect, it } from 'vitest';
import { groupsLabel } from './layout.ts';

describe('groupsLabel', () => {
  it('names a vPHB\'s host groups as its guest PE', () => {
    expect(groupsLabel(true, new Set())).toBe('PE: none (emulated devices only)');
    expect(groupsLabel(true, new Set(), true)).toBe('PE: none (emulated devices only)');
    expect(groupsLabel(true, new Set(), false)).toBe('PE: none (empty: spare for hotplug)');
    expect(groupsLabel(true, new Set([4]), true)).toBe('PE: host group 4');
    expect(groupsLabel(true, new Set([3]))).toBe('PE: host group 3');
    expect(groupsLabel(true, new Set([3, 1]))).toBe('PE: host groups 1, 3');
  });
  it('calls them IOMMU groups on PCIe ports and bridges, where PAPR PEs do not exist', () => {
    expect(groupsLabel(false, new Set([3]))).toBe('IOMMU group 3');
    expect(groupsLabel(false, new Set([2, 5]))).toBe('IOMMU groups 2, 5');
    // an empty port says nothing about groups: callers show the label only when groups exist
    expect(groupsLabel(false, new Set([7]), false)).toBe('IOMMU group 7');
  });
});
