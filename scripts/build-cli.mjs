#!/usr/bin/env node
// Builds the CLI to plain JavaScript for the package (`npm run build`, and `prepack` before
// `npm pack`), so the installed package needs no dependency and no TypeScript at run time:
//  - dist-cli/pcitopo.cjs: the CLI (src/cli/bin.ts) with the engine and its XML parsers bundled
//    in; each command's code is evaluated only when that command runs;
//  - dist-cli/pcitopo-<command>.cjs for the commands that run the engine (ONE_COMMAND below): the
//    same CLI with that command's code imported statically, so esbuild drops what it never calls
//    (for `place`: the rule catalog and the case tables each rule builds when loaded, the share
//    links, the demo); everything else about the CLI is the same source;
//  - dist-cli/bin.cjs: the `pcitopo` bin (src/cli/launch.ts), which loads the command's bundle
//    (or pcitopo.cjs) through V8's code cache (CommonJS, because Node 20 caches compiled code only
//    for vm.Script, and because an ES module as the main script starts Node's ESM loader first);
//  - dist-cli/server.mjs: the designer's static server, also used by scripts/serve.mjs.
// esbuild rather than Vite's library mode: one call bundles a Node program (CommonJS or ESM) in
// about a tenth of a second with no config of its own; tsx already brings it.
import { build } from 'esbuild';
import { createHash } from 'node:crypto';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const outdir = `${root}dist-cli`;
rmSync(outdir, { recursive: true, force: true });
const common = { absWorkingDir: root, bundle: true, platform: 'node', target: 'node20.19', legalComments: 'none', logLevel: 'warning' };
// Each bundle is written as one function expression, CommonJS's module wrapper (plus an object whose
// `url` is the bundle's URL, computed when asked, as a CommonJS file has no import.meta):
// src/cli/launch.ts compiles the file as it is, with no copy of its text to wrap it (a quarter of a
// megabyte, touched page by page).
const WRAPPER = '(function (exports, require, module, __filename, __dirname, __pcitopo_meta) {';
const cli = {
  ...common,
  entryPoints: ['src/cli/bin.ts'],
  format: 'cjs',
  define: { 'import.meta.url': '__pcitopo_meta.url' },
  banner: { js: WRAPPER },
  minifyWhitespace: true,
  minifySyntax: true,
  footer: { js: '})' },
};
// the launcher passes the bundle's URL in (a CommonJS file has no import.meta)
await build({ ...cli, outfile: `${outdir}/pcitopo.cjs` });

/** Commands that get a bundle of their own (the ones whose speed is measured, and their kin). */
const ONE_COMMAND = ['place', 'validate', 'roundtrip', 'link', 'unlink'];

/**
 * src/cli/commands.ts with `command`'s module imported statically and the others left out (that
 * bundle only ever runs `command`), and the engine's modules declared free of side effects (none
 * has any: it is pure by design), so unused ones are dropped whole.
 */
const oneCommand = (command) => ({
  name: 'one-command',
  setup(b) {
    b.onLoad({ filter: /[\\/]src[\\/]cli[\\/]commands\.ts$/ }, (args) => {
      const source = readFileSync(args.path, 'utf8');
      const loaders = source.match(/import\('\.\/commands\/[a-z]+\.ts'\)/g) ?? [];
      const own = `import('./commands/${command}.ts')`;
      if (!loaders.includes(own)) throw new Error(`build-cli: src/cli/commands.ts no longer loads ${own}`);
      let contents = `import * as __command from './commands/${command}.ts';\n${source.replace(own, 'Promise.resolve(__command)')}`;
      contents = contents.replace(/import\('\.\/commands\/[a-z]+\.ts'\)/g, (l) => `Promise.reject(new Error('pcitopo-${command}.cjs does not hold ${l.slice(19, -5)}'))`);
      return { contents, loader: 'ts' };
    });
    b.onResolve({ filter: /^\./ }, (args) => {
      const path = join(args.resolveDir, args.path);
      return path.startsWith(join(root, 'src', 'engine')) ? { path, sideEffects: false } : undefined;
    });
  },
});
for (const command of ONE_COMMAND) await build({ ...cli, outfile: `${outdir}/pcitopo-${command}.cjs`, plugins: [oneCommand(command)] });

// src/cli/launch.ts hands each bundle its own `require`, which resolves Node's built-in modules only
for (const file of ['pcitopo.cjs', ...ONE_COMMAND.map((c) => `pcitopo-${c}.cjs`)]) {
  const outside = [...readFileSync(`${outdir}/${file}`, 'utf8').matchAll(/\brequire\("([^"]+)"\)/g)].map((m) => m[1]).filter((m) => !m.startsWith('node:'));
  if (outside.length > 0) throw new Error(`build-cli: ${file} requires ${outside.join(', ')}: the launcher resolves only node: built-ins (bundle it, or import it as node:…)`);
}

const hashOf = (file) => createHash('sha256').update(readFileSync(`${outdir}/${file}`)).digest('hex');
const bundles = Object.fromEntries([['', hashOf('pcitopo.cjs')], ...ONE_COMMAND.map((c) => [c, hashOf(`pcitopo-${c}.cjs`)])]);
await build({
  ...common,
  entryPoints: ['src/cli/launch.ts'],
  outfile: `${outdir}/bin.cjs`,
  format: 'cjs',
  banner: { js: '#!/usr/bin/env node' },
  define: { PCITOPO_BUNDLES: JSON.stringify(bundles) },
});
await build({ ...common, entryPoints: ['src/cli/serve/server.ts'], outfile: `${outdir}/server.mjs`, format: 'esm' });
