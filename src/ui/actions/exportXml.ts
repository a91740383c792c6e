import { downloadXml } from '../downloads.ts';
import { register } from './registry.ts';

export const exportXml = register({
  id: 'export-xml',
  label: 'Export XML',
  description: 'Download the domain XML',
  enabled: (s) => (s.present ? true : 'No design is open'),
  perform: ({ store }) => {
    const design = store.getState().present?.design;
    return design ? { kind: 'effect', run: () => downloadXml(design) } : { kind: 'none' };
  },
});
