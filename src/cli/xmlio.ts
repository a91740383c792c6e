/** Reading and writing XML documents for the commands: strict decoding (engine decodeXml) and encoding back. */
import { writeFileSync } from 'node:fs';
import type { InputError, Result, XmlEncoding } from '../engine/index.ts';
import { MAX_XML_BYTES, decodeXml, encodeXml, firstUnwritable, formatInputError, utf8XmlBytes } from '../engine/index.ts';
import type { Io } from './io.ts';
import { CliError, EXIT, inputName, ioError, readBytes } from './io.ts';

export const inputError = (e: InputError): CliError => new CliError(formatInputError(e), EXIT.input, e);

export function unwrap<T>(r: Result<T>): T {
  if (!r.ok) throw inputError(r.error);
  return r.value;
}

export interface XmlInput {
  readonly text: string;
  readonly encoding: XmlEncoding;
  /** as messages name it */
  readonly name: string;
}

/** Reads and strictly decodes an XML input (engine decodeXml): a byte not in its encoding is exit 2 with line:column. */
export async function readXml(name: string, io: Io): Promise<XmlInput> {
  const bytes = await readBytes(name, io, MAX_XML_BYTES);
  const decoded = unwrap(decodeXml(bytes, inputName(name)));
  return { text: decoded.text, encoding: decoded.encoding, name: inputName(name) };
}

/** Reads a short text argument from standard input (a share link), trimmed. */
export async function readText(name: string, io: Io): Promise<string> {
  const bytes = await readBytes(name, io, MAX_XML_BYTES);
  const decoded = unwrap(decodeXml(bytes, inputName(name)));
  return decoded.text.trim();
}

/** What names `target` in messages: the file, or standard output for `-` or no target. */
const targetName = (target: string | undefined): string => (target === undefined || target === '-' ? 'standard output' : target);

/** The way out a refusal names (commands that take --utf8). */
export const UTF8_WAY_OUT = "give --utf8 to write it as UTF-8 instead (every character kept; only the XML declaration's encoding changes, to 'UTF-8')";

/**
 * `text` as the bytes of `file`: in `encoding` (the input's, so an unchanged document comes back
 * byte for byte), or with `utf8` as UTF-8 with only its declaration's `encoding=` changed (engine
 * utf8XmlBytes, the app's "Export as UTF-8"). `offerUtf8`: the command takes --utf8, and a character
 * `encoding` cannot hold (one UTF-8 can) is refused naming that way out.
 */
export function xmlBytes(text: string, encoding: XmlEncoding | undefined, file: string, opts: { utf8?: boolean; offerUtf8?: boolean } = {}): Uint8Array {
  if (opts.utf8) return unwrap(utf8XmlBytes(text, file));
  if (encoding === undefined) throw new CliError(`${file}: the XML declares an encoding pcitopo cannot write${opts.offerUtf8 ? `; ${UTF8_WAY_OUT}` : ''}`, EXIT.input);
  const r = encodeXml(text, encoding, file);
  if (r.ok) return r.value;
  // a lone surrogate no encoding holds: --utf8 would not help
  if (opts.offerUtf8 && firstUnwritable(text, 'UTF-8') === undefined) throw new CliError(`${formatInputError(r.error)}; ${UTF8_WAY_OUT}`, EXIT.input, r.error);
  throw inputError(r.error);
}

/**
 * Writes `text` to `target` (a file, or standard output for `-` or no target) in `encoding`, the
 * encoding the input came in, so an unchanged document comes back byte for byte (see {@link xmlBytes}).
 */
export function writeText(target: string | undefined, text: string, encoding: XmlEncoding | undefined, io: Io, opts: { utf8?: boolean; offerUtf8?: boolean } = {}): void {
  writeBytes(target, xmlBytes(text, encoding, targetName(target), opts), io);
}

/** Writes `bytes` to `target` (a file, or standard output for `-` or no target). */
export function writeBytes(target: string | undefined, bytes: Uint8Array, io: Io): void {
  if (target === undefined || target === '-') {
    io.stdout.write(bytes);
    return;
  }
  try {
    writeFileSync(target, bytes);
  } catch (e) {
    throw ioError(target, 'cannot write', e);
  }
}
