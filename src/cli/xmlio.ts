/** Reading and writing XML documents for the commands: strict decoding (engine decodeXml) and encoding back. */
import { writeFileSync } from 'node:fs';
import type { InputError, Result, XmlEncoding } from '../engine/index.ts';
import { MAX_XML_BYTES, decodeXml, encodeXml, formatInputError } from '../engine/index.ts';
import type { Io } from './io.ts';
import { CliError, ERRNO, EXIT, inputName, readBytes } from './io.ts';

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

/**
 * Writes `text` to `target` (a file, or standard output for `-` or no target) in `encoding`, the
 * encoding the input came in, so an unchanged document comes back byte for byte.
 */
export function writeText(target: string | undefined, text: string, encoding: XmlEncoding, io: Io): void {
  const bytes = unwrap(encodeXml(text, encoding, target === undefined || target === '-' ? 'standard output' : target));
  if (target === undefined || target === '-') {
    io.stdout.write(bytes);
    return;
  }
  try {
    writeFileSync(target, bytes);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new CliError(`${target}: cannot write: ${code ?? (e as Error).message}${code && ERRNO[code] ? ` (${ERRNO[code]})` : ''}`, EXIT.input);
  }
}

