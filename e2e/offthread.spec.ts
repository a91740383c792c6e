import { expect, test, type Page } from '@playwright/test';
import { center, drag, exportXml, placements } from './helpers.ts';

/**
 * Validation off the main thread with a time budget (issue 11): the app checks each document in a
 * Web Worker (under the strict CSP: worker-src 'self'); a check that runs over the budget is stopped
 * and said, and the page keeps answering. The budget is lowered here through its localStorage knob
 * (pcitopo:check-budget-ms) so that an ordinary design runs over it.
 */

/** Opens the demo with the rule catalog's chunk held back until the returned function releases it (once the page asked for it). */
async function openHoldingCatalog(page: Page): Promise<() => void> {
  await page.addInitScript(() => localStorage.clear());
  let release: () => void = () => {};
  const held = new Promise<void>((resolve) => (release = resolve));
  let asked = false;
  await page.route(/\/assets\/catalog-[^/]*\.js$/, async (route) => {
    asked = true;
    await held;
    await route.continue();
  });
  await page.goto('/');
  await expect.poll(() => asked).toBe(true);
  return release;
}

test('each document is checked in a Web Worker: the findings come from it, with no console error', async ({ page }) => {
  const errors: string[] = [];
  page.on('console', (m) => (m.type() === 'error' ? errors.push(m.text()) : undefined));
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.addInitScript(() => localStorage.clear());
  await page.goto('/');
  await expect(page.locator('html[data-ready="true"]')).toBeAttached();
  await expect.poll(() => page.workers().map((w) => w.url()).filter((u) => /check\.worker/.test(u)).length).toBe(1);
  await expect(page.locator('[data-testid="finding"][data-rule-id="CHECKING"]')).toHaveCount(0);
  await expect(page.locator('[data-testid="finding"][data-rule-id="UNCHECKED"]')).toHaveCount(0);
  // the demo's own findings (its vPHB 0 shares PEs) are there, as the worker found them
  await expect(page.locator('[data-testid="finding"]').first()).toBeVisible();
  expect(errors).toEqual([]);
});

test('a check that runs over its time budget is stopped and said; the page answers and edits still apply', async ({ page }) => {
  await page.addInitScript(() => {
    localStorage.clear();
    localStorage.setItem('pcitopo:check-budget-ms', '1');
  });
  await page.goto('/');
  await expect(page.locator('html[data-ready="true"]')).toBeAttached();
  const notice = page.locator('[data-testid="finding"][data-rule-id="UNCHECKED"]');
  await expect(notice).toHaveCount(1);
  await expect(notice).toContainText('This design was not checked: checking it took longer than');
  await expect(notice).toContainText('the design is kept');
  await expect(page.locator('[data-testid="finding"]')).toHaveCount(1);

  // the page answers: a drag shows that nothing is judged, the drop applies, undo restores it
  const before = await exportXml(page);
  await drag(page, await center(page, 'host-group-5'), await center(page, 'controller-1'));
  await expect(page.getByTestId('controller-1')).toHaveClass(/ over/);
  await expect(page.locator('.ghost')).toContainText('Not judged');
  await page.mouse.up();
  await expect.poll(async () => Object.values(await placements(page)).filter((p) => p.bus === 1).length).toBeGreaterThan(0);
  expect(await exportXml(page)).not.toBe(before);
  await expect(notice).toHaveCount(1);
  await page.getByTestId('undo').click();
  expect(await exportXml(page)).toBe(before);
});

test('until the rule catalog (a lazy chunk) arrives, the design is drawn and said to be checking: nothing shows as clean', async ({ page }) => {
  const release = await openHoldingCatalog(page);
  await expect(page.getByTestId('controller-0')).toBeVisible();
  // the findings panel says it is checking, and nothing else: no "No findings", no badge, no count
  const findings = page.locator('[data-testid="finding"]');
  await expect(findings).toHaveCount(1);
  await expect(findings.first()).toHaveAttribute('data-rule-id', 'CHECKING');
  await expect(page.locator('.findings')).not.toContainText('No findings');
  await expect(page.locator('.findings .counts')).toHaveText('………');
  await expect(page.locator('[class*="sev-"]')).toHaveCount(0);
  // a drag judges nothing: no target says clean
  await drag(page, await center(page, 'host-group-5'), await center(page, 'controller-1'));
  await expect(page.getByTestId('controller-1')).toHaveClass(/ over/);
  await expect(page.locator('.ghost')).toContainText('Not judged yet');
  await expect(page.locator('.drop-clean')).toHaveCount(0);
  await page.keyboard.press('Escape');
  await page.mouse.up();
  release();
  // the catalog in, the demo's own findings show (its vPHB 0 holds PEs that share it) with their titles and badges
  await expect(page.locator('[data-testid="finding"][data-rule-id="CHECKING"]')).toHaveCount(0);
  await expect(page.locator('[data-testid="finding"][data-rule-id^="PAPR-"]').first()).toBeVisible();
  await expect(page.locator('[data-testid="finding"][data-rule-id^="PAPR-"] .ftitle').first()).not.toBeEmpty();
  await expect(page.locator('[class*="sev-"]').first()).toBeAttached();
});

test('a "Move to…" list opened while the design is being checked judges its targets once the check lands', async ({ page }) => {
  const release = await openHoldingCatalog(page);
  await expect(page.getByTestId('guest-device-0030:01:00.0')).toBeVisible();
  // the inspector's list and the context menu's, both opened while the design is being checked
  await page.getByTestId('guest-device-0030:01:00.0').focus();
  await page.keyboard.press('Enter');
  await page.keyboard.press('m');
  const option = page.getByTestId('move-to').locator('option', { hasText: /^a new vPHB — / });
  await expect(option).toHaveText(/— warning$/);
  await page.getByTestId('guest-device-0030:01:00.0').click({ button: 'right' });
  await expect(page.getByTestId('context-move-to')).toBeFocused();
  await page.keyboard.press('Enter');
  const fresh = page.getByTestId('context-move-target').filter({ hasText: /^a new vPHB — / });
  await expect(fresh).toHaveAttribute('title', /^Not judged yet/);
  release();
  // the same open lists, judged for real: a PE alone on a new vPHB is clean
  await expect(fresh).toHaveAttribute('data-verdict', 'clean');
  await expect(page.getByTestId('context-menu')).toBeVisible();
  await expect(option).toHaveAttribute('data-verdict', 'clean');
});
