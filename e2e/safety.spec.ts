import { expect, test, type BrowserContext, type Page } from '@playwright/test';
import { center, drag, exportXml, openApp, savedDomain } from './helpers.ts';

/**
 * Nothing the user made is lost (issue 7): a share link, a new design or the demo never takes the
 * autosaved design away for good. Pages opened with context.newPage() share the first page's
 * storage (IndexedDB), as two tabs of one browser do; they skip openApp, which would clear it.
 */

async function openTab(context: BrowserContext, url: string): Promise<Page> {
  const page = await context.newPage();
  await page.goto(url);
  await expect(page.locator('html[data-ready="true"]')).toBeAttached();
  return page;
}

/** The demo with a vPHB added and the V100 (group 4) placed on it: work worth keeping. */
async function editDemo(page: Page): Promise<string> {
  await page.getByTestId('add-phb').click();
  await expect(page.getByTestId('controller-3')).toBeVisible();
  await page.getByTestId('fit-view').click();
  await drag(page, await center(page, 'host-group-4'), await center(page, 'controller-3'));
  await page.mouse.up();
  await expect(page.getByTestId('controller-3').getByTestId('guest-device-0035:03:00.0')).toBeVisible();
  return exportXml(page);
}

async function keepStorageOnReload(page: Page): Promise<void> {
  await page.evaluate(() => sessionStorage.setItem('pcitopo-e2e-keep', '1'));
}

