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

// Inside the engine, lower layers may not import higher ones (DESIGN.md §1, issue 12):
// model <- libvirt <- machines <- commands <- rules / placement. The XML layer reads and writes
// the model with libvirt's and the machines' help; demo and share links sit on top.
const ENGINE_LAYERS = ['model', 'libvirt', 'machines', 'commands', 'rules', 'placement', 'xml', 'demo', 'share', 'workspace'];
const engineLayer = (dir, mayImport) => {
  const above = ENGINE_LAYERS.filter((l) => l !== dir && l !== 'model' && !mayImport.includes(l));
  return {
    files: [`src/engine/${dir}/**/*.ts`],
    ignores: ['src/engine/**/*.test.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: engineForbidden.paths,
          patterns: [
            ...engineForbidden.patterns,
            { group: [...above.map((l) => `**/${l}/**`), '../index.ts', '../index'], message: `src/engine/${dir} may import only ${['model', ...mayImport].filter((l, i, a) => a.indexOf(l) === i).join(', ')} (the layer order model <- libvirt <- machines <- commands <- rules/placement).` },
          ],
        },
      ],
    },
  };
};

export default tseslint.config(
  { ignores: ['dist/**', 'dist-cli/**', 'node_modules/**', 'test-results/**', 'playwright-report/**', 'e2e/output/**', '.cache/**', 'reports/**', '.stryker-tmp/**', 'fuzz-out/**'] },
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
  engineLayer('model', []),
  engineLayer('libvirt', []),
  engineLayer('machines', ['libvirt']),
  engineLayer('commands', ['libvirt', 'machines']),
  engineLayer('xml', ['libvirt', 'machines']),
  engineLayer('rules', ['libvirt', 'machines', 'commands', 'placement']),
  engineLayer('placement', ['libvirt', 'machines', 'commands']),
  engineLayer('demo', ['libvirt', 'machines', 'commands', 'xml']),
  engineLayer('share', []),
  // workspaces (issue 15) sit on top: several designs, checked and shared together
  engineLayer('workspace', ['libvirt', 'machines', 'commands', 'rules', 'placement', 'xml', 'share']),
  {
    files: ['src/ui/**/*.{ts,tsx}', 'src/store/**/*.ts'],
    plugins: { 'react-hooks': reactHooks },
    rules: {
      ...reactHooks.configs.recommended.rules,
      'no-restricted-imports': ['error', { patterns: [{ group: ['**/engine/*/**', '!**/engine/index', '**/cli/**'], message: 'UI and store use the engine through src/engine/index.ts only.' }] }],
    },
  },
);
