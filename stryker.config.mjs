// Mutation testing of the rules (issue 11): `npm run mutation` (not part of `npm test`; slow).
// Scope one folder or file with `npm run mutation -- --mutate src/engine/rules/GEN-ADDR-4.ts`.
// StrykerJS with its vitest runner: the maintained mutation tester for TypeScript + vitest.
import fs from 'node:fs';
import path from 'node:path';

// Tests read ../shared beside the checkout; Stryker runs them from a sandbox copy inside it.
process.env.PCITOPO_SHARED ||= path.resolve('..', 'shared');

/** The folders whose code is mutated. Placement and the libvirt model join with one line each. */
const MUTATED = [
  'src/engine/rules',
  // 'src/engine/placement',
  // 'src/engine/libvirt',
];

/** Data and wiring, not logic: the case fixtures' builders and the generated registry. */
const SKIP = new Set(['src/engine/rules/testkit.ts', 'src/engine/rules/index.ts']);

/**
 * A rule file ends with its case table (`export const cases`): test data, not code under test.
 * Only the lines above it are mutated (Stryker's `file:startLine-endLine` ranges).
 */
function mutateRanges(dir) {
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts') && !f.endsWith('.d.ts'))
    .map((f) => path.posix.join(dir, f))
    .filter((f) => !SKIP.has(f))
    .map((f) => {
      const lines = fs.readFileSync(f, 'utf8').split('\n');
      const at = lines.findIndex((l) => l.startsWith('export const cases'));
      return at > 0 ? `${f}:1-${at}` : f;
    });
}

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'vitest',
  vitest: { configFile: 'vitest.mutation.config.ts', related: true },
  plugins: ['@stryker-mutator/vitest-runner'],
  mutate: MUTATED.flatMap(mutateRanges),
  coverageAnalysis: 'perTest',
  // two cores shared with others: one mutant at a time unless told otherwise (--concurrency 2)
  concurrency: 1,
  timeoutMS: 20000,
  // module-level mutants (rule metadata) would each re-run every test: left out for speed
  ignoreStatic: true,
  incremental: true,
  incrementalFile: 'reports/stryker-incremental.json',
  reporters: ['clear-text', 'progress', 'json', 'html'],
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  htmlReporter: { fileName: 'reports/mutation/mutation.html' },
  thresholds: { high: 85, low: 70, break: null },
  tempDirName: '.stryker-tmp',
  cleanTempDir: 'always',
  ignorePatterns: ['e2e/output', 'reports', 'dist', '.cache', 'test-results', 'playwright-report'],
};
