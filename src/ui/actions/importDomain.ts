import type { InputError, XmlEncoding } from '../../engine/index.ts';
import { createDesign } from '../../engine/index.ts';
import { importFailure, wrongButton } from '../importing.ts';
import { register } from './registry.ts';

/** A file (or a paste) as the import actions take it: read by readFiles.ts, or pasted. */
export interface FileText {
  readonly text: string;
  /** the file name as the user gave it ('pasted text' for a paste) */
  readonly file: string;
  /** the encoding of the file's bytes when its text does not say it (UTF-16): the design keeps it for export */
  readonly encoding?: XmlEncoding | undefined;
  /** why the file's bytes could not be read as text (engine decodeXml: which byte, where); `text` is then empty */
  readonly refused?: InputError | undefined;
}

/** Replaces the guest with an imported domain, keeping the host. A failure leaves the design as it was. */
export const importDomain = register<FileText>({
  id: 'import-domain',
  label: 'Import domain',
  description: 'Import a domain XML file (or drop it on the window)',
  enabled: () => true,
  perform: ({ store }, { text, file, encoding, refused }) => {
    if (refused) return { kind: 'error', message: importFailure('domain', refused) };
    const wrong = wrongButton('domain', text, file);
    if (wrong) return { kind: 'error', message: wrong };
    const present = store.getState().present;
    const r = createDesign(text, present?.design.host, file, encoding);
    if (!r.ok) return { kind: 'error', message: importFailure('domain', r.error) };
    return { kind: 'document', doc: { design: r.value, hostText: present?.hostText, hostEncoding: present?.hostEncoding, file }, label: `Import ${file}`, then: { select: null, summary: 'import' } };
  },
});
