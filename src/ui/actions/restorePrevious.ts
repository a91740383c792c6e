import { keptStore } from '../keeping.ts';
import { restoreOutcome } from './restoreKept.ts';
import { register } from './registry.ts';

/**
 * Brings back the newest design kept aside, as one undoable step. The design it replaces is kept
 * aside in turn (unless pristine), so a second restore goes back.
 */
export const restorePrevious = register({
  id: 'restore-previous',
  label: 'Restore your previous design',
  enabled: (s) => (s.previous ? true : 'No design is kept aside'),
  perform: ({ store }) => {
    const newest = keptStore.getState().kept[0];
    if (!newest) {
      return {
        kind: 'session',
        change: (st) => {
          st.getState().setPrevious(null);
          st.getState().setMessage({ kind: 'error', text: 'There is no previous design to restore.' });
        },
      };
    }
    return restoreOutcome(store, newest.id, 'Restore your previous design');
  },
});
