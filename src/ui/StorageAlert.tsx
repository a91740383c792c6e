import { designerStore } from '../store/index.ts';
import { exportXml, restorePrevious, run } from './actions/index.ts';
import { PREVIOUS_KEY, storage, when } from './persistence.ts';
import { autosave } from './boot.ts';
import { safetyStore, useSafety } from './safety.ts';

/** Discards the design the crashed session left (kept aside at start). */
function discardCrashed(): void {
  try {
    storage()?.removeItem(PREVIOUS_KEY);
  } catch {
    // nothing stored, nothing to remove
  }
  designerStore.getState().setPrevious(null);
  safetyStore.setState({ crashed: null });
}

/**
 * Says at once what endangers the user's work (storage refusing to save, a start after a crash) and
 * offers the way out: Export, restore or discard. Stays until the danger is gone or the user chooses.
 */
export function StorageAlert() {
  const saveFailed = useSafety((s) => s.saveFailed);
  const beside = useSafety((s) => s.beside);
  const crashed = useSafety((s) => s.crashed);
  return (
    <>
      {saveFailed ? (
        <div className="message error" role="alert" data-testid="storage-failed">
          <span>
            Your design is not being saved: {saveFailed}. Export it to keep it
            {beside ? '; or save this design over the one saved before' : ''}.
          </span>
          <button type="button" className="primary" data-testid="storage-export" onClick={() => void run(exportXml, undefined)}>
            Export XML
          </button>
          {beside ? (
            <button
              type="button"
              data-testid="storage-save-over"
              onClick={() => {
                safetyStore.setState({ beside: false });
                autosave();
              }}
            >
              Save this one instead
            </button>
          ) : null}
        </div>
      ) : null}
      {crashed ? (
        <div className="message notice" role="alert" data-testid="crash-notice">
          <span>
            pcitopo did not close cleanly last time, so your last design ({crashed.name}, saved {when(crashed.savedAt)}) was not opened: you have the demo
            instead. Restore it, or discard it if it is what broke the page.
          </span>
          <button
            type="button"
            className="primary"
            data-testid="crash-restore"
            onClick={() => {
              safetyStore.setState({ crashed: null });
              void run(restorePrevious, undefined);
            }}
          >
            Restore it
          </button>
          <button type="button" data-testid="crash-discard" onClick={discardCrashed}>
            Discard it
          </button>
        </div>
      ) : null}
    </>
  );
}
