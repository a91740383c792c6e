import { useEffect, useRef } from 'react';
import { designerStore } from '../store/index.ts';
import { restoreKept, run } from './actions/index.ts';
import { keptStore, refreshKept, useKept } from './keeping.ts';
import { when } from './persistence.ts';
import { deleteKept, MAX_KEPT, type KeptWhy } from './saved.ts';

const WHY: Record<KeptWhy, string> = {
  replaced: 'kept when another design replaced it',
  'other-tab': 'saved by another tab',
  crashed: 'left by a session that did not close cleanly',
  'several-guests': 'a workspace of several guests',
};

const size = (chars: number): string => (chars < 1024 ? `${chars} characters` : `${Math.round(chars / 1024)} KiB`);

/** The designs kept aside, newest first: each restorable (one undo step) and deletable. */
export function KeptDesigns() {
  const open = useKept((s) => s.open);
  const kept = useKept((s) => s.kept);
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    if (!open) return;
    ref.current?.showModal();
    // another tab may have kept or deleted designs meanwhile
    void refreshKept(designerStore);
  }, [open]);
  if (!open) return null;
  const close = () => keptStore.setState({ open: false });
  return (
    <dialog ref={ref} className="paste kept" aria-labelledby="kept-title" data-testid="kept-designs" onClose={close}>
      <h2 id="kept-title">Kept designs</h2>
      <p className="muted">Designs kept aside when something replaced them, newest first (the {MAX_KEPT} newest are kept). Restoring one is a step Ctrl+Z undoes.</p>
      {kept.length === 0 ? (
        <p data-testid="kept-empty">No design is kept aside.</p>
      ) : (
        <ul className="kept-list">
          {kept.map((k) => (
            <li key={k.id} data-testid="kept-design" data-kept-why={k.why}>
              <span>
                <strong>{k.name}</strong>
                <br />
                <small className="muted">
                  saved {when(k.savedAt)}, {WHY[k.why]}
                  {k.guests > 1 ? `, ${k.guests} guests` : ''}, {size(k.chars)}
                </small>
              </span>
              <button
                type="button"
                className="primary"
                data-testid="kept-restore"
                aria-label={`Restore ${k.name}, saved ${when(k.savedAt)}`}
                onClick={() => {
                  close();
                  void run(restoreKept, k.id);
                }}
              >
                Restore
              </button>
              <button
                type="button"
                data-testid="kept-delete"
                aria-label={`Delete ${k.name}, saved ${when(k.savedAt)}`}
                onClick={() => {
                  void deleteKept(k.id)
                    .catch((e: unknown) => designerStore.getState().setMessage({ kind: 'error', text: `Could not delete it: ${(e as Error).message}` }))
                    .then(() => refreshKept(designerStore));
                }}
              >
                Delete
              </button>
            </li>
          ))}
        </ul>
      )}
      <div className="row">
        <button type="button" data-testid="kept-close" onClick={close}>
          Close
        </button>
      </div>
    </dialog>
  );
}
