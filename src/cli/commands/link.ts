import { encodeShareLink } from '../../engine/index.ts';
import type { CommandContext } from '../commands.ts';
import { EXIT, usageError } from '../io.ts';
import { jsonLine, loadDesign, str } from './shared.ts';

/** `pcitopo link DOMAIN.xml [--host HOST] [--base URL]` */
export async function run(ctx: CommandContext): Promise<number> {
  const base = str(ctx, 'base') ?? 'http://localhost:8080/';
  if (!/^https?:\/\//i.test(base)) throw usageError(`--base must be an http(s) URL, not ${base}`);
  const { domain, host } = await loadDesign(ctx);
  const link = await encodeShareLink({ v: 1, domain: domain.text, ...(host ? { host: host.text } : {}) }, base);
  ctx.io.stdout.write(ctx.json ? jsonLine({ link }) : `${link}\n`);
  return EXIT.ok;
}
