import { createDesign } from '../../engine/index.ts';
import { importFailure, wrongButton } from '../importing.ts';
import { register } from './registry.ts';

export interface FileText {
  readonly text: string;
  /** the file name as the user gave it ('pasted text' for a paste) */
  readonly file: string;
}

/** Replaces the guest with an imported domain, keeping the host. A failure leaves the design as it was. */
export const importDomain = register<FileText>({
  id: 'import-domain',
  label: 'Import domain',
  description: 'Import a domain XML file (or drop it on the window)',
  enabled: () => true,
  perform: ({ store }, { text, file }) => {
    const wrong = wrongButton('domain', text, file);
    if (wrong) return { kind: 'error', message: wrong };
    const present = store.getState().present;
    const r = createDesign(text, present?.design.host, file);
    if (!r.ok) return { kind: 'error', message: importFailure('domain', r.error) };
    return { kind: 'document', doc: { design: r.value, hostText: present?.hostText, file }, label: `Import ${file}`, then: { select: null, summary: 'import' } };
  },
});
