import { register } from './registry.ts';
import { payloadOf } from './selection.ts';

/** M: to the inspector's "Move to…" list of the selection, the keyboard's way to drag. */
export const focusMoveTo = register({
  id: 'focus-move-to',
  label: 'Move to…',
  keys: ['M'],
  enabled: (s) => (payloadOf(s.selection) ? true : 'Select a host group, a host function or a guest device'),
  perform: () => ({
    kind: 'effect',
    run: () => {
      document.getElementById('move-to')?.focus();
    },
  }),
});
