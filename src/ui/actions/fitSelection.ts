import { register } from './registry.ts';
import { selectionNodes } from './selection.ts';

export const fitSelection = register({
  id: 'fit-selection',
  label: 'Fit the selection',
  keys: ['Shift+2'],
  enabled: (s) => (selectionNodes(s).length ? true : 'Select something on the canvas'),
  perform: ({ store, view }) => {
    const nodes = selectionNodes(store.getState());
    return { kind: 'effect', run: () => view.fitNodes(nodes) };
  },
});
