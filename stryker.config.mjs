// Mutation testing of the rules and placement (issue 11). `npm run mutation` is the whole run (about
// 7,000 mutants, hours on two cores; not part of `npm test`). `npm run mutation:chunks`
// (scripts/mutation-chunks.mjs) runs the same configuration one source file (or, with --batch, a few
// rule files) at a time, resumable, and `npm run mutation:summary` writes the scores to docs/mutation.md.
// Scope one file by hand with `npm run mutation -- --mutate src/engine/rules/GEN-ADDR-4.ts`.
// A run that mutates rule files only is judged by each rule's own tests, the rules' shared code by the
// rule tests (suiteOf below); the whole run by the whole in-process suite (vitest.mutation.config.ts
// says what each holds).
// StrykerJS with its vitest runner: the maintained mutation tester for TypeScript + vitest.
import fs from 'node:fs';
import path from 'node:path';

// Tests read ../shared beside the checkout; Stryker runs them from a sandbox copy inside it.
process.env.PCITOPO_SHARED ||= path.resolve('..', 'shared');

/** Where the rules live: their mutants are judged by the rule tests only (vitest.mutation.config.ts). */
export const RULES_DIR = 'src/engine/rules';

/** A rule file: one rule, named after its id (GEN-ADDR-1.ts), as against the rules' shared code (context.ts). */
const RULE_FILE = /^[A-Z0-9]+(-[A-Z0-9]+)+\.ts(:\d+-\d+)?$/;

/**
 * The test suite a run is judged by (vitest.mutation.config.ts): `own` when every file it mutates is
 * a rule file (each rule's mutants judged by that rule's own cases, run alone), `rules` when it
 * mutates the rules' shared code (context.ts, fixes.ts, ...) and nothing outside the rules, else
 * `all`. The test runners Stryker starts inherit the environment, so vitest.mutation.config.ts reads it there.
 * @param {readonly string[]} argv
 * @returns {'own' | 'rules' | 'all'}
 */
export function suiteOf(argv) {
  const at = argv.findIndex((a) => a === '--mutate' || a === '-m' || a.startsWith('--mutate='));
  if (at < 0) return 'all';
  const value = argv[at].startsWith('--mutate=') ? argv[at].slice('--mutate='.length) : (argv[at + 1] ?? '');
  const files = value.split(',').filter(Boolean);
  if (files.length === 0 || !files.every((f) => f.startsWith(`${RULES_DIR}/`))) return 'all';
  return files.every((f) => RULE_FILE.test(path.posix.basename(f))) ? 'own' : 'rules';
}
process.env.PCITOPO_MUTATION_SUITE ||= suiteOf(process.argv);

/**
 * The rule ids of the rule files a run mutates (`GEN-IDX-4,GEN-MF-3`), for the `own` suite: the unit
 * tests beside the rules (GEN-IDX-4.test.ts, GEN-USB-1.test.ts, vfio.test.ts) run the whole catalog, so
 * perTest coverage puts every rule's mutants under them, yet they judge one rule's findings; the own
 * suite runs each only when its rule is mutated (vitest.mutation.config.ts). Empty when the run
 * mutates no rule file or names none (`npm run mutation`: every unit test stays in).
 * @param {readonly string[]} argv
 * @returns {string}
 */
export function mutatedRules(argv) {
  const at = argv.findIndex((a) => a === '--mutate' || a === '-m' || a.startsWith('--mutate='));
  if (at < 0) return '';
  const value = argv[at].startsWith('--mutate=') ? argv[at].slice('--mutate='.length) : (argv[at + 1] ?? '');
  return value
    .split(',')
    .map((f) => path.posix.basename(f.replace(/:\d+-\d+$/, '')))
    .filter((b) => RULE_FILE.test(b))
    .map((b) => b.replace(/\.ts$/, ''))
    .join(',');
}
process.env.PCITOPO_MUTATION_RULES ||= mutatedRules(process.argv);

/** The folders whose code is mutated, in the order the chunked run takes them. */
export const MUTATED = [
  'src/engine/placement',
  'src/engine/rules',
  // 'src/engine/libvirt',
];

/** Fixture builders, the rule registries and a types-only file: data and wiring, no logic. */
const SKIP = new Set(['testkit.ts']);
const SKIP_PATHS = new Set(['src/engine/rules/index.ts', 'src/engine/rules/workspace/index.ts', 'src/engine/rules/types.ts']);

/**
 * The mutate entries of one folder and its subfolders, one per source file. A rule file ends with
 * its case table (`export const cases`): test data, not code under test, so only the lines above it
 * are mutated (Stryker's `file:startLine-endLine` ranges).
 * @param {string} dir
 * @returns {string[]}
 */
export function mutateRanges(dir) {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .flatMap((e) => {
      const f = path.posix.join(dir, e.name);
      if (e.isDirectory()) return mutateRanges(f);
      if (!e.name.endsWith('.ts') || e.name.endsWith('.test.ts') || e.name.endsWith('.d.ts')) return [];
      if (SKIP.has(e.name) || SKIP_PATHS.has(f)) return [];
      const lines = fs.readFileSync(f, 'utf8').split('\n');
      const at = lines.findIndex((l) => l.startsWith('export const cases'));
      return [at > 0 ? `${f}:1-${at}` : f];
    });
}

// The chunked run (scripts/mutation-chunks.mjs) names each file's report and incremental file.
const jsonReport = process.env.PCITOPO_MUTATION_JSON || 'reports/mutation/mutation.json';
const incrementalFile = process.env.PCITOPO_MUTATION_INCREMENTAL || 'reports/stryker-incremental.json';

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'vitest',
  // PCITOPO_MUTATION_RELATED=0: no search for the test files related to the mutated file (measured in docs/mutation.md)
  vitest: { configFile: 'vitest.mutation.config.ts', related: process.env.PCITOPO_MUTATION_RELATED !== '0' },
  plugins: ['@stryker-mutator/vitest-runner'],
  mutate: MUTATED.flatMap(mutateRanges),
  // each mutant runs only the tests that reach it (the vitest runner filters files and test names)
  coverageAnalysis: 'perTest',
  // two cores shared with others: one mutant at a time unless told otherwise (--concurrency 2)
  concurrency: 1,
  timeoutMS: 20000,
  // the initial test run takes 1-2 min alone and over 5 (Stryker's default limit) when the shared machine is busy
  dryRunTimeoutMinutes: 30,
  // module-level mutants (rule metadata) would each re-run every test: left out for speed
  ignoreStatic: true,
  incremental: true,
  incrementalFile,
  reporters: ['clear-text', 'progress', 'json', 'html'],
  jsonReporter: { fileName: jsonReport },
  htmlReporter: { fileName: 'reports/mutation/mutation.html' },
  thresholds: { high: 85, low: 70, break: null },
  tempDirName: '.stryker-tmp',
  cleanTempDir: 'always',
  ignorePatterns: ['e2e/output', 'reports', '.stryker-tmp*', 'dist', '.cache', 'test-results', 'playwright-report'],
};
