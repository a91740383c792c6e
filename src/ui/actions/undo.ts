import { register } from './registry.ts';

export const undo = register({
  id: 'undo',
  label: (s) => (s.past.length > 0 && s.present ? `Undo: ${s.present.label}` : 'Undo'),
  keys: ['Mod+Z'],
  enabled: (s) => (s.past.length > 0 ? true : 'Nothing to undo'),
  perform: () => ({ kind: 'session', change: (store) => store.getState().undo() }),
});
