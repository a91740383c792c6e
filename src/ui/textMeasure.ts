/**
 * Text widths for drawings that must keep every label inside its box (the exported diagram): the
 * browser's own font metrics (a 2D canvas' measureText, the font the SVG names), and without a
 * canvas (unit tests, Node) a conservative per-character estimate of the same sans-serif font.
 */

export const SANS = "'DejaVu Sans', Verdana, Arial, sans-serif";
export const MONO = "'DejaVu Sans Mono', Menlo, Consolas, monospace";
/** The page's own font family (styles.css :root), for text drawn in the UI rather than in a diagram. */
export const UI_SANS = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Noto Sans', 'DejaVu Sans', sans-serif";

export interface TextStyle {
  readonly size: number;
  readonly bold?: boolean | undefined;
  readonly mono?: boolean | undefined;
  /** a font family list; without it {@link SANS}, or {@link MONO} when `mono` */
  readonly family?: string | undefined;
}

/** Width in px of `text` drawn in `style`. */
export type Measure = (text: string, style: TextStyle) => number;

/** em widths of DejaVu Sans (the widest common sans: an estimate from it errs on the safe side). */
function charEm(c: string): number {
  if (c === ' ') return 0.32;
  if ('il.,:;\'!|()[]{}'.includes(c)) return 0.36;
  if ('fjrt-/'.includes(c)) return 0.45;
  if ('mw'.includes(c)) return 0.98;
  if ('MW'.includes(c)) return 1.0;
  if (c >= 'A' && c <= 'Z') return 0.78;
  if (c >= '0' && c <= '9') return 0.64;
  if (c.charCodeAt(0) > 0x2000) return 1.0;
  return 0.64;
}

export const estimateWidth: Measure = (text, style) => {
  if (style.mono) return text.length * 0.61 * style.size;
  let em = 0;
  for (const c of text) em += charEm(c);
  return em * style.size * (style.bold ? 1.1 : 1);
};

/** The browser's metrics, or null where there is no 2D canvas (Node, tests). */
export function canvasMeasure(): Measure | null {
  if (typeof document === 'undefined') return null;
  const ctx = document.createElement('canvas').getContext('2d');
  if (!ctx) return null;
  const cache = new Map<string, number>();
  return (text, style) => {
    const font = `${style.bold ? '700 ' : ''}${style.size}px ${style.family ?? (style.mono ? MONO : SANS)}`;
    const key = `${font}|${text}`;
    let w = cache.get(key);
    if (w === undefined) {
      ctx.font = font;
      w = ctx.measureText(text).width;
      cache.set(key, w);
    }
    return w;
  };
}

/**
 * The longest start of `text` that fits `maxWidth` px, with an ellipsis when cut. Widths get a
 * margin (SAFETY) so a viewer whose fallback font is a little wider still keeps the text inside.
 */
export const SAFETY = 1.08;
export function fitText(text: string, maxWidth: number, style: TextStyle, measure: Measure): { text: string; cut: boolean } {
  const w = (t: string) => measure(t, style) * SAFETY;
  if (w(text) <= maxWidth) return { text, cut: false };
  let lo = 0;
  let hi = text.length;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (w(`${text.slice(0, mid).trimEnd()}…`) <= maxWidth) lo = mid;
    else hi = mid - 1;
  }
  return { text: lo > 0 ? `${text.slice(0, lo).trimEnd()}…` : '', cut: true };
}
