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
 * - `own` (a run that mutates rule files only, one rule per file: GEN-ADDR-1.ts, ...): each rule's own
 *   tests, each running that rule alone (`validate(design, [rule])`, test/mutation-cases/alone.ts):
 *   its case table (test/mutation-cases/case-tables.test.ts), its branch cases (test/mutation-cases/),
 *   the rules across guests' case tables, the catalog check, and the unit tests beside the rules
 *   (GEN-IDX-4, GEN-USB-1, vfio: these run the whole catalog but judge one rule's findings, so another
 *   rule's mutant dies there only when it loops or breaks what a rule returns, so that validate
 *   throws). Stryker's perTest coverage then puts a rule's mutant under that rule's tests only: one
 *   Stryker run can take many rule files, each judged by its own cases, and a mutant runs a handful
 *   of tests instead of every case table.
 * - `all` (placement and anything else): the engine's unit tests (the rules' case tables among them),
 *   the corpus tests and the libvirt cases (d*, p*, h*, issue 13's), all in-process.
 *
 * Left out of both: tests that spawn the CLI or scripts (a mutant is switched on inside the test
 * process only, so a child process never sees it), the random-edit property tests (slow, and what
 * they kill in the rules is incidental) and the real libvirt stage.
 */
/**
 * The unit tests beside the rules that the `own` suite runs: those of the rules the run mutates
 * (`PCITOPO_MUTATION_RULES`, set by stryker.config.mjs; vfio.test.ts is HD-VFIO-1's), or all of them
 * when it names none. Each runs the whole catalog but judges one rule's findings, so under perTest
 * coverage it "covers" every rule's mutants and only adds a test file to each mutant's run
 * (docs/mutation.md: files per mutant and where a mutant's time goes).
 */
function ownUnitTests(rules: string | undefined): string[] {
  if (!rules) return ['src/engine/rules/[A-Z]*-[0-9].test.ts', 'src/engine/rules/vfio.test.ts'];
  return rules.split(',').flatMap((id) => {
    const beside = `src/engine/rules/${id}.test.ts`;
    return [...(fs.existsSync(beside) ? [beside] : []), ...(id === 'HD-VFIO-1' ? ['src/engine/rules/vfio.test.ts'] : [])];
  });
}

const SUITES = {
  rules: ['src/engine/rules/**/*.test.ts', 'test/mutation-cases/**/*.test.ts', 'test/rule-coverage.test.ts'],
  own: ['test/mutation-cases/**/*.test.ts', ...ownUnitTests(process.env['PCITOPO_MUTATION_RULES']), 'src/engine/rules/workspace/*.test.ts', 'test/rule-coverage.test.ts'],
  all: ['src/engine/**/*.test.ts', 'test/corpus-*.test.ts', 'test/placement-corpus.test.ts', 'test/rule-coverage.test.ts', 'test/hostile-*.test.ts', 'test/define-cases.test.ts', 'test/issue13-cases.test.ts', 'test/mutation-cases/**/*.test.ts'],
} as const;
/** run the whole catalog on every case-table design: no rule's own test (see its docstring) */
const NOT_OWN = ['test/mutation-cases/alone.test.ts'];
const asked = process.env['PCITOPO_MUTATION_SUITE'];
const suite = asked === 'rules' || asked === 'own' ? asked : 'all';

export default defineConfig({
  test: {
    include: [...SUITES[suite]],
    exclude: ['node_modules/**', 'dist/**', '.stryker-tmp/**', ...(suite === 'own' ? NOT_OWN : [])],
    environment: 'node',
    testTimeout: 60000,
    pool: 'threads',
    // PCITOPO_MUTATION_ISOLATE=0 keeps modules loaded between test files and mutant runs (measured in
    // docs/mutation.md); the default isolates each file, as the normal suite does
    isolate: process.env['PCITOPO_MUTATION_ISOLATE'] !== '0',
    sequence: { sequencer: CheapFirst },
  },
});
