import { createDesign } from '../../engine/index.ts';
import type { CommandContext } from '../commands.ts';
import { EXIT } from '../io.ts';
import { intOption, jsonLine } from '../options.ts';
import { readXml, unwrap } from '../xmlio.ts';

/** `pcitopo verify DOMAIN.xml [--timeout SEC] [--keep]` */
export async function run(ctx: CommandContext): Promise<number> {
  const timeout = intOption(ctx, 'timeout', 3600, 1);
  const input = await readXml(ctx.positionals[0] as string, ctx.io);
  const design = unwrap(createDesign(input.text, undefined, input.name));
  const verify = await import('../verify/index.ts');
  const tools = verify.checkVerifyTools(design.guest.arch);
  if (!tools.ok) {
    ctx.io.stderr.write(`pcitopo verify: missing ${tools.missing.join(', ')}. ${tools.hint}\n`);
    return EXIT.missing;
  }
  const report = await verify.runVerify(input.text, { ...(timeout !== undefined ? { timeoutSec: timeout } : {}), keepDir: ctx.values.keep === true });
  ctx.io.stdout.write(ctx.json ? jsonLine(report) : verify.formatVerifyReport(report));
  return verify.verifyExitCode(report);
}
