/**
 * The zoom summary tiles are laid out for (ControllerTile.tsx): the canvas' zoom once it has rested.
 *
 * A tile's text and chips are drawn in screen pixels at rest (11.5-px text, 10-px chips at any zoom
 * below the detail threshold), so their layout depends on the zoom. Laying them out again on every
 * frame of a zoom restyled and laid out every element of every tile (~17,400 on a 15,376-NIC q35
 * guest: 150-260 ms of CPU per frame). Tiles are laid out for this zoom instead and scaled by the
 * ratio of the live zoom to it (a transform, styles.css `.tlines`), so a zoom under way costs what
 * React Flow's own viewport transform costs; when the zoom has rested for SETTLE_MS the tiles are
 * laid out once for it.
 */
import { createContext, useContext, useSyncExternalStore } from 'react';

/** How long the zoom must rest before the tiles are laid out for it (ms): longer than the gap between the frames of a zoom under way. */
export const SETTLE_MS = 120;

/** The zoom tiles are laid out for (dimensionless, as React Flow's zoom), and who follows it. */
export interface TileZoom {
  readonly get: () => number;
  /** Sets it now (the first view, a rested zoom); listeners run when it changes. */
  readonly set: (zoom: number) => void;
  readonly subscribe: (listener: () => void) => () => void;
}

export function createTileZoom(initial: number): TileZoom {
  let zoom = initial;
  const listeners = new Set<() => void>();
  return {
    get: () => zoom,
    set: (z) => {
      if (z === zoom) return;
      zoom = z;
      for (const l of [...listeners]) l();
    },
    subscribe: (l) => {
      listeners.add(l);
      return () => listeners.delete(l);
    },
  };
}

/** Runs `fn` in `ms` milliseconds; returns what cancels it (the page's setTimeout, a fake clock in tests). */
export type Schedule = (fn: () => void, ms: number) => () => void;

/** {@link Schedule} on the page's timers. */
export const pageSchedule: Schedule = (fn, ms) => {
  const id = setTimeout(fn, ms);
  return () => clearTimeout(id);
};

/**
 * Follows the live zoom: each `changed(zoom)` restarts a SETTLE_MS wait, after which `tiles` is set
 * to the last zoom seen. `now(zoom)` sets it at once (a first view). `stop()` drops a pending wait.
 */
export function followZoom(tiles: TileZoom, schedule: Schedule): { readonly changed: (zoom: number) => void; readonly now: (zoom: number) => void; readonly stop: () => void } {
  let cancel: (() => void) | undefined;
  const stop = () => {
    cancel?.();
    cancel = undefined;
  };
  return {
    changed: (zoom) => {
      stop();
      cancel = schedule(() => {
        cancel = undefined;
        tiles.set(zoom);
      }, SETTLE_MS);
    },
    now: (zoom) => {
      stop();
      tiles.set(zoom);
    },
    stop,
  };
}

/** The canvas' tile zoom (Canvas.tsx provides it); outside a canvas, 1. */
export const TileZoomContext = createContext<TileZoom>(createTileZoom(1));

/** `select(zoom)` of the tile zoom; the component re-renders only when that result changes. */
export function useTileZoom<T>(select: (zoom: number) => T): T {
  const tiles = useContext(TileZoomContext);
  return useSyncExternalStore(tiles.subscribe, () => select(tiles.get()));
}
