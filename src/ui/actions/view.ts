/**
 * The canvas's zoom and fit for actions. The canvas (inside React Flow's provider) registers its
 * viewport functions here; until it does, and in unit tests, they do nothing.
 */
import type { ViewApi } from './types.ts';

const NONE: ViewApi = { zoomIn() {}, zoomOut() {}, fit() {}, fitNodes() {} };
let current: ViewApi = NONE;

export function setView(view: ViewApi | null): void {
  current = view ?? NONE;
}

export function currentView(): ViewApi {
  return current;
}
