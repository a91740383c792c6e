/** The canvas' own bar: zoom, fit, fit selection, legend. Outside the flow, so it never covers a bus. */
import { useState } from 'react';
import { useStore, type ReactFlowState } from '@xyflow/react';
import { fitAll, fitSelection, run, zoomIn, zoomOut } from './actions/index.ts';
import { Legend } from './Legend.tsx';
import { FULL_MIN_ZOOM } from './layout.ts';

const zoomPercent = (s: ReactFlowState) => Math.round(s.transform[2] * 100);
const detailed = (s: ReactFlowState) => s.transform[2] >= FULL_MIN_ZOOM;

export function CanvasBar() {
  const zoom = useStore(zoomPercent);
  const full = useStore(detailed);
  const [legend, setLegend] = useState(false);
  return (
    <div className="canvasbar" role="toolbar" aria-label="Canvas view">
      <button type="button" className="icon" data-testid="zoom-out" title="Zoom out (-)" aria-label="Zoom out" onClick={() => void run(zoomOut, undefined)}>
        −
      </button>
      <span className="zoom" data-testid="zoom-level" title={full ? 'Full detail: slot grids' : 'Summary tiles: zoom in for slot grids'}>
        {zoom}%
      </span>
      <button type="button" className="icon" data-testid="zoom-in" title="Zoom in (+)" aria-label="Zoom in" onClick={() => void run(zoomIn, undefined)}>
        +
      </button>
      <button type="button" data-testid="fit-view" title="Fit the whole design (Shift+1)" onClick={() => void run(fitAll, undefined)}>
        Fit
      </button>
      <button type="button" data-testid="fit-selection" title="Fit the selection (Shift+2)" onClick={() => void run(fitSelection, undefined)}>
        Fit selection
      </button>
      <span className="spacer" />
      <button type="button" data-testid="legend-toggle" aria-expanded={legend} onClick={() => setLegend(!legend)}>
        Legend
      </button>
      {legend ? <Legend onClose={() => setLegend(false)} /> : null}
    </div>
  );
}
