import { encodeShareLink } from '../../engine/index.ts';
import type { CommandContext } from '../commands.ts';
import { EXIT, usageError } from '../io.ts';
import { isDirectory, loadWorkspace } from '../workspaceio.ts';
import { linkRelease, singlePayload, workspacePayload } from './open.ts';
import { jsonLine, loadDesign, str } from './shared.ts';

/** `pcitopo link DOMAIN.xml [--host HOST] [--base URL] [--libvirt-version V]` (the release setting the link carries); several domains or a DIR give a workspace link (version 2). */
export async function run(ctx: CommandContext): Promise<number> {
  const base = str(ctx, 'base') ?? 'http://localhost:8080/';
  if (!/^https?:\/\//i.test(base)) throw usageError(`--base must be an http(s) URL, not ${base}`);
  const release = linkRelease(ctx, 'link');
  if (ctx.positionals.length > 1 || isDirectory(ctx.positionals[0] as string)) {
    const link = await encodeShareLink(workspacePayload(await loadWorkspace(ctx.positionals, str(ctx, 'host'), ctx.io), release), base);
    ctx.io.stdout.write(ctx.json ? jsonLine({ link }) : `${link}\n`);
    return EXIT.ok;
  }
  const { domain, host } = await loadDesign(ctx);
  const link = await encodeShareLink(singlePayload(domain, host, release), base);
  ctx.io.stdout.write(ctx.json ? jsonLine({ link }) : `${link}\n`);
  return EXIT.ok;
}
