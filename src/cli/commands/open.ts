import { encodeShareLink } from '../../engine/index.ts';
import type { CommandContext } from '../commands.ts';
import { openBrowser, serveUntilStopped, startFromOptions } from '../serve/run.ts';
import { loadDesign } from './shared.ts';

/**
 * `pcitopo open DOMAIN.xml [--host HOST.xml] [--port N] [--bind ADDRESS]`: the design travels in a
 * share link's fragment to the local server's page, so it never leaves this machine.
 */
export async function run(ctx: CommandContext): Promise<number> {
  const { domain, host } = await loadDesign(ctx);
  const server = await startFromOptions(ctx);
  const url = await encodeShareLink({ v: 1, domain: domain.text, ...(host ? { host: host.text } : {}) }, server.url);
  ctx.io.stdout.write(ctx.json ? `${JSON.stringify({ url })}\n` : `${url}\n`);
  openBrowser(url, ctx.io);
  return serveUntilStopped(server, ctx.io);
}
