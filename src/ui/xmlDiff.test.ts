import { describe, expect, it } from 'vitest';
import { changedLines, changeStarts, markedLines, nextChange } from './xmlDiff.ts';

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

  it('lists the lines to mark in order, once each, when a removal comes before a later change (the editor throws on unsorted marks)', () => {
    // <a/> removed (a mark after line 1) and <d/> changed further down: the changed line was listed first
    const c = changedLines(before, ['<domain>', '  <b/>', '  <c/>', '  <D/>', '</domain>', ''].join('\n'));
    expect(c.removedAt.length).toBeGreaterThan(0);
    expect(Math.min(...c.removedAt)).toBeLessThan(Math.max(...c.lines));
    const marked = markedLines(c);
    expect(marked).toEqual([...new Set(marked)].sort((a, b) => a - b));
    expect(new Set(marked)).toEqual(new Set([...c.lines, ...c.removedAt]));
    expect(marked).not.toEqual([...c.lines, ...c.removedAt]);
  });
});
