import type { KeptDesign } from '../saved.ts';
import { keptStore } from '../keeping.ts';
import { previousTabDesign, previousTabId } from '../sessions.ts';
import { restoreOutcome } from './restoreKept.ts';
import { register } from './registry.ts';

/**
 * The design this tab had before it was reloaded, when it is among the kept designs: by the
 * fingerprint of what it last autosaved (however it was kept: as this tab's entry when another tab
 * saved over it, or as the design another tab replaced when it restored its own), else by this tab's
 * entry (saved.ts saveAutosave keeps another tab's design as `tab-<id>`).
 */
export function thisTabsKept(): KeptDesign | undefined {
  const kept = keptStore.getState().kept;
  return (previousTabDesign === null ? undefined : kept.find((k) => k.sig === previousTabDesign)) ?? (previousTabId === null ? undefined : kept.find((k) => k.id === `tab-${previousTabId}`));
}

/**
 * Brings back the design this tab had before it was reloaded, when another tab saved its own over it
 * meanwhile (the reload opened that tab's design, and said so), as one undoable step.
 */
export const restoreThisTab = register({
  id: 'restore-this-tab',
  label: "Restore this tab's design",
  enabled: () => (thisTabsKept() ? true : "This tab's design is not kept aside"),
  perform: ({ store }) => restoreOutcome(store, thisTabsKept()?.id ?? '', "Restore this tab's design"),
});
