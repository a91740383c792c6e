import { defineConfig } from 'vitest/config';

// The tests Stryker runs against each mutant (`npm run mutation`, stryker.config.mjs): the engine's
// unit tests (the rules' case tables among them) and the corpus and hostile-case tests, all
// in-process. Left out: tests that spawn the CLI or scripts (a mutant is switched on inside the
// test process only, so a child process never sees it), the random-edit property tests (slow, and
// what they kill in the rules is incidental) and the real libvirt stage.
export default defineConfig({
  test: {
    include: ['src/engine/**/*.test.ts', 'test/corpus-*.test.ts', 'test/placement-corpus.test.ts', 'test/rule-coverage.test.ts', 'test/hostile-*.test.ts'],
    exclude: ['node_modules/**', 'dist/**', '.stryker-tmp/**'],
    environment: 'node',
    testTimeout: 60000,
    pool: 'threads',
  },
});
