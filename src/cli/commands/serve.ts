import type { CommandContext } from '../commands.ts';
import { openBrowser, serveUntilStopped, startFromOptions } from '../serve/run.ts';

/** `pcitopo serve [--port N] [--bind ADDRESS] [--open]` */
export async function run(ctx: CommandContext): Promise<number> {
  const server = await startFromOptions(ctx);
  ctx.io.stdout.write(ctx.json ? `${JSON.stringify({ url: server.url })}\n` : `${server.url}\n`);
  if (ctx.values.open === true) openBrowser(server.url, ctx.io);
  return serveUntilStopped(server, ctx.io);
}
