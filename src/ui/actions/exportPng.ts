import { findingsOf } from '../../store/index.ts';
import { downloadPng } from '../downloads.ts';
import { register } from './registry.ts';

export const exportPng = register({
  id: 'export-png',
  label: 'Diagram as PNG',
  enabled: (s) => (s.present ? true : 'No design is open'),
  perform: ({ store }) => {
    const design = store.getState().present?.design;
    if (!design) return { kind: 'none' };
    return {
      kind: 'effect',
      run: async () => {
        try {
          await downloadPng(design, findingsOf(design));
        } catch (e) {
          throw new Error(`Could not export the PNG: ${(e as Error).message}`);
        }
      },
    };
  },
});
