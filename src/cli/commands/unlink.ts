import type { XmlEncoding } from '../../engine/index.ts';
import { createDesign, declaredEncoding, decodeShareLink, importHost } from '../../engine/index.ts';
import type { CommandContext } from '../commands.ts';
import { CliError, EXIT, usageError } from '../io.ts';
import { readText, unwrap, writeText } from '../xmlio.ts';
import { jsonLine, str } from './shared.ts';

/**
 * `pcitopo unlink LINK [--out FILE] [--host-out FILE]`. The design a link holds passes the same
 * checks as an imported file (size, DOCTYPE, characters, well-formed domain and host XML) before
 * any of it is written.
 */
export async function run(ctx: CommandContext): Promise<number> {
  const arg = ctx.positionals[0] as string;
  const out = str(ctx, 'out');
  const hostOut = str(ctx, 'host-out');
  if (hostOut === '-' && (ctx.json || out === undefined || out === '-')) throw usageError('--host-out - needs standard output to itself: give --out FILE (and no --json)');
  const link = arg === '-' ? await readText('-', ctx.io) : arg;
  const payload = unwrap(await decodeShareLink(link));
  const host = payload.host === undefined ? undefined : unwrap(importHost(payload.host, 'share link (host)'));
  unwrap(createDesign(payload.domain, host, 'share link (domain)'));
  if (hostOut !== undefined && payload.host === undefined) throw new CliError('the link holds no host, so there is nothing for --host-out', EXIT.input);
  // A link holds text, not bytes: each document is written in the encoding it declares.
  const encodingOf = (text: string, what: string): XmlEncoding => {
    const e = declaredEncoding(text);
    if (!e) throw new CliError(`the link's ${what} XML declares an encoding pcitopo cannot write`, EXIT.input);
    return e;
  };
  if (hostOut !== undefined && payload.host !== undefined) writeText(hostOut, payload.host, encodingOf(payload.host, 'host'), ctx.io);
  if (ctx.json) {
    if (out !== undefined && out !== '-') writeText(out, payload.domain, encodingOf(payload.domain, 'domain'), ctx.io);
    ctx.io.stdout.write(jsonLine({ domain: payload.domain, host: payload.host ?? null }));
  } else writeText(out, payload.domain, encodingOf(payload.domain, 'domain'), ctx.io);
  return EXIT.ok;
}
