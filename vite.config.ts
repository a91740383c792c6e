import { defineConfig } from 'vite';
import type { Plugin } from 'vite';
import react from '@vitejs/plugin-react';
import { contentSecurityPolicy } from './src/cli/serve/headers.ts';
import { dropCaseTables } from './scripts/drop-case-tables.ts';

/**
 * The built index.html carries the Content-Security-Policy (and the referrer policy) as <meta>,
 * for static hosts that send no headers; `pcitopo serve` and `npm start` send them as headers too
 * (src/cli/serve/headers.ts holds the one policy). Build only: the dev server injects inline
 * scripts (React Refresh) that a strict policy would block.
 */
function securityMeta(): Plugin {
  return {
    name: 'pcitopo-security-meta',
    apply: 'build',
    transformIndexHtml: () => [
      { tag: 'meta', attrs: { 'http-equiv': 'Content-Security-Policy', content: contentSecurityPolicy({ meta: true }) }, injectTo: 'head-prepend' },
      { tag: 'meta', attrs: { name: 'referrer', content: 'no-referrer' }, injectTo: 'head-prepend' },
    ],
  };
}

export default defineConfig({
  plugins: [react(), securityMeta(), dropCaseTables()],
  // the checking worker (check.worker.ts) is a bundle of its own: it leaves the case tables out too
  worker: { plugins: () => [dropCaseTables()] },
  // Relative asset URLs: the built app works from any static host and any sub-path.
  base: './',
  build: {
    target: 'es2022',
    sourcemap: false,
    chunkSizeWarningLimit: 1200,
    // The engine has no import-time side effects (pure functions over data, STYLE.md §9): a module of
    // it the page does not use is left out, so the rule catalog, which the page loads after its first
    // paint (engine/catalog.ts), stays out of the first script (DESIGN.md §7: first render under 1 s).
    rollupOptions: { treeshake: { moduleSideEffects: (id: string) => !id.includes('/src/engine/') } },
  },
  server: { port: 5173, strictPort: false },
  preview: { port: 4173 },
});
