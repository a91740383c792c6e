import { expect, test, type Page } from '@playwright/test';
import { openApp } from './helpers.ts';

/**
 * Keyboard users see where they are and hear what things are (issue 7): Tab reaches every control,
 * each focused element draws a visible ring in the theme's focus colour, and each has a name.
 */

interface Stop {
  what: string;
  name: string;
  ring: boolean;
  ringColour: string;
}

/** Describes the focused element: a readable id, its accessible name (roughly), and its focus ring. */
function focused(page: Page): Promise<Stop | null> {
  return page.evaluate(() => {
    const el = document.activeElement as HTMLElement | null;
    if (!el || el === document.body) return null;
    const cs = getComputedStyle(el);
    const outline = cs.outlineStyle !== 'none' && parseFloat(cs.outlineWidth) >= 2;
    const shadow = cs.boxShadow !== 'none' && cs.boxShadow !== '';
    const labelled = el.getAttribute('aria-labelledby');
    const byId = labelled ? (document.getElementById(labelled)?.textContent ?? '') : '';
    const labels = 'labels' in el ? Array.from((el as HTMLInputElement).labels ?? []).map((l) => l.textContent ?? '').join(' ') : '';
    const name = (el.getAttribute('aria-label') ?? byId ?? '') || labels || (el.textContent ?? '').trim() || el.getAttribute('title') || '';
    const what = `${el.tagName.toLowerCase()}${el.dataset.testid ? `[data-testid=${el.dataset.testid}]` : ''}${el.className && typeof el.className === 'string' ? `.${el.className.split(' ').filter(Boolean).slice(0, 2).join('.')}` : ''}`;
    return { what, name: name.slice(0, 80), ring: outline || shadow, ringColour: outline ? cs.outlineColor : cs.boxShadow };
  });
}

/** Tabs through the page until focus comes back to where it started (or max stops). */
async function tabThrough(page: Page, max = 200): Promise<Stop[]> {
  const stops: Stop[] = [];
  const seen = new Set<string>();
  for (let i = 0; i < max; i++) {
    await page.keyboard.press('Tab');
    const s = await focused(page);
    if (!s) continue;
    const key = await page.evaluate(() => {
      const el = document.activeElement as HTMLElement;
      const path: string[] = [];
      for (let e: HTMLElement | null = el; e; e = e.parentElement) path.push(`${e.tagName}:${Array.from(e.parentElement?.children ?? []).indexOf(e)}`);
      return path.join('/');
    });
    if (seen.has(key)) break;
    seen.add(key);
    stops.push(s);
  }
  return stops;
}

const rgbOf = async (page: Page, variable: string): Promise<string> =>
  page.evaluate((v) => {
    const probe = document.createElement('div');
    probe.style.color = `var(${v})`;
    document.body.appendChild(probe);
    const c = getComputedStyle(probe).color;
    probe.remove();
    return c;
  }, variable);

for (const scheme of ['light', 'dark'] as const) {
  test(`every element Tab reaches shows a focus ring and has a name (${scheme})`, async ({ page }) => {
    await page.emulateMedia({ colorScheme: scheme });
    const errors = await openApp(page);
    // a vPHB selected: the inspector's fields are in the tab order too
    await page.getByTestId('controller-2').locator('.chead').click();
    await expect(page.getByTestId('inspector-apply')).toBeVisible();
    await page.locator('body').click({ position: { x: 2, y: 300 } }).catch(() => {});
    await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());

    const stops = await tabThrough(page);
    const focus = await rgbOf(page, '--focus');
    // the whole app: toolbar, host groups and devices, canvas nodes, their devices, zoom controls, the
    // XML drawer (collapsed below 1600 px: its toggle), findings, inspector
    const must = ['machine-select', 'import-domain', 'add-phb', 'auto-place', 'export-domain', 'export-diagram', 'share-link', 'host-search', 'xml-drawer-toggle', 'inspector-apply'];
    for (const id of must) expect(stops.map((s) => s.what).join('\n'), `Tab reaches ${id}`).toContain(`[data-testid=${id}]`);
    // the host list and the tree are one Tab stop each (roving tabindex); the arrow keys go inside them
    expect(stops.filter((s) => s.what.startsWith('div.chead') || s.what.startsWith('li[data-testid=guest-device-')), 'one Tab stop in the tree').toHaveLength(1);
    expect(stops.filter((s) => s.what.startsWith('header') || s.what.startsWith('li[data-testid=host-device-')), 'one Tab stop in the host list').toHaveLength(1);
    expect(stops.some((s) => s.what.startsWith('div.chead'))).toBe(true);
    // the canvas' own zoom and fit buttons (its bar, above the flow)
    for (const id of ['zoom-in', 'zoom-out', 'fit-view', 'legend-toggle']) expect(stops.map((s) => s.what).join('\n'), `Tab reaches ${id}`).toContain(`[data-testid=${id}]`);
    // React Flow's node and edge wrappers are no Tab stops of their own: each vPHB once took two (its
    // wrapper and, while current, its head), so Tab walked every node to leave the canvas
    expect(stops.filter((s) => s.what.includes('react-flow__node') || s.what.includes('react-flow__edge')).map((s) => s.what), 'React Flow wrappers in the tab order').toEqual([]);
    expect(stops.length).toBeGreaterThan(15);

    expect(stops.filter((s) => !s.ring).map((s) => s.what), 'elements with no visible focus ring').toEqual([]);
    expect(stops.filter((s) => !s.ringColour.includes(focus)).map((s) => `${s.what}: ${s.ringColour}`), `rings in the focus colour ${focus}`).toEqual([]);
    expect(stops.filter((s) => !s.name).map((s) => s.what), 'elements with no accessible name').toEqual([]);
    // every tree item is reached from that one stop with the arrow keys, each with its ring and name
    await page.getByTestId('controller-2').locator('.chead').focus();
    await page.keyboard.press('ArrowDown');
    await expect(page.getByTestId('guest-device-0030:01:00.0')).toBeFocused();
    const reached = await focused(page);
    expect(reached?.ring).toBe(true);
    expect(reached?.name).toContain('hostdev 0030:01:00.0');
    expect(errors).toEqual([]);
  });
}

