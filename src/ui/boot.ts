/**
 * First load and autosave. A share link wins, then the autosaved design (with its undo history), then
 * the demo; nothing the user made is lost: whatever replaces it keeps it aside first, and a saved
 * text that fails validation is kept byte for byte and said, never opened half-way or dropped.
 */
import { DEMO_DOMAIN_XML, DEMO_HOST_XML, MACHINE_TEMPLATES, createDesign, formatInputError } from '../engine/index.ts';
import { designerStore, type MessageAction } from '../store/index.ts';
import { buildDesign } from './documents.ts';
import { tidy } from './importing.ts';
import { autosave, docFromState, historyDocs, keepAside, keptStore, refreshKept, refuseText } from './keeping.ts';
import { AUTOSAVE_KEY, historyOf, readSnapshotText, snapshotName, snapshotOf, storage, when, whyNotSaved, type Snapshot } from './persistence.ts';
import { loadAutosave, migrateLocalStorage, type KeptDesign } from './saved.ts';
import { openLinkedWorkspace } from './linkedWorkspace.ts';
import { safetyStore } from './safety.ts';
import { previousTabId, startSession } from './sessions.ts';
import { thisTabsKept } from './actions/restoreThisTab.ts';

const store = designerStore;

export { autosave };

/**
 * Resolves once what the store holds now was drawn: after the next frame, and a task after it (the
 * frame's paint). A design whose drawing hangs or crashes the tab never gets here, so it is never
 * autosaved (case h02: autosave only what rendered).
 */
export const afterPaint = (): Promise<void> =>
  new Promise((resolve) => {
    requestAnimationFrame(() => setTimeout(resolve, 0));
  });

/** Resolves in a task of its own (a message to self: no timer clamping), after what is queued now. */
const nextTask = (): Promise<void> =>
  new Promise((resolve) => {
    const ch = new MessageChannel();
    ch.port1.onmessage = () => {
      ch.port1.close();
      resolve();
    };
    ch.port2.postMessage(null);
  });

let pending = false;
// A page that is being left normally (reload, close) drew its design: a change still waiting for its frame is saved now.
addEventListener('pagehide', () => {
  if (pending) void autosave();
});
/**
 * Idle time after the frame (at most a second away): a save (~1-2 ms: the export and IndexedDB) then
 * never runs between a drop's frame and the next one, which still has the drag's end to draw.
 */
const idle = (): Promise<void> => new Promise((resolve) => (typeof requestIdleCallback === 'function' ? requestIdleCallback(() => resolve(), { timeout: 1000 }) : resolve()));

