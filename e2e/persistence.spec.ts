import fs from 'node:fs';
import path from 'node:path';
import { expect, test, type BrowserContext, type Page } from '@playwright/test';
import { exportXml, keptNames, openApp, savedDomain, SHARED, sharedPresent } from './helpers.ts';
import { MACHINE_TEMPLATES } from '../src/engine/machines/index.ts';

/**
 * The app keeps work safe (issue 11): storage that refuses to save is said at once with an Export
 * offer; a share link never replaces a design it could not keep aside; only what was drawn is
 * autosaved; a start after a crash opens safely and offers the last design back. Pages from
 * context.newPage() share the first page's storage, as two tabs of one browser do.
 */

/**
 * Makes this page's IndexedDB refuse every write, as a full quota does, from its start; `full(page,
 * false)` makes room again.
 */
async function fillStorage(page: Page): Promise<void> {
  await page.addInitScript(() => {
    const w = window as unknown as { __storageFull?: boolean };
    w.__storageFull = true;
    for (const m of ['put', 'add'] as const) {
      const original = IDBObjectStore.prototype[m] as (...a: unknown[]) => IDBRequest;
      IDBObjectStore.prototype[m] = function write(this: IDBObjectStore, ...a: unknown[]) {
        if (w.__storageFull) throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
        return original.apply(this, a);
      } as IDBObjectStore[typeof m];
    }
  });
}

const full = (page: Page, on: boolean): Promise<void> =>
  page.evaluate((v) => {
    (window as unknown as { __storageFull?: boolean }).__storageFull = v;
  }, on);

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
  test('an edit that cannot be saved is said at once, with Export (a real quota, set through Chromium)', async ({ page }) => {
    await openApp(page);
    await expect(page.getByTestId('storage-failed')).toHaveCount(0);
    const saved = await savedDomain(page);
    // the origin's quota made smaller than what it already holds: every IndexedDB write fails as when the disk is full
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Storage.overrideQuotaForOrigin', { origin: new URL(page.url()).origin, quotaSize: 1 });
    await page.getByTestId('add-phb').click();
    await expect(page.getByTestId('storage-failed')).toContainText('storage for this page is full');
    const download = page.waitForEvent('download');
    await page.getByTestId('storage-export').click();
    const file = await (await download).path();
    expect(fs.readFileSync(file, 'utf8')).toBe(await exportXml(page));
    expect(await savedDomain(page)).toBe(saved);
    // room again: the next change is saved and the alert goes
    await cdp.send('Storage.overrideQuotaForOrigin', { origin: new URL(page.url()).origin });
    await page.getByTestId('add-phb').click();
    await expect(page.getByTestId('storage-failed')).toHaveCount(0);
    await expect.poll(() => savedDomain(page)).toBe(await exportXml(page));
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

    // "Save this one instead", once there is room: the shared design, edited, is saved over it
    await full(other, false);
    await other.getByTestId('add-phb').click();
    await expect(other.getByTestId('controller-4')).toBeVisible();
    // still beside: nothing saved over the user's design until asked
    expect(await savedDomain(other)).toBe(edited);
    await other.getByTestId('storage-save-over').click();
    await expect(other.getByTestId('storage-failed')).toHaveCount(0);
    const mine = await exportXml(other);
    await expect.poll(() => savedDomain(other)).toBe(mine);
    expect(mine).not.toBe(edited);
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
  if (!sharedPresent('the h02 link test', file)) return;
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
    await expect.poll(() => exportXml(next)).toBe(edited);
  });
});

