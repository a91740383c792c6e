import { designerStore } from '../store/index.ts';
import { exportXml, restoreKept, restorePrevious, run } from './actions/index.ts';
import { download } from './downloads.ts';
import { keptStore, refreshKept } from './keeping.ts';
import { when } from './persistence.ts';
import { autosave } from './boot.ts';
import { deleteKept, deleteUnreadable, listUnreadable } from './saved.ts';
import { safetyStore, useSafety } from './safety.ts';

/** Discards the design the crashed session left (kept aside at start). */
async function discardCrashed(id: string | null): Promise<void> {
  safetyStore.setState({ crashed: null });
  if (id) await deleteKept(id).catch(() => undefined);
  await refreshKept(designerStore);
}

/** Downloads a stored text that failed validation, byte for byte. */
async function exportUnreadable(id: number): Promise<void> {
  const u = (await listUnreadable()).find((x) => x.id === id);
  if (u) download(new Blob([u.raw], { type: 'application/json' }), `pcitopo-unreadable-${u.at.replace(/[^0-9]/g, '').slice(0, 14)}.json`);
}

async function discardUnreadable(id: number): Promise<void> {
  await deleteUnreadable(id).catch(() => undefined);
  await refreshKept(designerStore);
}

/**
 * Says at once what endangers the user's work (storage refusing to save, a start after a crash, a
 * saved text that cannot be read, another tab's saved design kept aside) and offers the way out:
 * Export, restore or discard. Stays until the danger is gone or the user chooses.
 */
export function StorageAlert() {
  const saveFailed = useSafety((s) => s.saveFailed);
  const beside = useSafety((s) => s.beside);
  const crashed = useSafety((s) => s.crashed);
  const unreadable = useSafety((s) => s.unreadable);
  const otherTab = useSafety((s) => s.otherTab);
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
                safetyStore.setState({ beside: false, saveFailed: null });
                void autosave();
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
              void (crashed.id ? run(restoreKept, crashed.id) : run(restorePrevious, undefined));
            }}
          >
            Restore it
          </button>
          <button type="button" data-testid="crash-discard" onClick={() => void discardCrashed(crashed.id)}>
            Discard it
          </button>
        </div>
      ) : null}
      {unreadable.map((u) => (
        <div key={u.id} className="message error" role="alert" data-testid="unreadable-notice">
          <span>
            {u.from[0]?.toUpperCase()}
            {u.from.slice(1)} cannot be read ({u.reason}), so it was not opened. Its text is kept as it was: export it to look at it or to send it to us.
          </span>
          <button type="button" className="primary" data-testid="unreadable-export" onClick={() => void exportUnreadable(u.id)}>
            Export its text
          </button>
          <button type="button" data-testid="unreadable-discard" onClick={() => void discardUnreadable(u.id)}>
            Discard it
          </button>
        </div>
      ))}
      {otherTab ? (
        <div className="message notice" role="status" data-testid="other-tab-notice">
          <span>
            Another tab had saved its design ({otherTab.name}, saved {when(otherTab.savedAt)}) since this tab opened. It is kept aside, not overwritten: this tab&apos;s design
            is the one saved now.
          </span>
          <button type="button" className="primary" data-testid="other-tab-show" onClick={() => keptStore.setState({ open: true })}>
            Kept designs…
          </button>
          <button type="button" aria-label="Dismiss this message" title="Dismiss" data-testid="other-tab-dismiss" onClick={() => safetyStore.setState({ otherTab: null })}>
            ✕
          </button>
        </div>
      ) : null}
    </>
  );
}
