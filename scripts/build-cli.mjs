#!/usr/bin/env node
// Builds the CLI to plain JavaScript for the package (`npm run build`, and `prepack` before
// `npm pack`), so the installed package needs no dependency and no TypeScript at run time:
//  - dist-cli/pcitopo.cjs: the CLI (src/cli/bin.ts) with the engine and its XML parsers bundled
//    in; each command's code is evaluated only when that command runs;
//  - dist-cli/pcitopo.mjs: the `pcitopo` bin (src/cli/launch.ts), which loads pcitopo.cjs through
//    V8's code cache (one CommonJS file, because Node 20 caches compiled code only for vm.Script);
//  - dist-cli/server.mjs: the designer's static server, also used by scripts/serve.mjs.
// esbuild rather than Vite's library mode: one call bundles a Node program (CommonJS or ESM) in
// about a tenth of a second with no config of its own; tsx already brings it.
import { build } from 'esbuild';
import { createHash } from 'node:crypto';
import { readFileSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const outdir = `${root}dist-cli`;
rmSync(outdir, { recursive: true, force: true });
const common = { absWorkingDir: root, bundle: true, platform: 'node', target: 'node20.19', legalComments: 'none', logLevel: 'warning' };
await build({
  ...common,
  entryPoints: ['src/cli/bin.ts'],
  outfile: `${outdir}/pcitopo.cjs`,
  format: 'cjs',
  // the launcher passes the bundle's URL in (a CommonJS file has no import.meta)
  define: { 'import.meta.url': '__pcitopo_url' },
});
const hash = createHash('sha256').update(readFileSync(`${outdir}/pcitopo.cjs`)).digest('hex');
await build({
  ...common,
  entryPoints: ['src/cli/launch.ts'],
  outfile: `${outdir}/pcitopo.mjs`,
  format: 'esm',
  banner: { js: '#!/usr/bin/env node' },
  define: { PCITOPO_BUNDLE_HASH: JSON.stringify(hash) },
});
await build({ ...common, entryPoints: ['src/cli/serve/server.ts'], outfile: `${outdir}/server.mjs`, format: 'esm' });
