/**
 * What the canvas offers the rest of the app: zoom and fit, as plain functions. Canvas.tsx registers
 * the live implementation while it is mounted; without a canvas every call does nothing. User
 * actions reach them through the action registry (actions/view.ts, bridged in App.tsx), so the
 * keyboard, the canvas bar and the context menu run the same fitAll/fitSelection/zoom actions.
 */

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