test('canvas nodes, truncated names and icon buttons say what they are', async ({ page }) => {
  await openApp(page);
  // React Flow's node wrapper carries the controller's name for screen readers, with its device count
  const node = page.locator('.react-flow__node', { has: page.getByTestId('controller-1') });
  await expect(node).toHaveAccessibleName('vPHB 1, 2 devices');
  const node0 = page.locator('.react-flow__node', { has: page.getByTestId('controller-0') });
  await expect(node0).toHaveAccessibleName('vPHB 0, 4 devices');
  // ... which follows an edit: a device moved from vPHB 0 to vPHB 1, and back with undo
  await page.getByTestId('guest-device-disk-0').click();
  const option = page.getByTestId('move-to').locator('option', { hasText: /^vPHB 1 — / });
  await page.getByTestId('move-to').selectOption((await option.getAttribute('value')) ?? '');
  await page.getByTestId('move-to-apply').click();
  await expect(node).toHaveAccessibleName('vPHB 1, 3 devices');
  await expect(node0).toHaveAccessibleName('vPHB 0, 3 devices');
  await page.getByTestId('undo').click();
  await expect(node).toHaveAccessibleName('vPHB 1, 2 devices');
  // names cut off with an ellipsis keep their full text in a tooltip
  const hname = page.getByTestId('host-device-0035:03:00.0').locator('.hname');
  await expect(hname).toHaveAttribute('title', /^0035:03:00\.0 GV100GL \[Tesla V100 SXM2 16GB\]/);
  await expect(page.getByTestId('guest-device-0030:01:00.0').locator('.glabel')).toHaveAttribute('title', /hostdev 0030:01:00\.0 \(NVMe SSD Controller/);
  // icon-only buttons have names
  await expect(page.getByTestId('undo')).toHaveAttribute('aria-label', 'Undo');
  await page.getByTestId('add-phb').click();
  await expect(page.getByTestId('undo')).toHaveAttribute('aria-label', 'Undo: Add a vPHB');
  await expect(page.getByTestId('add-phb')).toHaveAttribute('aria-label', 'Add a vPHB');
});

test('the toolbar keeps to one line at 1280 px, the canvas never covers the side panels, the workspace fills the window', async ({ page }) => {
  for (const [width, height] of [[1280, 800], [1440, 900], [1600, 1400]] as const) {
    await page.setViewportSize({ width, height });
    await openApp(page);
    for (const machine of ['pseries', 'q35'] as const) {
      if (machine === 'q35') await page.getByTestId('machine-select').selectOption('q35');
      const boxes = await page.evaluate(() => {
        const r = (s: string) => {
          const b = document.querySelector(s)?.getBoundingClientRect();
          return b ? { left: b.left, right: b.right, top: b.top, bottom: b.bottom, height: b.height } : null;
        };
        const buttons = Array.from(document.querySelectorAll('.toolbar > .tgroup, .toolbar > .brand')).map((e) => {
          const b = e.getBoundingClientRect();
          return b.top + b.height / 2;
        });
        return { toolbar: r('.toolbar'), canvas: r('.canvas'), xml: r('.xmlpanel'), right: r('.panel.right'), host: r('.panel.host'), workspace: r('.workspace'), tops: buttons, viewport: innerHeight };
      });
      expect(Math.max(...boxes.tops) - Math.min(...boxes.tops), `${width} px ${machine}: the toolbar's groups share one line`).toBeLessThan(4);
      expect(boxes.toolbar?.height).toBeLessThan(50);
      expect(boxes.canvas?.right).toBeLessThanOrEqual(boxes.right?.left ?? 0);
      expect(boxes.xml?.right).toBeLessThanOrEqual(boxes.right?.left ?? 0);
      expect(boxes.canvas?.left).toBeGreaterThanOrEqual(boxes.host?.right ?? Infinity);
      // the workspace fills the window, however short the host panel's content
      expect(boxes.workspace?.bottom).toBe(boxes.viewport);
    }
  }
});
