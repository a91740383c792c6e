import { statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { AnySharePayload, XmlEncoding } from '../../engine/index.ts';
import { decodeAnyShareLink, encodingToWrite, workspaceOfPayload } from '../../engine/index.ts';
import type { CommandContext } from '../commands.ts';
import { CliError, EXIT, usageError } from '../io.ts';
import { domainFile, HOST_FILE, isDirectory, openHint, prepareDirectory, writeNew } from '../workspaceio.ts';
import { readText, unwrap, writeBytes, xmlBytes } from '../xmlio.ts';
import { jsonLine, str } from './shared.ts';

/**
 * A link holds text, not bytes: each document is written in the encoding the link keeps for it
 * (UTF-16: its text cannot say it), else the one its declaration names; with --utf8, as UTF-8 with
 * its declaration saying so (a character that encoding cannot hold is otherwise refused, naming --utf8).
 */
function bytesOf(ctx: CommandContext, text: string, file: string, kept?: XmlEncoding | null): Uint8Array {
  return xmlBytes(text, encodingToWrite(text, kept ?? undefined), file, { utf8: ctx.values.utf8 === true, offerUtf8: true });
}

/** `text` written to `target` (a file, or standard output for `-` or none) as {@link bytesOf} encodes it. */
function write(ctx: CommandContext, target: string | undefined, text: string, kept?: XmlEncoding | null): void {
  writeBytes(target, bytesOf(ctx, text, target === undefined || target === '-' ? 'standard output' : target, kept), ctx.io);
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
  if (hostOut !== undefined && hostOut !== '-' && out !== undefined && out !== '-' && sameFile(out, hostOut)) throw usageError(`--out and --host-out both name ${out}: the second written would replace the first; give each its own file`);
  if (hostOut !== undefined && payload.host !== undefined) write(ctx, hostOut, payload.host, payload.hostEncoding);
  if (ctx.json) {
    if (out !== undefined && out !== '-') write(ctx, out, payload.domain, payload.encoding);
    ctx.io.stdout.write(jsonLine({ domain: payload.domain, host: payload.host ?? null }));
  } else write(ctx, out, payload.domain, payload.encoding);
  return EXIT.ok;
}

/** Do two paths name one file: the same path, or (both existing) one inode through a link? */
function sameFile(a: string, b: string): boolean {
  if (resolve(a) === resolve(b)) return true;
  try {
    const x = statSync(a);
    const y = statSync(b);
    return x.dev === y.dev && x.ino === y.ino;
  } catch {
    return false;
  }
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
    files.push({ file: join(dir, file), bytes: bytesOf(ctx, d.xml, file, d.encoding) });
    written.push({ name: d.name, file });
  }
  const host = payload.host;
  const hostBytes = host === undefined ? undefined : bytesOf(ctx, host, HOST_FILE, payload.hostEncoding);
  prepareDirectory(dir);
  if (hostBytes) writeNew(join(dir, HOST_FILE), hostBytes);
  for (const f of files) writeNew(f.file, f.bytes);
  if (hostOut !== undefined && host !== undefined) write(ctx, hostOut, host, payload.hostEncoding);

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