test.describe('two tabs of one browser', () => {
  test('never overwrite each other silently: the other tab’s design is kept aside and the user told', async ({ page, context }) => {
    await openApp(page);
    const mine = await editAndSave(page);

    // a second tab opens the same autosave, and edits it its own way
    const other = await openTab(context, '/');
    expect(await exportXml(other)).toBe(mine);
    await other.getByTestId('machine-select').selectOption('q35');
    await other.getByTestId('add-phb').click();
    await expect(other.getByTestId('controller-1')).toContainText('Root port');
    const theirs = await exportXml(other);
    await expect.poll(() => savedDomain(other)).toBe(theirs);
    await expect(other.getByTestId('other-tab-notice')).toHaveCount(0);

    // the first tab edits on: its save finds the other tab's, keeps it aside, and says so
    await page.getByTestId('add-phb').click();
    await expect(page.getByTestId('controller-4')).toBeVisible();
    const mineEdited = await exportXml(page);
    await expect(page.getByTestId('other-tab-notice')).toContainText('Another tab had saved its design');
    await expect(page.getByTestId('other-tab-notice')).toContainText('new-q35');
    await expect.poll(() => savedDomain(page)).toBe(mineEdited);

    // the other tab's design is in the list, and restores byte for byte
    await page.getByTestId('other-tab-show').click();
    const row = page.getByTestId('kept-designs').getByTestId('kept-design').filter({ hasText: 'saved by another tab' });
    await expect(row).toHaveCount(1);
    await row.getByTestId('kept-restore').click();
    await expect(page.getByTestId('controller-1')).toContainText('Root port');
    expect(await exportXml(page)).toBe(theirs);
    // restoring kept this tab's edited design aside in turn: nothing is lost
    await page.keyboard.press('Control+z');
    await expect(page.getByTestId('controller-4')).toBeVisible();
    expect(await exportXml(page)).toBe(mineEdited);
  });
});

test.describe('a tab reloaded after another tab saved over its design', () => {
  test('says it opened the other tab’s design, and brings this tab’s own back', async ({ page, context }) => {
    await openApp(page);
    await editAndSave(page);
    // a second tab opens that autosave; the first edits on and saves again
    const other = await openTab(context, '/');
    await page.getByTestId('add-phb').click();
    await expect(page.getByTestId('controller-4')).toBeVisible();
    const mine = await exportXml(page);
    await expect.poll(() => savedDomain(page)).toBe(mine);
    // the second tab edits the older design and saves over the first tab's, keeping it aside
    await other.getByTestId('machine-select').selectOption('q35');
    await other.getByTestId('add-phb').click();
    await expect(other.getByTestId('controller-1')).toContainText('Root port');
    const theirs = await exportXml(other);
    await expect.poll(() => savedDomain(other)).toBe(theirs);

    // the first tab reloads: the autosave is the other tab's, and the notice says so
    await page.evaluate(() => sessionStorage.setItem('pcitopo-e2e-keep', '1'));
    await page.reload();
    await expect(page.locator('html[data-ready="true"]')).toBeAttached();
    expect(await exportXml(page)).toBe(theirs);
    await expect(page.getByTestId('notice-message')).toContainText('Opened the design another tab saved');
    await expect(page.getByTestId('notice-message')).toContainText("This tab's own design");
    await page.getByTestId('restore-this-tab').click();
    await expect(page.getByTestId('controller-4')).toBeVisible();
    expect(await exportXml(page)).toBe(mine);

    // the other tab reloads its own autosave... which is now the first tab's again: it says so too
    await other.evaluate(() => sessionStorage.setItem('pcitopo-e2e-keep', '1'));
    await expect.poll(() => savedDomain(page)).toBe(mine);
    await other.reload();
    await expect(other.locator('html[data-ready="true"]')).toBeAttached();
    await expect(other.getByTestId('notice-message')).toContainText('Opened the design another tab saved');
    await other.getByTestId('restore-this-tab').click();
    await expect(other.getByTestId('controller-1')).toContainText('Root port');
    expect(await exportXml(other)).toBe(theirs);
  });

  test('a reload of the tab whose design the autosave is says it restored this tab’s design, as before', async ({ page }) => {
    await openApp(page);
    const mine = await editAndSave(page);
    await page.evaluate(() => sessionStorage.setItem('pcitopo-e2e-keep', '1'));
    await page.reload();
    await expect(page.locator('html[data-ready="true"]')).toBeAttached();
    expect(await exportXml(page)).toBe(mine);
    await expect(page.getByTestId('notice-message')).toContainText('Restored your design');
    await expect(page.getByTestId('restore-this-tab')).toHaveCount(0);
  });
});

