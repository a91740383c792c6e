/** What several commands share: loading the design and its host, and reading numbers. */
import type { Design, Host } from '../../engine/index.ts';
import { createDesign, importHost } from '../../engine/index.ts';
import type { CommandContext } from '../commands.ts';
import type { XmlInput } from '../io.ts';
import { readXml, unwrap, usageError } from '../io.ts';

export const str = (ctx: CommandContext, name: string): string | undefined => {
  const v = ctx.values[name];
  return typeof v === 'string' ? v : undefined;
};

/** Two inputs cannot both be standard input. */
export function oneStdin(...names: Array<string | undefined>): void {
  if (names.filter((n) => n === '-').length > 1) throw usageError('only one input can be standard input (-)');
}

export async function loadHost(ctx: CommandContext): Promise<{ host: Host; input: XmlInput } | undefined> {
  const file = str(ctx, 'host');
  if (file === undefined) return undefined;
  const input = await readXml(file, ctx.io);
  return { host: unwrap(importHost(input.text, input.name)), input };
}

/** The positional DOMAIN.xml (and --host), imported as the app imports them. */
export async function loadDesign(ctx: CommandContext): Promise<{ design: Design; domain: XmlInput; host?: XmlInput | undefined }> {
  const file = ctx.positionals[0] as string;
  oneStdin(file, str(ctx, 'host'));
  const host = await loadHost(ctx);
  const domain = await readXml(file, ctx.io);
  return { design: unwrap(createDesign(domain.text, host?.host, domain.name)), domain, host: host?.input };
}

/** A whole number option within 0..max. */
export function intOption(ctx: CommandContext, name: string, max: number): number | undefined {
  const v = str(ctx, name);
  if (v === undefined) return undefined;
  const n = /^\d+$/.test(v) ? Number(v) : NaN;
  if (!Number.isInteger(n) || n > max) throw usageError(`--${name} needs a whole number 0-${max}, not ${v}`);
  return n;
}

export const jsonLine = (value: unknown): string => `${JSON.stringify(value, null, 2)}\n`;
