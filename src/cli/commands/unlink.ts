import { join, resolve } from 'node:path';
import type { AnySharePayload, XmlEncoding } from '../../engine/index.ts';
import { decodeAnyShareLink, encodeXml, encodingToWrite, workspaceOfPayload } from '../../engine/index.ts';
import type { CommandContext } from '../commands.ts';
import { CliError, EXIT, usageError } from '../io.ts';
import { domainFile, HOST_FILE, isDirectory, openHint, prepareDirectory, writeNew } from '../workspaceio.ts';
import { readText, unwrap, writeText } from '../xmlio.ts';
import { jsonLine, str } from './shared.ts';

/**
 * A link holds text, not bytes: each document is written in the encoding the link keeps for it
 * (UTF-16: its text cannot say it), else the one its declaration names.
 */
function encodingOf(text: string, what: string, kept?: XmlEncoding | null): XmlEncoding {
  const e = encodingToWrite(text, kept ?? undefined);
  if (!e) throw new CliError(`the link's ${what} XML declares an encoding pcitopo cannot write`, EXIT.input);
  return e;
}

/**
 * `pcitopo unlink LINK [--out FILE|DIR] [--host-out FILE]`. The design a link holds passes the same
 * checks as an imported file (size, DOCTYPE, characters, well-formed domain and host XML, one domain
 * per name) before any of it is written.
 *
 * A version 1 link (one domain) prints its domain, or writes it to --out FILE. A version 2 link (a
 * workspace, issue 15) needs --out DIR: each domain goes to DIR/<name>.xml and the host to
 * DIR/host.xml, as `pcitopo collect` writes them, so `pcitopo open DIR` and `validate DIR` read it
 * back; an existing directory given to a version 1 link gets the same. DIR is made when missing
 * and must hold no XML yet. With --json and no --out, a version 2 link prints its documents.
 */
export async function run(ctx: CommandContext): Promise<number> {
  const arg = ctx.positionals[0] as string;
  const out = str(ctx, 'out');
  const hostOut = str(ctx, 'host-out');
  const link = arg === '-' ? await readText('-', ctx.io) : arg;
  const payload = unwrap(await decodeAnyShareLink(link));
  const opened = unwrap(workspaceOfPayload(payload));
  if (hostOut !== undefined && payload.host === undefined) throw new CliError('the link holds no host, so there is nothing for --host-out', EXIT.input);
  const names = opened.workspace.guests.map((g) => g.name);
  if (payload.v === 2 || (out !== undefined && out !== '-' && isDirectory(out))) return toDirectory(ctx, payload, names, out, hostOut);

  if (hostOut === '-' && (ctx.json || out === undefined || out === '-')) throw usageError('--host-out - needs standard output to itself: give --out FILE (and no --json)');
  if (hostOut !== undefined && payload.host !== undefined) writeText(hostOut, payload.host, encodingOf(payload.host, 'host', payload.hostEncoding), ctx.io);
  if (ctx.json) {
    if (out !== undefined && out !== '-') writeText(out, payload.domain, encodingOf(payload.domain, 'domain', payload.encoding), ctx.io);
    ctx.io.stdout.write(jsonLine({ domain: payload.domain, host: payload.host ?? null }));
  } else writeText(out, payload.domain, encodingOf(payload.domain, 'domain', payload.encoding), ctx.io);
  return EXIT.ok;
}

/** The domains of the link, each with the guest name the workspace gave it. */
const domainsOf = (payload: AnySharePayload, names: readonly string[]) =>
  (payload.v === 1 ? [payload.domain] : payload.domains).map((xml, i) => ({ name: names[i] as string, xml, encoding: payload.v === 1 ? payload.encoding : payload.encodings?.[i] }));

function toDirectory(ctx: CommandContext, payload: AnySharePayload, names: readonly string[], out: string | undefined, hostOut: string | undefined): number {
  const domains = domainsOf(payload, names);
  if (out === undefined || out === '-') {
    if (ctx.json && out === undefined && hostOut === undefined) {
      ctx.io.stdout.write(jsonLine({ domains: domains.map((d) => ({ name: d.name, domain: d.xml })), host: payload.host ?? null }));
      return EXIT.ok;
    }
    throw usageError(
      `the link holds a workspace of ${domains.length} domains (share-link version 2: ${names.join(', ')}): give --out DIR to write each as DIR/<name>.xml and the host as DIR/${HOST_FILE}, as 'pcitopo collect' does (then 'pcitopo open DIR'), or --json to print them`,
    );
  }
  if (hostOut === '-') throw usageError('--host-out - with --out DIR: the host goes to DIR/host.xml already');
  const dir = resolve(out);
  // every document is encoded before anything is written: a link that cannot be written leaves no half directory
  const files: Array<{ file: string; bytes: Uint8Array }> = [];
  const written: Array<{ name: string; file: string }> = [];
  for (const d of domains) {
    const file = domainFile(d.name, written.map((w) => w.file));
    files.push({ file: join(dir, file), bytes: unwrap(encodeXml(d.xml, encodingOf(d.xml, `domain ${d.name}`, d.encoding), file)) });
    written.push({ name: d.name, file });
  }
  const host = payload.host;
  const hostBytes = host === undefined ? undefined : unwrap(encodeXml(host, encodingOf(host, 'host', payload.hostEncoding), HOST_FILE));
  prepareDirectory(dir);
  if (hostBytes) writeNew(join(dir, HOST_FILE), hostBytes);
  for (const f of files) writeNew(f.file, f.bytes);
  if (hostOut !== undefined && host !== undefined) writeText(hostOut, host, encodingOf(host, 'host', payload.hostEncoding), ctx.io);

  if (ctx.json) {
    ctx.io.stdout.write(jsonLine({ dir, host: hostBytes ? HOST_FILE : null, domains: written }));
    return EXIT.ok;
  }
  ctx.io.stdout.write(`Wrote ${dir}:\n`);
  if (hostBytes) ctx.io.stdout.write(`  ${HOST_FILE}: the host's node devices\n`);
  ctx.io.stdout.write(`  ${written.length} domain${written.length === 1 ? '' : 's'}: ${written.map((w) => w.file).join(', ')}\n`);
  ctx.io.stdout.write(openHint(dir));
  return EXIT.ok;
}
