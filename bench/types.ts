/**
 * A benchmark prints one figure: the median of `run` over its iterations, in ms (DESIGN.md §7).
 * Each `*.bench.ts` file exports `benchmarks: Bench[]`; bench/run.ts runs them all.
 */
export interface Bench<T = unknown> {
  readonly name: string;
  /** not timed */
  readonly setup: () => T;
  /** timed; return something derived from the work so it cannot be optimised away */
  readonly run: (ctx: T) => unknown;
  readonly iterations?: number;
  /** run in a fresh Node process of its own (bench/run.ts --child): no heap left by other benchmarks */
  readonly isolated?: boolean;
  /** DESIGN.md §7's budget for the median, in ms: printed beside it (a figure, never a test) */
  readonly budget?: number;
  /** figures that depend on the median (a ratio to an earlier benchmark's, say) */
  readonly after?: (median: number) => Array<{ name: string; value: number; unit: string }> | void;
  /** extra figures to print after the timing, e.g. sizes */
  readonly extra?: (ctx: T) => Array<{ name: string; value: number; unit: string }>;
}
