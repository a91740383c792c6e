import type { InputError, Result } from '../errors.ts';
import { fail, ok } from '../errors.ts';
import { isLibvirtRelease } from '../model/libvirtRelease.ts';
import type { XmlEncoding } from '../model/encoding.ts';
import { isXmlEncoding } from '../model/encoding.ts';
import { deflateRawEnd } from './deflateEnd.ts';

/**
 * Share links (DESIGN.md §5): `<base>#/d/<payload>`, payload = base64url (no padding) of
 * deflate-raw of the JSON of a versioned payload. The design lives in the fragment, so it never
 * reaches a server, and a link opened anywhere gives the same bytes back.
 *
 * Links come from strangers, so decoding is defensive: the encoded size is checked before any
 * work, the inflater is fed 1 KiB at a time and stopped once the output passes MAX_INFLATED_BYTES
 * (a deflate bomb expands ~1000:1), in Chromium as in Node, and the JSON's version and shape are
 * checked before use.
 */
export interface SharePayload {
  v: 1;
  domain: string;
  host?: string;
  view?: unknown;
  /**
   * The libvirt release the design is placed as ("9.0"; model/libvirtRelease.ts), when not the
   * default. Optional in every version: a link without it opens with the default, and a pcitopo
   * that does not know it ignores it (it is outside the checksum, which covers the XML).
   */
  libvirtVersion?: string;
  /**
   * The encoding of the domain's and the host's file when their text does not say it (UTF-16:
   * xml/decode.ts encodingBeyondText), so the link gives the same bytes back. Absent for every
   * document whose text says it (UTF-8, a declared ISO-8859-1): such a link is as it always was.
   * Outside the checksum, like libvirtVersion, so a pcitopo that does not know them opens the link
   * (with the text as UTF-8).
   */
  encoding?: XmlEncoding;
  hostEncoding?: XmlEncoding;
}

/**
 * Version 2: a workspace (issue 15), several domains of one host, in the order the workspace
 * lists them. Version 1 links still open ({@link decodeAnyShareLink} reads both).
 */
export interface WorkspaceSharePayload {
  v: 2;
  domains: string[];
  host?: string;
  view?: unknown;
  /** one setting for every guest of the workspace (see SharePayload.libvirtVersion) */
  libvirtVersion?: string;
  /** each domain's encoding as SharePayload.encoding, null for one whose text says it; absent when all do */
  encodings?: Array<XmlEncoding | null>;
  hostEncoding?: XmlEncoding;
}

export type AnySharePayload = SharePayload | WorkspaceSharePayload;

/** The version a single design is written in (links of one domain stay version 1, so older pcitopos open them). */
export const SHARE_VERSION = 1;
export const WORKSPACE_SHARE_VERSION = 2;
/** Versions this pcitopo reads. */
export const SHARE_VERSIONS: readonly number[] = [1, 2];
/** Domains a version 2 link may hold: more is a mistake or an attack (the size limit bounds the rest). */
export const MAX_LINK_DOMAINS = 256;
export const MAX_ENCODED_CHARS = 4 * 1024 * 1024;
export const MAX_INFLATED_BYTES = 8 * 1024 * 1024;

// The engine compiles without the DOM lib; these globals exist in browsers and Node >= 18.
// Declared here, minimally, for this file only.
interface ByteReader {
  read(): Promise<{ done: boolean; value?: Uint8Array | undefined }>;
  cancel(reason?: unknown): Promise<void>;
}
interface ByteWriter {
  write(chunk: Uint8Array): Promise<void>;
  close(): Promise<void>;
}
interface ByteTransform {
  readonly readable: { getReader(): ByteReader };
  readonly writable: { getWriter(): ByteWriter };
}
declare const CompressionStream: new (format: 'deflate-raw') => ByteTransform;
declare const DecompressionStream: new (format: 'deflate-raw') => ByteTransform;
declare const TextEncoder: new () => { encode(text: string): Uint8Array };
declare const TextDecoder: new (label: 'utf-8', options: { fatal: boolean }) => { decode(bytes: Uint8Array): string };

const HASH_PREFIX = '#/d/';

