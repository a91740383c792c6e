import { expect, test } from '@playwright/test';

/**
 * The start of the page (issue 10: first render under 1 s). Opening IndexedDB is the longest wait
 * before a saved design can be drawn (a new profile creates the database), so the page's small first
 * script starts it while the app's chunk is still loading, and index.html has the browser fetch that
 * chunk from the start (modulepreload): the two overlap instead of following each other.
 */
test("storage is opened before the app's script runs, and the app's chunks are fetched from the start", async ({ page, request }) => {
  await page.addInitScript(() => {
    localStorage.clear();
    const w = window as unknown as { __firstOpen?: { at: number; appRan: boolean } };
    const open = IDBFactory.prototype.open;
    IDBFactory.prototype.open = function (this: IDBFactory, ...args: Parameters<IDBFactory['open']>) {
      // window.__pcitopo is set by the app's module (app.tsx) when it runs
      w.__firstOpen ??= { at: performance.now(), appRan: window.__pcitopo !== undefined };
      return open.apply(this, args);
    };
  });
  await page.goto('/');
  await expect(page.locator('html[data-ready="true"]')).toBeAttached();
  const first = await page.evaluate(() => (window as unknown as { __firstOpen?: { at: number; appRan: boolean } }).__firstOpen);
  expect(first).toEqual({ at: expect.any(Number), appRan: false });

  const html = await (await request.get('/')).text();
  const preloaded = [...html.matchAll(/<link rel="modulepreload"[^>]*href="([^"]+)"/g)].map((m) => new URL(m[1] as string, page.url()).href);
  expect(preloaded.length).toBeGreaterThan(0);
  const started = await page.evaluate(() => performance.getEntriesByType('resource').map((r) => ({ name: r.name, startTime: r.startTime })));
  for (const href of preloaded) {
    const r = started.find((x) => x.name === href);
    // asked for while the HTML was read, before the first script ran (and opened storage)
    expect(r, href).toBeDefined();
    expect(r?.startTime ?? Infinity, href).toBeLessThan(first?.at ?? 0);
  }
});
