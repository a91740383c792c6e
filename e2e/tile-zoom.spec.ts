import { expect, test, type Page } from '@playwright/test';
import { largePseries, q35BridgedNics } from './fixtures/designs.ts';
import { loadDesign, openApp, settled } from './helpers.ts';

/**
 * Summary tiles are laid out in screen pixels for the zoom the canvas rests at and scaled with the
 * viewport while a zoom is under way (src/ui/tileZoom.ts, styles.css .tlines and .tchiprow): what a
 * tile shows at rest is what it showed when its CSS divided every size by the live zoom. 11.5-px text,
 * 10-px chips, and of a row of chips too long for the tile its first whole chips, right-aligned.
 */

/** What the tile `testId` shows on screen: its text size, its chips' widths, which chips are in view and where the row ends. */
async function tileOnScreen(page: Page, testId: string) {
  return page.getByTestId(testId).evaluate((tile) => {
    const scale = (el: HTMLElement) => el.getBoundingClientRect().width / el.offsetWidth;
    const line = tile.querySelector('.tline') as HTMLElement;
    const room = (tile.querySelector('.tchips') as HTMLElement).getBoundingClientRect();
    const chips = Array.from(tile.querySelectorAll<HTMLElement>('.chip'));
    const rects = chips.map((c) => c.getBoundingClientRect());
    const inside = rects.map((r) => r.left >= room.left - 0.5 && r.right <= room.right + 0.5);
    const partly = rects.filter((r, i) => !inside[i] && r.right > room.left + 0.5 && r.left < room.right - 0.5).length;
    const shown = inside.filter(Boolean).length;
    return {
      text: parseFloat(getComputedStyle(line).fontSize) * scale(line),
      chipWidths: rects.map((r) => r.width),
      chipCss: getComputedStyle(chips[0] as HTMLElement).width,
      // the chips in view are the first ones, in order
      firstShown: inside.slice(0, shown).every(Boolean),
      shown,
      partly,
      total: chips.length,
      gapAtRight: room.right - (rects[shown - 1]?.right ?? Number.NaN),
    };
  });
}

test('a tile shows the same at rest whatever zoom it comes from: 11.5-px text, 10-px chips, its first whole chips right-aligned', async ({ page }) => {
  const errors = await openApp(page);
  // two pcie-to-pci-bridges of 248 NICs each: a row of chips far longer than a tile
  await loadDesign(page, q35BridgedNics(2));
  await page.locator('.react-flow__pane').click({ position: { x: 5, y: 5 } });
  // zoomed out until the bridges are tiles
  for (let i = 0; i < 8 && (await page.locator('.ctile[data-testid="controller-3"]').count()) === 0; i++) {
    await page.keyboard.press('Minus');
    await settled(page);
  }
  const tile = page.getByTestId('controller-3');
  await expect(tile).toHaveClass(/\bctile\b/);
  const seen: number[] = [];
  for (const step of ['here', 'Minus', 'Equal'] as const) {
    if (step !== 'here') {
      await page.keyboard.press(step);
      await settled(page);
    }
    if ((await tile.getAttribute('class'))?.includes('ctile') !== true) break;
    const s = await tileOnScreen(page, 'controller-3');
    const where = `after ${step}`;
    expect(s.text, where).toBeCloseTo(11.5, 0);
    for (const w of s.chipWidths) expect(w, where).toBeCloseTo(10, 0);
    // a chip's own size is screen pixels at any zoom: a zoom restyles none of them
    expect(s.chipCss, where).toBe('10px');
    expect(s.total).toBe(248);
    expect(s.shown, where).toBeGreaterThan(0);
    expect(s.shown, where).toBeLessThan(248);
    expect(s.firstShown, where).toBe(true);
    // whole chips only, the last of them at the room's right edge
    expect(s.partly, where).toBe(0);
    expect(Math.abs(s.gapAtRight), where).toBeLessThan(0.75);
    seen.push(s.shown);
  }
  // a zoom out leaves room for fewer chips
  expect(seen.length).toBeGreaterThan(1);
  expect(seen[1]).toBeLessThan(seen[0] ?? 0);
  expect(errors).toEqual([]);
});

test('a chip out of a tile\'s view comes into view when focused, and Enter still selects it', async ({ page }) => {
  const errors = await openApp(page);
  await loadDesign(page, q35BridgedNics(2));
  await page.locator('.react-flow__pane').click({ position: { x: 5, y: 5 } });
  for (let i = 0; i < 8 && (await page.locator('.ctile[data-testid="controller-3"]').count()) === 0; i++) {
    await page.keyboard.press('Minus');
    await settled(page);
  }
  const tile = page.getByTestId('controller-3');
  await expect(tile).toHaveClass(/\bctile\b/);
  const last = tile.locator('.chip').last();
  await last.focus();
  const inView = await last.evaluate((chip) => {
    const room = (chip.closest('.tchips') as HTMLElement).getBoundingClientRect();
    const r = chip.getBoundingClientRect();
    return r.left >= room.left - 0.5 && r.right <= room.right + 0.5;
  });
  expect(inView).toBe(true);
  await page.keyboard.press('Enter');
  await expect(last).toHaveClass(/\bselected\b/);
  expect(errors).toEqual([]);
});

test('tiles drawn when the zoom crosses into them are laid out for that zoom from their first frame, not for the full-detail one before', async ({ page }) => {
  const errors = await openApp(page);
  await loadDesign(page, largePseries());
  await expect(page.getByTestId('controller-0')).toHaveClass(/\bctile\b/);
  // in full detail around one device, then back to the whole design (a fit: one jump, no animation)
  await page.getByTestId('guest-device-disk-0').click();
  await page.keyboard.press('Shift+Digit2');
  await expect(page.getByTestId('controller-0')).toHaveClass(/\bcnode\b/);
  await settled(page);
  await page.evaluate(() => {
    const first: number[] = [];
    (window as unknown as { __tileZ: number[] }).__tileZ = first;
    new MutationObserver((records) => {
      for (const r of records)
        for (const n of Array.from(r.addedNodes)) {
          if (!(n instanceof HTMLElement)) continue;
          for (const t of [n, ...Array.from(n.querySelectorAll<HTMLElement>('.ctile'))]) if (t.classList.contains('ctile')) first.push(Number(t.style.getPropertyValue('--z')));
        }
    }).observe(document.querySelector('.react-flow__nodes') as Element, { childList: true, subtree: true });
  });
  await page.keyboard.press('Shift+Digit1');
  await expect(page.getByTestId('controller-0')).toHaveClass(/\bctile\b/);
  await settled(page);
  const { first, zoom } = await page.evaluate(() => ({
    first: (window as unknown as { __tileZ: number[] }).__tileZ,
    zoom: Number(/scale\(([\d.]+)\)/.exec((document.querySelector('.react-flow__viewport') as HTMLElement).style.transform)?.[1]),
  }));
  expect(first.length).toBeGreaterThanOrEqual(31);
  for (const z of first) expect(Math.abs(z / zoom - 1)).toBeLessThan(1e-3);
  expect(errors).toEqual([]);
});
