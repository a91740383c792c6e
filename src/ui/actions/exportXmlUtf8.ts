import { formatInputError } from '../../engine/index.ts';
import { domainFileUtf8, downloadFile } from '../downloads.ts';
import { register } from './registry.ts';

/**
 * The way out when Export XML cannot write an edit in the file's encoding (a character an
 * ISO-8859-1 file cannot hold): downloads the domain XML as UTF-8 with its declaration saying so,
 * every character kept. The design is left as it is; the message then says what was written.
 */
export const exportXmlUtf8 = register({
  id: 'export-as-utf-eight',
  label: 'Export as UTF-8',
  description: "Download the domain XML as UTF-8, its XML declaration saying encoding='UTF-8'; the design stays as it is",
  enabled: (s) => (s.present ? true : 'No design is open'),
  perform: ({ store }) => {
    const design = store.getState().present?.design;
    if (!design) return { kind: 'none' };
    const f = domainFileUtf8(design);
    if (!f.ok) return { kind: 'error', message: `Could not export: ${formatInputError(f.error)}` };
    return {
      kind: 'effect',
      run: () => {
        downloadFile(f.value);
        store.getState().setMessage({ kind: 'notice', text: `Exported ${f.value.name} as UTF-8, its XML declaration saying encoding='UTF-8'. The design is as it was.` });
      },
    };
  },
});
