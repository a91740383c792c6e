import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { describe, expect, it, vi } from 'vitest';
import { deflateBomb } from '../../../test/support/bomb.ts';
import { DEMO_DOMAIN_XML, DEMO_HOST_XML } from '../demo/demo.ts';
import type { SharePayload } from './link.ts';
import { decodeAnyShareLink, decodeShareLink, designChecksum, MAX_LINK_DOMAINS, workspaceChecksum, encodeShareLink, fromBase64Url, INFLATE_SLICE_BYTES, MAX_INFLATED_BYTES, toBase64Url } from './link.ts';

const BASE = 'https://example.org/pcitopo/';

async function decoded(link: string): Promise<SharePayload> {
  const r = await decodeShareLink(link);
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
}

async function refused(link: string): Promise<string> {
  const r = await decodeShareLink(link);
  if (r.ok) throw new Error('expected the link to be refused');
  expect(r.error.code).toBe('bad-share-link');
  return r.error.message;
}

/** A link holding arbitrary bytes, to test what decoding does with hostile content. */
const linkOf = (bytes: Uint8Array | string): string =>
  `${BASE}#/d/${toBase64Url(typeof bytes === 'string' ? deflateRawSync(Buffer.from(bytes)) : bytes)}`;

describe('share links: round trip', () => {
  it('the demo comes back byte for byte', async () => {
    const p: SharePayload = { v: 1, domain: DEMO_DOMAIN_XML, host: DEMO_HOST_XML, view: { zoom: 1.5, x: -3 } };
    const link = await encodeShareLink(p, BASE);
    expect(link.startsWith(`${BASE}#/d/`)).toBe(true);
    expect(link.slice(BASE.length + 4)).toMatch(/^[A-Za-z0-9_-]+$/);
    const back = await decoded(link);
    expect(back.domain === DEMO_DOMAIN_XML).toBe(true);
    expect(back.host === DEMO_HOST_XML).toBe(true);
    expect(back.view).toEqual({ zoom: 1.5, x: -3 });
    // Compression earns its place: the link is far shorter than the XML it carries.
    expect(link.length).toBeLessThan((DEMO_DOMAIN_XML.length + DEMO_HOST_XML.length) / 2);
  });

  it('accepts the full URL, the hash, /d/… and the bare payload', async () => {
    const link = await encodeShareLink({ v: 1, domain: '<domain/>' }, BASE);
    const payload = link.slice(link.indexOf('#/d/') + 4);
    for (const form of [link, `#/d/${payload}`, `/d/${payload}`, payload, `  ${link}\n`]) {
      expect((await decoded(form)).domain).toBe('<domain/>');
    }
  });

  it('a base that already has a hash is replaced, not appended to', async () => {
    const link = await encodeShareLink({ v: 1, domain: 'x' }, `${BASE}#/old/stuff`);
    expect(link.startsWith(`${BASE}#/d/`)).toBe(true);
  });

  it('unicode: astral characters, CJK, combining marks, NUL and lone surrogate-free text survive', async () => {
    const domain = "<domain><description>日本語 ☃ 🖥️ e\u0301 \u0000 'quotes' \"dq\" &amp;</description></domain>";
    const back = await decoded(await encodeShareLink({ v: 1, domain, host: 'ħøšţ' }, BASE));
    expect(back.domain).toBe(domain);
    expect(back.host).toBe('ħøšţ');
  });

  it('host and view are optional and stay absent', async () => {
    const back = await decoded(await encodeShareLink({ v: 1, domain: 'd' }, BASE));
    expect(back).toEqual({ v: 1, domain: 'd' });
    expect('host' in back).toBe(false);
  });

  it('extra fields are ignored (forward compatible within version 1)', async () => {
    const back = await decoded(linkOf('{"v":1,"domain":"d","host":"h","future":[1,2],"__proto__":{"polluted":true}}'));
    expect(back).toEqual({ v: 1, domain: 'd', host: 'h' });
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });
});

