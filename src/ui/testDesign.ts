import type { Design } from '../engine/index.ts';
import { createDesign, importHost } from '../engine/index.ts';

/** For the UI's unit tests: the design of a domain XML and, optionally, a host's node-device XML; throws the import's message when either does not read. */
export function designFromXml(xml: string, hostXml?: string): Design {
  const host = hostXml === undefined ? undefined : importHost(hostXml);
  if (host && !host.ok) throw new Error(host.error.message);
  const d = createDesign(xml, host?.value);
  if (!d.ok) throw new Error(d.error.message);
  return d.value;
}

/** For the UI's unit tests (which compile without Node's Buffer): `text` as UTF-16 bytes in either byte order. */
export function utf16Bytes(text: string, order: 'LE' | 'BE'): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(text.length * 2);
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    out[2 * i + (order === 'LE' ? 0 : 1)] = c & 0xff;
    out[2 * i + (order === 'LE' ? 1 : 0)] = c >> 8;
  }
  return out;
}

/** For the UI's unit tests: strings (as UTF-8) and byte values in one run of bytes. */
export const bytesOf = (...parts: Array<string | readonly number[] | Uint8Array>): Uint8Array<ArrayBuffer> =>
  new Uint8Array(parts.flatMap((p) => (typeof p === 'string' ? [...new TextEncoder().encode(p)] : [...p])));
