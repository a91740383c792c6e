import { describe, expect, it } from 'vitest';
import { decodeXml, encodeXml, encodingBeyondText, encodingToWrite, firstUnwritable, utf8XmlBytes } from './decode.ts';
import type { XmlEncoding } from './decode.ts';

const bytes = (...parts: Array<string | number[]>): Uint8Array =>
  Uint8Array.from(parts.flatMap((p) => (typeof p === 'string' ? [...p].map((c) => c.charCodeAt(0)) : p)));
const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);

function roundTrips(input: Uint8Array, encoding: XmlEncoding): string {
  const r = decodeXml(input, 'f.xml');
  if (!r.ok) throw new Error(r.error.message);
  expect(r.value.encoding).toBe(encoding);
  const back = encodeXml(r.value.text, r.value.encoding);
  if (!back.ok) throw new Error(back.error.message);
  expect([...back.value]).toEqual([...input]);
  return r.value.text;
}

describe('decodeXml: which encoding', () => {
  it('no declaration and no BOM is UTF-8, decoded exactly', () => {
    expect(roundTrips(utf8("<domain><name>café 😀</name></domain>\n"), 'UTF-8')).toBe('<domain><name>café 😀</name></domain>\n');
  });
  it('a UTF-8 BOM stays in the text as U+FEFF and comes back', () => {
    expect(roundTrips(bytes([0xef, 0xbb, 0xbf], '<domain/>'), 'UTF-8')).toBe('\uFEFF<domain/>');
  });
  it('UTF-16 with either byte order mark, and without one when the file starts with <?', () => {
    const le = (s: string) => [...s].flatMap((c) => [c.charCodeAt(0) & 0xff, c.charCodeAt(0) >> 8]);
    const be = (s: string) => [...s].flatMap((c) => [c.charCodeAt(0) >> 8, c.charCodeAt(0) & 0xff]);
    expect(roundTrips(bytes([0xff, 0xfe], le('<a>é\u20ac</a>')), 'UTF-16LE')).toBe('\uFEFF<a>é€</a>');
    expect(roundTrips(bytes([0xfe, 0xff], be('<a>é</a>')), 'UTF-16BE')).toBe('\uFEFF<a>é</a>');
    expect(roundTrips(bytes(le("<?xml version='1.0' encoding='UTF-16'?><a/>")), 'UTF-16LE')).toContain('<a/>');
    expect(roundTrips(bytes(be("<?xml version='1.0'?><a/>")), 'UTF-16BE')).toContain('<a/>');
    // a surrogate pair survives; half of one is refused with its place
    expect(roundTrips(bytes([0xff, 0xfe], le('<a>'), [0x3d, 0xd8, 0x00, 0xde], le('</a>')), 'UTF-16LE')).toBe('\uFEFF<a>😀</a>');
    const half = decodeXml(bytes([0xff, 0xfe], le('<a>\n'), [0x3d, 0xd8], le('</a>')), 'f.xml');
    expect(half).toMatchObject({ ok: false, error: { code: 'malformed-xml', line: 2, column: 1 } });
  });
  it('a declared ISO-8859-1 is read one byte a character and written back the same bytes', () => {
    const input = bytes("<?xml version='1.0' encoding='ISO-8859-1'?>\n<domain><description>caf", [0xe9], '</description></domain>\n');
    expect(roundTrips(input, 'ISO-8859-1')).toContain('café');
    expect(roundTrips(bytes("<?xml version=\"1.0\" encoding=\"latin1\"?><a>", [0xff, 0xa0], '</a>'), 'ISO-8859-1')).toContain('ÿ\u00a0');
  });
  it('a declared windows-1252 maps 0x80-0x9F as the code page does, and back', () => {
    expect(roundTrips(bytes("<?xml version='1.0' encoding='windows-1252'?><a>", [0x80, 0x93, 0x94], '</a>'), 'windows-1252')).toContain('€“”');
  });
  it('a declared UTF-8 is UTF-8', () => {
    expect(roundTrips(utf8("<?xml version='1.0' encoding='utf-8'?><a>é</a>"), 'UTF-8')).toContain('é');
  });
});

