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

/**
 * index.html fetches the app's chunk (src/app.tsx, which main.tsx imports dynamically) and the chunks
 * it imports from the start, beside the small entry: `<link rel="modulepreload">`, so splitting the
 * entry costs no round trip. Without it the browser would ask for the app only once main.tsx ran.
 */
function preloadApp(): Plugin {
  return {
    name: 'pcitopo-preload-app',
    apply: 'build',
    transformIndexHtml: {
      order: 'post',
      handler(_html, ctx) {
        const chunks = Object.values(ctx.bundle ?? {}).filter((c) => c.type === 'chunk');
        const app = chunks.find((c) => c.facadeModuleId?.endsWith('/src/app.tsx'));
        if (!app) throw new Error('vite.config.ts preloadApp: no chunk for src/app.tsx');
        const entry = chunks.find((c) => c.isEntry);
        const files = [app.fileName, ...app.imports.filter((f) => f !== entry?.fileName)];
        return files.map((f) => ({ tag: 'link', attrs: { rel: 'modulepreload', crossorigin: true, href: `./${f}` }, injectTo: 'head' as const }));
      },
    },
  };
}

export default defineConfig({
  plugins: [react(), securityMeta(), preloadApp(), dropCaseTables()],
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