describe('share links: broken and tampered', () => {
  it('empty', async () => {
    expect(await refused(`${BASE}#/d/`)).toMatch(/no design/);
    expect(await refused('')).toMatch(/no design/);
  });

  it('characters outside base64url', async () => {
    const link = await encodeShareLink({ v: 1, domain: DEMO_DOMAIN_XML }, BASE);
    expect(await refused(`${link.slice(0, -5)}+/=!${link.slice(-1)}`)).toMatch(/not base64url/);
    expect(await refused(`${link}=`)).toMatch(/not base64url/);
  });

  it('every truncation of a link is refused with a message, never a crash', async () => {
    const link = await encodeShareLink({ v: 1, domain: DEMO_DOMAIN_XML, host: DEMO_HOST_XML }, BASE);
    const payloadStart = link.indexOf('#/d/') + 4;
    for (const cut of [1, 2, 3, 10, 100, Math.floor((link.length - payloadStart) / 2)]) {
      expect(await refused(link.slice(0, link.length - cut))).toMatch(/damaged|not base64url/);
    }
  });

  it('flipped characters are refused or, when deflate happens to survive, never yield a wrong-shaped payload', async () => {
    const link = await encodeShareLink({ v: 1, domain: DEMO_DOMAIN_XML, host: DEMO_HOST_XML }, BASE);
    const payloadStart = link.indexOf('#/d/') + 4;
    let refusedCount = 0;
    for (let i = payloadStart; i < link.length; i += 97) {
      const c = link[i] === 'A' ? 'B' : 'A';
      const r = await decodeShareLink(link.slice(0, i) + c + link.slice(i + 1));
      if (!r.ok) {
        expect(r.error.code).toBe('bad-share-link');
        expect(r.error.message.length).toBeGreaterThan(10);
        refusedCount++;
      } else {
        expect(typeof r.value.domain).toBe('string');
      }
    }
    expect(refusedCount).toBeGreaterThan(0);
  });

  it('a deflate bomb (20 MiB of zeros) is stopped at the inflate limit', async () => {
    const bomb = deflateRawSync(Buffer.alloc(20 * 1024 * 1024));
    expect(bomb.length).toBeLessThan(64 * 1024);
    expect(await refused(linkOf(new Uint8Array(bomb)))).toMatch(/larger than 8 MiB/);
    expect(MAX_INFLATED_BYTES).toBe(8 * 1024 * 1024);
  });

  it('a 1 GiB bomb is stopped after at most one slice past the limit, also where the inflater is greedy (as in Chromium)', async () => {
    // Chromium's DecompressionStream inflates a whole written chunk at once, ignoring the reader.
    // This stand-in does the same at deflate's worst ratio and counts what it produced: the
    // decoder must feed it slices and stop, never hand it the whole payload (issue 11).
    let produced = 0;
    const piece = new Uint8Array(64 * 1024);
    class GreedyInflater extends TransformStream<Uint8Array, Uint8Array> {
      constructor() {
        super({
          transform(chunk, controller) {
            for (let left = chunk.length * 1032; left > 0; left -= piece.length) {
              const n = Math.min(left, piece.length);
              produced += n;
              controller.enqueue(piece.subarray(0, n));
            }
          },
        });
      }
    }
    const bomb = deflateBomb(1 + 258 * Math.floor(2 ** 30 / 258));
    vi.stubGlobal('DecompressionStream', GreedyInflater);
    try {
      expect(await refused(linkOf(bomb))).toMatch(/larger than 8 MiB/);
    } finally {
      vi.unstubAllGlobals();
    }
    expect(produced).toBeGreaterThan(MAX_INFLATED_BYTES);
    // one 1 KiB slice at 1032:1 past the limit, at most
    expect(INFLATE_SLICE_BYTES).toBeLessThanOrEqual(1024);
    expect(produced).toBeLessThanOrEqual(MAX_INFLATED_BYTES + 1024 * 1032 + piece.length);
  });

  it('the real 1 GiB bomb (deflate at its best ratio) is refused in Node with its size named', async () => {
    const bomb = deflateBomb(1 + 258 * Math.floor(2 ** 30 / 258));
    expect(inflateRawSync(bomb.subarray(0, 4096), { finishFlush: 2 }).every((b) => b === 0)).toBe(true);
    expect(await refused(linkOf(bomb))).toMatch(/larger than 8 MiB once unpacked/);
  });

  it('a payload just under the limit still decodes', async () => {
    const domain = 'x'.repeat(MAX_INFLATED_BYTES - 100);
    const back = await decoded(linkOf(JSON.stringify({ v: 1, domain })));
    expect(back.domain.length).toBe(domain.length);
  });

  it('an encoded payload over 4 MiB is refused before inflating', async () => {
    expect(await refused(`#/d/${'A'.repeat(4 * 1024 * 1024 + 4)}`)).toMatch(/up to 4 MiB/);
  });

  it('valid base64url that is not deflate', async () => {
    expect(await refused(linkOf(new Uint8Array([0xff, 0xff, 0xff, 0xff, 0x00, 0x01])))).toMatch(/not deflate/);
  });

  it('bytes after the end of the deflate stream are refused, counted (not taken for damaged deflate)', async () => {
    const json = JSON.stringify({ v: 1, domain: DEMO_DOMAIN_XML });
    const packed = new Uint8Array(deflateRawSync(Buffer.from(json)));
    expect(await refused(linkOf(new Uint8Array([...packed, ...Buffer.from('garbage')])))).toBe('the link is damaged: 7 bytes after the end of its compressed data (was it changed when copied?)');
    expect(await refused(linkOf(new Uint8Array([...packed, 0])))).toMatch(/: 1 byte after the end/);
    expect((await decoded(linkOf(packed))).domain).toBe(DEMO_DOMAIN_XML);
  });

  it('deflate that is not JSON, or not UTF-8', async () => {
    expect(await refused(linkOf('<domain/>'))).toMatch(/not JSON/);
    expect(await refused(linkOf(new Uint8Array(deflateRawSync(Buffer.from([0x22, 0xff, 0xfe, 0x22])))))).toMatch(/not JSON/);
  });

  it('wrong version names the version', async () => {
    expect(await refused(linkOf(JSON.stringify({ v: 3, domains: ['d'] })))).toMatch(/version 3; this pcitopo reads versions 1 and 2/);
    expect(await refused(linkOf(JSON.stringify({ v: '1', domain: 'd' })))).toMatch(/version "1"/);
    expect(await refused(linkOf(JSON.stringify({ domain: 'd' })))).toMatch(/no version/);
  });

  it('a design changed after the link was made is refused by its checksum', async () => {
    const link = await encodeShareLink({ v: 1, domain: DEMO_DOMAIN_XML, host: DEMO_HOST_XML }, BASE);
    const json = JSON.parse(new TextDecoder().decode(inflateRawSync(fromBase64Url(link.slice(link.indexOf('#/d/') + 4)) as Uint8Array))) as Record<string, unknown>;
    expect(json['crc']).toBe(designChecksum(DEMO_DOMAIN_XML, DEMO_HOST_XML));
    // the same payload with one slot changed: still valid deflate, JSON and XML, but not what was shared
    const changed = { ...json, domain: DEMO_DOMAIN_XML.replace("slot='0x03'", "slot='0x05'") };
    expect(await refused(linkOf(JSON.stringify(changed)))).toMatch(/changed after it was made/);
    // a link without a checksum (another tool's) still opens
    const { crc: _crc, ...bare } = json;
    expect((await decoded(linkOf(JSON.stringify(bare)))).domain).toBe(DEMO_DOMAIN_XML);
  });

  it('the checksum is CRC-32 of domain, NUL, host (known values)', () => {
    expect(designChecksum('', undefined)).toBe('d202ef8d'); // CRC-32 of one NUL byte
    expect(designChecksum('123456789', undefined)).toBe(designChecksum('123456789', ''));
  });

  it('wrong shape', async () => {
    expect(await refused(linkOf('[1,2]'))).toMatch(/JSON object/);
    expect(await refused(linkOf('null'))).toMatch(/JSON object/);
    expect(await refused(linkOf(JSON.stringify({ v: 1 })))).toMatch(/"domain"/);
    expect(await refused(linkOf(JSON.stringify({ v: 1, domain: 5 })))).toMatch(/"domain"/);
    expect(await refused(linkOf(JSON.stringify({ v: 1, domain: 'd', host: { x: 1 } })))).toMatch(/"host"/);
  });
});

