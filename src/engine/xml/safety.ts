import type { InputError } from '../errors.ts';
import { MAX_XML_BYTES } from '../errors.ts';

/**
 * Characters XML 1.0 forbids (§2.2 Char): C0 controls but tab, LF and CR; U+FFFE/U+FFFF; and a
 * surrogate without its pair (text decoded from bytes never has one, but a paste or a link can).
 * The domain parser would refuse them with a bare "Invalid character" and the host parser not at
 * all, so both importers check here and name the character.
 */
function firstNonXmlChar(text: string): number {
  // A regex finds the candidates (control characters, surrogates, U+FFFE/U+FFFF) at native speed;
  // only a surrogate needs a second look, for its pair.
  const suspect = /[^\t\n\r\x20-\uD7FF\uE000-\uFFFD]/g;
  for (let m = suspect.exec(text); m !== null; m = suspect.exec(text)) {
    const i = m.index;
    const c = text.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        suspect.lastIndex = i + 2;
        continue;
      }
    }
    return i;
  }
  return -1;
}

/**
 * Checks done before any parser sees the text. libvirt never writes a DOCTYPE, so one in a domain
 * or nodedev document is either a mistake or an entity trick (billion laughs, external entities):
 * we refuse it outright instead of relying on a parser's expansion limits.
 */
export function checkXmlInput(text: string, file: string | undefined, what: string): InputError | undefined {
  // UTF-16 code units are close enough to bytes for a limit; the exact figure is in the message.
  if (text.length > MAX_XML_BYTES) {
    return {
      code: 'too-large',
      file,
      message: `${what} is ${(text.length / 1048576).toFixed(1)} MiB; pcitopo reads at most ${MAX_XML_BYTES / 1048576} MiB`,
    };
  }
  const bad = firstNonXmlChar(text);
  if (bad >= 0) {
    const { line, column } = lineColumn(text, bad);
    const code = text.charCodeAt(bad).toString(16).toUpperCase().padStart(4, '0');
    return { code: 'malformed-xml', file, line, column, message: `character U+${code} is not allowed in XML (${what} is damaged or not text)` };
  }
  const at = doctypeAt(text);
  if (at >= 0) {
    const { line, column } = lineColumn(text, at);
    const entity = /<!ENTITY/i.test(text.slice(at)) ? ' with entity declarations' : '';
    return {
      code: 'doctype-refused',
      file,
      line,
      column,
      message: `a DOCTYPE${entity} is not allowed in ${what} (libvirt never writes one; entity expansion is refused)`,
    };
  }
  return undefined;
}

const HIDDEN_COMMENT = ['<!--', '-->'] as const;
const HIDDEN_CDATA = ['<![CDATA[', ']]>'] as const;
const HIDDEN_PI = ['<?', '?>'] as const;

/**
 * Where a DOCTYPE declaration starts, or -1. `<!DOCTYPE` inside a comment, a CDATA section or a
 * processing instruction is text, not a declaration (XML 1.0 §2.5, §2.7, §2.6), so those are
 * skipped; anything else that spells it (any case: the parser would refuse a lower-case one too)
 * is one. An unterminated comment or section hides the rest, which the parser then refuses.
 */
export function doctypeAt(text: string): number {
  // Only `<!` and `<?` can open any of these: every other `<` (a tag) is passed over at once.
  const markup = /<[!?]/g;
  for (let m = markup.exec(text); m !== null; m = markup.exec(text)) {
    const lt = m.index;
    const hidden = text.startsWith('<!--', lt) ? HIDDEN_COMMENT : text.startsWith('<![CDATA[', lt) ? HIDDEN_CDATA : text.charCodeAt(lt + 1) === 0x3f ? HIDDEN_PI : undefined;
    if (hidden) {
      const end = text.indexOf(hidden[1], lt + hidden[0].length);
      if (end === -1) return -1;
      markup.lastIndex = end + hidden[1].length;
      continue;
    }
    if (text.slice(lt, lt + 9).toUpperCase() === '<!DOCTYPE') return lt;
  }
  return -1;
}

/** 1-based line and column of a UTF-16 offset. */
export function lineColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let last = -1;
  for (let i = text.indexOf('\n'); i !== -1 && i < offset; i = text.indexOf('\n', i + 1)) {
    line++;
    last = i;
  }
  return { line, column: offset - last };
}
