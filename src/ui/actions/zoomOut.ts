import { register } from './registry.ts';

export const zoomOut = register({
  id: 'zoom-out',
  label: 'Zoom out',
  keys: ['-'],
  enabled: (s) => (s.present ? true : 'No design is open'),
  perform: ({ view }) => ({ kind: 'effect', run: () => view.zoomOut() }),
});
