/** The app's one store instance and its React hook; tests and non-React callers use createDesignerStore. */
import { useStore } from 'zustand';
import { createDesignerStore, type DesignerState } from './store.ts';
import { hypothetical, isBusTarget, judgedInWorker, verdictsBy, type Verdict } from './evaluate.ts';
import { onChecked, setReleaseSource } from './findings.ts';

export const designerStore = createDesignerStore();

// The findings and verdicts judge the design as the libvirt release it is set to (the toolbar's
// release select, DocState.libvirtVersion), read at each evaluation (findings.ts syncRelease).
setReleaseSource(() => designerStore.getState().present?.libvirtVersion);

// A document's check off the main thread ended (findings.ts): what shows findings reads them again,
// and a drag under way judges its targets again (they said "not judged yet"). On a heavy document the
// worker judges them (evaluate.ts verdictsBy), and the verdicts it gave are kept: they are real ones.
onChecked(() => {
  const { drag } = designerStore.getState();
  if (!drag) {
    designerStore.setState({});
    return;
  }
  const targets = [...drag.targets.values()];
  const by = verdictsBy(drag.design);
  const verdicts = new Map<string, Verdict>(by === 'here' ? [] : [...drag.verdicts].filter(([, v]) => judgedInWorker(v)));
  const over = drag.over === null ? undefined : drag.targets.get(drag.over);
  if (over && by === 'here') verdicts.set(over.id, hypothetical(drag.design, over.command));
  const pending = [...targets.filter(isBusTarget), ...targets.filter((t) => !isBusTarget(t))].map((t) => t.id).filter((id) => !verdicts.has(id));
  designerStore.setState({ drag: { ...drag, verdicts, pending } });
  // the worker starts on them, the target under the pointer first
  if (by === 'worker') {
    designerStore.getState().judgePending(0);
    if (over) designerStore.getState().moveDrag(drag.x, drag.y, over.id);
  }
});

export function useDesigner<T>(selector: (s: DesignerState) => T): T {
  return useStore(designerStore, selector);
}

export * from './store.ts';
export { appChecker, appEvaluator, checkState, CHECKING_ID, loadCatalog, ruleCatalog, ruleMetaOf, evaluationOf, findingsOf, onChecked, setAppChecker, subjectIndex, SEVERITY_RANK, UNCHECKED_ID, type CheckState } from './findings.ts';
export { dropTargets, evaluate, hypothetical, isBusTarget, judgedInWorker, lazyVerdicts, verdictOfEdit, verdictsBy, type EditVerdict, type LazyVerdicts, controllerTargetId, NEW_BUS_TARGET, REMOVE_TARGET_ID, slotTargetId, takesEndpoints, verdictMore, type Verdict, type VerdictNote, type VerdictLevel, type DropTarget } from './evaluate.ts';
// app.tsx reads the export through the store's entry point.
export { exportDomain } from '../engine/index.ts';
export { acrossFindingsOf, activeGuestName, changedFiles, docOfWorkspace, fileStem, guestColour, guestCount, usageOf, workspaceOf, type ChangedFile, type DocGuest, type DocWorkspace, type Taken, type WorkspaceDoc } from './workspace.ts';
