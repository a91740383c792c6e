/**
 * Keeping the user's work: the autosave (with its undo history), designs kept aside before something
 * replaces them, and what the user is told when storage refuses. The app's side of saved.ts.
 */
import { createStore } from 'zustand/vanilla';
import { useStore } from 'zustand';
import { createDesign, importHost, type Host, type Result } from '../engine/index.ts';
import { designerStore, type DesignerStore, type DocState } from '../store/index.ts';
import { activeGuest, historyOf, historyStates, snapshotOf, whyNotSaved, type GuestSnapshot, type SavedHistory, type Snapshot, type SnapshotState } from './persistence.ts';
import { docOfSnapshot } from './workspaceSnapshot.ts';
import * as saved from './saved.ts';
import { safetyStore } from './safety.ts';
import { noteTabDesign, tabId } from './sessions.ts';

export interface KeptState {
  /** newest first */
  readonly kept: readonly saved.KeptDesign[];
  /** the kept designs dialog is open */
  readonly open: boolean;
}

export const keptStore = createStore<KeptState>()(() => ({ kept: [], open: false }));
export const useKept = <T,>(pick: (s: KeptState) => T): T => useStore(keptStore, pick);

/** Reads the kept designs and stored texts that failed validation again; "previous" is the newest kept design. */
export async function refreshKept(store: DesignerStore = designerStore): Promise<void> {
  try {
    const kept = await saved.listKept();
    keptStore.setState({ kept });
    const newest = kept[0];
    store.getState().setPrevious(newest ? { name: newest.name, savedAt: newest.savedAt } : null);
    const unreadable = await saved.listUnreadable();
    safetyStore.setState({ unreadable: unreadable.map((u) => ({ id: u.id ?? 0, from: u.from, reason: u.reason, at: u.at })) });
  } catch {
    // no storage: the storage alert already says so
  }
}

/**
 * Keeps a design aside before something replaces it. Resolves whether that work is safe: kept now, or
 * nothing worth keeping (a pristine design). When storage refuses, the user is told at once and
 * autosave leaves the saved design alone (beside) until the user chooses.
 */
export async function keepAside(store: DesignerStore, snap: Snapshot | null, why: saved.KeptWhy = 'replaced'): Promise<boolean> {
  if (!snap || (snap.pristine && why !== 'crashed')) return true;
  try {
    await saved.keepDesign(snap, why);
  } catch (e) {
    safetyStore.setState({ beside: true, saveFailed: `${(e as Error).message}, so the design you replaced could not be kept aside (Ctrl+Z brings it back in this tab)` });
    return false;
  }
  await refreshKept(store);
  return true;
}

/** Keeps the present design aside (see keepAside); the write is queued before any later autosave. */
export function keepPresent(store: DesignerStore): Promise<boolean> {
  const present: DocState | null = store.getState().present;
  return keepAside(store, present ? snapshotOf(present) : null);
}

/** Keeps a stored text that failed validation byte for byte, and says so (the storage alert offers Export). */
export async function refuseText(raw: string, from: string, reason: string, store: DesignerStore = designerStore): Promise<void> {
  try {
    await saved.keepUnreadable(raw, from, reason);
  } catch (e) {
    // it cannot be kept aside: autosave must not write over it either
    safetyStore.setState({ beside: true, saveFailed: `${whyNotSaved(e)}, so ${from}, which cannot be read, could not be kept aside` });
  }
  await refreshKept(store);
}

/**
 * Saves the present design and its undo history (bounded: persistence.ts HISTORY_MAX_*). A failure is
 * said at once (the storage alert, with Export); a design opened beside the user's saved one is not
 * saved over it; another tab's design saved since is kept aside first, and the user told.
 */
