import { expect, test, type Page } from '@playwright/test';
import { createDesign, encodeShareLink, validate, type Finding } from '../src/engine/index.ts';
import { q35BridgedNics } from './fixtures/designs.ts';
import { openApp } from './helpers.ts';

/**
 * Designs past full pseries size (issue 11: no design freezes the tab). A long findings list holds
 * only the rows in view (FindingsPanel.tsx), yet reads and walks like the whole list; a design of
 * more than 2,000 devices is drawn a few buses a task (slicing.ts). How long anything takes is the
 * benchmark's business (bench/browser.mjs BENCH_ONLY=open-q35-15k), not these tests'.
 */

/** The findings as the panel lists them: errors, warnings, then notes, each in the engine's order. */
function panelOrder(xml: string): Finding[] {
  const d = createDesign(xml);
  if (!d.ok) throw new Error(d.error.message);
  const all = validate(d.value);
  return (['error', 'warning', 'info'] as const).flatMap((s) => all.filter((f) => f.severity === s));
}

async function openLink(page: Page, domain: string): Promise<string[]> {
  const link = await encodeShareLink({ v: 1, domain }, 'http://x/');
  return openApp(page, link.slice(link.indexOf('#')));
}

/** The message of the finding holding the focus, and its row in the list; null when the focus is not in the findings panel. */
const focusedFinding = (page: Page) =>
  page.evaluate(() => {
    const el = document.activeElement;
    if (!el?.closest('section.findings')) return null;
    const row = el.closest('[data-testid="finding"]');
    return { message: row?.querySelector('.fmsg')?.textContent ?? null, index: Number(row?.getAttribute('data-index') ?? -1) };
  });

test('a long findings list shows its first rows, scrolls to its last, and Tab walks it to the end', async ({ page }) => {
  test.setTimeout(180_000);
  // one bridge of 248 virtio NICs: 281 findings, a GEN-CONNECT-2 warning for each NIC
  const g = q35BridgedNics(1);
  const expected = panelOrder(g.domain);
  expect(expected.length).toBeGreaterThan(200);
  const errors = await openLink(page, g.domain);
  const items = page.locator('[data-testid="finding"]');
  const panel = page.locator('section.findings');
  await expect(panel.locator('.counts .c.warning')).toHaveText(String(expected.filter((f) => f.severity === 'warning').length));
  await expect(panel.locator('.counts .c.info')).toHaveText(String(expected.filter((f) => f.severity === 'info').length));
  await expect(items.first().locator('.fmsg')).toHaveText(expected[0]?.message ?? '');
  await expect(items.first()).toBeVisible();
  // only the rows in view (and a few more) are in the page
  expect(await items.count()).toBeLessThan(expected.length / 2);

  // the last finding, scrolled to
  const last = expected[expected.length - 1];
  await panel.evaluate((el) => (el.scrollTop = el.scrollHeight));
  const lastItem = items.filter({ has: page.locator('.fmsg', { hasText: last?.message ?? '' }) });
  await expect(lastItem).toBeVisible();
  await expect(lastItem).toHaveAttribute('data-rule-id', last?.ruleId ?? '');

  // back to the top, Tab from the first finding walks every row in order, out of view too, to the last
  await panel.evaluate((el) => (el.scrollTop = 0));
  await items.first().locator('.fmain').focus();
  let at = await focusedFinding(page);
  let seen = at?.index ?? -1;
  for (let i = 0; i < 6 * expected.length && at?.message !== last?.message; i++) {
    await page.keyboard.press('Tab');
    at = await focusedFinding(page);
    expect(at, `Tab ${i + 1} left the findings before the last one`).not.toBeNull();
    expect(at?.index ?? -1).toBeGreaterThanOrEqual(seen);
    seen = at?.index ?? seen;
  }
  expect(at?.message).toBe(last?.message);
  await expect(lastItem).toBeVisible();
  // and Shift+Tab walks back
  await page.keyboard.press('Shift+Tab');
  await page.keyboard.press('Shift+Tab');
  await page.keyboard.press('Shift+Tab');
  expect((await focusedFinding(page))?.index ?? Infinity).toBeLessThan(seen);
  expect(errors).toEqual([]);
});

test('a design of more than 2,000 devices is drawn a few buses at a time, and every device in the end', async ({ page }) => {
  test.setTimeout(180_000);
  // 12 bridges of 248 NICs: 2,976 devices
  const g = q35BridgedNics(12);
  const nics = 12 * 31 * 8;
  // device chips the page gets per DOM change batch (one per React commit: a task)
  await page.addInitScript(() => {
    const w = window as unknown as { __chipBatches: number[] };
    w.__chipBatches = [];
    // each chip once: a record may add a node whose subtree another record of the batch added to
    const seen = new WeakSet<Element>();
    new MutationObserver((records) => {
      let n = 0;
      const count = (el: Element) => {
        if (!seen.has(el)) n++;
        seen.add(el);
      };
      for (const r of records) {
        r.addedNodes.forEach((node) => {
          if (!(node instanceof Element)) return;
          if (node.matches('[data-testid^="guest-device-"]')) count(node);
          node.querySelectorAll('[data-testid^="guest-device-"]').forEach(count);
        });
      }
      if (n) w.__chipBatches.push(n);
    }).observe(document, { childList: true, subtree: true });
  });
  const errors = await openLink(page, g.domain);
  await expect(page.locator('[data-testid^="guest-device-"]')).toHaveCount(nics, { timeout: 60_000 });
  const batches = await page.evaluate(() => (window as unknown as { __chipBatches: number[] }).__chipBatches);
  expect(batches.reduce((a, b) => a + b, 0)).toBe(nics);
  expect(batches.length).toBeGreaterThan(1);
  expect(Math.max(...batches)).toBeLessThanOrEqual(2000);
  // the page answers: the canvas bar's legend opens, and the findings are the engine's count
  const legend = page.getByTestId('legend-toggle');
  const open = await legend.getAttribute('aria-expanded');
  await legend.click();
  await expect(legend).toHaveAttribute('aria-expanded', open === 'true' ? 'false' : 'true');
  await expect(page.locator('.findings .counts .c.warning')).toHaveText(String(panelOrder(g.domain).filter((f) => f.severity === 'warning').length), { timeout: 60_000 });
  expect(errors).toEqual([]);
});
