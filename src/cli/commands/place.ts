import type { PlacementPolicy } from '../../engine/index.ts';
import { LIBVIRT_RELEASES, exportDomain, placeWithReport } from '../../engine/index.ts';
import type { CommandContext } from '../commands.ts';
import { EXIT, usageError } from '../io.ts';
import { writeText } from '../xmlio.ts';
import { intOption, jsonLine, libvirtVersionOption, loadDesign, releaseTakenAs, str } from './shared.ts';

/** `pcitopo place DOMAIN.xml [--host HOST] [--policy libvirt|pe-per-phb] [--spare-phbs N] [--spare-ports N] [--replace-all] [--libvirt-version V] [--out FILE]` */
export async function run(ctx: CommandContext): Promise<number> {
  const policy = str(ctx, 'policy') ?? 'libvirt';
  if (policy !== 'libvirt' && policy !== 'pe-per-phb') throw usageError(`--policy must be libvirt or pe-per-phb, not ${policy}`);
  // Spare vPHBs (pseries) and spare root ports (q35/virt) are one option under two names; two
  // different counts would leave one silently ignored.
  const phbs = intOption(ctx, 'spare-phbs', 255);
  const ports = intOption(ctx, 'spare-ports', 255);
  if (phbs !== undefined && ports !== undefined && phbs !== ports) {
    throw usageError(`--spare-phbs ${phbs} and --spare-ports ${ports} disagree: give --spare-phbs for a pseries guest or --spare-ports for q35/virt`);
  }
  const { design, domain } = await loadDesign(ctx);
  // Notes say what could not be done as asked (e.g. fewer spare vPHBs fit than requested).
  const libvirtVersion = libvirtVersionOption(ctx);
  const placedReport = placeWithReport(design, { policy: policy as PlacementPolicy, spare: phbs ?? ports, replaceAll: ctx.values['replace-all'] === true, libvirtVersion });
  const placed = placedReport.design;
  const notes = [...(libvirtVersion !== undefined ? releaseNotes(libvirtVersion, policy) : []), ...placedReport.notes];
  const xml = exportDomain(placed);
  const target = str(ctx, 'out');
  if (ctx.json) {
    if (target !== undefined && target !== '-') writeText(target, xml, domain.encoding, ctx.io);
    ctx.io.stdout.write(jsonLine(target !== undefined && target !== '-' ? { out: target, notes } : { domain: xml, notes }));
    return EXIT.ok;
  }
  for (const n of notes) ctx.io.stderr.write(`pcitopo place: ${n}\n`);
  writeText(target, xml, domain.encoding, ctx.io);
  return EXIT.ok;
}

/**
 * What --libvirt-version does to this run, when not plainly what was asked: pe-per-phb places by its
 * own policy, not as a release (placement/index.ts reads the version for policy libvirt only); a
 * release pcitopo does not model is placed as the modelled one it follows (libvirtControllerOrder:
 * before 10 as 9.0, from 10 as 10.7), which is said rather than assumed.
 */
function releaseNotes(version: string, policy: string): string[] {
  if (policy !== 'libvirt') return [`--libvirt-version ${version} has no effect with --policy ${policy}: it places by its own policy, the same for every libvirt release`];
  const as = releaseTakenAs(version);
  return as === undefined ? [] : [`pcitopo models libvirt ${LIBVIRT_RELEASES.join(' and ')}; --libvirt-version ${version} is placed as libvirt ${as} places`];
}
