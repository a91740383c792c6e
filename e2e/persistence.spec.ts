import fs from 'node:fs';
import path from 'node:path';
import { expect, test, type BrowserContext, type Page } from '@playwright/test';
import { exportXml, openApp, SHARED } from './helpers.ts';

/**
 * The app keeps work safe (issue 11): storage that refuses to save is said at once with an Export
 * offer; a share link never replaces a design it could not keep aside; only what was drawn is
 * autosaved; a start after a crash opens safely and offers the last design back. Pages from
 * context.newPage() share the first page's storage, as two tabs of one browser do.
 */

const AUTOSAVE = 'pcitopo:autosave:v1';

/** Makes this page's localStorage refuse every write, as a full quota does. */
async function fillStorage(page: Page): Promise<void> {
  await page.addInitScript(() => {
    Storage.prototype.setItem = function setItem() {
      throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
    };
  });
}

const savedDomain = (page: Page): Promise<string | null> =>
  page.evaluate((key) => {
    const raw = localStorage.getItem(key);
    return raw ? (JSON.parse(raw) as { domain: string }).domain : null;
  }, AUTOSAVE);

/** The demo with one vPHB added, autosaved: work worth keeping. Returns its XML. */
async function editAndSave(page: Page): Promise<string> {
  await page.getByTestId('add-phb').click();
  await expect(page.getByTestId('controller-3')).toBeVisible();
  const edited = await exportXml(page);
  await expect.poll(() => savedDomain(page)).toBe(edited);
  return edited;
}

async function shareLinkOf(page: Page): Promise<string> {
  await page.getByTestId('share-link').click();
  return page.getByTestId('share-link-url').inputValue();
}

async function openTab(context: BrowserContext, url: string): Promise<Page> {
  const page = await context.newPage();
  await page.goto(url);
  await expect(page.locator('html[data-ready="true"]')).toBeAttached();
  return page;
}

/** Kills the page's renderer, as an out-of-memory crash does: no pagehide, no clean-shutdown mark. */
async function crash(page: Page): Promise<void> {
  const crashed = page.waitForEvent('crash');
  page.goto('chrome://crash').catch(() => undefined);
  await crashed;
}

test.describe('storage that refuses to save', () => {
  test('an edit that cannot be saved is said at once, with Export', async ({ page }) => {
    await openApp(page);
    await expect(page.getByTestId('storage-failed')).toHaveCount(0);
    await page.evaluate(() => {
      Storage.prototype.setItem = function setItem() {
        throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
      };
    });
    await page.getByTestId('add-phb').click();
    await expect(page.getByTestId('storage-failed')).toContainText('storage for this page is full');
    const download = page.waitForEvent('download');
    await page.getByTestId('storage-export').click();
    const file = await (await download).path();
    expect(fs.readFileSync(file, 'utf8')).toBe(await exportXml(page));
  });

  test('a share link opens beside a design it could not keep aside, and never saves over it', async ({ page, context }) => {
    await openApp(page);
    const url = await shareLinkOf(page);
    const edited = await editAndSave(page);

    const other = await context.newPage();
    await fillStorage(other);
    await other.goto(url);
    await expect(other.locator('html[data-ready="true"]')).toBeAttached();
    await expect(other.getByTestId('notice-message')).toContainText('beside your saved one');
    await expect(other.getByTestId('storage-failed')).toBeVisible();
    await expect(other.getByTestId('storage-export')).toBeVisible();
    // the shared design (the demo) is open; edits to it leave the user's saved design alone
    await expect(other.getByTestId('controller-3')).toHaveCount(0);
    await other.getByTestId('add-phb').click();
    await expect(other.getByTestId('controller-3')).toBeVisible();
    expect(await savedDomain(page)).toBe(edited);
    expect(await savedDomain(other)).toBe(edited);
  });
});

test.describe('a start after a crash', () => {
  test('opens the demo and offers the last design back: Restore brings it, byte for byte', async ({ page, context }) => {
    await openApp(page);
    const edited = await editAndSave(page);
    await crash(page);

    const next = await openTab(context, '/');
    await expect(next.getByTestId('crash-notice')).toContainText('did not close cleanly');
    await expect(next.getByTestId('crash-notice')).toContainText('p9-demo');
    await expect(next.getByTestId('controller-3')).toHaveCount(0);
    await next.getByTestId('crash-restore').click();
    await expect(next.getByTestId('controller-3')).toBeVisible();
    expect(await exportXml(next)).toBe(edited);
    await expect(next.getByTestId('crash-notice')).toHaveCount(0);
  });

  test('Discard forgets the last design; a clean close is no crash', async ({ page, context }) => {
    await openApp(page);
    await editAndSave(page);
    await crash(page);

    const next = await openTab(context, '/');
    await next.getByTestId('crash-discard').click();
    await expect(next.getByTestId('crash-notice')).toHaveCount(0);
    await expect(next.getByTestId('restore-previous')).toHaveCount(0);
    const demo = await exportXml(next);
    await next.getByTestId('add-phb').click();
    await expect.poll(() => savedDomain(next)).not.toBe(demo);
    // closed cleanly: the next tab opens the autosaved design, no crash offer
    const saved = await savedDomain(next);
    await next.close();
    const after = await openTab(context, '/');
    await expect(after.getByTestId('notice-message')).toContainText('Restored your design');
    await expect(after.getByTestId('crash-notice')).toHaveCount(0);
    expect(await exportXml(after)).toBe(saved);
  });

  test('a tab that is still open is not taken for a crash', async ({ page, context }) => {
    await openApp(page);
    const edited = await editAndSave(page);
    const other = await openTab(context, '/');
    await expect(other.getByTestId('crash-notice')).toHaveCount(0);
    expect(await exportXml(other)).toBe(edited);
  });
});

test.describe('h02-share-link-that-crashes-the-tab.txt', () => {
  const file = path.join(SHARED, 'cases', 'h02-share-link-that-crashes-the-tab.txt');
  if (!fs.existsSync(file)) {
    test(`not run: ${file} is absent`, () => {
      const v = process.env['CI'];
      if (v !== undefined && v !== '' && v !== 'false' && v !== '0') throw new Error(`${file} is absent: CI must run this test (../shared lives beside the checkout)`);
      console.warn(`[skipped] ${file} is absent`);
      test.skip(true, `${file} is absent`);
    });
    return;
  }
  test('a link whose design never gets drawn is never autosaved, and the next visit starts safely', async ({ page, context }) => {
    const link = fs.readFileSync(file, 'utf8').trim();
    await openApp(page);
    const edited = await editAndSave(page);

    // a tab where drawing never completes (as when the design hangs or crashes the renderer)
    const tab = await context.newPage();
    await tab.addInitScript(() => {
      window.requestAnimationFrame = () => 0;
    });
    await tab.goto(link.slice(link.indexOf('#')));
    await expect.poll(() => tab.evaluate(() => (window.__pcitopo?.getState() as { present?: { label?: string } } | undefined)?.present?.label)).toBe('Open a share link');
    expect(await savedDomain(tab)).toBe(edited);
    await crash(tab);

    const next = await openTab(context, '/');
    await expect(next.getByTestId('crash-notice')).toBeVisible();
    await next.getByTestId('crash-restore').click();
    expect(await exportXml(next)).toBe(edited);
  });
});
