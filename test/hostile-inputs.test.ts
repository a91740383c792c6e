import { describe, expect, it } from 'vitest';
import type { InputError, Result } from '../src/engine/index.ts';
import { DEMO_DOMAIN_XML, DEMO_HOST_XML, createDesign, decodeShareLink, encodeShareLink, importHost } from '../src/engine/index.ts';
import { toBase64Url } from '../src/engine/share/link.ts';

/**
 * Input from strangers (files, pasted text, share links): every importer answers with an
 * InputError that says what is wrong, and never throws. Sizes stay under the importers' limits
 * where the point is what the parser does with them.
 */

const MiB = 1024 * 1024;

function errorOf<T>(run: () => Result<T>): InputError {
  const r = run();
  if (r.ok) throw new Error('expected an input error');
  return r.error;
}

const domain = (xml: string) => () => createDesign(xml, undefined, 'hostile.xml');
const host = (xml: string) => () => importHost(xml, 'hostile-host.xml');

const withDisk = (inner: string) => DEMO_DOMAIN_XML.replace('  </devices>', `    ${inner}\n  </devices>`);
const withName = (text: string) => DEMO_HOST_XML.replace('<name>pci_0000_00_00_0</name>', `<name>${text}pci_0000_00_00_0</name>`);

describe('characters XML does not allow', () => {
  const bad: Array<[string, string, string]> = [
    ['a NUL byte', '\u0000', 'U+0000'],
    ['a control character', '\u0007', 'U+0007'],
    ['a lone high surrogate', '\uD800', 'U+D800'],
    ['a lone low surrogate', '\uDC00', 'U+DC00'],
    ['U+FFFE', '\uFFFE', 'U+FFFE'],
  ];
  for (const [name, ch, code] of bad) {
    it(`${name}: refused by both importers, with the line and the character named`, () => {
      const text = withDisk(`<disk type='file' device='disk'><source file='/x${ch}'/></disk>`);
      const at = text.indexOf(ch);
      const d = errorOf(domain(text));
      expect(d).toMatchObject({ code: 'malformed-xml', file: 'hostile.xml', line: text.slice(0, at).split('\n').length, column: at - text.lastIndexOf('\n', at - 1) });
      expect(d.message).toContain(code);
      const h = errorOf(host(withName(ch)));
      expect(h).toMatchObject({ code: 'malformed-xml', file: 'hostile-host.xml' });
      expect(h.message).toContain(code);
      expect(h.line).toBeGreaterThan(0);
    });
  }

  it('keeps characters XML allows: tabs, CR, LF, a surrogate pair, U+FFFD', () => {
    expect(createDesign(withDisk("<disk type='file' device='disk'><source file='/x\t\r\n😀\uFFFD'/></disk>")).ok).toBe(true);
    expect(importHost(withName('😀')).ok).toBe(true);
  });
});

describe('structure', () => {
  it('"]]>" in text is refused', () => {
    expect(errorOf(domain(withDisk("<disk type='file' device='disk'>]]></disk>"))).code).toBe('malformed-xml');
  });

  it('100 000 nested elements: a clear error, not a stack overflow', () => {
    const deep = '<a>'.repeat(100_000) + '</a>'.repeat(100_000);
    const d = errorOf(domain(DEMO_DOMAIN_XML.replace('<devices>', `<devices>${deep}`)));
    expect(d).toMatchObject({ code: 'malformed-xml', file: 'hostile.xml' });
    expect(d.message).toMatch(/nested too deeply/);
    const h = errorOf(host(DEMO_HOST_XML.replace('<name>', `${deep}<name>`)));
    expect(h).toMatchObject({ code: 'malformed-xml', file: 'hostile-host.xml' });
    expect(h.message).toMatch(/nested too deeply/);
  });

  it('too deep says where: the line and column of the first element nested more than 256 deep (domain and host)', () => {
    const deep = '\n' + '<a>'.repeat(100_000) + '</a>'.repeat(100_000);
    // <domain> 1, <devices> 2: the 255th <a> is the 257th level
    const xml = DEMO_DOMAIN_XML.replace('<devices>', `<devices>${deep}`);
    const line = xml.slice(0, xml.indexOf('<devices>')).split('\n').length + 1;
    expect(errorOf(domain(xml))).toMatchObject({ code: 'malformed-xml', line, column: 254 * 3 + 1, message: expect.stringContaining('nested more than 256 deep') });
    // the host reader stops at its 257th level too (elementTree MAX_DEPTH): <device> is 1, the 256th <a> 257
    const hostXml = DEMO_HOST_XML.replace('<name>', `${deep}<name>`);
    const hline = hostXml.slice(0, hostXml.indexOf(deep)).split('\n').length + 1;
    expect(errorOf(host(hostXml))).toMatchObject({ code: 'malformed-xml', line: hline, column: 255 * 3 + 1 });
  });

  it('a 20 MiB attribute is refused for its size; a 12 MiB one is read', () => {
    const big = (n: number) => withDisk(`<disk type='file' device='disk'><source file='${'a'.repeat(n)}'/></disk>`);
    expect(errorOf(domain(big(20 * MiB)))).toMatchObject({ code: 'too-large', file: 'hostile.xml' });
    expect(errorOf(host(withName('a'.repeat(20 * MiB))))).toMatchObject({ code: 'too-large', file: 'hostile-host.xml' });
    expect(createDesign(big(12 * MiB)).ok).toBe(true);
  });
});

describe('share links', () => {
  it('carries lone surrogates and NUL through the link, and the importer then refuses them', async () => {
    for (const text of ['<domain>\uD800</domain>', '<domain>\u0000</domain>']) {
      const back = await decodeShareLink(await encodeShareLink({ v: 1, domain: text }, 'https://example.org/'));
      expect(back.ok && back.value.domain).toBe(text);
      expect(errorOf(() => createDesign(text, undefined, 'share link')).code).toBe('malformed-xml');
    }
  });

  it('refuses damaged, oversized and bomb links with a message', async () => {
    const bad = async (link: string) => {
      const r = await decodeShareLink(link);
      if (r.ok) throw new Error('expected a refusal');
      expect(r.error.code).toBe('bad-share-link');
      return r.error.message;
    };
    expect(await bad('#/d/' + 'A'.repeat(5 * MiB))).toMatch(/up to 4 MiB/);
    expect(await bad('#/d/%%%')).toMatch(/not base64url/);
    expect(await bad('#/d/\uD800')).toMatch(/not base64url/);
    expect(await bad('#/d/AAAA')).toMatch(/not deflate/);
    const bomb = await encodeShareLink({ v: 1, domain: 'a'.repeat(20 * MiB) }, 'x');
    expect(await bad(bomb)).toMatch(/larger than 8 MiB/);
    // Valid deflate, but not UTF-8 inside.
    expect(await bad('#/d/' + toBase64Url(new Uint8Array([0x01, 0x01, 0x00, 0xfe, 0xff, 0xff])))).toMatch(/not JSON/);
  });
});
