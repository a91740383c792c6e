import { describe, expect, it } from 'vitest';
import { listNames } from './types.ts';

/** How the workspace rules name several guests in one finding (HD-SHARE-1/2, HD-NUMA-1 messages). */
describe('listNames', () => {
  it('no name is empty, one is itself, the last of several joins with "and"', () => {
    expect(listNames([])).toBe('');
    expect(listNames(['alpha'])).toBe('alpha');
    expect(listNames(['alpha', 'beta'])).toBe('alpha and beta');
    expect(listNames(['alpha', 'beta', 'gamma'])).toBe('alpha, beta and gamma');
  });
});
