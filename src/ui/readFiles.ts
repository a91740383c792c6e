/**
 * Reading the files the user gives the app (Import domain, Import host, a drop, a picked folder) as
 * the CLI reads them (src/cli/xmlio.ts readXml): their bytes, capped, decoded strictly by the
 * engine's decodeXml, never by `File.text()`, which turns a Latin-1 byte or invalid UTF-8 into
 * U+FFFD without a word (issue 11). The one place the app turns a file's bytes into text.
 */
import { decodeXml, encodingBeyondText, MAX_XML_BYTES } from '../engine/index.ts';
import type { FileText } from './actions/index.ts';

/**
 * `file` as the import actions take it: its text and, when the text does not say it (UTF-16), the
 * encoding its bytes were in, for export to write them back. A file that is not text in its
 * encoding comes back `refused` with decodeXml's error (named `name`, with the line and column of
 * the first bad byte), text empty; one over MAX_XML_BYTES is refused before it is read.
 * `name`: how messages name the file (a folder's files are `folder/name.xml`).
 */
export async function readXmlFile(file: Blob, name: string): Promise<FileText> {
  if (file.size > MAX_XML_BYTES) {
    return { text: '', file: name, refused: { code: 'too-large', file: name, message: `the file is ${(file.size / 1048576).toFixed(1)} MiB; pcitopo reads at most ${MAX_XML_BYTES / 1048576} MiB` } };
  }
  const r = decodeXml(new Uint8Array(await file.arrayBuffer()), name);
  if (!r.ok) return { text: '', file: name, refused: r.error };
  const encoding = encodingBeyondText(r.value);
  return { text: r.value.text, file: name, ...(encoding ? { encoding } : {}) };
}

/** Every file of a list, each read by {@link readXmlFile} under its own name. */
export function readXmlFiles(files: Iterable<File>): Promise<FileText[]> {
  return Promise.all([...files].map((f) => readXmlFile(f, f.name)));
}