describe('share links: version 2 (a workspace of several domains)', () => {
  const DOMAINS = [DEMO_DOMAIN_XML, "<domain type='kvm'><name>beta</name></domain>", '<domain><name>gamma ☃</name></domain>'];

  async function anyDecoded(link: string) {
    const r = await decodeAnyShareLink(link);
    if (!r.ok) throw new Error(r.error.message);
    return r.value;
  }

  it('round trip: every domain in order, byte for byte, with the host and the view', async () => {
    const link = await encodeShareLink({ v: 2, domains: DOMAINS, host: DEMO_HOST_XML, view: { guest: 1 } }, BASE);
    const back = await anyDecoded(link);
    expect(back).toEqual({ v: 2, domains: DOMAINS, host: DEMO_HOST_XML, view: { guest: 1 } });
  });

  it('version 1 links still open through the reader of both versions', async () => {
    const link = await encodeShareLink({ v: 1, domain: DEMO_DOMAIN_XML, host: DEMO_HOST_XML }, BASE);
    expect(await anyDecoded(link)).toEqual({ v: 1, domain: DEMO_DOMAIN_XML, host: DEMO_HOST_XML });
    expect((await decoded(link)).domain).toBe(DEMO_DOMAIN_XML);
  });

  it('the single-design reader says a version 2 link holds a workspace', async () => {
    const link = await encodeShareLink({ v: 2, domains: DOMAINS }, BASE);
    expect(await refused(link)).toMatch(/workspace of 3 domains \(share-link version 2\)/);
  });

  it('a workspace changed after the link was made is refused; one without a checksum opens', async () => {
    const json = { v: 2, domains: DOMAINS, crc: workspaceChecksum(DOMAINS, undefined) };
    expect((await anyDecoded(linkOf(JSON.stringify(json)))).v).toBe(2);
    const swapped = { ...json, domains: [DOMAINS[1], DOMAINS[0], DOMAINS[2]] };
    const r = await decodeAnyShareLink(linkOf(JSON.stringify(swapped)));
    expect(r.ok ? 'opened' : r.error.message).toMatch(/changed after it was made/);
    const { crc: _crc, ...bare } = json;
    expect(await anyDecoded(linkOf(JSON.stringify(bare)))).toEqual({ v: 2, domains: DOMAINS });
  });

  it('wrong shape: no domains, an empty list, a non-string, too many', async () => {
    for (const bad of [{ v: 2 }, { v: 2, domains: [] }, { v: 2, domains: ['d', 5] }, { v: 2, domains: 'd' }, { v: 2, domain: 'd' }]) {
      const r = await decodeAnyShareLink(linkOf(JSON.stringify(bad)));
      expect(r.ok ? 'opened' : r.error.message, JSON.stringify(bad)).toMatch(/"domains" is not a non-empty list/);
    }
    const many = await decodeAnyShareLink(linkOf(JSON.stringify({ v: 2, domains: Array.from({ length: MAX_LINK_DOMAINS + 1 }, () => 'd') })));
    expect(many.ok ? 'opened' : many.error.message).toMatch(new RegExp(`${MAX_LINK_DOMAINS + 1} domains`));
    const host = await decodeAnyShareLink(linkOf(JSON.stringify({ v: 2, domains: ['d'], host: 7 })));
    expect(host.ok ? 'opened' : host.error.message).toMatch(/"host"/);
  });
});

