#!/usr/bin/env node
// Builds the CLI to plain JavaScript for the package (`npm run build`, and `prepack` before
// `npm pack`): dist-cli/pcitopo.mjs (the `pcitopo` bin) and dist-cli/server.mjs (the designer's
// static server, also used by scripts/serve.mjs), with the engine and its XML parsers bundled in,
// so the installed package needs no dependency and no TypeScript at run time.
// esbuild rather than Vite's library mode: one call bundles a Node program with code splitting,
// so each command loads only what it uses, in about a tenth of a second; tsx already brings it.
import { build } from 'esbuild';
import { rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const outdir = `${root}dist-cli`;
rmSync(outdir, { recursive: true, force: true });
const result = await build({
  absWorkingDir: root,
  entryPoints: { pcitopo: 'src/cli/bin.ts', server: 'src/cli/serve/server.ts' },
  outdir,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20.19',
  outExtension: { '.js': '.mjs' },
  chunkNames: 'chunks/[name]-[hash]',
  legalComments: 'none',
  logLevel: 'warning',
  metafile: true,
});
const sizes = Object.entries(result.metafile.outputs).map(([f, o]) => `${f.replace(/^.*dist-cli\//, 'dist-cli/')} ${(o.bytes / 1024).toFixed(0)} KiB`);
if (process.argv.includes('--verbose')) console.log(sizes.join('\n'));
