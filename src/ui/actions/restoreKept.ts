import { formatInputError } from '../../engine/index.ts';
import { tidy } from '../importing.ts';
import { docFromState, keptStore, refreshKept, refuseText } from '../keeping.ts';
import { snapshotName, when } from '../persistence.ts';
import { readKept } from '../saved.ts';
import type { Outcome } from './types.ts';
import { register } from './registry.ts';
import type { DesignerStore } from '../../store/index.ts';

/**
 * Opens a kept design, as one undoable step; it stays in the list (deleting is the user's choice).
 * The design it replaces is kept aside in turn (unless pristine), so restoring the newest goes back.
 */
export async function restoreOutcome(store: DesignerStore, id: string, label: string): Promise<Outcome> {
  let read: Awaited<ReturnType<typeof readKept>>;
  try {
    read = await readKept(id);
  } catch (e) {
    return { kind: 'error', message: `Your kept design cannot be read: ${(e as Error).message}.` };
  }
  if (!read) {
    return {
      kind: 'session',
      change: (st) => {
        void refreshKept(st);
        st.getState().setMessage({ kind: 'error', text: 'That design is no longer kept (another tab may have deleted it).' });
      },
    };
  }
  if ('reason' in read) {
    await refuseText(read.raw, 'a design kept aside', read.reason, store);
    return { kind: 'error', message: `That kept design cannot be read (${read.reason}): it was not opened. Its text is kept for you to export.` };
  }
  const s = read.snapshot;
  const d = docFromState(s, 'kept design');
  if (!d.ok) return { kind: 'error', message: tidy(`That kept design cannot be read: ${formatInputError(d.error)}`) };
  const { label: _label, ...doc } = d.value;
  const several = s.guests.length > 1 ? ` This opens its active guest; the whole workspace stays kept.` : '';
  return {
    kind: 'document',
    doc,
    label,
    then: { select: null, notice: `${label === 'Restore your previous design' ? 'Restored your previous design' : 'Restored'} (${snapshotName(s)}, saved ${when(s.savedAt)}). Ctrl+Z goes back.${several}` },
  };
}

export const restoreKept = register<string>({
  id: 'restore-kept',
  label: 'Restore this design',
  enabled: (_s, id) => (keptStore.getState().kept.some((k) => k.id === id) ? true : 'This design is no longer kept'),
  perform: ({ store }, id) => restoreOutcome(store, id, 'Restore a kept design'),
});
