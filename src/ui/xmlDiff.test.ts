import { describe, expect, it } from 'vitest';
import { changedLines, changeStarts, nextChange } from './xmlDiff.ts';

const before = ['<domain>', '  <a/>', '  <b/>', '  <c/>', '  <d/>', '</domain>', ''].join('\n');

describe('changed lines', () => {
  it('marks the lines that differ, and where lines went, not everything between two changes', () => {
    const after = ['<domain>', '  <A/>', '  <b/>', '  <c/>', '  <D/>', '  <e/>', '</domain>', ''].join('\n');
    const c = changedLines(before, after);
    expect(c.lines).toEqual([2, 5, 6]);
    expect(changeStarts(c)).toEqual([2, 5]);
    const removed = changedLines(before, ['<domain>', '  <a/>', '  <d/>', '</domain>', ''].join('\n'));
    expect(removed.lines).toEqual([]);
    expect(removed.removedAt).toEqual([3]);
    expect(changedLines(before, before)).toEqual({ lines: [], removedAt: [] });
  });

  it('steps from change to change, wrapping around', () => {
    const c = changedLines(before, ['<domain>', '  <A/>', '  <b/>', '  <c/>', '  <D/>', '  <e/>', '</domain>', ''].join('\n'));
    expect(nextChange(c, 0, 1)).toBe(2);
    expect(nextChange(c, 2, 1)).toBe(5);
    expect(nextChange(c, 5, 1)).toBe(2);
    expect(nextChange(c, 5, -1)).toBe(2);
    expect(nextChange(c, 2, -1)).toBe(5);
    expect(nextChange(changedLines(before, before), 1, 1)).toBeUndefined();
  });
});
