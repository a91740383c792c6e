/**
 * The encodings pcitopo reads and writes XML files in (xml/decode.ts), named as here. A type of the
 * model because a design remembers its file's encoding (DomainSource.encoding) and share links
 * carry it.
 */
export type XmlEncoding = 'UTF-8' | 'UTF-16LE' | 'UTF-16BE' | 'ISO-8859-1' | 'US-ASCII' | 'windows-1252';

const ENCODINGS: ReadonlySet<string> = new Set<XmlEncoding>(['UTF-8', 'UTF-16LE', 'UTF-16BE', 'ISO-8859-1', 'US-ASCII', 'windows-1252']);

/** Is `name` one of the {@link XmlEncoding} names (spelt exactly so)? For values from outside: share links, saved snapshots. */
export const isXmlEncoding = (name: unknown): name is XmlEncoding => typeof name === 'string' && ENCODINGS.has(name);