describe('share links: the libvirt release a design is placed as (issue 12)', () => {
  it('travels in version 1 and 2 links; absent, it stays absent (the default)', async () => {
    const one = await decoded(await encodeShareLink({ v: 1, domain: '<domain/>', libvirtVersion: '9.0' }, BASE));
    expect(one.libvirtVersion).toBe('9.0');
    expect('libvirtVersion' in (await decoded(await encodeShareLink({ v: 1, domain: '<domain/>' }, BASE)))).toBe(false);
    const two = await decodeAnyShareLink(await encodeShareLink({ v: 2, domains: ['<a/>', '<b/>'], libvirtVersion: '10.7.0' }, BASE));
    expect(two.ok && two.value.libvirtVersion).toBe('10.7.0');
  });

  it('a link written before the setting (no field) opens as it did', async () => {
    const old = linkOf(JSON.stringify({ v: 1, domain: '<domain/>', host: 'h', crc: designChecksum('<domain/>', 'h') }));
    expect(await decoded(old)).toEqual({ v: 1, domain: '<domain/>', host: 'h' });
  });

  it('the checksum stays over the XML alone, so a pcitopo that knows no setting still opens the link', async () => {
    const link = await encodeShareLink({ v: 1, domain: '<domain/>', host: 'h', libvirtVersion: '9.0' }, BASE);
    const json = JSON.parse(inflateRawSync(Buffer.from(link.slice(link.indexOf('#/d/') + 4), 'base64url')).toString('utf8')) as Record<string, unknown>;
    expect(json).toMatchObject({ libvirtVersion: '9.0', crc: designChecksum('<domain/>', 'h') });
  });

  it('a value that is not a libvirt release is refused, naming the field', async () => {
    for (const bad of [9, 'latest', '9', '', '9.0; rm']) {
      const msg = await refused(linkOf(JSON.stringify({ v: 1, domain: '<domain/>', libvirtVersion: bad })));
      expect(msg).toMatch(/"libvirtVersion" .* not a libvirt release such as 9\.0/);
    }
  });
});