test.describe('the undo history', () => {
  test('survives a reload: undo and redo step through the edits made before it', async ({ page }) => {
    await openApp(page);
    const demo = await exportXml(page);
    const one = await editAndSave(page);
    await page.getByTestId('add-phb').click();
    await expect(page.getByTestId('controller-4')).toBeVisible();
    const two = await exportXml(page);
    await expect.poll(() => savedDomain(page)).toBe(two);

    await page.evaluate(() => sessionStorage.setItem('pcitopo-e2e-keep', '1'));
    await page.reload();
    await expect(page.locator('html[data-ready="true"]')).toBeAttached();
    expect(await exportXml(page)).toBe(two);
    await expect(page.getByTestId('undo')).toBeEnabled();
    await page.keyboard.press('Control+z');
    await expect(page.getByTestId('controller-4')).toHaveCount(0);
    expect(await exportXml(page)).toBe(one);
    await page.keyboard.press('Control+z');
    await expect(page.getByTestId('controller-3')).toHaveCount(0);
    expect(await exportXml(page)).toBe(demo);
    await expect(page.getByTestId('undo')).toBeDisabled();
    await page.keyboard.press('Control+Shift+z');
    expect(await exportXml(page)).toBe(one);
  });
});

test.describe('a share link pasted into the address bar of a tab already on the app', () => {
  // only the fragment changes: no reload, so the link must be opened where it arrives, or it waits in
  // the address bar and replaces the design at the next reload
  test('opens as on load: the design shown is kept aside and restorable, the notice says so, and the link leaves the address bar', async ({ page }) => {
    await openApp(page);
    const url = await shareLinkOf(page);
    await page.keyboard.press('Escape');
    const shared = await exportXml(page);
    const edited = await editAndSave(page);
    await page.goto(url);
    await expect(page.getByTestId('notice-message')).toContainText('Opened a shared design. Your previous design (p9-demo, saved');
    await expect(page.getByTestId('controller-3')).toHaveCount(0);
    expect(await exportXml(page)).toBe(shared);
    expect(new URL(page.url()).hash).toBe('');
    await expect.poll(() => keptNames(page)).toEqual(['p9-demo']);
    await expect.poll(() => savedDomain(page)).toBe(shared);
    await page.getByTestId('restore-previous').click();
    await expect(page.getByTestId('controller-3')).toBeVisible();
    expect(await exportXml(page)).toBe(edited);
  });

  test('in a tab whose design is saved nowhere (opened beside, storage full), it opens as an undo step: Ctrl+Z brings that design back', async ({ page, context }) => {
    await openApp(page);
    const url = await shareLinkOf(page);
    await page.keyboard.press('Escape');
    const edited = await editAndSave(page);
    const other = await context.newPage();
    await fillStorage(other);
    await other.goto(url);
    await expect(other.locator('html[data-ready="true"]')).toBeAttached();
    await expect(other.getByTestId('notice-message')).toContainText('beside your saved one');
    // edits to the design opened beside are saved nowhere
    await other.getByTestId('add-phb').click();
    await expect(other.getByTestId('controller-3')).toBeVisible();
    const unsaved = await exportXml(other);
    await other.goto(url);
    await expect(other.getByTestId('notice-message')).toContainText('Ctrl+Z brings back the design you had open');
    await expect(other.getByTestId('controller-3')).toHaveCount(0);
    await other.keyboard.press('Control+z');
    await expect(other.getByTestId('controller-3')).toBeVisible();
    expect(await exportXml(other)).toBe(unsaved);
    // and the saved design was never written over
    expect(await savedDomain(page)).toBe(edited);
  });
});

