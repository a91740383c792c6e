import type { XmlEncoding } from '../model/encoding.ts';
import type { Host } from '../model/host.ts';
import type { Workspace } from '../model/workspace.ts';
import type { InputError, Result } from '../errors.ts';
import { fail, ok } from '../errors.ts';
import type { AnySharePayload } from '../share/link.ts';
import { decodeAnyShareLink, encodeShareLink } from '../share/link.ts';
import { keptEncodingProblem } from '../xml/decode.ts';
import { exportDomain } from '../xml/domain.ts';
import { importHost } from '../xml/nodedev.ts';
import { createWorkspace } from './workspace.ts';

/**
 * Share links of a workspace (DESIGN.md §5, payload version 2): every domain's current XML (its
 * export, so edits travel) and the host's text, in workspace order. A workspace of one domain is
 * still written as version 1, which every pcitopo opens. `libvirtVersion`: the release the
 * workspace is placed as, when not the default (model/libvirtRelease.ts); absent, none is written.
 * `hostEncoding`: the host file's encoding when its text does not say it (xml/decode.ts
 * encodingBeyondText: UTF-16), written as the payload's `hostEncoding` as `pcitopo link` writes it,
 * so the link gives the host's bytes back too; ignored without `hostText`.
 */
export async function workspaceLink(ws: Workspace, hostText: string | undefined, base: string, view?: unknown, libvirtVersion?: string, hostEncoding?: XmlEncoding): Promise<string> {
  const domains = ws.guests.map((g) => exportDomain(g.design));
  const host = hostText !== undefined ? { host: hostText, ...(hostEncoding !== undefined ? { hostEncoding } : {}) } : {};
  const v = view !== undefined ? { view } : {};
  const release = libvirtVersion !== undefined ? { libvirtVersion } : {};
  // each file's encoding where its text does not say it (UTF-16), so the link gives its bytes back
  const encodings = ws.guests.map((g) => g.design.source.encoding ?? null);
  const first = encodings[0];
  if (domains.length === 1) return encodeShareLink({ v: 1, domain: domains[0] as string, ...host, ...v, ...release, ...(first ? { encoding: first } : {}) }, base);
  return encodeShareLink({ v: 2, domains, ...host, ...v, ...release, ...(encodings.some((e) => e !== null) ? { encodings } : {}) }, base);
}

/** What a share link opens to: a workspace (one guest for a version 1 link), the host's text and the view. */
export interface OpenedLink {
  readonly workspace: Workspace;
  readonly hostText?: string | undefined;
  readonly view?: unknown;
  readonly version: 1 | 2;
  /** the libvirt release the link's design is placed as; absent: the default */
  readonly libvirtVersion?: string | undefined;
  /** the host file's encoding when its text does not say it (SharePayload.hostEncoding) */
  readonly hostEncoding?: XmlEncoding | undefined;
}

/**
 * Opens a share link of either version as a workspace. The link's documents pass the same checks
 * as opened files (size, DOCTYPE, characters, XML); errors name `share link (host)` or
 * `share link (domain N)`.
 */
export async function openShareLink(link: string): Promise<Result<OpenedLink>> {
  const r = await decodeAnyShareLink(link);
  if (!r.ok) return r;
  return workspaceOfPayload(r.value);
}

/**
 * A link's encodings are outside its checksum: a crafted one can pair a text with an encoding its
 * file never had, and unlink or Export would then write bytes pcitopo's import refuses. Such a link
 * is refused, naming the document and decodeXml's reason (xml/decode.ts keptEncodingProblem).
 */
function keptEncodingsRefused(p: AnySharePayload): InputError | undefined {
  const docs = (p.v === 1 ? [{ text: p.domain, kept: p.encoding, file: 'share link (domain)' }] : p.domains.map((text, i) => ({ text, kept: p.encodings?.[i] ?? undefined, file: p.domains.length === 1 ? 'share link (domain)' : `share link (domain ${i + 1})` })))
    .concat(p.host !== undefined ? [{ text: p.host, kept: p.hostEncoding, file: 'share link (host)' }] : []);
  for (const d of docs) {
    const why = d.kept === undefined ? undefined : keptEncodingProblem(d.text, d.kept);
    if (why !== undefined) return { code: 'bad-share-link', file: d.file, message: `the link keeps this document as ${d.kept}, which its text cannot be: ${why}` };
  }
  return undefined;
}

export function workspaceOfPayload(p: AnySharePayload): Result<OpenedLink> {
  const refused = keptEncodingsRefused(p);
  if (refused) return fail(refused);
  let host: Host | undefined;
  if (p.host !== undefined) {
    const h = importHost(p.host, 'share link (host)');
    if (!h.ok) return h;
    host = h.value;
  }
  const texts = p.v === 1 ? [p.domain] : p.domains;
  const encodings = p.v === 1 ? [p.encoding] : (p.encodings ?? []);
  const ws = createWorkspace(
    texts.map((text, i) => ({ text, file: texts.length === 1 ? 'share link (domain)' : `share link (domain ${i + 1})`, encoding: encodings[i] ?? undefined })),
    host,
  );
  if (!ws.ok) return ws;
  return ok({
    workspace: ws.value,
    ...(p.host !== undefined ? { hostText: p.host } : {}),
    ...(p.view !== undefined ? { view: p.view } : {}),
    ...(p.libvirtVersion !== undefined ? { libvirtVersion: p.libvirtVersion } : {}),
    ...(p.hostEncoding !== undefined ? { hostEncoding: p.hostEncoding } : {}),
    version: p.v,
  });
}