describe('decodeXml: refusals name the byte and where it is', () => {
  it('a Latin-1 byte without a declaration: line and column of the byte, and how to fix it', () => {
    const r = decodeXml(bytes('<domain>\n  <name>caf', [0xe9], '</name>\n</domain>\n'), 'g.xml');
    expect(r).toMatchObject({ ok: false, error: { code: 'malformed-xml', file: 'g.xml', line: 2, column: 12 } });
    if (!r.ok) expect(r.error.message).toMatch(/byte 0xE9 is not UTF-8: the file declares no encoding.*iconv -f ISO-8859-1 -t UTF-8/);
  });
  it('the column counts characters, not bytes, before the bad one', () => {
    const r = decodeXml(bytes('<a>', [0xc3, 0xa9, 0xf0, 0x9f, 0x98, 0x80], 'x', [0xff], '</a>'));
    // '<a>' 3 + 'é' 1 + '😀' 2 UTF-16 units + 'x' 1 = 7 before it
    expect(r).toMatchObject({ ok: false, error: { line: 1, column: 8 } });
  });
  const bad: Array<[string, number[]]> = [
    ['a lone continuation byte', [0x80]],
    ['a truncated sequence', [0xe2, 0x82]],
    ['an overlong encoding', [0xc0, 0xaf]],
    ['an encoded surrogate', [0xed, 0xa0, 0x80]],
    ['a code point above U+10FFFF', [0xf4, 0x90, 0x80, 0x80]],
  ];
  for (const [what, seq] of bad) {
    it(`${what} in a file declared UTF-8 is refused at its first byte`, () => {
      const r = decodeXml(bytes("<?xml version='1.0' encoding='UTF-8'?>\n<a>ok", seq, '</a>'), 'u.xml');
      expect(r).toMatchObject({ ok: false, error: { code: 'malformed-xml', line: 2, column: 6 } });
      if (!r.ok) expect(r.error.message).toContain(`byte 0x${(seq[0] as number).toString(16).toUpperCase()} is not UTF-8: the file is UTF-8 (encoding='UTF-8')`);
    });
  }
  it('a byte above 0x7F in a file declared US-ASCII', () => {
    const r = decodeXml(bytes("<?xml version='1.0' encoding='US-ASCII'?>\n<a>", [0xe9], '</a>'));
    expect(r).toMatchObject({ ok: false, error: { code: 'malformed-xml', line: 2, column: 4 } });
    if (!r.ok) expect(r.error.message).toContain('byte 0xE9 is not US-ASCII');
  });
  it('a byte windows-1252 leaves undefined', () => {
    expect(decodeXml(bytes("<?xml version='1.0' encoding='cp1252'?><a>", [0x81], '</a>'))).toMatchObject({ ok: false, error: { line: 1, column: 43 } });
  });
  it('an encoding pcitopo does not read is refused at the declaration, with the iconv line', () => {
    const r = decodeXml(bytes("<?xml version='1.0' encoding='Shift_JIS'?><a/>"), 's.xml');
    expect(r).toMatchObject({ ok: false, error: { code: 'unsupported', file: 's.xml', line: 1, column: 31 } });
    if (!r.ok) expect(r.error.message).toContain('iconv -f Shift_JIS -t UTF-8');
  });
  it('UTF-16 declared on one-byte-a-character text', () => {
    expect(decodeXml(bytes("<?xml version='1.0' encoding='UTF-16'?><a/>"))).toMatchObject({ ok: false, error: { code: 'malformed-xml', line: 1 } });
  });
  it('an odd number of bytes in UTF-16', () => {
    expect(decodeXml(bytes([0xff, 0xfe, 0x3c, 0x00, 0x61]))).toMatchObject({ ok: false, error: { code: 'malformed-xml' } });
  });
});

