/** What several commands share: loading the design and its host. */
import type { Design, Host } from '../../engine/index.ts';
import { LIBVIRT_RELEASES, createDesign, importHost, isLibvirtRelease, libvirtControllerOrder } from '../../engine/index.ts';
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


/**
 * `--libvirt-version V` (place, validate, link, open): a libvirt release such as 9.0 or 10.7.0, as
 * `virsh --version` prints it (the engine's isLibvirtRelease, which a share link's reader and the
 * designer's saved setting check too); undefined when not given.
 */
export function libvirtVersionOption(ctx: CommandContext): string | undefined {
  const version = str(ctx, 'libvirt-version');
  if (version !== undefined && !isLibvirtRelease(version)) throw usageError(`--libvirt-version must be a libvirt release such as 9.0 or 10.7.0, not ${version}`);
  return version;
}

/**
 * What a command says on standard error of a `--libvirt-version` pcitopo does not model (`done`: how
 * it is taken, e.g. "is validated as libvirt 9.0 defines"); undefined for a modelled release.
 */
export function releaseNote(command: string, version: string, done: (as: string) => string): string | undefined {
  const as = releaseTakenAs(version);
  return as === undefined ? undefined : `pcitopo ${command}: pcitopo models libvirt ${LIBVIRT_RELEASES.join(' and ')}; --libvirt-version ${version} ${done(as)}\n`;
}

/**
 * The modelled release an unmodelled `--libvirt-version` is taken as (libvirtControllerOrder: before
 * 10 as 9.0, from 10 as 10.7), for a note that says so rather than assume it; undefined when the
 * release is one pcitopo models.
 */
export function releaseTakenAs(version: string): string | undefined {
  const modelled = LIBVIRT_RELEASES as readonly string[];
  if (modelled.some((r) => version === r || version.startsWith(`${r}.`))) return undefined;
  return libvirtControllerOrder(version) === 'written-first' ? '9.0' : '10.7';
}
