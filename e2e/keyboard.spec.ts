import { expect, test } from '@playwright/test';
import { loadDesign, openApp, placements } from './helpers.ts';
import { unplacedPseries } from './fixtures/designs.ts';

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

  test('Delete removes the device that has the focus, selected or not: in the Unplaced tray as on the canvas', async ({ page }) => {
    const errors = await openApp(page);
    await loadDesign(page, unplacedPseries());
    const items = page.getByTestId('unplaced-tray').locator('[data-testid^="guest-device-"]');
    const [first, second] = await items.evaluateAll((els) => els.slice(0, 2).map((e) => e.getAttribute('data-testid') ?? ''));
    if (!first || !second) throw new Error('the design has two unplaced devices');
    // the first selected, the second focused (Tab or a script: not selected)
    await page.getByTestId(first).click();
    await page.getByTestId(second).focus();
    await expect(page.getByTestId(second)).toHaveAttribute('aria-pressed', 'false');
    await page.keyboard.press('Delete');
    await expect(page.getByTestId(second)).toHaveCount(0);
    await expect(page.getByTestId(first)).toHaveCount(1);
    // nothing selected at all: the focused one goes all the same
    await page.keyboard.press('Escape');
    await page.getByTestId(first).focus();
    await expect(page.getByTestId(first)).toHaveAttribute('aria-pressed', 'false');
    await page.keyboard.press('Delete');
    await expect(page.getByTestId(first)).toHaveCount(0);

    // on the canvas: a device selected, the arrow keys take the focus to the next one, Delete removes that one
    const onCanvas = page.locator('.react-flow [data-testid^="guest-device-"]');
    const a = (await onCanvas.first().getAttribute('data-testid')) ?? '';
    await page.getByTestId(a).click();
    await page.keyboard.press('ArrowDown');
    const b = await page.evaluate(() => document.activeElement?.closest('[data-testid^="guest-device-"]')?.getAttribute('data-testid') ?? '');
    expect(b).toMatch(/^guest-device-/);
    expect(b).not.toBe(a);
    await page.keyboard.press('Delete');
    await expect(page.getByTestId(b)).toHaveCount(0);
    await expect(page.getByTestId(a)).toHaveCount(1);
    expect(errors).toEqual([]);
  });
});
