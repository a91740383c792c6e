/**
 * What the app tells the user about keeping their work: storage that refuses to save, a design opened
 * beside the user's because it could not be kept aside, and a start after a crash. Kept apart from the
 * designer store: none of it is part of the document or its history.
 */
import { createStore } from 'zustand/vanilla';
import { useStore } from 'zustand';

export interface SafetyState {
  /** why the last autosave failed (null: the present design is saved) */
  readonly saveFailed: string | null;
  /**
   * the tab holds a design that could not be saved without losing the user's saved one (a share link
   * opened while storage was full): autosave leaves the saved design alone until the user chooses
   */
  readonly beside: boolean;
  /** the last session did not close cleanly: its design was kept aside, not opened (its name and time) */
  readonly crashed: { readonly name: string; readonly savedAt: string; readonly id: string | null } | null;
  /** stored texts that failed validation: not opened, kept byte for byte for Export (saved.ts Unreadable) */
  readonly unreadable: readonly { readonly id: number; readonly from: string; readonly reason: string; readonly at: string }[];
  /** another tab had saved its design here since this tab loaded: it was kept aside (its name and time) */
  readonly otherTab: { readonly name: string; readonly savedAt: string } | null;
}

export const safetyStore = createStore<SafetyState>()(() => ({ saveFailed: null, beside: false, crashed: null, unreadable: [], otherTab: null }));

export const useSafety = <T,>(pick: (s: SafetyState) => T): T => useStore(safetyStore, pick);
