import fs from 'node:fs';
import path from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { largePseries, unplacedPseries } from './fixtures/designs.ts';
import { center, drag, loadDesign, openApp, REPO } from './helpers.ts';

/**
 * The main states of the designer, as the README shows them. Each run writes them to
 * e2e/output/screenshots/; `npm run screenshots` (PCITOPO_UPDATE_SCREENSHOTS=1) also writes them
 * to docs/, so the README's pictures are what the app really renders, updated on purpose.
 */
const OUT = path.join(REPO, 'e2e', 'output', 'screenshots');
const DOCS = path.join(REPO, 'docs');

async function shoot(page: Page, name: string): Promise<void> {
  fs.mkdirSync(OUT, { recursive: true });
  const file = path.join(OUT, `${name}.png`);
  await page.screenshot({ path: file });
  expect(fs.statSync(file).size).toBeGreaterThan(10_000);
  if (process.env.PCITOPO_UPDATE_SCREENSHOTS) fs.copyFileSync(file, path.join(DOCS, `${name}.png`));
}

test.describe('README screenshots', () => {
  test.beforeEach(async ({ page }) => {
    await page.setViewportSize({ width: 1600, height: 1000 });
    await page.emulateMedia({ colorScheme: 'light' });
  });

  test('the demo', async ({ page }) => {
    await openApp(page);
    await expect(page.locator('.react-flow__node')).toHaveCount(3);
    await shoot(page, 'screenshot-demo');
  });

  test('dragging a host group: every vPHB shows what the drop would give', async ({ page }) => {
    await openApp(page);
    await drag(page, await center(page, 'host-group-4'), await center(page, 'controller-1'));
    for (const i of [0, 1, 2]) await expect(page.getByTestId(`controller-${i}`)).toHaveClass(/drop-(clean|warning|error)/);
    await shoot(page, 'screenshot-drag');
    await page.keyboard.press('Escape');
  });

  test('a split IOMMU group: findings with rule, why, source and fixes', async ({ page }) => {
    await openApp(page);
    await drag(page, await center(page, 'guest-device-0000:01:00.1'), await center(page, 'controller-2'));
    await page.mouse.up();
    await expect(page.locator('[data-testid="finding"][data-rule-id="PAPR-ISO-5"]')).toBeVisible();
    await shoot(page, 'screenshot-findings');
  });

  test('a q35 guest: pcie-root, root ports and devices', async ({ page }) => {
    await openApp(page);
    await page.getByTestId('machine-select').selectOption('q35');
    await expect(page.getByTestId('controller-0')).toBeVisible();
    for (let i = 1; i <= 3; i++) {
      await page.getByTestId('add-phb').click();
      await expect(page.getByTestId(`controller-${i}`)).toBeVisible();
    }
    // the port added last is selected and panned into view
    await expect(page.getByTestId('controller-3')).toHaveClass(/selected/);
    await drag(page, await center(page, 'host-group-3'), await center(page, 'controller-3'));
    await page.mouse.up();
    await expect(page.getByTestId('guest-device-0030:01:00.0')).toBeVisible();
    await page.getByTestId('fit-view').click();
    await shoot(page, 'screenshot-q35');
  });

  test('a pseries guest at full size: 31 vPHBs as summary tiles', async ({ page }) => {
    await openApp(page);
    await loadDesign(page, largePseries());
    await expect(page.locator('.ctile')).toHaveCount(31);
    await shoot(page, 'screenshot-large-pseries');
  });

  test('devices without an address wait in the Unplaced tray', async ({ page }) => {
    await openApp(page);
    await loadDesign(page, unplacedPseries());
    await expect(page.getByTestId('unplaced-tray')).toBeVisible();
    await shoot(page, 'screenshot-unplaced');
  });
});
