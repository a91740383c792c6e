import { formatInputError } from '../../engine/index.ts';
import { buildDesign } from '../documents.ts';
import { tidy } from '../importing.ts';
import { PREVIOUS_KEY, readSnapshot, snapshotName, when } from '../persistence.ts';
import { register } from './registry.ts';

/**
 * Brings back the design kept aside, as one undoable step. The design it replaces is kept aside in
 * turn (unless pristine), so a second restore goes back.
 */
export const restorePrevious = register({
  id: 'restore-previous',
  label: 'Restore your previous design',
  enabled: (s) => (s.previous ? true : 'No design is kept aside'),
  perform: () => {
    const saved = readSnapshot(PREVIOUS_KEY);
    if (!saved) {
      return {
        kind: 'session',
        change: (st) => {
          st.getState().setPrevious(null);
          st.getState().setMessage({ kind: 'error', text: 'There is no previous design to restore.' });
        },
      };
    }
    const d = buildDesign(saved.domain, saved.host, saved.file ?? 'previous design');
    if (!d.ok) return { kind: 'error', message: tidy(`Your previous design cannot be read: ${formatInputError(d.error)}`) };
    return {
      kind: 'document',
      doc: { design: d.value, hostText: saved.host, file: saved.file, pristine: saved.pristine, baseline: saved.baseline },
      label: 'Restore your previous design',
      then: { select: null, notice: `Restored your previous design (${snapshotName(saved)}, saved ${when(saved.savedAt)}). Ctrl+Z goes back.` },
    };
  },
});
