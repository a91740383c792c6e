import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    // the real libvirt + QEMU stage has its own config (vitest.real.config.ts) and runs after e2e
    exclude: ['test/real/**', 'node_modules/**', 'dist/**'],
    environment: 'node',
    // the rule catalog is a lazy chunk in the app: tests start with it loaded (see the file)
    setupFiles: ['test/support/catalog-loaded.ts'],
    testTimeout: 60000,
    pool: 'threads',
  },
});
