import type { Result } from '../errors.ts';
import { fail, ok } from '../errors.ts';
import type { XmlEncoding } from '../model/encoding.ts';

/**
 * Bytes to XML text and back, strictly: a byte that is not in the file's encoding is refused with
 * its line and column, never turned into U+FFFD (issue 11: "never change a byte silently").
 *
 * Which encoding (XML 1.0 §4.3.3 and Appendix F, as libxml2 reads libvirt's files):
 *  - a byte order mark decides: EF BB BF is UTF-8, FF FE UTF-16LE, FE FF UTF-16BE;
 *  - without one, `3C 00 3F 00` / `00 3C 00 3F` (`<?` in UTF-16) is UTF-16LE / BE;
 *  - otherwise the declaration's `encoding=` names it, and no declaration means UTF-8.
 * UTF-8 and UTF-16 are decoded fatally. A declared ISO-8859-1, US-ASCII or windows-1252 is decoded
 * losslessly (one byte, one character) and `encodeXml` writes the same bytes back; any other
 * declared encoding is refused with a message that says how to convert the file.
 *
 * The BOM stays in the text as U+FEFF, so encoding the text again gives the same bytes.
 * Pure: no DOM, no Node; TextDecoder and TextEncoder (browsers, Node >= 11) are the only globals.
 */

// The engine compiles without the DOM lib: the two globals, declared minimally for this file.
declare const TextDecoder: new (label: 'utf-8', options: { fatal: boolean; ignoreBOM: boolean }) => { decode(bytes: Uint8Array): string };
declare const TextEncoder: new () => { encode(text: string): Uint8Array };

export type { XmlEncoding };

export interface DecodedXml {
  /** the document's text; a byte order mark is kept as U+FEFF */
  readonly text: string;
  /** the encoding its bytes were in: `encodeXml(text, encoding)` gives them back */
  readonly encoding: XmlEncoding;
  /** the encoding came from the `encoding=` declaration (not from a BOM or the UTF-8 default) */
  readonly declared: boolean;
}

/** The encodings read, under the names (lower case) the XML declaration may give them. */
const NAMES: Readonly<Record<string, XmlEncoding>> = {
  'utf-8': 'UTF-8',
  utf8: 'UTF-8',
  'utf-16': 'UTF-16LE',
  'utf-16le': 'UTF-16LE',
  'utf-16be': 'UTF-16BE',
  'iso-8859-1': 'ISO-8859-1',
  iso_8859_1: 'ISO-8859-1',
  'iso_8859-1': 'ISO-8859-1',
  iso8859_1: 'ISO-8859-1',
  'iso8859-1': 'ISO-8859-1',
  latin1: 'ISO-8859-1',
  'latin-1': 'ISO-8859-1',
  l1: 'ISO-8859-1',
  'us-ascii': 'US-ASCII',
  ascii: 'US-ASCII',
  'windows-1252': 'windows-1252',
  cp1252: 'windows-1252',
};

/** windows-1252's 0x80-0x9F; 0 where the code page leaves the byte undefined. */
const CP1252_HIGH = [
  0x20ac, 0, 0x201a, 0x0192, 0x201e, 0x2026, 0x2020, 0x2021, 0x02c6, 0x2030, 0x0160, 0x2039, 0x0152, 0, 0x017d, 0,
  0, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014, 0x02dc, 0x2122, 0x0161, 0x203a, 0x0153, 0, 0x017e, 0x0178,
];
const CP1252_BACK = new Map<number, number>(CP1252_HIGH.flatMap((cp, i) => (cp === 0 ? [] : [[cp, 0x80 + i] as const])));

const hex2 = (b: number): string => `0x${b.toString(16).toUpperCase().padStart(2, '0')}`;

/**
 * Decodes a domain or node-device XML file's bytes. `file` names it in errors.
 * Errors: `malformed-xml` with line and column of the first byte that is not in the encoding;
 * `unsupported` for a declared encoding pcitopo does not read (with the iconv line to convert it).
 */
