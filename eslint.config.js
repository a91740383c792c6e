import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';

// Layering is enforced here and by tsconfig.engine.json (no DOM lib, no node types):
// the engine is the product's core and must run unchanged in the browser and in Node.
const engineForbidden = {
  paths: [
    { name: 'react', message: 'src/engine is framework-free: no React.' },
    { name: 'react-dom', message: 'src/engine is framework-free: no React.' },
    { name: 'zustand', message: 'src/engine holds no store; the store calls the engine.' },
    { name: '@xyflow/react', message: 'src/engine knows nothing of the canvas.' },
  ],
  patterns: [
    { group: ['node:*', 'fs', 'path', 'child_process', 'os', 'url', 'zlib'], message: 'src/engine runs in the browser too: no Node modules.' },
    { group: ['zustand/*', '@xyflow/*', 'react/*', 'react-dom/*'], message: 'src/engine is framework-free.' },
    { group: ['**/ui/**', '**/store/**', '**/cli/**'], message: 'src/engine may not import the layers above it.' },
  ],
};

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'test-results/**', 'playwright-report/**', 'e2e/output/**', '.cache/**', 'reports/**', '.stryker-tmp/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.browser, ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  {
    files: ['src/engine/**/*.ts'],
    ignores: ['src/engine/**/*.test.ts'],
    rules: { 'no-restricted-imports': ['error', engineForbidden] },
  },
  {
    files: ['src/ui/**/*.{ts,tsx}', 'src/store/**/*.ts'],
    plugins: { 'react-hooks': reactHooks },
    rules: {
      ...reactHooks.configs.recommended.rules,
      'no-restricted-imports': ['error', { patterns: [{ group: ['**/engine/*/**', '!**/engine/index', '**/cli/**'], message: 'UI and store use the engine through src/engine/index.ts only.' }] }],
    },
  },
);
