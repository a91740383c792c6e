/** What several commands share: loading the design and its host. */
import type { Design, Host } from '../../engine/index.ts';
import { createDesign, importHost } from '../../engine/index.ts';
import type { CommandContext } from '../commands.ts';
import { usageError } from '../io.ts';
import { str } from '../options.ts';
import type { XmlInput } from '../xmlio.ts';
import { readXml, unwrap } from '../xmlio.ts';

export { intOption, jsonLine, str } from '../options.ts';

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

