/**
 * WCAG 2.1 contrast of the theme's colours (issue 7): every text colour the stylesheet puts on a
 * background reaches 4.5:1 (AA, normal text), and the focus ring 3:1 against what it is drawn on
 * (non-text contrast), in the light and the dark theme. The colours are read from styles.css itself.
 */
import { describe, expect, it } from 'vitest';

/**
 * The stylesheet's text. Vitest hands CSS imports (even ?raw) over as empty modules, and the UI's
 * tsconfig has no Node types, so Node's fs is reached through process.getBuiltinModule (Node 20.16+).
 */
interface NodeFs {
  readFileSync(path: URL, encoding: 'utf8'): string;
}
const nodeProcess = (globalThis as unknown as { process: { getBuiltinModule(id: 'node:fs'): NodeFs } }).process;
const CSS = nodeProcess.getBuiltinModule('node:fs').readFileSync(new URL('./styles.css', import.meta.url), 'utf8');

/** The custom properties of the first `:root { … }` block after `from` in the stylesheet. */
function rootVars(from: number): Map<string, string> {
  const start = CSS.indexOf(':root', from);
  const open = CSS.indexOf('{', start);
  const close = CSS.indexOf('}', open);
  const vars = new Map<string, string>();
  for (const m of CSS.slice(open + 1, close).matchAll(/--([\w-]+)\s*:\s*([^;]+);/g)) vars.set(m[1] as string, (m[2] as string).trim());
  return vars;
}

const LIGHT = rootVars(0);
const darkAt = CSS.indexOf('@media (prefers-color-scheme: dark)');
/** the dark theme overrides some variables; the rest carry over from the light one */
const DARK = new Map([...LIGHT, ...rootVars(darkAt)]);

function rgb(hex: string): [number, number, number] {
  const m = /^#([0-9a-f]{6})$/i.exec(hex);
  if (!m) throw new Error(`not a #rrggbb colour: ${hex}`);
  const n = parseInt(m[1] as string, 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}

function luminance(hex: string): number {
  const [r, g, b] = rgb(hex).map((c) => {
    const s = c / 255;
    return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  }) as [number, number, number];
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

function contrast(a: string, b: string): number {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x) as [number, number];
  return (hi + 0.05) / (lo + 0.05);
}

/** [text colour, background] as the stylesheet pairs them; names are the variables without "--". */
const TEXT_PAIRS: readonly (readonly [string, string])[] = [
  ['text', 'bg'], ['text', 'panel'], ['text', 'panel-2'], ['text', 'accent-soft'], ['text', 'clean-soft'],
  ['muted', 'bg'], ['muted', 'panel'], ['muted', 'panel-2'], ['muted', 'accent-soft'],
  ['accent', 'panel'], ['accent', 'panel-2'], ['accent', 'bg'], ['accent', 'accent-soft'],
  ['error', 'panel'], ['error', 'panel-2'], ['error', 'error-soft'],
  ['warning', 'panel'], ['warning', 'panel-2'], ['warning', 'warning-soft'],
  ['info', 'panel'], ['info', 'info-soft'],
  ['clean', 'panel'], ['clean', 'clean-soft'],
  // filled chips: used slots, severity badges
  ['on-accent', 'accent'], ['on-badge', 'error'], ['on-badge', 'warning'], ['on-badge', 'info'],
];
/** non-text: the focus ring on every surface an interactive element sits on; text fields' borders */
const RING_PAIRS: readonly (readonly [string, string])[] = [
  ['focus', 'bg'], ['focus', 'panel'], ['focus', 'panel-2'], ['focus', 'accent-soft'],
  ['field-border', 'panel'], ['field-border', 'panel-2'],
];

describe.each([
  ['light', LIGHT],
  ['dark', DARK],
])('the %s theme', (_name, vars) => {
  const colour = (v: string): string => {
    const c = vars.get(v);
    if (!c) throw new Error(`--${v} is not defined`);
    return c;
  };
  it.each(TEXT_PAIRS)('--%s on --%s reaches 4.5:1', (fg, bg) => {
    expect(contrast(colour(fg), colour(bg))).toBeGreaterThanOrEqual(4.5);
  });
  it.each(RING_PAIRS)('--%s against --%s reaches 3:1', (fg, bg) => {
    expect(contrast(colour(fg), colour(bg))).toBeGreaterThanOrEqual(3);
  });
});

describe('the contrast formula', () => {
  it('gives WCAG reference values', () => {
    expect(contrast('#000000', '#ffffff')).toBeCloseTo(21, 5);
    expect(contrast('#ffffff', '#ffffff')).toBe(1);
    // #767676 on white is the classic 4.54:1 grey
    expect(contrast('#767676', '#ffffff')).toBeCloseTo(4.54, 2);
    expect(contrast('#777777', '#ffffff')).toBeLessThan(4.5);
  });
  it('refuses colours it cannot read rather than passing them', () => {
    expect(() => contrast('red', '#ffffff')).toThrow(/rrggbb/);
  });
});
