import type { AnySharePayload, SharePayload, XmlEncoding } from '../../engine/index.ts';
import { encodeShareLink, encodingBeyondText, validateWorkspace } from '../../engine/index.ts';
import type { CommandContext } from '../commands.ts';
import { openBrowser, serveUntilStopped, startFromOptions } from '../serve/run.ts';
import type { LoadedWorkspace } from '../workspaceio.ts';
import { isDirectory, loadWorkspace } from '../workspaceio.ts';
import type { XmlInput } from '../xmlio.ts';
import { libvirtVersionOption, loadDesign, releaseNote, str } from './shared.ts';

/**
 * `pcitopo open DOMAIN.xml [--host HOST.xml] [--port N] [--bind ADDRESS] [--libvirt-version V]`: the design travels in a
 * share link's fragment to the local server's page, so it never leaves this machine.
 * `pcitopo open DIR` (a directory as `collect` writes it) or `open A.xml B.xml … [--host HOST]`
 * opens a workspace: it is read and checked first (a line per domain on standard error, exit 2 for
 * a file that cannot be read, before anything is served), then served in a version 2 link.
 */
export async function run(ctx: CommandContext): Promise<number> {
  const release = linkRelease(ctx, 'open');
  let payload: AnySharePayload;
  let names: string[] | undefined;
  if (ctx.positionals.length > 1 || isDirectory(ctx.positionals[0] as string)) {
    const loaded = await loadWorkspace(ctx.positionals, str(ctx, 'host'), ctx.io);
    report(loaded, ctx, release);
    payload = workspacePayload(loaded, release);
    names = loaded.workspace.guests.map((g) => g.name);
  } else {
    const { domain, host } = await loadDesign(ctx);
    payload = singlePayload(domain, host, release);
  }
  const server = await startFromOptions(ctx);
  const url = await encodeShareLink(payload, server.url);
  ctx.io.stdout.write(ctx.json ? `${JSON.stringify(names ? { url, domains: names } : { url })}\n` : `${url}\n`);
  openBrowser(url, ctx.io);
  return serveUntilStopped(server, ctx.io);
}

/** The host's part of a payload: its text, and its file's encoding where the text does not say it (UTF-16). */
function hostPart(host: XmlInput | undefined): { host?: string; hostEncoding?: XmlEncoding } {
  if (!host) return {};
  const e = encodingBeyondText(host);
  return e ? { host: host.text, hostEncoding: e } : { host: host.text };
}

/**
 * `--libvirt-version V` of `link` and `open` (parsed as validate and place parse it): the release
 * setting the link carries (share link `libvirtVersion`, the designer's release select), which
 * the designer then places and judges the design as; a release pcitopo does not model is said on
 * standard error (the designer opens it as the one it follows). Undefined: the link carries none
 * (the designer's default).
 */
export function linkRelease(ctx: CommandContext, command: 'link' | 'open'): string | undefined {
  const version = libvirtVersionOption(ctx);
  const note = version === undefined ? undefined : releaseNote(command, version, (as) => `is opened as libvirt ${as} defines it`);
  if (note !== undefined && !ctx.json) ctx.io.stderr.write(note);
  return version;
}

const releasePart = (libvirtVersion: string | undefined): { libvirtVersion?: string } => (libvirtVersion === undefined ? {} : { libvirtVersion });

/** One domain as read (and its host): version 1, with the files' encodings where their texts do not say them, and the release setting when given. */
export function singlePayload(domain: XmlInput, host: XmlInput | undefined, libvirtVersion?: string): SharePayload {
  const e = encodingBeyondText(domain);
  return { v: 1, domain: domain.text, ...hostPart(host), ...releasePart(libvirtVersion), ...(e ? { encoding: e } : {}) };
}

/** The texts as read (byte for byte what the files hold): version 1 for one domain, else version 2; the release setting (one for every guest) when given. */
export function workspacePayload({ domains, host }: LoadedWorkspace, libvirtVersion?: string): AnySharePayload {
  if (domains.length === 1) return singlePayload(domains[0] as XmlInput, host, libvirtVersion);
  const encodings = domains.map((d) => encodingBeyondText(d) ?? null);
  return { v: 2, domains: domains.map((d) => d.text), ...hostPart(host), ...releasePart(libvirtVersion), ...(encodings.some((e) => e !== null) ? { encodings } : {}) };
}

function report({ workspace }: LoadedWorkspace, ctx: CommandContext, libvirtVersion: string | undefined): void {
  const findings = validateWorkspace(workspace, { libvirtVersion });
  const count = (name: string | undefined, s: string) => findings.filter((f) => f.severity === s && (name === undefined || f.domains.includes(name))).length;
  for (const g of workspace.guests) {
    ctx.io.stderr.write(`pcitopo open: domain ${g.name}: ${count(g.name, 'error')} error(s), ${count(g.name, 'warning')} warning(s)\n`);
  }
  ctx.io.stderr.write(`pcitopo open: ${workspace.guests.length} domains${workspace.host ? ` on a host of ${workspace.host.devices.size} PCI devices` : ', no host'}; 'pcitopo validate' lists the findings\n`);
}
