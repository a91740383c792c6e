import fs from 'node:fs';
import path from 'node:path';
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

/**
 * The review of issue 11 found four tests deciding for themselves (`process.env.CI === 'true'`, a
 * hard-coded `../shared`): they passed a placeholder under CI=1 and ignored PCITOPO_SHARED. Every
 * test and script decides through this module (or e2e/helpers.ts, which reads PCITOPO_SHARED too).
 */
describe('no test decides CI or where ../shared is on its own', () => {
  const root = path.resolve(import.meta.dirname, '..', '..');
  const files = ['src', 'test', 'e2e', 'scripts', 'bench'].flatMap((dir) =>
    fs.readdirSync(path.join(root, dir), { recursive: true, encoding: 'utf8' })
      .filter((f) => /\.(ts|tsx|mjs)$/.test(f) && !f.includes('node_modules'))
      .map((f) => path.join(dir, f)),
  );
  const own = new Set(['test/support/shared.ts', 'test/support/shared.test.ts', 'e2e/helpers.ts']);

  it('reads CI only through inCi', () => {
    const offenders = files.filter((f) => !own.has(f) && /process\.env(\.CI\b|\[['"]CI['"]\])/.test(fs.readFileSync(path.join(root, f), 'utf8')));
    expect(offenders).toEqual(['scripts/test-real.mjs']);
  });

  it('finds ../shared only through SHARED (tests; scripts take --corpus)', () => {
    // a path built from '..', 'shared' or written '../shared/...' / '../../shared/...' in code
    const hardCoded = /['"]\.\.['"],\s*['"]shared['"]|['"`](\.\.\/)+shared\//;
    const tests = files.filter((f) => !f.startsWith('scripts/') && !f.startsWith('bench/'));
    const offenders = tests.filter((f) => !own.has(f) && hardCoded.test(fs.readFileSync(path.join(root, f), 'utf8')));
    expect(offenders).toEqual([]);
  });
});