export function decodeXml(bytes: Uint8Array, file?: string): Result<DecodedXml> {
  const b0 = bytes[0];
  const b1 = bytes[1];
  if (b0 === 0xef && b1 === 0xbb && bytes[2] === 0xbf) {
    const decl = declaration(bytes.subarray(3));
    const named = decl && NAMES[decl.name.toLowerCase()];
    // a one-byte encoding reads ASCII as UTF-8 does: only a byte over 0x7F reads otherwise
    const oneByte = named === 'ISO-8859-1' || named === 'US-ASCII' || named === 'windows-1252';
    if (decl && named !== 'UTF-8' && (!oneByte || bytes.subarray(3).some((b) => b > 0x7f))) return conflict(file, 'a UTF-8 byte order mark', decl, 'UTF-8');
    return utf8(bytes, file, false, 'UTF-8 byte order mark');
  }
  if (b0 === 0xff && b1 === 0xfe) return utf16Checked(bytes, file, true, 'a UTF-16LE byte order mark');
  if (b0 === 0xfe && b1 === 0xff) return utf16Checked(bytes, file, false, 'a UTF-16BE byte order mark');
  if (b0 === 0x3c && b1 === 0x00 && bytes[2] === 0x3f && bytes[3] === 0x00) return utf16Checked(bytes, file, true, "'<?' in UTF-16LE");
  if (b0 === 0x00 && b1 === 0x3c && bytes[2] === 0x00 && bytes[3] === 0x3f) return utf16Checked(bytes, file, false, "'<?' in UTF-16BE");

  const decl = declaration(bytes);
  if (!decl) return utf8(bytes, file, false, undefined);
  const encoding = NAMES[decl.name.toLowerCase()];
  if (encoding === undefined) {
    return fail({
      code: 'unsupported',
      file,
      line: 1,
      column: decl.column,
      message: `the file declares encoding '${decl.name}', which pcitopo does not read (it reads UTF-8, UTF-16, ISO-8859-1, US-ASCII and windows-1252); convert it with: iconv -f ${decl.name} -t UTF-8, and change the declaration to encoding='UTF-8'`,
    });
  }
  if (encoding === 'UTF-8') return utf8(bytes, file, true, "encoding='UTF-8'");
  if (encoding === 'UTF-16LE' || encoding === 'UTF-16BE') {
    return fail({ code: 'malformed-xml', file, line: 1, column: decl.column, message: `the file declares encoding '${decl.name}' but its bytes are not UTF-16 (no byte order mark, and '<?xml' is one byte a character)` });
  }
  return singleByte(bytes, file, encoding);
}

/**
 * A byte order mark (or UTF-16's byte pattern) decides the encoding, and a declaration naming another
 * is a conflict libxml2, which libvirt reads domains with, does not resolve our way: it switches to the
 * declared encoding (xmlSwitchEncoding, libxml2 2.9.14 as `xmllint` here shows), so a UTF-16 file
 * declaring ISO-8859-1 fails on its zero bytes and a UTF-8 one with a BOM reads 'é' as 'Ã©'. Refused
 * at the declared name's line and column, naming both. libxml2 accepts, and so does this, a UTF-16
 * file declaring UTF-8 (it ignores that declaration), 'UTF-16', or the BOM's own byte order; and a
 * UTF-8 BOM before a one-byte encoding's name when every byte after the BOM is ASCII (both read the same text).
 */
function conflict(file: string | undefined, found: string, decl: { name: string; column: number }, is: XmlEncoding): Result<never> {
  const name = is === 'UTF-8' ? 'UTF-8' : 'UTF-16';
  return fail({
    code: 'malformed-xml',
    file,
    line: 1,
    column: decl.column,
    message: `the file starts with ${found}, so it is ${is}, but its XML declaration says encoding='${decl.name}': libvirt's XML parser (libxml2) would read it as ${decl.name}, not ${is}, or refuse it; change the declaration to encoding='${name}'`,
  });
}