/**
 * CRC-32 (IEEE) of the design's text, carried as `crc` so a link changed after it was made (a
 * character lost or altered in copying that still inflates to JSON) is refused instead of opening
 * a different design. Optional on decode: links written by other tools need not carry it. It is a
 * check against accidents, not a signature.
 */
const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

export function designChecksum(domain: string, host: string | undefined): string {
  const bytes = new TextEncoder().encode(`${domain}\u0000${host ?? ''}`);
  let c = 0xffffffff;
  for (const b of bytes) c = (CRC_TABLE[(c ^ b) & 0xff] as number) ^ (c >>> 8);
  return ((c ^ 0xffffffff) >>> 0).toString(16).padStart(8, '0');
}

/** The checksum of a version 2 payload: over every domain in order and the host, unambiguously. */
export function workspaceChecksum(domains: readonly string[], host: string | undefined): string {
  return designChecksum(JSON.stringify(domains), host);
}

/**
 * `<base>#/d/<payload>` for a single design (version 1) or a workspace (version 2). The base's own
 * fragment, if any, is replaced.
 */
export async function encodeShareLink(p: AnySharePayload, base: string): Promise<string> {
  // undefined fields are left out by JSON.stringify: a link without encodings is byte for byte as before
  const json =
    p.v === 1
      ? JSON.stringify({ v: p.v, domain: p.domain, host: p.host, view: p.view, libvirtVersion: p.libvirtVersion, crc: designChecksum(p.domain, p.host), encoding: p.encoding, hostEncoding: p.hostEncoding })
      : JSON.stringify({ v: p.v, domains: p.domains, host: p.host, view: p.view, libvirtVersion: p.libvirtVersion, crc: workspaceChecksum(p.domains, p.host), encodings: p.encodings?.some((e) => e !== null) ? p.encodings : undefined, hostEncoding: p.hostEncoding });
  const bytes = new TextEncoder().encode(json);
  // compressing our own design needs no slicing: one write
  const packed = await pipe(new CompressionStream('deflate-raw'), bytes, Infinity, { slice: Math.max(1, bytes.length) });
  if (packed === 'too-large') throw new Error('unreachable: no limit when compressing');
  const hashAt = base.indexOf('#');
  return `${hashAt === -1 ? base : base.slice(0, hashAt)}${HASH_PREFIX}${toBase64Url(packed)}`;
}

/**
 * The single design a version 1 link holds. A version 2 link (a workspace) is refused with a
 * message that says so: callers that open workspaces use {@link decodeAnyShareLink}.
 */
export async function decodeShareLink(linkOrHash: string): Promise<Result<SharePayload>> {
  const r = await decodeAnyShareLink(linkOrHash);
  if (!r.ok || r.value.v === 1) return r as Result<SharePayload>;
  return bad(`the link holds a workspace of ${r.value.domains.length} domain${r.value.domains.length === 1 ? '' : 's'} (share-link version 2), not a single design`);
}

