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

test.describe('keyboard Remove', () => {
  // the removed item had focus: without a place to go, focus falls to <body> and the next Tab starts
  // over at the toolbar
  test('from the context menu (Shift+F10, Enter): focus goes to the next device on the bus, then to the bus once it is empty; a host group keeps it', async ({ page }) => {
    await openApp(page);
    const removeByMenu = async (key: string) => {
      await page.getByTestId(`guest-device-${key}`).focus();
      await page.keyboard.press('Shift+F10');
      await expect(page.getByTestId('context-menu')).toBeVisible();
      await page.getByTestId('context-remove').focus();
      await page.keyboard.press('Enter');
      await expect(page.getByTestId(`guest-device-${key}`)).toHaveCount(0);
    };
    // vPHB 1 holds the two functions of the ConnectX-5
    await removeByMenu('0000:01:00.0');
    await expect(page.getByTestId('guest-device-0000:01:00.1')).toBeFocused();
    await removeByMenu('0000:01:00.1');
    await expect(page.getByTestId('controller-1').locator('.chead')).toBeFocused();
    // a host group's row stays in the host panel when the group leaves the guest: focus comes back to it
    const nvme = page.getByTestId('host-group-3').locator('header');
    await nvme.focus();
    await page.keyboard.press('Shift+F10');
    await page.getByTestId('context-remove').focus();
    await page.keyboard.press('Enter');
    await expect(page.getByTestId('guest-device-0030:01:00.0')).toHaveCount(0);
    await expect(nvme).toBeFocused();
  });

  test('with the Delete key: focus goes to the bus of the device removed when it was the last there, to its neighbour otherwise', async ({ page }) => {
    await openApp(page);
    // vPHB 2 holds the NVMe drive alone
    // a click selects and focuses, as Enter does
    await page.getByTestId('guest-device-0030:01:00.0').click();
    await page.keyboard.press('Delete');
    await expect(page.getByTestId('guest-device-0030:01:00.0')).toHaveCount(0);
    await expect(page.getByTestId('controller-2').locator('.chead')).toBeFocused();
    await page.getByTestId('guest-device-0000:01:00.1').click();
    await page.keyboard.press('Delete');
    await expect(page.getByTestId('guest-device-0000:01:00.1')).toHaveCount(0);
    await expect(page.getByTestId('guest-device-0000:01:00.0')).toBeFocused();
  });
});
