import { describe, expect, it } from 'vitest';
import { FULL_MIN_ZOOM, TILE_WIDTH } from './layout.ts';
import { MARGIN, TILE_CSS, tileCutZooms, uiMeasure } from './tileFit.ts';
import { estimateWidth, UI_SANS, type Measure } from './textMeasure.ts';

/** A measure where every character is `em` of the font size wide. */
const fixed =
  (em: number): Measure =>
  (text, style) =>
    text.length * em * style.size;

describe('which parts of a summary tile overflow at a zoom', () => {
  const tile = (lines: string[], chips = 0) => tileCutZooms({ kind: 'vPHB', index: '1', chips, lines: lines.map((text) => ({ text })) }, estimateWidth);

  it('a short line fits at a 1440x900 first view\'s zoom (0.56), a bus summary of a long product name overflows at every tile zoom', () => {
    const z = tile(['2 used · 29 free', 'NetXtreme BCM5719 Gigabit Ethernet PCIe ×4']);
    expect(z.lines[0]).toBeLessThan(0.55);
    expect(z.lines[1]).toBeGreaterThan(FULL_MIN_ZOOM);
  });

  it('is the zoom at which the text, with its safety margin, fills the line between padding and border', () => {
    const m = fixed(0.5);
    const z = tileCutZooms({ kind: 'vPHB', index: '1', chips: 0, lines: [{ text: 'x'.repeat(20) }] }, m);
    const inset = 2 * (TILE_CSS.pad + TILE_CSS.border);
    expect(z.lines[0]).toBeCloseTo((20 * 0.5 * TILE_CSS.size * MARGIN + inset) / TILE_WIDTH, 9);
  });

  it('a longer or bolder text overflows from a higher zoom', () => {
    const z = tileCutZooms({ kind: 'vPHB', index: '1', chips: 0, lines: [{ text: 'PE: group 1' }, { text: 'PE: groups 1, 2' }, { text: 'PE: groups 1, 2', bold: true }] }, estimateWidth);
    expect(z.lines[1]).toBeGreaterThan(z.lines[0] ?? Infinity);
    expect(z.lines[2]).toBeGreaterThan(z.lines[1] ?? Infinity);
  });

  it('one chip always fits beside the title; a row of many overflows before the title does', () => {
    expect(tile([], 1).chips).toBe(0);
    const many = tile([], 30);
    expect(many.chips).toBeGreaterThan(many.title);
    // the chips wrap to a row of their own rather than cut the title: the title needs its own width only
    expect(many.title).toBe(tile([], 0).title);
  });

  it('a kind too long for the tile gives way to its short kind, which fits further out; the short kind is cut only below that', () => {
    const z = tileCutZooms({ kind: 'Switch downstream', short: 'DS port', index: '36', chips: 1, lines: [] }, estimateWidth);
    expect(z.short).toBeLessThan(z.title);
    // without a short kind the kind is cut where it overflows
    const none = tileCutZooms({ kind: 'Switch downstream', index: '36', chips: 1, lines: [] }, estimateWidth);
    expect(none.short).toBe(none.title);
  });

  it('measures without a document (tests, server rendering) by the estimate', () => {
    expect(uiMeasure()).toBe(estimateWidth);
  });

  it('measures in the font the page draws in (styles.css :root)', () => {
    interface NodeFs {
      readFileSync(path: URL, encoding: 'utf8'): string;
    }
    const nodeProcess = (globalThis as unknown as { process: { getBuiltinModule(id: 'node:fs'): NodeFs } }).process;
    const css = nodeProcess.getBuiltinModule('node:fs').readFileSync(new URL('./styles.css', import.meta.url), 'utf8');
    const root = /:root\s*\{[^}]*?\bfont:\s*[^;]*?\d+px\/[\d.]+\s+([^;]+);/.exec(css);
    expect(root?.[1]).toBe(UI_SANS);
  });
});
