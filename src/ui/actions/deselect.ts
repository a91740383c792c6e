import { register } from './registry.ts';

export const deselect = register({
  id: 'deselect',
  label: 'Clear the selection',
  keys: ['Escape'],
  enabled: (s) => (s.selection || s.contextMenu ? true : 'Nothing is selected'),
  perform: () => ({
    kind: 'session',
    change: (store) => {
      store.getState().openContextMenu(null);
      store.getState().select(null);
    },
  }),
});