/** UTF-16, found from its BOM or byte pattern (`found`), checked against what its declaration names. */
function utf16Checked(bytes: Uint8Array, file: string | undefined, le: boolean, found: string): Result<DecodedXml> {
  const r = utf16(bytes, file, le);
  if (!r.ok) return r;
  const m = DECLARED.exec(r.value.text.slice(0, 512));
  if (!m) return r;
  const name = m[3] as string;
  const lower = name.toLowerCase();
  const fits = lower === 'utf-16' || NAMES[lower] === 'UTF-8' || NAMES[lower] === r.value.encoding;
  if (fits) return r;
  // the column an editor shows: the BOM takes none
  const column = (m[1] as string).length + 2 - (r.value.text.startsWith('\uFEFF') ? 1 : 0);
  return conflict(file, found, { name, column }, r.value.encoding);
}

/**
 * Encodes text for writing back in `encoding` (the one `decodeXml` found). Fails, naming line and
 * column, for a character the encoding cannot hold (only a character an edit added can be one).
 */
export function encodeXml(text: string, encoding: XmlEncoding, file?: string): Result<Uint8Array> {
  if (encoding === 'UTF-8') return ok(new TextEncoder().encode(text));
  if (encoding === 'UTF-16LE' || encoding === 'UTF-16BE') {
    const out = new Uint8Array(text.length * 2);
    const le = encoding === 'UTF-16LE';
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      out[2 * i] = le ? c & 0xff : c >> 8;
      out[2 * i + 1] = le ? c >> 8 : c & 0xff;
    }
    return ok(out);
  }
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    const byte = c < 0x80 ? c : encoding === 'ISO-8859-1' && c <= 0xff ? c : encoding === 'windows-1252' ? (c >= 0xa0 && c <= 0xff ? c : CP1252_BACK.get(c)) : undefined;
    if (byte === undefined) {
      const { line, column } = position(text, i);
      // the whole character, not the first half of a surrogate pair
      const cp = text.codePointAt(i) as number;
      return fail({ code: 'unsupported', file, line, column, message: `character U+${cp.toString(16).toUpperCase().padStart(4, '0')} cannot be written in the file's encoding ${encoding}` });
    }
    out[i] = byte;
  }
  return ok(out);
}

/** A character of a text that an encoding cannot hold: what {@link encodeXml} refuses, said whole. */
export interface UnwritableCharacter {
  /** the character's code point (a surrogate pair is one character; a lone surrogate is its own code unit) */
  readonly codePoint: number;
  /** 1-based, counted as encodeXml's error counts them (the column in UTF-16 code units) */
  readonly line: number;
  readonly column: number;
}

const isHighUnit = (c: number): boolean => c >= 0xd800 && c <= 0xdbff;
const isLowUnit = (c: number): boolean => c >= 0xdc00 && c <= 0xdfff;

/**
 * The first character of `text` that `encoding` cannot hold, undefined when every one fits: for
 * ISO-8859-1, US-ASCII and windows-1252 what {@link encodeXml} refuses; in any encoding a lone
 * surrogate (half of a pair), which no encoding holds: TextEncoder would write it as U+FFFD, and
 * decodeXml refuses its UTF-16 bytes. For a message that names what and where.
 */
export function firstUnwritable(text: string, encoding: XmlEncoding): UnwritableCharacter | undefined {
  const wide = encoding === 'UTF-8' || encoding === 'UTF-16LE' || encoding === 'UTF-16BE';
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) continue;
    if (isHighUnit(c) && isLowUnit(text.charCodeAt(i + 1))) {
      if (wide) {
        i++;
        continue;
      }
    } else if (isHighUnit(c) || isLowUnit(c)) {
      return { codePoint: c, ...position(text, i) };
    } else if (wide || (encoding === 'ISO-8859-1' && c <= 0xff) || (encoding === 'windows-1252' && ((c >= 0xa0 && c <= 0xff) || CP1252_BACK.has(c)))) {
      continue;
    }
    return { codePoint: text.codePointAt(i) as number, ...position(text, i) };
  }
  return undefined;
}