test.describe('several kept designs', () => {
  test('each replacement keeps the replaced work; the list restores and deletes any of them', async ({ page }) => {
    await openApp(page);
    const demoEdited = await editAndSave(page);
    await page.getByTestId('machine-select').selectOption('q35');
    await page.getByTestId('add-phb').click();
    await expect(page.getByTestId('controller-1')).toContainText('Root port');
    const q35 = await exportXml(page);
    await expect.poll(() => savedDomain(page)).toBe(q35);
    await page.getByTestId('machine-select').selectOption('virt');
    await expect.poll(() => keptNames(page)).toEqual(['new-q35', 'p9-demo']);

    await page.getByTestId('machine-select').selectOption('kept-designs');
    const list = page.getByTestId('kept-designs');
    await expect(list.getByTestId('kept-design')).toHaveCount(2);
    await expect(list.getByTestId('kept-design').first()).toContainText('new-q35');
    await list.getByTestId('kept-design').filter({ hasText: 'p9-demo' }).getByTestId('kept-delete').click();
    await expect(list.getByTestId('kept-design')).toHaveCount(1);
    await expect.poll(() => keptNames(page)).toEqual(['new-q35']);
    await list.getByTestId('kept-restore').click();
    await expect(list).toHaveCount(0);
    await expect(page.getByTestId('controller-1')).toContainText('Root port');
    expect(await exportXml(page)).toBe(q35);
    expect(demoEdited).not.toBe(q35);
  });
});

test.describe('snapshots an earlier pcitopo kept in localStorage', () => {
  /** Puts texts in localStorage before the app's first start in this page (once: not on reloads). */
  async function earlierStorage(page: Page, items: Record<string, string>): Promise<void> {
    await page.addInitScript((set) => {
      if (sessionStorage.getItem('pcitopo-e2e-seeded')) return;
      sessionStorage.setItem('pcitopo-e2e-seeded', '1');
      for (const [k, v] of Object.entries(set)) localStorage.setItem(k, v);
    }, items);
  }

  test('are moved into IndexedDB once: the autosave opens, the kept design is listed, the keys are gone', async ({ page }) => {
    const domain = MACHINE_TEMPLATES.q35.replace(/<name>[^<]*<\/name>/, '<name>mine</name>');
    await earlierStorage(page, {
      'pcitopo:autosave:v1': JSON.stringify({ v: 2, domain, file: 'mine.xml', label: 'Add a root port', pristine: false, savedAt: '2026-01-01T10:00:00.000Z' }),
      'pcitopo:previous:v1': JSON.stringify({ v: 1, domain: domain.replace(/<name>[^<]*<\/name>/, '<name>older-one</name>'), label: 'Add a vPHB', savedAt: '2025-12-31T10:00:00.000Z' }),
    });
    await page.goto('/');
    await expect(page.locator('html[data-ready="true"]')).toBeAttached();
    await expect(page.getByTestId('notice-message')).toContainText('Restored your design');
    expect(await exportXml(page)).toBe(domain);
    await expect.poll(() => keptNames(page)).toEqual(['older-one']);
    expect(await page.evaluate(() => [localStorage.getItem('pcitopo:autosave:v1'), localStorage.getItem('pcitopo:previous:v1')])).toEqual([null, null]);
    await expect(page.getByTestId('unreadable-notice')).toHaveCount(0);
  });

  test('a snapshot that fails validation is not opened: it is said, kept byte for byte, and its text exports', async ({ page }) => {
    const bad = '{"v":2,"domain":{"not":"text"},"pristine":false,"savedAt":"2026-01-01T10:00:00.000Z"}';
    await earlierStorage(page, { 'pcitopo:autosave:v1': bad });
    await page.goto('/');
    await expect(page.locator('html[data-ready="true"]')).toBeAttached();
    await expect(page.getByTestId('unreadable-notice')).toContainText('The design an earlier pcitopo autosaved cannot be read (domain is missing or not text (version 2))');
    // the demo instead, and nothing of the bad text loaded
    await expect(page.getByTestId('controller-0')).toBeVisible();
    const download = page.waitForEvent('download');
    await page.getByTestId('unreadable-export').click();
    expect(fs.readFileSync(await (await download).path(), 'utf8')).toBe(bad);
    // still there after a reload, until the user discards it
    await page.reload();
    await expect(page.locator('html[data-ready="true"]')).toBeAttached();
    await expect(page.getByTestId('unreadable-notice')).toHaveCount(1);
    await page.getByTestId('unreadable-discard').click();
    await expect(page.getByTestId('unreadable-notice')).toHaveCount(0);
  });
});
