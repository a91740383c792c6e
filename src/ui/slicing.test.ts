import { describe, expect, it } from 'vitest';
import { q35BridgedNics, largePseries } from '../../e2e/fixtures/designs.ts';
import { layoutGuest } from './layout.ts';
import { nodeWeights, SLICE_DEVICES, sliced, sliceEnds } from './slicing.ts';
import { designFromXml } from './testDesign.ts';

describe('the first drawing of a big design, in slices', () => {
  it('ends a step before the node that would take it over the budget; a node heavier than the budget is a step of its own', () => {
    expect(sliceEnds([], 10)).toEqual([]);
    expect(sliceEnds([3, 3, 3], 10)).toEqual([3]);
    expect(sliceEnds([4, 4, 4, 4], 10)).toEqual([2, 4]);
    expect(sliceEnds([1, 25, 2, 2], 10)).toEqual([1, 2, 4]);
    // a bus with no device still counts, so a thousand empty root ports are not one step
    expect(sliceEnds(new Array(25).fill(0), 10)).toEqual([10, 20, 25]);
  });

  it(`slices a design of more than ${SLICE_DEVICES} PCI devices, its steps of at most ${SLICE_DEVICES} devices each; draws a smaller one whole`, () => {
    const big = designFromXml(q35BridgedNics(12).domain).guest;
    expect(sliced(big)).toBe(true);
    expect(sliced(designFromXml(largePseries().domain, largePseries().host).guest)).toBe(false);
    expect(sliced(designFromXml(q35BridgedNics(1).domain).guest)).toBe(false);
    const nodes = layoutGuest(big, { lod: 'tile', columns: 8 }).nodes;
    const weights = nodeWeights(big, nodes);
    // each bridge holds 31 slots of 8 NICs; root ports and pcie-root hold none drawn as chips
    expect(weights.filter((w) => w === 248)).toHaveLength(12);
    expect(weights.reduce((a, b) => a + b, 0)).toBe(12 * 248);
    const ends = sliceEnds(weights, SLICE_DEVICES);
    expect(ends[ends.length - 1]).toBe(nodes.length);
    let from = 0;
    for (const end of ends) {
      expect(weights.slice(from, end).reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(SLICE_DEVICES);
      from = end;
    }
    expect(ends.length).toBeGreaterThan(1);
  });
});
