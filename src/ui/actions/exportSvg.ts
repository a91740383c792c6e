import { findingsOf } from '../../store/index.ts';
import { downloadSvg } from '../downloads.ts';
import { register } from './registry.ts';

export const exportSvg = register({
  id: 'export-svg',
  label: 'Diagram as SVG',
  enabled: (s) => (s.present ? true : 'No design is open'),
  perform: ({ store }) => {
    const design = store.getState().present?.design;
    return design ? { kind: 'effect', run: () => downloadSvg(design, findingsOf(design)) } : { kind: 'none' };
  },
});
