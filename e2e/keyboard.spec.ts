import { expect, test } from '@playwright/test';
import { openApp, placements } from './helpers.ts';

test.describe('keyboard "Move to…"', () => {
  test('lists every bus at once, settles each label to its verdict, explains the chosen one and moves on Enter', async ({ page }) => {
    const errors = await openApp(page);
    await page.getByTestId('add-phb').click();
    await expect(page.getByTestId('controller-3')).toBeVisible();
    await page.getByTestId('host-group-2').locator('header').focus();
    await page.keyboard.press('Enter');
    await page.keyboard.press('m');
    const menu = page.getByTestId('move-to');
    await expect(menu).toBeFocused();
    // every vPHB, and a new one of its own
    await expect(menu.locator('option')).toHaveCount(5);
    // the buses not judged yet say so, then each gets its verdict in idle time
    await expect(menu.locator('option[data-verdict="pending"]')).toHaveCount(0);
    await expect(menu.locator('option')).toHaveText(['vPHB 0 — warning', 'vPHB 1 — warning', 'vPHB 2 — warning', 'vPHB 3 — clean', 'a new vPHB — clean']);

    await menu.selectOption({ label: 'vPHB 1 — warning' });
    await expect(page.locator('#move-to-why')).toContainText('EEH is disabled for every device on it');
    await expect(menu).toHaveAttribute('aria-describedby', 'move-to-why');
    await menu.selectOption({ label: 'vPHB 3 — clean' });
    await expect(page.locator('#move-to-why')).toHaveCount(0);
    await menu.press('Enter');
    await expect(page.getByTestId('controller-3').getByTestId('guest-device-0001:01:00.0')).toBeVisible();
    const p = await placements(page);
    for (const f of [0, 1, 2, 3]) expect(p[`0001:01:00.${f}`]?.bus).toBe(3);
    await page.keyboard.press('Control+z');
    await expect(page.getByTestId('guest-device-0001:01:00.0')).toHaveCount(0);
    await expect(page.getByTestId('controller-3')).toBeVisible();
    expect(errors).toEqual([]);
  });

  test('on q35 the root ports come first and pcie-root last, so an endpoint is not made integrated by default', async ({ page }) => {
    await openApp(page);
    await page.getByTestId('machine-select').selectOption('q35');
    await expect(page.getByTestId('controller-0')).toBeVisible();
    await page.getByTestId('add-phb').click();
    await expect(page.getByTestId('controller-1')).toBeVisible();
    await page.getByTestId('host-group-3').locator('header').focus();
    await page.keyboard.press('Enter');
    await page.keyboard.press('m');
    const menu = page.getByTestId('move-to');
    await expect(menu).toBeFocused();
    await expect(menu.locator('option')).toHaveText([/^pcie-root-port 1 — /, /^pcie-root 0 — /, /^a new root port — /]);
    await menu.press('Enter');
    expect((await placements(page))['0030:01:00.0']).toMatchObject({ bus: 1, slot: 0 });
  });
});
