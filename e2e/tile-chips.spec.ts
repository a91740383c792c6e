import { expect, test } from '@playwright/test';
import { largePseries } from './fixtures/designs.ts';
import { center, dropOn, loadDesign, openApp, placements } from './helpers.ts';

/**
 * A tile's chips have no handlers or subscriptions of their own (ControllerTile.tsx TileChips: the
 * tile subscribes once and handles their events): each chip still selects on a click (alone, or
 * Shift-click for several), on Enter, drags, and shows its own selection and severity.
 */
test('tile chips select, drag and show their findings as each chip did on its own', async ({ page }) => {
  const errors = await openApp(page);
  await loadDesign(page, largePseries());
  await expect(page.getByTestId('controller-3')).toHaveClass(/\bctile\b/);
  const a = page.getByTestId('guest-device-0003:01:00.0');
  const b = page.getByTestId('guest-device-0004:01:00.0');
  const c = page.getByTestId('guest-device-0003:01:00.1');
  await expect(a).toHaveClass(/\bchip\b/);
  // each function of a PE on a vPHB of its own carries an info finding, no worse
  await expect(a).toHaveClass(/\bsev-info\b/);

  await a.click();
  await expect(a).toHaveClass(/\bselected\b/);
  await expect(a).toHaveAttribute('aria-pressed', 'true');
  await b.click({ modifiers: ['Shift'] });
  await expect(a).toHaveClass(/\bselected\b/);
  await expect(b).toHaveClass(/\bselected\b/);
  await a.click();
  await expect(b).not.toHaveClass(/\bselected\b/);
  await expect(b).toHaveAttribute('aria-pressed', 'false');
  await c.focus();
  await page.keyboard.press('Enter');
  await expect(c).toHaveClass(/\bselected\b/);
  await expect(a).not.toHaveClass(/\bselected\b/);

  // one function of host group 3 dragged onto vPHB 5: the group is split, and the moved chip says so
  await dropOn(page, await center(page, 'guest-device-0003:01:00.0'), 'controller-5');
  await expect.poll(async () => (await placements(page))['0003:01:00.0']?.bus).toBe(5);
  const moved = page.getByTestId('controller-5').getByTestId('guest-device-0003:01:00.0');
  await expect(moved).toHaveClass(/\bsev-(warning|error)\b/);
  await expect(moved).toHaveAttribute('aria-label', /, has (warning|error)s$/);
  await page.getByTestId('undo').click();
  await expect(page.getByTestId('controller-3').getByTestId('guest-device-0003:01:00.0')).toHaveClass(/\bsev-info\b/);
  expect(errors).toEqual([]);
});
