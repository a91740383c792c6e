/**
 * First load and autosave. A share link wins, then the autosaved design, then the demo; nothing the
 * user made is lost: whatever replaces it keeps it aside first.
 */
import { DEMO_DOMAIN_XML, DEMO_HOST_XML, MACHINE_TEMPLATES, createDesign, decodeShareLink, formatInputError } from '../engine/index.ts';
import { designerStore, type MessageAction } from '../store/index.ts';
import { buildDesign, keepAside } from './documents.ts';
import { tidy } from './importing.ts';
import { AUTOSAVE_KEY, PREVIOUS_KEY, previousInfo, readSnapshot, snapshotName, snapshotOf, trySnapshot, when } from './persistence.ts';
import { safetyStore } from './safety.ts';
import { startSession } from './sessions.ts';

const store = designerStore;

/**
 * Saves the present design (every document change; the first load is not one). A failure is said at
 * once (the storage alert, with Export); a design opened beside the user's saved one is not saved over it.
 */
export function autosave(): void {
  const present = store.getState().present;
  if (!present || safetyStore.getState().beside) return;
  const failed = trySnapshot(AUTOSAVE_KEY, snapshotOf(present));
  if (failed !== safetyStore.getState().saveFailed) safetyStore.setState({ saveFailed: failed });
}

/**
 * Resolves once what the store holds now was drawn: after the next frame, and a task after it (the
 * frame's paint). A design whose drawing hangs or crashes the tab never gets here, so it is never
 * autosaved (case h02: autosave only what rendered).
 */
export const afterPaint = (): Promise<void> =>
  new Promise((resolve) => {
    requestAnimationFrame(() => setTimeout(resolve, 0));
  });

let pending = false;
// A page that is being left normally (reload, close) drew its design: a change still waiting for its frame is saved now.
addEventListener('pagehide', () => {
  if (pending) autosave();
});
/** Autosaves after the present design was drawn; several changes in one frame save once. */
export function autosaveAfterPaint(): Promise<void> | undefined {
  if (pending) return undefined;
  pending = true;
  return afterPaint().then(() => {
    pending = false;
    autosave();
  });
}

const restoreOffer = (): MessageAction[] => (store.getState().previous ? ['restore-previous'] : []);

function openEmpty(text: string): void {
  const r = createDesign(MACHINE_TEMPLATES.pseries, undefined, 'new pseries design');
  store.getState().load(r.ok ? { design: r.value, file: 'new-pseries.xml', label: 'New design', pristine: true } : null);
  store.getState().setMessage({ kind: 'error', text, actions: [...restoreOffer(), 'open-demo'] });
}

function loadDemo(): void {
  const r = buildDesign(DEMO_DOMAIN_XML, DEMO_HOST_XML, 'demo domain', 'demo host');
  if (!r.ok) {
    store.getState().setMessage({ kind: 'error', text: formatInputError(r.error) });
    return;
  }
  store.getState().load({ design: r.value, hostText: DEMO_HOST_XML, file: 'demo.xml', label: 'Open the demo', pristine: true });
}

/**
 * The last session crashed (see sessions.ts): its design is kept aside, not opened, and the user is
 * offered to restore or discard it. When it cannot be kept aside, autosave leaves it where it is.
 */
function startSafely(): void {
  const saved = readSnapshot(AUTOSAVE_KEY);
  if (!saved) {
    loadDemo();
    return;
  }
  if (!keepAside(store, saved)) safetyStore.setState({ beside: true, saveFailed: "the browser's storage refused to keep your last design aside" });
  safetyStore.setState({ crashed: { name: snapshotName(saved), savedAt: saved.savedAt } });
  loadDemo();
}

export async function boot(): Promise<void> {
  store.getState().setPrevious(previousInfo(readSnapshot(PREVIOUS_KEY)));
  const hash = location.hash;
  if (await startSession()) {
    // a link may be what crashed the last tab: it is not opened again either
    if (hash.startsWith('#/d/')) history.replaceState(history.state, '', `${location.pathname}${location.search}`);
    startSafely();
    return;
  }
  if (hash.startsWith('#/d/')) {
    // Whatever the link holds, the design autosaved here is the user's: keep it aside first.
    const safe = keepAside(store, readSnapshot(AUTOSAVE_KEY));
    // The link has done its job: a reload now shows the autosave (this design and its edits), not the link again.
    history.replaceState(history.state, '', `${location.pathname}${location.search}`);
    const r = await decodeShareLink(hash);
    if (!r.ok) {
      openEmpty(tidy(`This share link cannot be opened: ${r.error.message}. You have an empty design instead.`));
      return;
    }
    const d = buildDesign(r.value.domain, r.value.host, 'share link');
    if (!d.ok) {
      openEmpty(tidy(`This share link holds a design that cannot be read: ${formatInputError(d.error)}. You have an empty design instead.`));
      return;
    }
    store.getState().load({ design: d.value, hostText: r.value.host, file: 'shared.xml', label: 'Open a share link', pristine: true });
    if (!safe) {
      // The user's saved design could not be kept aside: the link opens beside it, and autosave leaves it alone.
      safetyStore.setState({ beside: true, saveFailed: "the browser's storage is full, so your saved design could not be kept aside" });
      store.getState().setMessage({ kind: 'notice', text: 'Opened a shared design beside your saved one, which stays as it was. This shared design is not saved: export it to keep it.' });
      return;
    }
    // saved once it was drawn: a link whose design crashes the tab is never saved
    await autosaveAfterPaint();
    const previous = store.getState().previous;
    store.getState().setMessage({
      kind: 'notice',
      text: `Opened a shared design.${previous ? ` Your previous design (${previous.name}, saved ${when(previous.savedAt)}) is kept.` : ''}`,
      actions: restoreOffer(),
    });
    return;
  }
  const saved = readSnapshot(AUTOSAVE_KEY);
  if (saved) {
    const d = buildDesign(saved.domain, saved.host, saved.file ?? 'autosave');
    if (d.ok) {
      store.getState().load({ design: d.value, hostText: saved.host, file: saved.file, label: saved.label ?? 'Restore', pristine: saved.pristine, baseline: saved.baseline });
      // Replaced the user's work last time and nothing was done since: offer it back.
      const offer = saved.pristine ? restoreOffer() : [];
      store.getState().setMessage({ kind: 'notice', text: `Restored your design from ${when(saved.savedAt)}.`, actions: [...offer, 'open-demo'] });
      return;
    }
  }
  loadDemo();
}
