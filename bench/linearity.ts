/**
 * "Linear in size" (DESIGN.md §7, issue 14) as one figure: the CPU time of one run on a 10x larger
 * input over the time of one run on the small one, the median over alternating pairs.
 *
 * Why this shape. A host of 2,048 vs 20,480 devices read 12-16x as the ratio of two medians taken
 * in separate loops, yet no step of the import is superlinear: its CPU time per device is flat from
 * 4,096 to 20,480 devices, and one 20,480-device import costs about what ten 2,048-device imports
 * that keep their results cost. The excess was where the collector's work fell: a large run
 * promotes ~15 MB of results to the old generation, and the marking of that garbage lands on later
 * runs, while small runs, all their garbage dying young, leave nothing behind (with only a young
 * collection before each run the ratio read 13.6-16.9; with nothing forced and runs alternating,
 * 10.1-10.5; load 12, 2 cores). So:
 *  - a full collection is forced before each timed run, outside the timing, and the collector's
 *    background sweeping is given a moment to end (up to ~9 ms of its CPU time fell on the next
 *    run otherwise): each run starts from the same heap and pays for its own garbage only (its own
 *    scavenges and promotions are part of its size and stay in);
 *  - CPU time of this process, not wall time: on a shared machine wall time waits for others;
 *  - pairs alternate small, large, so a change of load falls on both sides of each ratio alike,
 *    and the median of the pairs' ratios drops the pairs that a burst hit.
 * Known bias: a small run right after the forced collection takes more CPU than in a plain loop
 * (43.5 against 24.3 ms, load 5: the collection shrinks the young generation, so the run scavenges
 * more), which pulls the ratio down a little; with the young generation pinned
 * (--min-semi-space-size=16) pairs read 9.6-9.8, so a superlinear step still shows well above 10.
 * `gc` needs `--expose-gc`: bench/run.ts starts isolated benchmarks with it.
 */
export interface Linearity {
  /** median over the pairs of cpu(large) / cpu(small) */
  readonly cpuRatio: number;
  /** the same on wall time, for comparison */
  readonly wallRatio: number;
  readonly smallCpuMs: number;
  readonly largeCpuMs: number;
  readonly pairs: number;
}

const cpuMs = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? (s[s.length >> 1] as number) : ((s[s.length / 2 - 1] as number) + (s[s.length / 2] as number)) / 2;
};

export function measureLinearity<T>(run: (input: T) => unknown, small: T, large: T, pairs = 7): Linearity {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) throw new Error('measureLinearity needs --expose-gc (bench/run.ts starts isolated benchmarks with it)');
  const settle = new Int32Array(new SharedArrayBuffer(4));
  const once = (input: T): { cpu: number; wall: number } => {
    gc();
    Atomics.wait(settle, 0, 0, 50);
    const c0 = cpuMs();
    const t0 = performance.now();
    if (run(input) === undefined) throw new Error('a linearity run returned nothing');
    return { wall: performance.now() - t0, cpu: cpuMs() - c0 };
  };
  // one of each first, uncounted: the large input's code paths warm, its heap grown
  once(small);
  once(large);
  const cpuRatios: number[] = [];
  const wallRatios: number[] = [];
  const smallCpu: number[] = [];
  const largeCpu: number[] = [];
  for (let i = 0; i < pairs; i++) {
    const s = once(small);
    const l = once(large);
    cpuRatios.push(l.cpu / s.cpu);
    wallRatios.push(l.wall / s.wall);
    smallCpu.push(s.cpu);
    largeCpu.push(l.cpu);
  }
  return { cpuRatio: median(cpuRatios), wallRatio: median(wallRatios), smallCpuMs: median(smallCpu), largeCpuMs: median(largeCpu), pairs };
}

/** The printed lines: `<name>: <ratio> x …` (cpu), then a `#` note with the wall ratio and the medians. */
export function linearityFigures(name: string, what: string, m: Linearity): Array<{ name: string; value: number; unit: string }> {
  return [
    {
      name,
      value: Number(m.cpuRatio.toFixed(1)),
      unit: `x the CPU time for 10x ${what} (linear: about 10; median of ${m.pairs} alternating pairs, full GC before each run; wall ${m.wallRatio.toFixed(1)}x; cpu medians ${m.smallCpuMs.toFixed(1)} / ${m.largeCpuMs.toFixed(1)} ms)`,
    },
  ];
}
