/**
 * What the canvas offers the rest of the app: zoom and fit, as plain functions that keyboard
 * shortcuts, toolbar buttons and actions can call. Canvas.tsx registers the live implementation
 * while it is mounted; without a canvas every call does nothing.
 */
import type { Command } from '../engine/index.ts';
import { designerStore } from '../store/index.ts';

export interface CanvasApi {
  zoomIn(): void;
  zoomOut(): void;
  /** the whole design, tidied, at the best level of detail for the canvas' size */
  fitAll(): void;
  /** the buses holding the selection (a controller, or the selected devices' buses) */
  fitSelection(): void;
  /** these React Flow node ids (layout.ts nodeIdOf), zoomed to fit, at the level of detail that suits */
  fitNodes(nodeIds: readonly string[]): void;
}

let current: CanvasApi | null = null;

/** Canvas.tsx: installs the canvas' implementation; returns the function that removes it. */
export function registerCanvasApi(api: CanvasApi): () => void {
  current = api;
  return () => {
    if (current === api) current = null;
  };
}

export const zoomIn = (): void => current?.zoomIn();
export const zoomOut = (): void => current?.zoomOut();
export const fitAll = (): void => current?.fitAll();
export const fitSelection = (): void => current?.fitSelection();
export const fitNodes = (nodeIds: readonly string[]): void => current?.fitNodes(nodeIds);

/** Shortcut -> canvas function: + and - zoom, Shift+1 fits everything, Shift+2 the selection. */
export const CANVAS_SHORTCUTS: readonly { readonly id: string; readonly label: string; readonly keys: string; readonly matches: (e: KeyboardEvent) => boolean; readonly run: () => void }[] = [
  { id: 'zoom-in', label: 'Zoom in', keys: '+', matches: (e) => e.key === '+' || e.key === '=', run: zoomIn },
  { id: 'zoom-out', label: 'Zoom out', keys: '-', matches: (e) => e.key === '-' || e.key === '_', run: zoomOut },
  { id: 'fit-all', label: 'Fit the whole design', keys: 'Shift+1', matches: (e) => e.shiftKey && e.code === 'Digit1', run: fitAll },
  { id: 'fit-selection', label: 'Fit the selection', keys: 'Shift+2', matches: (e) => e.shiftKey && e.code === 'Digit2', run: fitSelection },
];

const isEditable = (t: EventTarget | null): boolean =>
  t instanceof HTMLElement && (t.isContentEditable || t.tagName === 'INPUT' || t.tagName === 'TEXTAREA' || t.tagName === 'SELECT');

/**
 * Runs the canvas shortcut a key press stands for; returns whether it was one. Kept to this one
 * function so the action registry can take the shortcuts over by calling it (or the functions above).
 */
export function handleCanvasShortcut(e: KeyboardEvent): boolean {
  if (e.ctrlKey || e.metaKey || e.altKey || isEditable(e.target)) return false;
  const s = CANVAS_SHORTCUTS.find((x) => x.matches(e));
  if (!s) return false;
  e.preventDefault();
  s.run();
  return true;
}

/**
 * The command that removes every selected guest device as one undo step (one device: a plain
 * remove-device; several: a batch), or null when no device is selected.
 */
export function removeSelectedDevicesCommand(): Command | null {
  const st = designerStore.getState();
  const present = st.present;
  if (!present) return null;
  const keys = [...st.selectedDevices].filter((k) => present.design.guest.devices.some((d) => d.key === k));
  if (keys.length === 0 && st.selection?.kind === 'device') keys.push(st.selection.key);
  if (keys.length === 0) return null;
  if (keys.length === 1) return { kind: 'remove-device', device: keys[0] as string };
  return { kind: 'batch', label: `Remove ${keys.length} devices`, commands: keys.map((k) => ({ kind: 'remove-device', device: k })) };
}
