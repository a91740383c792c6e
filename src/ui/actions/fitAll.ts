import { register } from './registry.ts';

export const fitAll = register({
  id: 'fit-all',
  label: 'Fit the design',
  keys: ['Shift+1'],
  enabled: (s) => (s.present ? true : 'No design is open'),
  perform: ({ view }) => ({ kind: 'effect', run: () => view.fit() }),
});
