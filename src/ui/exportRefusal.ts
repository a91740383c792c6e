/**
 * What Export says when the domain's text cannot be written in its file's encoding (issue 11: a
 * character typed in the XML editor that an ISO-8859-1 file cannot hold): what and where, and the
 * way out that loses nothing. The engine finds it (whyUnwritable); this only words it.
 */
import type { Unwritable } from '../engine/index.ts';

export interface ExportRefusal {
  readonly text: string;
  /** writing the text as UTF-8 would lose nothing: the message offers it (no lone surrogate in the way) */
  readonly utf8: boolean;
}

const hex = (cp: number): string => `U+${cp.toString(16).toUpperCase().padStart(4, '0')}`;
const isLoneSurrogate = (cp: number): boolean => cp >= 0xd800 && cp <= 0xdfff;
// controls, format characters, separators and lone surrogates would not show, or show as nothing
const shown = (cp: number): string => (/[\p{C}\p{Z}]/u.test(String.fromCodePoint(cp)) ? hex(cp) : `'${String.fromCodePoint(cp)}' (${hex(cp)})`);

/**
 * The message for `file` (its download name) that `why` (engine whyUnwritable) keeps from export.
 * `guest`: the domain's name when it is one of several in a zip (Export changed domains), whose way
 * out is that guest's own Export XML; without it the message sits next to its "Export as UTF-8" button.
 * E.g. "Could not export g.xml: the character '€' (U+20AC) at line 3, column 8 cannot be written in
 * ISO-8859-1, the file's encoding. …".
 */
export function exportRefusal(file: string, why: Unwritable, guest?: string): ExportRefusal {
  const wayOut =
    guest === undefined
      ? "Export it as UTF-8 instead (its XML declaration then says encoding='UTF-8'; every character is kept, and the design stays as it is), or change the character in the XML editor."
      : `Open ${guest} and use Export XML, which can write it as UTF-8 instead, or change the character in the XML editor.`;
  if (why.kind === 'declaration') {
    const name = why.declared === '' ? 'an empty encoding' : `encoding '${why.declared}'`;
    return { text: `Could not export ${file}: its XML declaration names ${name}, which pcitopo cannot write (it writes UTF-8, UTF-16, ISO-8859-1, US-ASCII and windows-1252). ${wayOut}`, utf8: true };
  }
  const { codePoint, line, column } = why.character;
  const at = `line ${line}, column ${column}`;
  if (isLoneSurrogate(codePoint)) {
    return { text: `Could not export ${file}: ${at} holds ${hex(codePoint)}, half of a surrogate pair and no character on its own, which no encoding can write. Remove it in the XML editor.`, utf8: false };
  }
  return { text: `Could not export ${file}: the character ${shown(codePoint)} at ${at} cannot be written in ${why.encoding}, the file's encoding. ${wayOut}`, utf8: true };
}
