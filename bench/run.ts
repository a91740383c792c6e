import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { wholeProcess } from './process.ts';
import type { Bench } from './types.ts';

// Prints `<name>: <median> ms` per benchmark (DESIGN.md §7), with `#` lines for budgets and notes.
// Warm-up runs are not counted. `node --import tsx bench/run.ts [name-part]` runs some of them.
// Benchmarks marked `isolated` run in a fresh Node process (`--child=FILE`, all of that file's
// isolated ones together), so the heap other benchmarks left behind does not fall on their figures.
const here = dirname(fileURLToPath(import.meta.url));
const childFile = process.argv.find((a) => a.startsWith('--child='))?.slice('--child='.length);
const child = childFile !== undefined;
const only = process.argv.slice(2).find((a) => !a.startsWith('--'));
const files = readdirSync(here).filter((f) => f.endsWith('.bench.ts')).sort();
const quantile = (sorted: readonly number[], q: number): number => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * q))] as number;
const cpuMs = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
const load = (): string => loadavg()[0]?.toFixed(1) ?? '?';

if (!child) {
  const cores = availableParallelism();
  console.log(`# ${cores} cores, load average ${load()} at the start${Number(load()) > cores ? ': the machine is busy, wall times are inflated (the cpu lines and the ratio of alternating runs are steadier)' : ''}`);
}
let sink = 0;
for (const f of files) {
  if (child && f !== childFile) continue;
  const mod = (await import(pathToFileURL(join(here, f)).href)) as { benchmarks: Bench[] };
  const wanted = mod.benchmarks.filter((b) => !only || b.name.includes(only));
  if (!child && wanted.some((b) => b.isolated)) {
    // --expose-gc: linearity figures force a collection before each timed run (bench/linearity.ts)
    const r = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', fileURLToPath(import.meta.url), ...(only ? [only] : []), `--child=${f}`], { cwd: join(here, '..'), encoding: 'utf8', maxBuffer: 16 << 20 });
    if (r.status !== 0) throw new Error(`${f} failed:\n${r.stderr}`);
    process.stdout.write(r.stdout);
  }
  for (const b of wanted) {
    // isolated ones run in the child alone; the child runs nothing else of its file
    if (child !== Boolean(b.isolated)) continue;
    const ctx = b.setup();
    const n = b.iterations ?? 30;
    for (let i = 0; i < Math.min(5, n); i++) if (b.run(ctx)) sink++;
    const times: number[] = [];
    const cpu: number[] = [];
    for (let i = 0; i < n; i++) {
      const c0 = cpuMs();
      const t0 = performance.now();
      if (b.run(ctx)) sink++;
      times.push(performance.now() - t0);
      cpu.push(cpuMs() - c0);
    }
    times.sort((a, c) => a - c);
    cpu.sort((a, c) => a - c);
    const median = quantile(times, 0.5);
    console.log(`${b.name}: ${median.toFixed(3)} ms`);
    console.log(`#   median of ${n} runs (${Math.min(5, n)} warm-up runs before); middle half ${quantile(times, 0.25).toFixed(1)}–${quantile(times, 0.75).toFixed(1)} ms; cpu time (this process, collector threads included) median ${quantile(cpu, 0.5).toFixed(1)} ms`);
    // The budget is on wall time; on a shared, busy machine wall time waits for other processes, so
    // the same verdict on the CPU time this process used is printed beside it.
    if (b.budget !== undefined) {
      const cpuMedian = quantile(cpu, 0.5);
      console.log(`#   budget ${b.budget} ms: ${median <= b.budget ? 'met' : 'OVER BUDGET'} (wall); on cpu time (${cpuMedian.toFixed(1)} ms): ${cpuMedian <= b.budget ? 'met' : 'OVER BUDGET'}; load average ${load()}`);
    }
    for (const e of b.extra?.(ctx) ?? []) console.log(`${e.name}: ${e.value} ${e.unit}`);
    for (const e of b.after?.(median) ?? []) console.log(`${e.name}: ${e.value} ${e.unit}`);
  }
}
if (sink < 0) console.log(sink);
if (!child && (!only || 'place-process'.includes(only))) await wholeProcess(join(here, '..'));
if (!child) console.log(`# load average ${load()} at the end`);
