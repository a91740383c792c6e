import { exportDomain } from '../../engine/index.ts';
import type { CommandContext } from '../commands.ts';
import { EXIT } from '../io.ts';
import { writeText } from '../xmlio.ts';
import { jsonLine, loadDesign, str } from './shared.ts';

/** `pcitopo roundtrip DOMAIN.xml [--out FILE]`: import, export with no edit; exit 1 if the text changed. */
export async function run(ctx: CommandContext): Promise<number> {
  const { design, domain } = await loadDesign(ctx);
  const xml = exportDomain(design);
  const identical = xml === domain.text;
  if (ctx.json) {
    const target = str(ctx, 'out');
    if (target !== undefined && target !== '-') writeText(target, xml, domain.encoding, ctx.io);
    ctx.io.stdout.write(jsonLine({ identical, characters: xml.length }));
  } else writeText(str(ctx, 'out'), xml, domain.encoding, ctx.io);
  if (!identical) ctx.io.stderr.write('pcitopo roundtrip: the exported text differs from the input (a bug: please report it with the file)\n');
  return identical ? EXIT.ok : EXIT.findings;
}