describe('decodeXml: a byte order mark and a declaration that disagree (libxml2, which libvirt reads with, does not read them our way)', () => {
  const le = (s: string) => [...Buffer.from(s, 'utf16le')];
  const be = (s: string) => [...Buffer.from(s, 'utf16le').swap16()];
  const decl = (name: string) => `<?xml version='1.0' encoding='${name}'?>\n<domain type='kvm'><name>caf\u00e9</name></domain>\n`;
  const refused = (input: Uint8Array) => {
    const r = decodeXml(input, 'f.xml');
    if (r.ok) throw new Error(`read as ${r.value.encoding}`);
    return r.error;
  };
  it('UTF-16 with a BOM declaring ISO-8859-1: refused at the declared name, naming both (xmllint: "Char 0x0 out of allowed range")', () => {
    const e = refused(bytes([0xff, 0xfe], le(decl('ISO-8859-1'))));
    expect(e).toMatchObject({ code: 'malformed-xml', file: 'f.xml', line: 1, column: 31 });
    expect(e.message).toBe("the file starts with a UTF-16LE byte order mark, so it is UTF-16LE, but its XML declaration says encoding='ISO-8859-1': libvirt's XML parser (libxml2) would read it as ISO-8859-1, not UTF-16LE, or refuse it; change the declaration to encoding='UTF-16'");
    expect(refused(bytes([0xfe, 0xff], be(decl('windows-1252')))).message).toContain('a UTF-16BE byte order mark, so it is UTF-16BE, but its XML declaration says encoding=\'windows-1252\'');
  });
  it('UTF-16 without a BOM (found from its "<?") declaring a one-byte encoding or the other byte order, likewise', () => {
    expect(refused(bytes(le(decl('latin1')))).message).toContain("starts with '<?' in UTF-16LE, so it is UTF-16LE, but its XML declaration says encoding='latin1'");
    expect(refused(bytes(be(decl('US-ASCII')))).message).toContain("'<?' in UTF-16BE");
    expect(refused(bytes([0xff, 0xfe], le(decl('UTF-16BE')))).message).toContain("encoding='UTF-16BE'");
    expect(refused(bytes([0xff, 0xfe], le(decl('EBCDIC-US')))).column).toBe(31);
  });
  it('UTF-16 declaring UTF-16, its own byte order, or UTF-8 (libxml2 ignores that one) is read', () => {
    for (const name of ['UTF-16', 'utf-16le', 'UTF-8']) expect(roundTrips(bytes([0xff, 0xfe], le(decl(name))), 'UTF-16LE')).toContain('café');
    expect(roundTrips(bytes([0xfe, 0xff], be(decl('UTF-16BE'))), 'UTF-16BE')).toContain('café');
    expect(roundTrips(bytes(le(decl('UTF-16'))), 'UTF-16LE')).toContain('café');
  });
  it('a UTF-8 BOM declaring a one-byte encoding with a byte over 0x7F (libxml2 reads é as Ã©), or UTF-16 or an unknown one: refused', () => {
    const e = refused(bytes([0xef, 0xbb, 0xbf], [...utf8(decl('ISO-8859-1'))]));
    expect(e).toMatchObject({ line: 1, column: 31 });
    expect(e.message).toBe("the file starts with a UTF-8 byte order mark, so it is UTF-8, but its XML declaration says encoding='ISO-8859-1': libvirt's XML parser (libxml2) would read it as ISO-8859-1, not UTF-8, or refuse it; change the declaration to encoding='UTF-8'");
    for (const name of ['windows-1252', 'US-ASCII', 'UTF-16', 'EBCDIC-US']) expect(refused(bytes([0xef, 0xbb, 0xbf], [...utf8(decl(name))])).message).toContain(`encoding='${name}'`);
    expect(refused(bytes([0xef, 0xbb, 0xbf], "<?xml version='1.0' encoding='UTF-16'?><a/>")).column).toBe(31);
  });
  it('a UTF-8 BOM declaring a one-byte encoding over ASCII only reads the same either way: read (xmllint too)', () => {
    expect(roundTrips(bytes([0xef, 0xbb, 0xbf], "<?xml version='1.0' encoding='ISO-8859-1'?><a>cafe</a>"), 'UTF-8')).toBe("\uFEFF<?xml version='1.0' encoding='ISO-8859-1'?><a>cafe</a>");
    expect(roundTrips(bytes([0xef, 0xbb, 0xbf], [...utf8(decl('UTF-8'))]), 'UTF-8')).toContain('café');
  });
});

describe('encodeXml', () => {
  it('refuses a character the encoding cannot hold, naming where', () => {
    expect(encodeXml('<a>\n€</a>', 'ISO-8859-1', 'f.xml')).toMatchObject({ ok: false, error: { code: 'unsupported', file: 'f.xml', line: 2, column: 1 } });
    expect(encodeXml('<a>é</a>', 'US-ASCII')).toMatchObject({ ok: false, error: { line: 1, column: 4 } });
    expect(encodeXml('<a>€</a>', 'windows-1252')).toMatchObject({ ok: true });
  });
});

describe('firstUnwritable: what encodeXml refuses, said whole', () => {
  it('the first character the encoding cannot hold, where encodeXml says it is; none when all fit', () => {
    expect(firstUnwritable('<a>é\n  €</a>', 'ISO-8859-1')).toEqual({ codePoint: 0x20ac, line: 2, column: 3 });
    expect(firstUnwritable('<a>é</a>', 'US-ASCII')).toEqual({ codePoint: 0xe9, line: 1, column: 4 });
    expect(firstUnwritable('<a>é€Ÿ</a>', 'windows-1252')).toBeUndefined();
    expect(firstUnwritable('<a>\u0081</a>', 'windows-1252')).toEqual({ codePoint: 0x81, line: 1, column: 4 });
    expect(firstUnwritable('<a>é€Ā😀</a>', 'UTF-8')).toBeUndefined();
    expect(firstUnwritable('<a>😀</a>', 'UTF-16LE')).toBeUndefined();
  });
  it('a character beyond U+FFFF is one character (encodeXml names it so too); a lone surrogate is refused in every encoding', () => {
    expect(firstUnwritable('<a>😀</a>', 'ISO-8859-1')).toEqual({ codePoint: 0x1f600, line: 1, column: 4 });
    expect(encodeXml('<a>😀</a>', 'ISO-8859-1')).toMatchObject({ ok: false, error: { message: "character U+1F600 cannot be written in the file's encoding ISO-8859-1" } });
    for (const e of ['UTF-8', 'UTF-16BE', 'ISO-8859-1'] as const) {
      expect(firstUnwritable('<a>\uD83D</a>', e)).toEqual({ codePoint: 0xd83d, line: 1, column: 4 });
      expect(firstUnwritable('<a>\uDE00x</a>', e)).toEqual({ codePoint: 0xde00, line: 1, column: 4 });
    }
  });
});

