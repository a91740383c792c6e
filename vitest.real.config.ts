import { defineConfig } from 'vitest/config';

// The real-check stage (scripts/test-real.mjs): libvirt + QEMU processes, so one file at a time and
// generous timeouts; libvirt's QEMU capability probe is cached under node_modules/.cache/pcitopo-real.
export default defineConfig({
  test: {
    include: ['test/real/**/*.test.ts'],
    environment: 'node',
    testTimeout: 120000,
    hookTimeout: 120000,
    pool: 'forks',
    fileParallelism: false,
    maxConcurrency: 2,
  },
});
