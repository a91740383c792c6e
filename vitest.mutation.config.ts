import fs from 'node:fs';
import { defineConfig } from 'vitest/config';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/** The corpus tests: hundreds of libvirt documents each, seconds per file. */
const HEAVY = /\/test\/(corpus-[^/]*|placement-corpus)\.test\.ts$/;

/**
 * Cheapest test files first, the corpus tests last. Stryker's vitest runner bails at the first
 * failing test, so a mutant that a unit test or a rule's case table kills never reaches the corpus
 * tests; vitest's own order (longest and largest first) would run them first for every mutant.
 */
class CheapFirst extends BaseSequencer {
  override sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const cost = (f: TestSpecification): number => (HEAVY.test(f.moduleId) ? 1e9 : 0) + fs.statSync(f.moduleId).size;
    return Promise.resolve([...files].sort((a, b) => cost(a) - cost(b)));
  }
}

/**
 * The suites a mutant is judged by (`PCITOPO_MUTATION_SUITE`, set by stryker.config.mjs from what it
 * mutates; docs/mutation.md says which suite each folder's score is measured against).
 *
 * - `rules`: a rule's own tests. The rules' case tables and unit tests (src/engine/rules/**), the
 *   branch cases of test/mutation-cases/ and the catalog check. Every `validate` runs every rule, so
 *   under the whole suite a rule mutant is "covered" by each corpus document too, and a survivor
 *   (the costly kind: it runs every covering test) ran all of them; here it runs the rule tests only.
 *   It is also the honest measure of issue 11's "each rule's branches need cases": a branch that only
 *   a corpus document happens to reach has no case of its own and shows as a survivor.
 * - `all` (placement and anything else): the engine's unit tests (the rules' case tables among them),
 *   the corpus tests and the libvirt cases (d*, p*, h*, issue 13's), all in-process.
 *
 * Left out of both: tests that spawn the CLI or scripts (a mutant is switched on inside the test
 * process only, so a child process never sees it), the random-edit property tests (slow, and what
 * they kill in the rules is incidental) and the real libvirt stage.
 */
const SUITES = {
  rules: ['src/engine/rules/**/*.test.ts', 'test/mutation-cases/**/*.test.ts', 'test/rule-coverage.test.ts'],
  all: ['src/engine/**/*.test.ts', 'test/corpus-*.test.ts', 'test/placement-corpus.test.ts', 'test/rule-coverage.test.ts', 'test/hostile-*.test.ts', 'test/define-cases.test.ts', 'test/issue13-cases.test.ts', 'test/mutation-cases/**/*.test.ts'],
} as const;
const suite = process.env['PCITOPO_MUTATION_SUITE'] === 'rules' ? 'rules' : 'all';

export default defineConfig({
  test: {
    include: [...SUITES[suite]],
    exclude: ['node_modules/**', 'dist/**', '.stryker-tmp/**'],
    environment: 'node',
    testTimeout: 60000,
    pool: 'threads',
    sequence: { sequencer: CheapFirst },
  },
});