/** Any version this pcitopo reads (DESIGN.md §5): version 1 (one domain) or 2 (a workspace). */
export async function decodeAnyShareLink(linkOrHash: string): Promise<Result<AnySharePayload>> {
  const payload = payloadOf(linkOrHash.trim());
  if (payload === '') return bad('the link holds no design (expected …#/d/<data>)');
  if (payload.length > MAX_ENCODED_CHARS) {
    return bad(`the link's data is ${mib(payload.length)} MiB; pcitopo reads share links up to ${mib(MAX_ENCODED_CHARS)} MiB`);
  }
  const bytes = fromBase64Url(payload);
  if (!bytes) return bad('the link is damaged: its data is not base64url (was it cut or changed when copied?)');

  // Where the deflate stream ends is found first, the same way in every runtime: bytes after it
  // are refused by Chromium's inflater (as if the data were not deflate) and ignored by Node's.
  const end = deflateRawEnd(bytes);
  if (end === undefined) return bad(NOT_DEFLATE);
  if (end < bytes.length) {
    const n = bytes.length - end;
    return bad(`the link is damaged: ${n} byte${n === 1 ? '' : 's'} after the end of its compressed data (was it changed when copied?)`);
  }
  let inflated: Uint8Array | 'too-large';
  try {
    inflated = await pipe(new DecompressionStream('deflate-raw'), bytes, MAX_INFLATED_BYTES);
  } catch {
    return bad(NOT_DEFLATE);
  }
  if (inflated === 'too-large') {
    return bad(`the link's design is larger than ${mib(MAX_INFLATED_BYTES)} MiB once unpacked; refused`);
  }

  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(inflated));
  } catch {
    return bad('the link is damaged: its unpacked data is not JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return bad('the link is not a pcitopo design: expected a JSON object');
  const o = value as Record<string, unknown>;
  if (o['v'] !== 1 && o['v'] !== 2) {
    if (o['v'] === undefined) return bad('the link is not a pcitopo design: it has no version');
    return bad(`the link is share-link version ${JSON.stringify(o['v'])}; this pcitopo reads versions ${SHARE_VERSIONS.join(' and ')} (a newer pcitopo made it?)`);
  }
  if (o['host'] !== undefined && typeof o['host'] !== 'string') return bad('the link is not a pcitopo design: "host" is not a string of node-device XML');
  const host = o['host'] as string | undefined;
  const release = o['libvirtVersion'];
  if (release !== undefined && (typeof release !== 'string' || !isLibvirtRelease(release))) {
    return bad(`the link is not a pcitopo design: "libvirtVersion" is ${JSON.stringify(release).slice(0, 40)}, not a libvirt release such as 9.0 or 10.7`);
  }
  const hostEncoding = o['hostEncoding'];
  if (hostEncoding !== undefined && !isXmlEncoding(hostEncoding)) return badEncoding('hostEncoding', hostEncoding);
  if (o['v'] === 1) {
    if (typeof o['domain'] !== 'string') return bad('the link is not a pcitopo design: "domain" is not a string of domain XML');
    if (o['crc'] !== undefined && o['crc'] !== designChecksum(o['domain'], host)) return changed();
    const encoding = o['encoding'];
    if (encoding !== undefined && !isXmlEncoding(encoding)) return badEncoding('encoding', encoding);
    // Fields a later version 1 may add are ignored; only the known ones are handed on.
    const out: SharePayload = { v: 1, domain: o['domain'] };
    if (host !== undefined) out.host = host;
    if (o['view'] !== undefined) out.view = o['view'];
    if (release !== undefined) out.libvirtVersion = release;
    if (encoding !== undefined) out.encoding = encoding;
    if (hostEncoding !== undefined) out.hostEncoding = hostEncoding;
    return ok(out);
  }
  const domains = o['domains'];
  if (!Array.isArray(domains) || domains.length === 0 || !domains.every((d) => typeof d === 'string')) {
    return bad('the link is not a pcitopo workspace: "domains" is not a non-empty list of domain XML strings');
  }
  if (domains.length > MAX_LINK_DOMAINS) return bad(`the link holds ${domains.length} domains; pcitopo opens workspaces of up to ${MAX_LINK_DOMAINS}`);
  if (o['crc'] !== undefined && o['crc'] !== workspaceChecksum(domains as string[], host)) return changed();
  const encodings = o['encodings'];
  if (encodings !== undefined && (!Array.isArray(encodings) || encodings.length !== domains.length || !encodings.every((e) => e === null || isXmlEncoding(e)))) {
    return bad(`the link is not a pcitopo workspace: "encodings" is not a list of ${domains.length} encodings (such as UTF-16LE) or nulls, one per domain`);
  }
  const out: WorkspaceSharePayload = { v: 2, domains: [...(domains as string[])] };
  if (host !== undefined) out.host = host;
  if (o['view'] !== undefined) out.view = o['view'];
  if (release !== undefined) out.libvirtVersion = release;
  if (encodings !== undefined) out.encodings = [...(encodings as Array<XmlEncoding | null>)];
  if (hostEncoding !== undefined) out.hostEncoding = hostEncoding;
  return ok(out);
}

const badEncoding = (field: string, value: unknown): Result<never> =>
  bad(`the link is not a pcitopo design: "${field}" is ${JSON.stringify(value).slice(0, 40)}, not an encoding such as UTF-16LE`);

const NOT_DEFLATE = 'the link is damaged: its data is not deflate-compressed (was it cut or changed when copied?)';

const changed = (): Result<never> => bad('the link was changed after it was made: its design does not match its checksum (was it edited or cut when copied?)');

function bad(message: string): Result<never> {
  const error: InputError = { code: 'bad-share-link', file: 'share link', message };
  return fail(error);
}

const mib = (n: number): string => (n / 1048576).toFixed(n % 1048576 === 0 ? 0 : 1);

/** Accepts a full URL, the hash (`#/d/…`), `/d/…` or the bare payload. */
function payloadOf(link: string): string {
  const at = link.indexOf(HASH_PREFIX);
  if (at !== -1) return link.slice(at + HASH_PREFIX.length);
  if (link.startsWith('/d/')) return link.slice(3);
  return link;
}

/**
 * Compressed bytes fed to the inflater at a time. A runtime's DecompressionStream may inflate a
 * whole written chunk at once, whatever the reader asks for (Chromium does: a 1 MiB bomb written
 * in one piece became 1 GiB before the first read). Deflate expands at most ~1032:1, so one slice
 * yields at most ~1 MiB, and the running total is checked between slices.
 */
export const INFLATE_SLICE_BYTES = 1024;

interface PipeOptions {
  /** bytes written to the stream per write; the next slice waits until the last one was taken */
  readonly slice: number;
}

/**
 * Runs bytes through a (de)compression stream, `slice` bytes at a time. Writing and reading run
 * together (writing first and reading after would stall on backpressure), and each slice is only
 * written once the stream took the previous one, so at most one slice's output is produced ahead
 * of the reader. Past `limit` output bytes it stops writing, cancels the stream and returns
 * 'too-large': a bomb never gets to allocate its full size, in any runtime. The native
 * DecompressionStream is used rather than an inflate library: no code to ship, and slicing bounds
 * it wherever it runs.
 */
async function pipe(stream: ByteTransform, input: Uint8Array, limit: number, opts: PipeOptions = { slice: INFLATE_SLICE_BYTES }): Promise<Uint8Array | 'too-large'> {
  const writer = stream.writable.getWriter();
  const reader = stream.readable.getReader();
  let stopped = false;
  const writing = (async () => {
    for (let at = 0; at < input.length && !stopped; at += opts.slice) await writer.write(input.subarray(at, at + opts.slice));
    if (!stopped) await writer.close();
  })();
  // A failure shows on the reading side; this keeps the writer's copy of it from going unhandled.
  writing.catch(() => undefined);
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    if (!value) continue;
    total += value.length;
    if (total > limit) {
      stopped = true;
      await reader.cancel('too large').catch(() => undefined);
      return 'too-large';
    }
    chunks.push(value);
  }
  await writing;
  const out = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const INDEX = new Map([...ALPHABET].map((c, i) => [c, i]));

export function toBase64Url(bytes: Uint8Array): string {
  let out = '';
  let i = 0;
  for (; i + 2 < bytes.length; i += 3) {
    const n = ((bytes[i] as number) << 16) | ((bytes[i + 1] as number) << 8) | (bytes[i + 2] as number);
    out += (ALPHABET[n >> 18] as string) + (ALPHABET[(n >> 12) & 63] as string) + (ALPHABET[(n >> 6) & 63] as string) + (ALPHABET[n & 63] as string);
  }
  const rest = bytes.length - i;
  if (rest > 0) {
    const n = ((bytes[i] as number) << 16) | (rest === 2 ? (bytes[i + 1] as number) << 8 : 0);
    out += (ALPHABET[n >> 18] as string) + (ALPHABET[(n >> 12) & 63] as string);
    if (rest === 2) out += ALPHABET[(n >> 6) & 63] as string;
  }
  return out;
}

/** Strict: only the base64url alphabet, no padding, no stray bits; undefined otherwise. */
export function fromBase64Url(text: string): Uint8Array | undefined {
  if (text.length % 4 === 1) return undefined;
  const out = new Uint8Array(Math.floor((text.length * 3) / 4));
  let bits = 0;
  let acc = 0;
  let at = 0;
  for (const c of text) {
    const v = INDEX.get(c);
    if (v === undefined) return undefined;
    acc = ((acc << 6) | v) & 0xffffff;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[at++] = (acc >> bits) & 0xff;
    }
  }
  // Leftover bits must be zero, or two different texts would decode to the same bytes.
  if ((acc & ((1 << bits) - 1)) !== 0) return undefined;
  return out;
}
