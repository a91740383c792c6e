import { domainFile, downloadFile } from '../downloads.ts';
import { register } from './registry.ts';

/**
 * Downloads the domain XML in its file's encoding. When an edit added a character that encoding
 * cannot hold, nothing is downloaded: the message says what and where, with "Export as UTF-8"
 * (exportXmlUtf8) as the way out that loses nothing.
 */
export const exportXml = register({
  id: 'export-xml',
  label: 'Export XML',
  description: 'Download the domain XML',
  enabled: (s) => (s.present ? true : 'No design is open'),
  perform: ({ store }) => {
    const design = store.getState().present?.design;
    if (!design) return { kind: 'none' };
    const f = domainFile(design);
    if ('refusal' in f) return { kind: 'error', message: f.refusal.text, actions: f.refusal.utf8 ? ['export-utf8'] : [] };
    return { kind: 'effect', run: () => downloadFile(f) };
  },
});
