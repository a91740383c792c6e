/**
 * Which parts of a summary tile (ControllerTile.tsx) overflow their box at a given zoom, so that only
 * those are clipped with an ellipsis (styles.css `.cut`). Clipping every line instead made each line
 * a clip node and a paint chunk of its own: 31 tiles of 6-8 clipped boxes doubled the layerize step
 * of a drop's frame and of a hover's (DESIGN.md §7). A tile's text is laid out in screen pixels for
 * the zoom the canvas rests at (tileZoom.ts; styles.css .tlines scales it into the box) while its box
 * is TILE_WIDTH flow units wide, so a line overflows below some zoom and fits above it: each part is
 * given that zoom, and the tile compares it with the one it is laid out for. Widths are measured in the page's own font (a 2D canvas' measureText) and taken
 * MARGIN times larger, so a part on the edge is clipped (which shows no ellipsis while the text
 * fits) rather than left to run past the box.
 */
import { TILE_WIDTH } from './layout.ts';
import { canvasMeasure, estimateWidth, UI_SANS, type Measure } from './textMeasure.ts';

/**
 * Measured widths are taken this much larger: the canvas measures the same font the tile draws, so
 * what it misses is sub-pixel rounding and shaping (a diagram, read in another viewer, takes
 * textMeasure.ts SAFETY instead).
 */
export const MARGIN = 1.03;

/**
 * styles.css `.ctile` and `.tlines` in screen px (the box's in multiples of its --u): the font size, the padding on each side,
 * the widest border on each side (`.ctile.sev-*`), the title row's gap, the gap between the kind
 * and the index in the title (in em), a chip's width and the gap between chips, and the chips' least
 * width (`.tchips` min-width).
 */
export const TILE_CSS = { size: 11.5, pad: 7, border: 2, rowGap: 6, titleGapEm: 0.3, chip: 10, chipGap: 2, chipsMin: 12 } as const;

/** A line of a tile: its text and whether it is bold (`.tworst`, the title). */
export interface TileLine {
  readonly text: string;
  readonly bold?: boolean | undefined;
}

/**
 * What a tile draws, for {@link tileCutZooms}: the title row (kind, the short kind it falls back to
 * when the kind does not fit, index, how many chips), then its lines.
 */
export interface TileText {
  readonly kind: string;
  readonly short?: string | undefined;
  readonly index: string;
  readonly chips: number;
  readonly lines: readonly TileLine[];
}

/**
 * The zoom below which each part of a tile overflows (dimensionless, as React Flow's zoom): `title`
 * the title's kind (the tile shows the short kind below it), `short` the short kind (cut before the
 * index below it), `chips` the chips after the title (a second row of chips), `lines[i]` the i-th
 * line. A part fits at zooms at or above its value. Widths by `measure` (px).
 */
export function tileCutZooms(t: TileText, measure: Measure): { readonly title: number; readonly short: number; readonly chips: number; readonly lines: readonly number[] } {
  const c = TILE_CSS;
  const inset = 2 * (c.pad + c.border);
  const style = (bold: boolean | undefined) => ({ size: c.size, bold, family: UI_SANS });
  const below = (px: number) => (px + inset) / TILE_WIDTH;
  const titleW = (kind: string) => (measure(kind, style(true)) + c.titleGapEm * c.size + measure(t.index, style(true))) * MARGIN;
  // .trow wraps: chips that do not get their least width beside the title go to a row of their own,
  // so the title only needs its own width
  const titleAt = (kind: string) => below(titleW(kind));
  const title = titleAt(t.kind);
  const short = Math.min(title, titleAt(t.short ?? t.kind));
  const chipsW = t.chips * (c.chip + c.chipGap) - c.chipGap;
  // chips that fit in chipsMin fit whatever the title does; otherwise they need the rest of the row,
  // taken beside the full kind: a clip where the short kind left room costs nothing to see
  const chips = chipsW <= c.chipsMin ? 0 : below(titleW(t.kind) + c.rowGap + chipsW * MARGIN);
  return { title, short, chips, lines: t.lines.map((l) => below(measure(l.text, style(l.bold)) * MARGIN)) };
}

let pageMeasure: Measure | undefined;
/** The browser's text metrics once there is a document, the estimate before (server rendering, tests). */
export function uiMeasure(): Measure {
  pageMeasure ??= canvasMeasure() ?? undefined;
  return pageMeasure ?? estimateWidth;
}
