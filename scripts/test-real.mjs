#!/usr/bin/env node
// `npm run test:real`: the real libvirt + QEMU stage. Installs the Debian packages when missing
// (scripts/setup-real.sh), then runs test/real/ with vitest.real.config.ts.
// When the tools cannot be installed (no root, not Debian, no network), it says why and what to
// install, and exits 0 so the rest of `npm test` still runs; in CI (env CI set) that is a failure.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
// as test/support/shared.ts inCi: CI set and not "false"/"0"
const inCi = ![undefined, '', 'false', '0'].includes(process.env.CI);

const setup = spawnSync('bash', [path.join(repo, 'scripts/setup-real.sh')], { stdio: 'inherit', cwd: repo });
if (setup.status !== 0) {
  const why =
    setup.status === 3
      ? 'libvirt and QEMU are not installed and cannot be installed here (see above for what to install)'
      : `installing libvirt and QEMU failed (setup-real.sh exit ${setup.status ?? setup.signal})`;
  if (inCi) {
    console.error(`test:real: FAILED: ${why}; in CI the real checks must run.`);
    process.exit(1);
  }
  console.warn(`test:real: NOT RUN: ${why}.\ntest:real: the other stages are unaffected; install the packages above and run \`npm run test:real\`.`);
  process.exit(0);
}

const vitest = path.join(repo, 'node_modules/vitest/vitest.mjs');
const r = spawnSync(process.execPath, [vitest, 'run', '--config', 'vitest.real.config.ts', ...process.argv.slice(2)], { stdio: 'inherit', cwd: repo });
process.exit(r.status ?? 1);