test.describe('the user never loses a design', () => {
  test('a tampered share link opened in another tab leaves the edited design restorable, byte for byte', async ({ page, context }) => {
    await openApp(page);
    const edited = await editDemo(page);

    const other = await openTab(context, '/#/d/AAAAnot-a-real-payload');
    await expect(other.getByTestId('error-message')).toContainText('share link');
    // an empty, working editor: one vPHB, no devices
    await expect(other.getByTestId('controller-0')).toBeVisible();
    await expect(other.getByTestId('controller-1')).toHaveCount(0);
    // the link is gone from the address bar: a reload will not open it again
    expect(new URL(other.url()).hash).toBe('');
    // editing the empty design autosaves over the edited one...
    await other.getByTestId('add-phb').click();
    await expect(other.getByTestId('controller-1')).toBeVisible();
    const emptyPlusOne = await exportXml(other);
    // ...which is still kept aside
    await expect(other.getByTestId('restore-previous')).toBeVisible();
    await other.getByTestId('restore-previous').click();
    await expect(other.getByTestId('controller-3').getByTestId('guest-device-0035:03:00.0')).toBeVisible();
    expect(await exportXml(other)).toBe(edited);
    await expect(other.getByTestId('notice-message')).toContainText('Restored your previous design');

    // restoring is one undoable step
    await other.keyboard.press('Control+z');
    await expect(other.getByTestId('controller-3')).toHaveCount(0);
    expect(await exportXml(other)).toBe(emptyPlusOne);
    await other.keyboard.press('Control+Shift+z');
    await expect(other.getByTestId('controller-3')).toBeVisible();

    // and the restored design is what a reload shows (once autosave, which writes after the frame, holds it)
    await expect.poll(() => savedDomain(other)).toBe(edited);
    await other.reload();
    await expect(other.locator('html[data-ready="true"]')).toBeAttached();
    await expect(other.getByTestId('controller-3')).toBeVisible();
    expect(await exportXml(other)).toBe(edited);
  });

  test('a valid share link opened in another tab shows the shared design and keeps the edited one restorable', async ({ page, context, browser }) => {
    // a colleague's design: a q35 guest, made in another browser
    const theirs = await browser.newContext();
    const colleague = await theirs.newPage();
    await openApp(colleague);
    await colleague.getByTestId('machine-select').selectOption('q35');
    await colleague.getByTestId('add-phb').click();
    await expect(colleague.getByTestId('controller-1')).toContainText('Root port');
    const shared = await exportXml(colleague);
    await colleague.getByTestId('share-link').click();
    const url = await colleague.getByTestId('share-link-url').inputValue();
    await theirs.close();

    await openApp(page);
    const edited = await editDemo(page);

    const other = await openTab(context, url);
    await expect(other.getByTestId('notice-message')).toContainText('Opened a shared design');
    await expect(other.getByTestId('notice-message')).toContainText('p9-demo');
    expect(await exportXml(other)).toBe(shared);
    expect(new URL(other.url()).hash).toBe('');
    // the shared design is autosaved as it opened: a reload shows it, not the link again
    await expect.poll(() => savedDomain(other)).toBe(shared);
    await other.reload();
    await expect(other.locator('html[data-ready="true"]')).toBeAttached();
    expect(await exportXml(other)).toBe(shared);
    // the edited design is still kept aside, restorable from the toolbar too
    await other.getByTestId('machine-select').selectOption('restore-previous');
    await expect(other.getByTestId('controller-3').getByTestId('guest-device-0035:03:00.0')).toBeVisible();
    expect(await exportXml(other)).toBe(edited);
    await other.keyboard.press('Control+z');
    await expect(other.getByTestId('controller-0')).toContainText('PCIe root');
    expect(await exportXml(other)).toBe(shared);
  });

  test('a second share link does not push the edited design out', async ({ page, context }) => {
    await openApp(page);
    const demo = await exportXml(page);
    await page.getByTestId('share-link').click();
    const url = await page.getByTestId('share-link-url').inputValue();
    const edited = await editDemo(page);

    const first = await openTab(context, url);
    expect(await exportXml(first)).toBe(demo);
    await first.close();
    // the first link's design, unedited, was autosaved; opening another link keeps the edited one
    const second = await openTab(context, url);
    await second.getByTestId('restore-previous').click();
    await expect.poll(() => exportXml(second)).toBe(edited);
  });

  test('"New design" is one undo step, and the replaced design survives a reload', async ({ page }) => {
    await openApp(page);
    const edited = await editDemo(page);
    await page.getByTestId('machine-select').selectOption('q35');
    await expect(page.getByTestId('controller-0')).toContainText('PCIe root');
    const q35 = await exportXml(page);
    await page.keyboard.press('Control+z');
    await expect(page.getByTestId('controller-3')).toBeVisible();
    expect(await exportXml(page)).toBe(edited);
    await page.keyboard.press('Control+Shift+z');
    await expect(page.getByTestId('controller-0')).toContainText('PCIe root');

    // the kept design survives a reload (and so does the history: see persistence.spec.ts)
    await expect.poll(() => savedDomain(page)).toBe(q35);
    await keepStorageOnReload(page);
    await page.reload();
    await expect(page.locator('html[data-ready="true"]')).toBeAttached();
    expect(await exportXml(page)).toBe(q35);
    await page.getByTestId('restore-previous').click();
    await expect(page.getByTestId('controller-3')).toBeVisible();
    expect(await exportXml(page)).toBe(edited);
  });

  test('"Open the demo" from the message bar is one undo step and keeps the autosaved design', async ({ page }) => {
    await openApp(page);
    const edited = await editDemo(page);
    await expect.poll(() => savedDomain(page)).toBe(edited);
    await keepStorageOnReload(page);
    await page.reload();
    await expect(page.locator('html[data-ready="true"]')).toBeAttached();
    await expect(page.getByTestId('notice-message')).toContainText('Restored your design');
    expect(await exportXml(page)).toBe(edited);

    await page.getByTestId('open-demo').click();
    await expect(page.getByTestId('controller-3')).toHaveCount(0);
    await page.keyboard.press('Control+z');
    await expect(page.getByTestId('controller-3')).toBeVisible();
    expect(await exportXml(page)).toBe(edited);
    await page.keyboard.press('Control+Shift+z');
    await expect(page.getByTestId('controller-3')).toHaveCount(0);

    const demo = await exportXml(page);
    await expect.poll(() => savedDomain(page)).toBe(demo);
    await page.reload();
    await expect(page.locator('html[data-ready="true"]')).toBeAttached();
    await page.getByTestId('restore-previous').click();
    await expect.poll(() => exportXml(page)).toBe(edited);
  });
});
