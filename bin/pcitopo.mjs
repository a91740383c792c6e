#!/usr/bin/env node
// `npm run pcitopo` in a checkout: the CLI straight from its TypeScript sources through tsx (a dev
// dependency), so an edit needs no build. The installed package runs the built dist-cli/bin.cjs
// instead (package.json "bin"; `npm run build` makes it).
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/bin.ts');
