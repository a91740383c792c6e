#!/usr/bin/env node
// The long run of the differential check against the libvirt + QEMU installed here (issues 12, 13):
//   npm run differential -- --seed S --count N [--family F[,F]] [--jobs J] [--batch B] [--no-shrink] [--fixtures DIR] [--json FILE]
// prints placement and verdict agreement per family and each kind of disagreement with its smallest
// design (test/real/differential-run.ts). Needs the packages of scripts/setup-real.sh.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../test/real/differential-run.ts');
const { disposeSandboxes } = await import('../test/real/differential.ts');
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(sig, () => {
    disposeSandboxes();
    process.exit(sig === 'SIGINT' ? 130 : 143);
  });
}
try {
  process.exit(await main(process.argv.slice(2)));
} catch (e) {
  console.error(`differential: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(2);
}
