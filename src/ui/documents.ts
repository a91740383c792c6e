/**
 * Building documents from texts, and keeping the user's work aside before something replaces it.
 * Shared by the actions that replace the document (import, new design, demo, restore) and by boot.
 */
import type { Design, Host, Result } from '../engine/index.ts';
import { createDesign, importHost } from '../engine/index.ts';
import type { DesignerStore, DocState } from '../store/index.ts';
import { previousInfo, PREVIOUS_KEY, snapshotOf, writeSnapshot, type Snapshot } from './persistence.ts';

export function hostFrom(text: string | undefined, file: string): Result<Host | undefined> {
  if (text === undefined) return { ok: true, value: undefined };
  return importHost(text, file);
}

/** Builds a design from texts; nothing in the store changes. */
export function buildDesign(domain: string, hostText: string | undefined, file: string, hostFile = file): Result<Design> {
  const host = hostFrom(hostText, hostFile);
  if (!host.ok) return host;
  return createDesign(domain, host.value, file);
}

/**
 * Keeps a design aside before something replaces it. Returns whether that work is safe: kept now,
 * or nothing worth keeping (a pristine design leaves an earlier kept design in place).
 */
export function keepAside(store: DesignerStore, save: Snapshot | null): boolean {
  if (!save || save.pristine) return true;
  if (!writeSnapshot(PREVIOUS_KEY, save)) return false;
  store.getState().setPrevious(previousInfo(save));
  return true;
}

/** Keeps the present design aside (see keepAside). */
export function keepPresent(store: DesignerStore): boolean {
  const present: DocState | null = store.getState().present;
  return keepAside(store, present ? snapshotOf(present) : null);
}
