/**
 * Input errors: what could not be read, and where. Every importer returns these instead of
 * throwing, so the UI can show them and keep the current design (DESIGN.md, "bad input").
 */
export type InputErrorCode =
  | 'malformed-xml'
  | 'not-a-domain'
  | 'not-node-devices'
  | 'doctype-refused'
  | 'too-large'
  | 'bad-share-link'
  | 'unsupported'
  /** two domains of one workspace with the same name (libvirt's key for a domain on a host) */
  | 'duplicate-domain';

export interface InputError {
  readonly code: InputErrorCode;
  readonly message: string;
  /** file name as the user gave it (or 'share link', 'pasted text') */
  readonly file?: string | undefined;
  /** 1-based */
  readonly line?: number | undefined;
  /** 1-based */
  readonly column?: number | undefined;
}

export type Result<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: InputError };

export const ok = <T>(value: T): Result<T> => ({ ok: true, value });
export const fail = <T = never>(error: InputError): Result<T> => ({ ok: false, error });

/** `file:line:column: message`, the way compilers say it, so editors can jump there. */
export function formatInputError(e: InputError): string {
  const where = [e.file, e.line, e.column].filter((x) => x !== undefined).join(':');
  return where ? `${where}: ${e.message}` : e.message;
}

/** Sizes we refuse to read: a domain or host XML this big is a mistake or an attack. */
export const MAX_XML_BYTES = 16 * 1024 * 1024;
