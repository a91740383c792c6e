import { register } from './registry.ts';

export const zoomIn = register({
  id: 'zoom-in',
  label: 'Zoom in',
  keys: ['+', '='],
  enabled: (s) => (s.present ? true : 'No design is open'),
  perform: ({ view }) => ({ kind: 'effect', run: () => view.zoomIn() }),
});
