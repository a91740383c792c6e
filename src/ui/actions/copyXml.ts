import { exportDomain } from '../../engine/index.ts';
import { copyText } from '../downloads.ts';
import { register } from './registry.ts';

export const copyXml = register({
  id: 'copy-xml',
  label: 'Copy',
  description: 'Copy the domain XML to the clipboard',
  enabled: (s) => (s.present ? true : 'No design is open'),
  perform: ({ store }) => {
    const design = store.getState().present?.design;
    if (!design) return { kind: 'none' };
    return {
      kind: 'effect',
      run: async () => {
        if (!(await copyText(exportDomain(design)))) throw new Error('Could not copy: the browser did not allow the clipboard. Use Export XML instead.');
      },
    };
  },
});