/** Autosaves after the present design was drawn, in idle time; several changes meanwhile save once. */
export function autosaveAfterPaint(): Promise<void> | undefined {
  if (pending) return undefined;
  pending = true;
  return afterPaint().then(idle).then(() => {
    pending = false;
    return autosave();
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
 * Opens storage: moves an earlier pcitopo's localStorage snapshots into IndexedDB (once). False when
 * there is no IndexedDB to use; the user is told at once.
 */
async function openStorage(): Promise<boolean> {
  try {
    await migrateLocalStorage(storage());
  } catch (e) {
    safetyStore.setState({ saveFailed: e instanceof Error && e.message === 'this browser gives the page no storage' ? e.message : whyNotSaved(e) });
    return false;
  }
  return true;
}

/**
 * The autosave's stored text (null: none), or the error reading it. Without IndexedDB, an earlier
 * pcitopo's localStorage snapshot is read in place.
 */
async function fetchAutosave(usable: boolean): Promise<{ readonly raw: string | null } | { readonly failed: unknown }> {
  if (!usable) {
    try {
      return { raw: storage()?.getItem(AUTOSAVE_KEY) ?? null };
    } catch {
      return { raw: null };
    }
  }
  try {
    return { raw: await loadAutosave() };
  } catch (e) {
    return { failed: e };
  }
}

/**
 * The autosaved snapshot, validated; null when there is none or it failed validation (then kept byte
 * for byte and said).
 */
async function readAutosave(usable: boolean, fetched: Promise<{ readonly raw: string | null } | { readonly failed: unknown }>): Promise<Snapshot | null> {
  const f = await fetched;
  if ('failed' in f) {
    safetyStore.setState({ saveFailed: whyNotSaved(f.failed) });
    return null;
  }
  const raw = f.raw;
  const r = readSnapshotText(raw);
  if (!r || r.ok) return r?.snapshot ?? null;
  if (raw !== null) {
    if (usable) await refuseText(raw, 'your autosaved design', r.reason);
    else safetyStore.setState({ beside: true });
  }
  return null;
}

/**
 * The last session crashed (see sessions.ts): its design is kept aside, not opened, and the user is
 * offered to restore or discard it. When it cannot be kept aside, autosave leaves it where it is.
 */
async function startSafely(usable: boolean, fetched: Promise<{ readonly raw: string | null } | { readonly failed: unknown }>): Promise<void> {
  const saved = await readAutosave(usable, fetched);
  if (saved) {
    const kept = usable && (await keepAside(store, saved, 'crashed'));
    if (!kept) safetyStore.setState({ beside: true, saveFailed: "the browser's storage refused to keep your last design aside" });
    // kept just now: the newest entry
    safetyStore.setState({ crashed: { name: snapshotName(saved), savedAt: saved.savedAt, id: kept ? (keptStore.getState().kept[0]?.id ?? null) : null } });
  }
  loadDemo();
}

/**
 * The first frame is drawn, or a hidden tab (which draws no frames) waited long enough: work the
 * first view does not show (the undo history, the notice) follows it instead of delaying it.
 */
const drawnOrHidden = (): Promise<void> => Promise.race([afterPaint(), new Promise<void>((resolve) => setTimeout(resolve, 250))]);

/**
 * Opens the autosaved snapshot with its undo history; false when there is none to open. The design
 * is drawn first: rebuilding the history re-imports every step's XML (up to HISTORY_MAX_STEPS of
 * them), and formatting the notice's time loads the browser's date formats, so both follow the
 * first frame; boot() resolves (and the page is ready) only once they are done.
 */
async function openSaved(saved: Snapshot): Promise<boolean> {
  const d = docFromState(saved, 'autosave');
  if (!d.ok) {
    await refuseText(JSON.stringify(saved), 'your autosaved design', tidy(formatInputError(d.error)));
    return false;
  }
  store.getState().load(d.value);
  const opened = store.getState().present;
  await drawnOrHidden();
  // the user acted meanwhile (an import, the demo): what was opened is no longer the document
  if (store.getState().present !== opened) return true;
  const history = historyDocs(saved.history);
  // the first load is not a change: set the history without an undo step or an autosave
  store.setState({ past: history.past, future: history.future });
  const lost = history.lost ? ` ${history.lost} undo steps could not be read.` : '';
  const own = ownKeptAside(saved);
  if (own) {
    store.getState().setMessage({
      kind: 'notice',
      text: `Opened the design another tab saved ${when(saved.savedAt)} (${snapshotName(saved)}): it saved over this tab's. This tab's own design (${own.name}, ${when(own.savedAt)}) is kept aside.${lost}`,
      actions: ['restore-this-tab', 'open-demo'],
    });
    return true;
  }
  // replaced the user's work last time and nothing was done since: offer it back
  const offer = saved.pristine ? restoreOffer() : [];
  store.getState().setMessage({ kind: 'notice', text: `Restored your design from ${when(saved.savedAt)}.${lost}`, actions: [...offer, 'open-demo'] });
  return true;
}

/**
 * This tab's own design, when the autosave a reload opens is another tab's: that tab saved over it
 * and kept it aside (restoreThisTab.ts thisTabsKept). Undefined on a first load, for this tab's own
 * autosave, or when nothing of this tab's was kept (it had nothing of the user's).
 */
function ownKeptAside(saved: Snapshot): KeptDesign | undefined {
  if (previousTabId === null || saved.tab === undefined || saved.tab === previousTabId) return undefined;
  return thisTabsKept();
}

/**
 * Opens a share link in place of `current`, the user's design (the autosave at load; the design shown
 * when a link is pasted into an open tab), kept aside first, or the link opened beside it when it
 * cannot be. The link leaves the address bar once read. `undoable`: the design shown is saved nowhere
 * and could not be kept aside, so the link opens as an undo step that brings it back.
 */
async function openLink(hash: string, current: Snapshot | null, usable: boolean, undoable = false): Promise<void> {
  const safe = !safetyStore.getState().beside && (current === null || (usable && (await keepAside(store, current))));
  // The link has done its job: a reload now shows the autosave (this design and its edits), not the link again.
  history.replaceState(history.state, '', `${location.pathname}${location.search}`);
  // version 1 (one domain) and version 2 (a workspace of several, issue 15) alike
  const d = await openLinkedWorkspace(hash);
  if (!d.ok) {
    openEmpty(tidy(d.broken ? `This share link cannot be opened: ${d.message}. You have an empty design instead.` : `This share link holds a design that cannot be read: ${d.message}. You have an empty design instead.`));
    return;
  }
  // Reading the link (inflate, checksum, XML) and drawing its design are each one long task on a big
  // design (7,688 devices: ~130 ms and ~150 ms of CPU); a task boundary between them keeps either from
  // adding to the other's freeze, and lets the browser handle input in between.
  await nextTask();
  // a new document is a workspace of one unless the link brings its guests
  if (undoable) store.getState().commit({ workspace: undefined, ...d.doc, pristine: true }, 'Open a share link');
  else store.getState().load({ ...d.doc, label: 'Open a share link', pristine: true });
  if (!safe) {
    // The user's saved design could not be kept aside: the link opens beside it, and autosave leaves it alone.
    safetyStore.setState({ beside: true, saveFailed: safetyStore.getState().saveFailed ?? "the browser's storage is full, so your saved design could not be kept aside" });
    store.getState().setMessage({ kind: 'notice', text: `Opened a shared design beside your saved one, which stays as it was. This shared design is not saved: export it to keep it.${undoable ? ' Ctrl+Z brings back the design you had open.' : ''}` });
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
}

/** Whether boot found storage to keep designs aside in: a link pasted later opens as one opened on load. */
let storageUsable = false;

/**
 * A share link pasted into the address bar of a tab already on the app changes only the fragment: no
 * reload, so boot never sees it, and it would wait in the address bar to replace the design at the
 * next reload. It opens as a link opened on load does (openLink), in place of the design shown, which
 * is kept aside with its undo steps. One link at a time; one pasted while the app started opens now.
 */
export function followPastedLinks(): void {
  let queue = Promise.resolve();
  const follow = (): void => {
    queue = queue
      .then(async () => {
        const hash = location.hash;
        if (!hash.startsWith('#/d/')) return;
        const { present, past, future } = store.getState();
        const current = present ? { ...snapshotOf(present), history: historyOf(past, future) } : null;
        // Opened beside the saved design (storage refused), or without storage, the design shown is
        // saved nowhere: it is kept aside now if storage allows, else the link opens as an undo step.
        const unsaved = current !== null && !current.pristine && (safetyStore.getState().beside || !storageUsable);
        const kept = unsaved && storageUsable && (await keepAside(store, current));
        await openLink(hash, current, storageUsable, unsaved && !kept);
      })
      // said, and the next link still opens
      .catch((e: unknown) => store.getState().setMessage({ kind: 'error', text: `This share link could not be opened: ${(e as Error).message}` }));
  };
  addEventListener('hashchange', follow);
  follow();
}

export async function boot(): Promise<void> {
  // All wait on the browser (IndexedDB, other tabs answering): side by side. Every start reads the
  // autosave (to open it, or to keep it aside): it is fetched with the lists of kept designs, and
  // judged (a text that fails validation is kept aside and said) once those are in.
  const opened = openStorage();
  const fetched = opened.then(fetchAutosave);
  const [usable, crashed] = await Promise.all([opened, startSession(), opened.then((u) => (u ? refreshKept(store) : undefined))]);
  storageUsable = usable;
  const hash = location.hash;
  if (crashed) {
    // a link may be what crashed the last tab: it is not opened again either
    if (hash.startsWith('#/d/')) history.replaceState(history.state, '', `${location.pathname}${location.search}`);
    await startSafely(usable, fetched);
    return;
  }
  if (hash.startsWith('#/d/')) {
    // Whatever the link holds, the design autosaved here is the user's: keep it aside first.
    await openLink(hash, await readAutosave(usable, fetched), usable);
    return;
  }
  const saved = await readAutosave(usable, fetched);
  if (saved && (await openSaved(saved))) return;
  loadDemo();
}
