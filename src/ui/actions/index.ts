/**
 * Every user action, one file each, registered in this order (the keyboard takes the first action
 * whose shortcut matches). Import from here so the registry is complete.
 */
export { undo } from './undo.ts';
export { redo } from './redo.ts';
export { openDemo } from './openDemo.ts';
export { newDesign } from './newDesign.ts';
export { restorePrevious } from './restorePrevious.ts';
export { restoreThisTab } from './restoreThisTab.ts';
export { restoreKept } from './restoreKept.ts';
export { importDomain, type FileText } from './importDomain.ts';
export { importHost } from './importHost.ts';
export { importAny } from './importAny.ts';
export { openWorkspace } from './openWorkspace.ts';
export { openFolder, type FolderArg } from './openFolder.ts';
export { exportChanged, CHANGED_ZIP } from './exportChanged.ts';
export { exportChangedFile } from './exportChangedFile.ts';
export { switchGuest } from './switchGuest.ts';
export { addBus } from './addBus.ts';
export { addBlock, BLOCK_LABELS, FIT_ALL_MAX_NODES, type BlockArg } from './addBlock.ts';
export { autoPlace, spareEnabled, type PlaceArg } from './autoPlace.ts';
export { setLibvirtVersion } from './setLibvirtVersion.ts';
export { exportXml } from './exportXml.ts';
export { exportXmlUtf8 } from './exportXmlUtf8.ts';
export { copyXml } from './copyXml.ts';
export { exportSvg } from './exportSvg.ts';
export { exportPng } from './exportPng.ts';
export { shareLink } from './shareLink.ts';
export { removeSelection, removal } from './removeSelection.ts';
export { moveTo, afterMove, type MoveArg } from './moveTo.ts';
export { isolate } from './isolate.ts';
export { applyFix } from './applyFix.ts';
export { focusMoveTo } from './focusMoveTo.ts';
export { deselect } from './deselect.ts';
export { zoomIn } from './zoomIn.ts';
export { zoomOut } from './zoomOut.ts';
export { fitAll } from './fitAll.ts';
export { fitSelection } from './fitSelection.ts';
export { openContextMenu } from './contextMenu.ts';
export { registeredActions, actionForKey, register } from './registry.ts';
export { run, applyOutcome, appContext } from './run.ts';
export { keyOf, keyLabel } from './keys.ts';
export { setView, currentView } from './view.ts';
export { labelOf, descriptionOf, type Action, type ActionContext, type Outcome, type Enabled, type ViewApi } from './types.ts';
export { inMultiSelection, payloadOf, selectionAt, selectionNodes, selectionPayload, testIdOf } from './selection.ts';
