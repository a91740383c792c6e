import { register } from './registry.ts';

export const redo = register({
  id: 'redo',
  label: (s) => (s.future[0] ? `Redo: ${s.future[0].label}` : 'Redo'),
  keys: ['Mod+Shift+Z', 'Mod+Y'],
  enabled: (s) => (s.future.length > 0 ? true : 'Nothing to redo'),
  perform: () => ({ kind: 'session', change: (store) => store.getState().redo() }),
});