export async function autosave(store: DesignerStore = designerStore): Promise<void> {
  const { present, past, future } = store.getState();
  if (!present || safetyStore.getState().beside) return;
  const snap: Snapshot = { ...snapshotOf(present), history: historyOf(past, future) };
  const r = await saved.saveAutosave(snap, tabId, new Date(), () => !safetyStore.getState().beside);
  if (r.ok && r.skipped) return;
  if (r.ok) noteTabDesign(saved.fingerprint(snap));
  const why = r.ok ? null : r.why;
  if (why !== safetyStore.getState().saveFailed && !safetyStore.getState().beside) safetyStore.setState({ saveFailed: why });
  if (r.ok && r.other) {
    safetyStore.setState({ otherTab: r.other === 'unreadable' ? { name: 'a design that cannot be read', savedAt: new Date().toISOString() } : { name: r.other.name, savedAt: r.other.savedAt } });
    await refreshKept(store);
  }
}

/** A host text is read once however many history steps share it. */
function hostReader(): (text: string | undefined) => Result<Host | undefined> {
  const hosts = new Map<string, Result<Host | undefined>>();
  return (text) => {
    if (text === undefined) return { ok: true, value: undefined };
    let h = hosts.get(text);
    if (!h) {
      h = importHost(text, 'saved host');
      hosts.set(text, h);
    }
    return h;
  };
}

/**
 * The document a snapshot state opens as: its one guest, or its workspace of several guests shown on
 * the active one, with the snapshot's libvirt release (said even when absent: a commit of it must not
 * keep the release of the design it replaces).
 */
export function docFromState(s: SnapshotState, fallbackFile: string, host = hostReader()): Result<DocState> {
  const g = activeGuest(s);
  const libvirtVersion = s.libvirtVersion;
  if (s.guests.length > 1) {
    // a workspace of several guests opens whole (workspaceSnapshot.ts reads its saved form)
    const nameOf = (x: GuestSnapshot): string => x.name ?? /<name>([^<]*)<\/name>/.exec(x.domain)?.[1]?.trim() ?? x.file ?? 'guest';
    const guests = s.guests.map((x) => ({ name: nameOf(x), domain: x.domain, ...(x.file !== undefined ? { file: x.file } : {}), ...(x.baseline !== undefined ? { baseline: x.baseline } : {}), ...(x.encoding !== undefined ? { encoding: x.encoding } : {}) }));
    const d = docOfSnapshot({ domain: g.domain, host: s.host, hostEncoding: s.hostEncoding, file: g.file, pristine: s.pristine, baseline: g.baseline, workspace: { guests, active: nameOf(g) } }, fallbackFile);
    return d.ok ? { ok: true, value: { ...d.value, label: s.label ?? 'Restore', libvirtVersion } } : d;
  }
  const h = host(s.host);
  if (!h.ok) return h;
  const d = createDesign(g.domain, h.value, g.file ?? fallbackFile, g.encoding);
  if (!d.ok) return d;
  return { ok: true, value: { design: d.value, hostText: s.host, hostEncoding: s.hostEncoding, file: g.file, label: s.label ?? 'Restore', pristine: s.pristine, ...(g.baseline !== undefined ? { baseline: g.baseline } : {}), libvirtVersion } };
}

/**
 * The undo and redo steps of a saved history, as documents. A step that no longer reads ends its side
 * there (the steps beyond it are unreachable anyway); `lost` counts the steps dropped.
 */
export function historyDocs(h: SavedHistory | undefined): { past: DocState[]; future: DocState[]; lost: number } {
  if (!h) return { past: [], future: [], lost: 0 };
  const states = historyStates(h);
  const host = hostReader();
  const past: DocState[] = [];
  for (let i = states.past.length - 1; i >= 0; i--) {
    const d = docFromState(states.past[i] as SnapshotState, 'saved design', host);
    if (!d.ok) break;
    past.unshift(d.value);
  }
  const future: DocState[] = [];
  for (const s of states.future) {
    const d = docFromState(s, 'saved design', host);
    if (!d.ok) break;
    future.push(d.value);
  }
  return { past, future, lost: states.past.length + states.future.length - past.length - future.length };
}
