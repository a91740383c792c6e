#!/usr/bin/env node
// `npm test`: every stage, in order, stopping at the first failure so CI fails loudly.
// Stages: test dependencies (Chromium, xmllint), typecheck, lint, unit + CLI tests (vitest),
// build, e2e in Debian's Chromium (Playwright), real libvirt + QEMU checks.
import { spawnSync } from 'node:child_process';

const stages = [
  ['test dependencies', 'bash', ['scripts/setup-test-deps.sh']],
  ['typecheck', 'npm', ['run', '--silent', 'typecheck']],
  ['lint', 'npm', ['run', '--silent', 'lint']],
  ['unit and CLI tests', 'npx', ['vitest', 'run']],
  ['build', 'npm', ['run', '--silent', 'build']],
  ['e2e (Chromium)', 'npx', ['playwright', 'test']],
  ['real libvirt and QEMU', 'node', ['scripts/test-real.mjs']],
];
const only = process.env.PCITOPO_STAGES?.split(',');
const results = [];
for (const [name, cmd, args] of stages) {
  if (only && !only.some((s) => name.startsWith(s))) continue;
  console.log(`\n=== ${name}: ${cmd} ${args.join(' ')}`);
  const t0 = Date.now();
  const r = spawnSync(cmd, args, { stdio: 'inherit' });
  const secs = ((Date.now() - t0) / 1000).toFixed(1);
  results.push(`${r.status === 0 ? 'ok  ' : 'FAIL'} ${name} (${secs} s)`);
  if (r.status !== 0) {
    console.log(`\n${results.join('\n')}\nnpm test: stage "${name}" failed (exit ${r.status ?? r.signal})`);
    process.exit(1);
  }
}
console.log(`\n${results.join('\n')}\nnpm test: all stages passed`);
