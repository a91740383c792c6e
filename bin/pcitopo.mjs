#!/usr/bin/env node
// The pcitopo CLI runs the TypeScript engine directly through tsx, so the CLI and the app share one
// source with no separate build step: `npm run --silent pcitopo -- <command>` works right after `npm ci`.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
