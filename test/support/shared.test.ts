import { describe, expect, it, vi } from 'vitest';
import { inCi, standIn } from './shared.ts';

/** A test that needs ../shared or a tool fails under CI when it is missing, and skips visibly elsewhere. */
describe('test/support/shared.ts', () => {
  it('knows CI from the CI variable', () => {
    expect([undefined, '', 'false', '0', 'true', '1', 'yes'].map((v) => inCi(v === undefined ? {} : { CI: v }))).toEqual([false, false, false, false, true, true, true]);
  });

  it('the stand-in for a missing resource fails under CI=true, naming it', () => {
    const skip = vi.fn();
    expect(() => standIn('the corpus check not run: /x is absent', 'absent', { CI: 'true' })({ skip })).toThrow(/the corpus check not run: \/x is absent \(CI must run it/);
    expect(skip).not.toHaveBeenCalled();
  });

  it('outside CI it prints the reason and skips', () => {
    const skip = vi.fn();
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    try {
      standIn('the corpus check not run: /x is absent', 'absent', {})({ skip });
      expect(warn).toHaveBeenCalledWith('[skipped] the corpus check not run: /x is absent');
      expect(skip).toHaveBeenCalledWith('absent');
    } finally {
      warn.mockRestore();
    }
  });
});