describe('share links: the encoding of a file whose text does not say it (UTF-16)', () => {
  const inflated = (link: string): Record<string, unknown> => JSON.parse(inflateRawSync(Buffer.from(link.slice(link.indexOf('#/d/') + 4), 'base64url')).toString('utf8')) as Record<string, unknown>;

  it('travels in version 1 (domain and host) and version 2 (one per domain) links', async () => {
    const one = await decoded(await encodeShareLink({ v: 1, domain: '\uFEFF<domain/>', host: '\uFEFF<device/>', encoding: 'UTF-16BE', hostEncoding: 'UTF-16LE' }, BASE));
    expect(one).toMatchObject({ encoding: 'UTF-16BE', hostEncoding: 'UTF-16LE' });
    const two = await decodeAnyShareLink(await encodeShareLink({ v: 2, domains: ['<a/>', '\uFEFF<b/>'], encodings: [null, 'UTF-16LE'] }, BASE));
    expect(two.ok && two.value.v === 2 && two.value.encodings).toEqual([null, 'UTF-16LE']);
  });

  it('a link with no such file is as it always was: no field in its JSON, none decoded', async () => {
    const link = await encodeShareLink({ v: 2, domains: ['<a/>', '<b/>'], encodings: [null, null] }, BASE);
    expect(Object.keys(inflated(link))).toEqual(['v', 'domains', 'crc']);
    expect(Object.keys(inflated(await encodeShareLink({ v: 1, domain: '<a/>' }, BASE)))).toEqual(['v', 'domain', 'crc']);
    const back = await decodeAnyShareLink(link);
    expect(back.ok && 'encodings' in back.value).toBe(false);
  });

  it('is outside the checksum, so a pcitopo that does not know it opens the link', async () => {
    const json = inflated(await encodeShareLink({ v: 1, domain: '\uFEFF<domain/>', encoding: 'UTF-16LE' }, BASE));
    expect(json['crc']).toBe(designChecksum('\uFEFF<domain/>', undefined));
  });

  it('a value that is not an encoding, or a list of the wrong length, is refused naming the field', async () => {
    expect(await refused(linkOf(JSON.stringify({ v: 1, domain: '<domain/>', encoding: 'EBCDIC' })))).toMatch(/"encoding" is "EBCDIC", not an encoding/);
    expect(await refused(linkOf(JSON.stringify({ v: 1, domain: '<domain/>', hostEncoding: 16 })))).toMatch(/"hostEncoding" is 16/);
    const short = await decodeAnyShareLink(linkOf(JSON.stringify({ v: 2, domains: ['<a/>', '<b/>'], encodings: ['UTF-16LE'] })));
    expect(short.ok ? 'opened' : short.error.message).toMatch(/"encodings" is not a list of 2 encodings/);
  });
});

describe('base64url', () => {
  it('matches Node for every length 0..64 and refuses non-canonical text', () => {
    for (let n = 0; n <= 64; n++) {
      const bytes = new Uint8Array(Array.from({ length: n }, (_, i) => (i * 37 + n * 11) & 0xff));
      const text = toBase64Url(bytes);
      expect(text).toBe(Buffer.from(bytes).toString('base64url'));
      expect(fromBase64Url(text)).toEqual(bytes);
    }
    expect(fromBase64Url('A')).toBeUndefined();
    expect(fromBase64Url('AB')).toBeUndefined(); // stray bits set: 'AA' is the canonical one byte 0
    expect(fromBase64Url('AA')).toEqual(new Uint8Array([0]));
    expect(fromBase64Url('AA==')).toBeUndefined();
  });
});