/** An XML declaration at the very start (after a BOM) with `encoding=`: [whole, up to the quote, quote, name]. */
const DECLARED = /^(\uFEFF?<\?xml\s[^?]*?\bencoding\s*=\s*)(["'])([^"']*)\2/;

/**
 * The name a text's XML declaration gives in `encoding=`, as written ('latin1', 'EBCDIC-US');
 * undefined without a declaration or without `encoding=` in it.
 */
export function declaredEncodingName(text: string): string | undefined {
  return DECLARED.exec(text.slice(0, 512))?.[3];
}

/**
 * `text` with its XML declaration's `encoding=` saying UTF-8 (its quotes and everything else as
 * they were), as UTF-8 bytes: the way out that loses no character when the file's own encoding
 * cannot hold one an edit added. A text without a declaration, or whose declaration names no
 * encoding, is UTF-8 already and only encoded. Error `unsupported`, naming line and column, for a
 * lone surrogate (see {@link firstUnwritable}), never written as U+FFFD.
 */
export function utf8XmlBytes(text: string, file?: string): Result<Uint8Array> {
  const m = DECLARED.exec(text.slice(0, 512));
  const out = m && NAMES[(m[3] as string).toLowerCase()] !== 'UTF-8' ? `${m[1] as string}${m[2] as string}UTF-8${m[2] as string}${text.slice(m[0].length)}` : text;
  const bad = firstUnwritable(out, 'UTF-8');
  if (bad) return fail({ code: 'unsupported', file, line: bad.line, column: bad.column, message: `U+${bad.codePoint.toString(16).toUpperCase().padStart(4, '0')} is half of a surrogate pair, not a character: no encoding can write it` });
  return ok(new TextEncoder().encode(out));
}

/**
 * The encoding a text's own XML declaration names (UTF-8 when it names none), for writing out a
 * text that came without its bytes (a share link); undefined when it names one pcitopo cannot write.
 */
export function declaredEncoding(text: string): XmlEncoding | undefined {
  const name = declaredEncodingName(text);
  return name === undefined ? 'UTF-8' : NAMES[name.toLowerCase()];
}

/**
 * What a design must keep of its file's encoding besides the text, so that its bytes can be written
 * back: the encoding the bytes were in when the text's own declaration would not give it again
 * ({@link declaredEncoding}): UTF-16 (known from the byte order mark or the byte pattern, which the
 * text does not keep), or a UTF-8 file whose declaration names another encoding. Undefined when the
 * text says it (UTF-8 without a declaration, a declared ISO-8859-1): nothing more to keep, so a
 * share link of such a document stays as it always was.
 */
export function encodingBeyondText(d: Pick<DecodedXml, 'text' | 'encoding'>): XmlEncoding | undefined {
  return declaredEncoding(d.text) === d.encoding ? undefined : d.encoding;
}

/**
 * The encoding to write a document's text in: `kept` (what {@link encodingBeyondText} gave when the
 * file was read) when there is one, else the one its declaration names (UTF-8 without one); undefined
 * when it declares one pcitopo cannot write.
 */
export function encodingToWrite(text: string, kept?: XmlEncoding): XmlEncoding | undefined {
  return kept ?? declaredEncoding(text);
}

/**
 * Why `text` cannot be a file's text in `kept` (an encoding carried beside it, as share links carry
 * it outside their checksum), or undefined when it can: the bytes {@link encodeXml} gives must
 * decode ({@link decodeXml}) to the same text in the same encoding, so a link never makes pcitopo
 * write a file its own import (and libvirt's libxml2) refuses, such as UTF-16LE bytes under a
 * declaration of ISO-8859-1 (decodeXml's byte-order-mark versus declaration rule). A character
 * `kept` cannot hold is no reason here: export names it and offers UTF-8.
 */
export function keptEncodingProblem(text: string, kept: XmlEncoding): string | undefined {
  const bytes = encodeXml(text, kept);
  if (!bytes.ok) return undefined;
  const back = decodeXml(bytes.value);
  if (!back.ok) return back.error.message;
  if (back.value.encoding !== kept || back.value.text !== text) return `its ${kept} bytes read back as ${back.value.encoding}${back.value.text === text ? '' : ', another text'}`;
  return undefined;
}

/** The `encoding=` of an `<?xml …?>` declaration at the very start, read as ASCII. */
function declaration(bytes: Uint8Array): { name: string; column: number } | undefined {
  if (bytes[0] !== 0x3c || bytes[1] !== 0x3f) return undefined;
  let head = '';
  for (let i = 0; i < Math.min(bytes.length, 512); i++) {
    const b = bytes[i] as number;
    if (b > 0x7f) break;
    head += String.fromCharCode(b);
    if (head.endsWith('?>')) break;
  }
  const m = /^<\?xml\s[^?]*?\bencoding\s*=\s*(["'])([^"']*)\1/.exec(head);
  if (!m) return undefined;
  return { name: m[2] as string, column: m.index + m[0].length - (m[2] as string).length };
}

function utf8(bytes: Uint8Array, file: string | undefined, declared: boolean, why: string | undefined): Result<DecodedXml> {
  try {
    return ok({ text: new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes), encoding: 'UTF-8', declared });
  } catch {
    const at = firstBadUtf8(bytes);
    const { line, column } = bytePosition(bytes, at);
    const said = why ? `the file is UTF-8 (${why})` : 'the file declares no encoding, so it is UTF-8';
    return fail({
      code: 'malformed-xml',
      file,
      line,
      column,
      message: `byte ${hex2(bytes[at] ?? 0)} is not UTF-8: ${said}; if it is Latin-1, convert it with iconv -f ISO-8859-1 -t UTF-8 or declare <?xml version='1.0' encoding='ISO-8859-1'?>`,
    });
  }
}

function utf16(bytes: Uint8Array, file: string | undefined, le: boolean): Result<DecodedXml> {
  const encoding: XmlEncoding = le ? 'UTF-16LE' : 'UTF-16BE';
  if (bytes.length % 2 !== 0) {
    return fail({ code: 'malformed-xml', file, ...bytePosition16(bytes, le, bytes.length - 1), message: `the file is ${encoding} but has an odd number of bytes (its last byte is cut)` });
  }
  let text = '';
  const CHUNK = 8192;
  const units: number[] = [];
  for (let i = 0; i < bytes.length; i += 2) {
    const u = le ? (bytes[i] as number) | ((bytes[i + 1] as number) << 8) : ((bytes[i] as number) << 8) | (bytes[i + 1] as number);
    const high = u >= 0xd800 && u <= 0xdbff;
    const low = u >= 0xdc00 && u <= 0xdfff;
    if (low || (high && !isLow(bytes, i + 2, le))) {
      return fail({ code: 'malformed-xml', file, ...bytePosition16(bytes, le, i), message: `the 16-bit unit 0x${u.toString(16).toUpperCase().padStart(4, '0')} is half a surrogate pair: not ${encoding}` });
    }
    units.push(u);
    if (high) {
      i += 2;
      units.push(le ? (bytes[i] as number) | ((bytes[i + 1] as number) << 8) : ((bytes[i] as number) << 8) | (bytes[i + 1] as number));
    }
    if (units.length >= CHUNK) text += String.fromCharCode(...units.splice(0));
  }
  text += String.fromCharCode(...units);
  return ok({ text, encoding, declared: false });
}

function isLow(bytes: Uint8Array, i: number, le: boolean): boolean {
  if (i + 1 >= bytes.length) return false;
  const u = le ? (bytes[i] as number) | ((bytes[i + 1] as number) << 8) : ((bytes[i] as number) << 8) | (bytes[i + 1] as number);
  return u >= 0xdc00 && u <= 0xdfff;
}

function singleByte(bytes: Uint8Array, file: string | undefined, encoding: 'ISO-8859-1' | 'US-ASCII' | 'windows-1252'): Result<DecodedXml> {
  let text = '';
  const CHUNK = 8192;
  const codes: number[] = [];
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i] as number;
    let c: number | undefined = b;
    if (b >= 0x80) {
      if (encoding === 'US-ASCII') c = undefined;
      else if (encoding === 'windows-1252' && b < 0xa0) c = CP1252_HIGH[b - 0x80] || undefined;
    }
    if (c === undefined) {
      return fail({ code: 'malformed-xml', file, ...singleBytePosition(bytes, i), message: `byte ${hex2(b)} is not ${encoding}, the encoding the file declares` });
    }
    codes.push(c);
    if (codes.length >= CHUNK) text += String.fromCharCode(...codes.splice(0));
  }
  text += String.fromCharCode(...codes);
  return ok({ text, encoding, declared: true });
}

/** Offset of the first byte that does not start or continue a well-formed UTF-8 sequence (Unicode 15, table 3-7). */
function firstBadUtf8(bytes: Uint8Array): number {
  const cont = (i: number, lo = 0x80, hi = 0xbf): boolean => i < bytes.length && (bytes[i] as number) >= lo && (bytes[i] as number) <= hi;
  for (let i = 0; i < bytes.length; ) {
    const b = bytes[i] as number;
    if (b < 0x80) i++;
    else if (b >= 0xc2 && b <= 0xdf && cont(i + 1)) i += 2;
    else if (b === 0xe0 && cont(i + 1, 0xa0) && cont(i + 2)) i += 3;
    else if (((b >= 0xe1 && b <= 0xec) || b === 0xee || b === 0xef) && cont(i + 1) && cont(i + 2)) i += 3;
    else if (b === 0xed && cont(i + 1, 0x80, 0x9f) && cont(i + 2)) i += 3;
    else if (b === 0xf0 && cont(i + 1, 0x90) && cont(i + 2) && cont(i + 3)) i += 4;
    else if (b >= 0xf1 && b <= 0xf3 && cont(i + 1) && cont(i + 2) && cont(i + 3)) i += 4;
    else if (b === 0xf4 && cont(i + 1, 0x80, 0x8f) && cont(i + 2) && cont(i + 3)) i += 4;
    else return i;
  }
  return bytes.length;
}

/** Line and column (in characters, 1-based) of a byte offset in UTF-8 bytes that are valid before it. */
function bytePosition(bytes: Uint8Array, at: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < at; i++) {
    if (bytes[i] === 0x0a) {
      line++;
      lineStart = i + 1;
    }
  }
  const before = new TextDecoder('utf-8', { fatal: false, ignoreBOM: true }).decode(bytes.subarray(lineStart, at));
  return { line, column: before.length + 1 };
}

function bytePosition16(bytes: Uint8Array, le: boolean, at: number): { line: number; column: number } {
  let line = 1;
  let column = 1;
  for (let i = 0; i + 1 < at; i += 2) {
    const u = le ? (bytes[i] as number) | ((bytes[i + 1] as number) << 8) : ((bytes[i] as number) << 8) | (bytes[i + 1] as number);
    if (u === 0x0a) {
      line++;
      column = 1;
    } else column++;
  }
  return { line, column };
}

function singleBytePosition(bytes: Uint8Array, at: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < at; i++) {
    if (bytes[i] === 0x0a) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: at - lineStart + 1 };
}

function position(text: string, at: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = text.indexOf('\n'); i !== -1 && i < at; i = text.indexOf('\n', i + 1)) {
    line++;
    lineStart = i + 1;
  }
  return { line, column: at - lineStart + 1 };
}

