import { expect, test } from '@playwright/test';
import { largePseries } from './fixtures/designs.ts';
import { center, drag, loadDesign, openApp } from './helpers.ts';
import { recordReactCommits } from './reactCommits.ts';

/**
 * What a drop renders (DESIGN.md §7: a drop shows its findings within one frame): the components
 * React renders for the drop of a host group on a vPHB of the 31-vPHB design, read through the hook
 * React DevTools use (as bench/trace-dom.mjs does). Component names are minified in the build, so
 * each rendered component is named by the element it returns (React Flow's own: div.react-flow).
 */

test('a drop renders what it changed: not React Flow, not the canvas bar around the flow', async ({ page }) => {
  // up to the commit that shows the drop's findings: later ones are not the drop's frame
  await page.addInitScript(recordReactCommits, '[data-testid="finding"][data-rule-id^="PAPR-ISO"]');
  const errors = await openApp(page);
  await loadDesign(page, largePseries());
  await drag(page, await center(page, 'host-group-2'), await center(page, 'controller-1'));
  await expect(page.getByTestId('controller-1')).toHaveClass(/ over/);
  await page.evaluate(() => {
    if (window.__commits) window.__commits.on = true;
  });
  await page.mouse.up();
  await expect(page.locator('[data-testid="finding"][data-rule-id^="PAPR-ISO"]').first()).toBeVisible();
  const classes = await page.evaluate(() => (window.__commits?.commits ?? []).flatMap((c) => c.rendered.map((r) => r.element)));
  // the drop did render: the vPHBs it changed and the findings
  expect(classes.filter((c) => /\bctile\b/.test(c)).length).toBeGreaterThan(0);
  expect(classes.filter((c) => /\bfinding\b/.test(c)).length).toBeGreaterThan(0);
  // ... and not React Flow (its nodes are the same objects: a node names its device count itself), nor
  // the canvas' bar, which does not show the guest
  expect(classes.filter((c) => /(^|\s)react-flow(\s|$)/.test(c))).toEqual([]);
  expect(classes.filter((c) => /\bcanvasbar\b/.test(c))).toEqual([]);
  expect(errors).toEqual([]);
});

test('a drop ends the drag even when its state is updated between the drop and its end (targets judged again after a check, as under load): no ghost stays', async ({ page }) => {
  const errors = await openApp(page);
  const to = await center(page, 'controller-1');
  await drag(page, await center(page, 'host-group-2'), to);
  await expect(page.getByTestId('controller-1')).toHaveClass(/ over/);
  // the release and, in the same task, an update of the drag's state, as a check of the design that
  // ends before the drop's cleanup two frames later makes (judgePending: a new state object)
  await page.evaluate(({ x, y }) => {
    window.dispatchEvent(new PointerEvent('pointerup', { clientX: x, clientY: y, button: 0 }));
    (window.__pcitopo?.getState() as unknown as { judgePending(ms: number): boolean }).judgePending(1);
  }, { x: to.x + 1, y: to.y + 1 });
  await page.mouse.up();
  await expect(page.locator('.ghost')).toHaveCount(0);
  await expect(page.locator('body.dragging')).toHaveCount(0);
  expect(await page.evaluate(() => (window.__pcitopo?.getState() as unknown as { drag: unknown }).drag)).toBeNull();
  expect(errors).toEqual([]);
});