describe('utf8XmlBytes: the way out that loses no character', () => {
  const text = (b: Uint8Array) => new TextDecoder().decode(b);
  it("changes only the declaration's encoding name, keeping its quotes", () => {
    const r = utf8XmlBytes("<?xml version='1.0' encoding='ISO-8859-1'?>\n<a>é€</a>");
    expect(r.ok && text(r.value)).toBe("<?xml version='1.0' encoding='UTF-8'?>\n<a>é€</a>");
    const d = utf8XmlBytes('<?xml version="1.0" encoding="EBCDIC-US" standalone="yes"?><a/>');
    expect(d.ok && text(d.value)).toBe('<?xml version="1.0" encoding="UTF-8" standalone="yes"?><a/>');
  });
  it('a text that is UTF-8 already (no declaration, none in it, or a UTF-8 one) is only encoded', () => {
    for (const t of ['<a>€</a>', "<?xml version='1.0'?><a>€</a>", "<?xml version='1.0' encoding='utf8'?><a>€</a>"]) {
      const r = utf8XmlBytes(t);
      expect(r.ok && text(r.value)).toBe(t);
    }
  });
  it('a lone surrogate is refused where it is, never written as U+FFFD', () => {
    expect(utf8XmlBytes("<?xml version='1.0' encoding='latin1'?>\n<a>\uD83D</a>", 'f.xml')).toMatchObject({ ok: false, error: { code: 'unsupported', file: 'f.xml', line: 2, column: 4 } });
  });
});

describe('encodingBeyondText: what a design keeps of its file besides the text', () => {
  const kept = (input: Uint8Array) => {
    const r = decodeXml(input, 'f.xml');
    if (!r.ok) throw new Error(r.error.message);
    return { kept: encodingBeyondText(r.value), text: r.value.text, encoding: r.value.encoding };
  };
  it('nothing for a file whose text says its encoding (UTF-8, with or without BOM; a declared Latin-1)', () => {
    expect(kept(utf8('<domain/>')).kept).toBeUndefined();
    expect(kept(utf8('\uFEFF<domain/>')).kept).toBeUndefined();
    expect(kept(bytes("<?xml version='1.0' encoding='ISO-8859-1'?><domain>caf", [0xe9], '</domain>')).kept).toBeUndefined();
  });
  it('UTF-16 in either byte order, whatever its declaration says; a UTF-8 file declaring another encoding', () => {
    expect(kept(bytes([0xff, 0xfe], [0x3c, 0, 0x61, 0, 0x2f, 0, 0x3e, 0])).kept).toBe('UTF-16LE');
    expect(kept(bytes([0xfe, 0xff], [0, 0x3c, 0, 0x61, 0, 0x2f, 0, 0x3e])).kept).toBe('UTF-16BE');
    expect(kept(bytes([0xff, 0xfe], [...Buffer.from("<?xml version='1.0' encoding='UTF-8'?><a/>", 'utf16le')])).kept).toBe('UTF-16LE');
    expect(kept(bytes([0xef, 0xbb, 0xbf], "<?xml version='1.0' encoding='ISO-8859-1'?><a/>")).kept).toBe('UTF-8');
  });
  it('encodingToWrite: the kept one first, else the declaration, UTF-8 without one, undefined for one pcitopo cannot write', () => {
    for (const input of [bytes([0xfe, 0xff], [0, 0x3c, 0, 0x61, 0, 0x2f, 0, 0x3e]), bytes("<?xml version='1.0' encoding='windows-1252'?><a>", [0x80], '</a>'), utf8('<a>\u00e9</a>')]) {
      const k = kept(input);
      expect(encodingToWrite(k.text, k.kept)).toBe(k.encoding);
    }
    expect(encodingToWrite("<?xml version='1.0' encoding='EBCDIC'?><a/>")).toBeUndefined();
  });
});
