/** The app's one store instance and its React hook; tests and non-React callers use createDesignerStore. */
import { useStore } from 'zustand';
import { createDesignerStore, type DesignerState } from './store.ts';

export const designerStore = createDesignerStore();

export function useDesigner<T>(selector: (s: DesignerState) => T): T {
  return useStore(designerStore, selector);
}

export * from './store.ts';
export { appEvaluator, evaluationOf, findingsOf, subjectIndex, SEVERITY_RANK } from './findings.ts';
export { dropTargets, evaluate, hypothetical, isBusTarget, lazyVerdicts, type LazyVerdicts, controllerTargetId, NEW_BUS_TARGET, REMOVE_TARGET_ID, slotTargetId, takesEndpoints, verdictMore, type Verdict, type VerdictNote, type VerdictLevel, type DropTarget } from './evaluate.ts';
// main.tsx reads the export through the store's entry point.
export { exportDomain } from '../engine/index.ts';
export { acrossFindingsOf, activeGuestName, changedFiles, docOfWorkspace, guestColour, guestCount, usageOf, workspaceOf, type ChangedFile, type DocGuest, type DocWorkspace, type Taken, type WorkspaceDoc } from './workspace.ts';
