/** Reading option values (no engine: `serve` uses these too). */
import type { CommandContext } from './commands.ts';
import { usageError } from './io.ts';

export const str = (ctx: CommandContext, name: string): string | undefined => {
  const v = ctx.values[name];
  return typeof v === 'string' ? v : undefined;
};

/** A whole number option within min..max (min 0 unless said: a timeout of 0 s could never succeed, so timeouts start at 1). */
export function intOption(ctx: CommandContext, name: string, max: number, min = 0): number | undefined {
  const v = str(ctx, name);
  if (v === undefined) return undefined;
  const n = /^\d+$/.test(v) ? Number(v) : NaN;
  if (!Number.isInteger(n) || n > max || n < min) throw usageError(`--${name} needs a whole number ${min}-${max}, not ${v}`);
  return n;
}

export const jsonLine = (value: unknown): string => `${JSON.stringify(value, null, 2)}\n`;
