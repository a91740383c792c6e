import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { wholeProcess } from './process.ts';
import type { Bench } from './types.ts';

// Prints `<name>: <median> ms` per benchmark (DESIGN.md §7), with `#` lines for budgets and notes.
// Warm-up runs are not counted. `node --import tsx bench/run.ts [name-part]` runs some of them.
const here = dirname(fileURLToPath(import.meta.url));
const only = process.argv[2];
const files = readdirSync(here).filter((f) => f.endsWith('.bench.ts')).sort();
let sink = 0;
for (const f of files) {
  const mod = (await import(pathToFileURL(join(here, f)).href)) as { benchmarks: Bench[] };
  for (const b of mod.benchmarks) {
    if (only && !b.name.includes(only)) continue;
    const ctx = b.setup();
    const n = b.iterations ?? 30;
    for (let i = 0; i < Math.min(5, n); i++) if (b.run(ctx)) sink++;
    const times: number[] = [];
    for (let i = 0; i < n; i++) {
      const t0 = performance.now();
      if (b.run(ctx)) sink++;
      times.push(performance.now() - t0);
    }
    times.sort((a, c) => a - c);
    const median = times[Math.floor(times.length / 2)] as number;
    console.log(`${b.name}: ${median.toFixed(3)} ms`);
    if (b.budget !== undefined) console.log(`#   budget ${b.budget} ms: ${median <= b.budget ? 'met' : 'OVER BUDGET'}`);
    for (const e of b.extra?.(ctx) ?? []) console.log(`${e.name}: ${e.value} ${e.unit}`);
    for (const e of b.after?.(median) ?? []) console.log(`${e.name}: ${e.value} ${e.unit}`);
  }
}
if (sink < 0) console.log(sink);
if (!only || 'place-process'.includes(only)) await wholeProcess(join(here, '..'));
